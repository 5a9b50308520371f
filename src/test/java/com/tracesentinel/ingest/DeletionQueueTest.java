package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.rules.EventType;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Upload deletions reach the judge one at a time, so that a stream of them (any scanner key can send one, even for
 * an upload never stored) cannot queue in front of every site's scans: a scan of another site waits behind one
 * deletion at most (a scan of the deleting site waits for its deletion to reach the judge: VoidUploadTest).
 */
class DeletionQueueTest {
  private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");

  @Test
  void aScanSentBehindSeveralDeletionsWaitsForOneOfThemOnly() throws Exception {
    try (MemoryPipeline pipeline = new MemoryPipeline()) {
      ScanService service = pipeline.service;
      FakeHistory history = pipeline.history;
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      history.uploadReadEntered = entered;
      history.holdUploadRead = release;
      CompletableFuture<Voiding.Result> first = service.voidUpload("S1", "B-1", NOW);
      assertTrue(entered.await(10, TimeUnit.SECONDS), "the first deletion is reading its upload");
      CompletableFuture<Voiding.Result> second = service.voidUpload("S1", "B-2", NOW);
      CompletableFuture<Voiding.Result> third = service.voidUpload("S1", "B-3", NOW);
      CompletableFuture<List<ScanResult>> sale = service.ingest(List.of(new ScanInput("86000010000000000001",
          EventType.SALE, "S2", "D1", 1, NOW.minusSeconds(600), 1, false, null, null, null)), NOW);
      release.countDown();
      sale.get(10, TimeUnit.SECONDS);
      CompletableFuture.allOf(first, second, third).get(10, TimeUnit.SECONDS);

      List<String> order = history.calls.stream().filter(c -> !c.equals("commit 0 scans")).toList();
      assertEquals(List.of("read B-1", "commit 1 scans", "read B-2", "read B-3"), order,
          "the sale was sent after two more deletions, and waited for the one under way only");
    }
  }
}
