package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.history.DatabaseUrl;
import com.tracesentinel.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A request that waited for a pooled connection longer than the pool's timeout failed because the database could not
 * serve it then: a 503 with Retry-After, like a refused connection, not a logged 500.
 */
class PoolTimeoutTest {
  @Test
  void aPoolThatGaveNoConnectionInTimeIsTheDatabaseUnavailable() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(1).setConnectionTimeout(2).setConnectionTimeoutUnit(TimeUnit.SECONDS))
        .connectingTo(new PgConnectOptions().setHost(db.host()).setPort(db.port()).setDatabase(db.database())
            .setUser(db.user()).setPassword(db.password()))
        .using(vertx)
        .build();
    try {
      SqlConnection held = pool.getConnection().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      Throwable failure = pool.query("SELECT 1").execute().transform(ar -> io.vertx.core.Future.succeededFuture(
          ar.cause())).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      held.close();
      assertTrue(failure != null, "the second query had to wait for the one connection");
      assertTrue(ApiServer.POOL_TIMEOUT != null, "the pool's timeout failure was found");
      assertTrue(ApiServer.databaseUnavailable(failure), failure.toString());
      assertFalse(ApiServer.databaseUnavailable(new io.vertx.core.VertxException(failure.getMessage())),
          "another failure with the same words is not the pool's");
    } finally {
      pool.close();
      vertx.close();
    }
  }
}
