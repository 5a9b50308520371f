package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.rules.EventType;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A database that stops answering in the middle of a group, before COMMIT: the group's own requests are answered 503
 * once the stall limit passes, not when the database answers again (by default 10 s later, at the socket timeout),
 * and the group can then never commit, so nothing answered 503 is stored and a re-send is judged afresh.
 */
class StalledCommitTest {
  private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");

  @Test
  void aGroupStalledBeforeCommitIsAnswered503AtTheStallLimitAndNeverCommits() throws Exception {
    // A stall limit of 100 ms: the stalled group is answered long before the test lets the database answer.
    MemoryPipeline pipeline = new MemoryPipeline(100);
    ScanService service = pipeline.service;
    FakeHistory history = pipeline.history;
    try {
      ScanInput sale = new ScanInput("86000010000000000042", EventType.SALE, "S1", "D1", 1, NOW.minusSeconds(600), 1,
          false, null, null, null);
      CountDownLatch database = new CountDownLatch(1);
      history.holdNextCommit = database;
      CompletableFuture<List<ScanResult>> stalled = service.ingest(List.of(sale), NOW);
      ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> stalled.get(10, TimeUnit.SECONDS), "answered while the commit still waits for the database");
      assertInstanceOf(ScanService.Unavailable.class, failure.getCause());
      assertEquals(1, database.getCount(), "the database had not answered yet");

      database.countDown();
      pipeline.health.up(); // what the supervisor's probe does once the database answers again
      List<ScanResult> resent = retryWhileUnavailable(service, sale);
      assertEquals(ScanStatus.ACCEPTED, resent.get(0).status(), "judged afresh: the stalled try was undone");
      assertEquals(1, history.givenUp, "the stalled group reached the gate and was refused COMMIT");
      assertEquals(1, history.countStoredScans(), "only the re-send is stored");
      pipeline.assertLedgerMatchesHistory();
    } finally {
      assertTrue(service.stop());
    }
  }

  private static List<ScanResult> retryWhileUnavailable(ScanService service, ScanInput sale) throws Exception {
    for (int i = 0; i < 200; i++) {
      try {
        return service.ingest(List.of(sale), NOW).get(10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof ScanService.Unavailable)) {
          throw e;
        }
        Thread.sleep(20);
      }
    }
    throw new AssertionError("still refused after 4 s");
  }
}
