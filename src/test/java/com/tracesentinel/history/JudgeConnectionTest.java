package com.tracesentinel.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.ingest.ScanEvent;
import com.tracesentinel.support.CuttingProxy;
import com.tracesentinel.support.TestDatabase;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The judge's re-send check against a database that stops answering: the judge waits for it and nothing else is judged
 * meanwhile, so a timed-out question is not asked again on a new connection (whose login would wait as long again:
 * a 20 s freeze held requests 4.2 s instead of 2 s in {@code load-tests/faults/run.sh pg-stop-resend}).
 */
@Tag("slow")
class JudgeConnectionTest {
  @Test
  void aQuestionThatTimedOutIsNotAskedAgainOnANewConnection() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Migrations.apply(db);
    try (CuttingProxy proxy = new CuttingProxy(db.host(), db.port(), "none");
         PostgresHistory history = new PostgresHistory(new DatabaseUrl("127.0.0.1", proxy.port(), db.database(),
             db.user(), db.password()), "w1", 10, 1, ref -> null)) {
      List<ScanEvent> resent = List.of(new ScanEvent(CodeKey.of("86000000000000000001"), new byte[16], null));
      assertNull(history.findOriginals(resent).get(0), "never stored");
      assertEquals(1, proxy.accepted());

      proxy.freeze();
      assertThrows(SQLException.class, () -> history.findOriginals(resent));
      assertEquals(1, proxy.accepted(), "no second connection tried while the database does not answer");

      proxy.thaw();
      assertNull(history.findOriginals(resent).get(0), "asked on a new connection once it answers again");
      assertEquals(2, proxy.accepted());
    }
  }

  /**
   * A deletion's reads run on the judge's thread too: on connections of their own with no login limit (and no socket
   * limit for the codes' scans), a frozen database held the judge, and every site's scans, as long as it stayed frozen.
   */
  @Test
  void aDeletionsReadsGiveUpWithinTheJudgesLimit() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Migrations.apply(db);
    try (CuttingProxy proxy = new CuttingProxy(db.host(), db.port(), "none");
         PostgresHistory history = new PostgresHistory(new DatabaseUrl("127.0.0.1", proxy.port(), db.database(),
             db.user(), db.password()), "w1", 10, 1, ref -> null)) {
      List<byte[]> codes = List.of(CodeKey.of("86000000000000000001"));
      assertEquals(List.of(), history.uploadScans("S1", "B-1"));
      proxy.freeze();
      ExecutorService reader = Executors.newSingleThreadExecutor();
      try {
        for (Callable<?> read : List.<Callable<?>>of(() -> history.uploadScans("S1", "B-1"), () -> {
          history.scansOfExcept(codes, Set.of(), e -> { });
          return null;
        })) {
          Future<?> answer = reader.submit(read);
          ExecutionException e = assertThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS),
              "given up, not waiting for the thaw");
          assertInstanceOf(SQLException.class, e.getCause());
        }
      } finally {
        proxy.thaw();
        reader.shutdown();
      }
      assertEquals(List.of(), history.uploadScans("S1", "B-1"), "read again once it answers");
    }
  }
}
