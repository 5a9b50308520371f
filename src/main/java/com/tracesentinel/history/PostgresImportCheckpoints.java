package com.tracesentinel.history;

import com.tracesentinel.nhsa.ImportCheckpoints;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The import's checkpoints in PostgreSQL; waits for each answer, so never call it from an event loop. */
public final class PostgresImportCheckpoints implements ImportCheckpoints {
  private static final long TIMEOUT_SECONDS = 60;
  private final Pool pool;

  public PostgresImportCheckpoints(Pool pool) {
    this.pool = pool;
  }

  @Override
  public List<Checkpoint> saved() {
    return await(pool.query(Sql.IMPORT_CHECKPOINTS).execute().map(rows -> {
      List<Checkpoint> all = new ArrayList<>();
      for (Row r : rows) {
        all.add(new Checkpoint(r.getBuffer(0).getBytes(), r.getLong(1)));
      }
      return all;
    }));
  }

  @Override
  public void save(Checkpoint reached, Checkpoint replaced) {
    await(pool.withTransaction(c -> {
      Future<?> saved = c.preparedQuery(Sql.SAVE_IMPORT_CHECKPOINT)
          .execute(Tuple.of(Buffer.buffer(reached.prefixSha256()), reached.lines()));
      return replaced == null || same(reached, replaced) ? saved.mapEmpty() : saved.compose(
          r -> c.preparedQuery(Sql.DROP_IMPORT_CHECKPOINT)
              .execute(Tuple.of(Buffer.buffer(replaced.prefixSha256()), replaced.lines())).mapEmpty());
    }));
  }

  private static boolean same(Checkpoint a, Checkpoint b) {
    return a.lines() == b.lines() && Arrays.equals(a.prefixSha256(), b.prefixSha256());
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the database answered", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the import's checkpoints could not be read or saved: "
          + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("the database did not answer within " + TIMEOUT_SECONDS + " s", e);
    }
  }
}
