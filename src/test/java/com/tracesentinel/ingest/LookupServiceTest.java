package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tracesentinel.code.ParseResult;
import com.tracesentinel.code.TraceCodes;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.ScanRef;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The look-up says which kind of failure its read of the sales met: the history unavailable (a 503 to retry), or a
 * fault of the service's own (a 500), so that HTTP only renders it. The sales history is a fake of the port.
 */
class LookupServiceTest {
  private static final ParseResult BOX = TraceCodes.parse("(01)06901234567892(21)LS-1");
  /** Sold at two sites: its sales are read from the history. */
  private static final CodeState SOLD_TWICE = new CodeState(2, 2, 2, 2, null, false, false, 0, false, 0);

  private static final LookupService.Counts UNCOUNTED = new LookupService.Counts() {
    @Override
    public void count(LocalDate day, LookupService.Outcome outcome) {}

    @Override
    public void countCode(byte[] codeKey) {}
  };

  private static Throwable failureOf(LookupService.SalesHistory history) {
    LookupService lookups = new LookupService(key -> CompletableFuture.completedFuture(SOLD_TWICE),
        new ReferenceStore(), LookupService.Catalogue.LOCAL, history, UNCOUNTED, () -> null, Duration.ofMillis(300),
        new SimpleMeterRegistry());
    return assertThrows(ExecutionException.class, () -> lookups.lookUp(BOX).get(10, TimeUnit.SECONDS)).getCause();
  }

  /**
   * A copied code scanned 64 times or more shows the open sales its state holds, without a read of the history: that
   * read took every stored scan of the code, and each double scan's sale again, for every look-up of it.
   */
  @Test
  void aCodeScannedSixtyFourTimesIsAnsweredFromItsStateAlone() throws Exception {
    ReferenceStore reference = new ReferenceStore();
    reference.putSites(List.of(new Site(1, "PBJ1", "Beijing 1", SiteKind.PHARMACY, "110101", "Beijing"),
        new Site(2, "PSZ1", "Shenzhen 1", SiteKind.PHARMACY, "440305", "Shenzhen")));
    ScanRef shenzhen = new ScanRef(2, 1_790_000_000L);
    ScanRef beijing = new ScanRef(1, 1_789_000_000L);
    AtomicInteger reads = new AtomicInteger();
    LookupService.SalesHistory history = (key, limit) -> {
      reads.incrementAndGet();
      return CompletableFuture.completedFuture(List.of());
    };
    for (int scans : new int[] {LookupService.HISTORY_READ_BELOW_SCANS - 1, LookupService.HISTORY_READ_BELOW_SCANS}) {
      CodeState copied = new CodeState(scans, 40, 40, 7, shenzhen, false, false, 1, false, 0, false, beijing, false);
      LookupService lookups = new LookupService(key -> CompletableFuture.completedFuture(copied), reference,
          LookupService.Catalogue.LOCAL, history, UNCOUNTED, () -> null, Duration.ofSeconds(5),
          new SimpleMeterRegistry());
      LookupService.Answer a = lookups.lookUp(BOX).get(10, TimeUnit.SECONDS);
      assertEquals(LookupService.Outcome.MULTIPLE_SALES, a.outcome());
      assertEquals(40, a.saleCount());
      if (scans < LookupService.HISTORY_READ_BELOW_SCANS) {
        assertEquals(1, reads.get(), "63 scans: the history is read");
      } else {
        assertEquals(1, reads.get(), "64 scans: no read of the history");
        assertEquals(List.of(new LookupService.RecentSale(Instant.ofEpochSecond(shenzhen.at()), "Shenzhen 1",
            "Shenzhen"), new LookupService.RecentSale(Instant.ofEpochSecond(beijing.at()), "Beijing 1", "Beijing")),
            a.recentSales(), "the open sales the state holds, newest first");
      }
    }
  }

  @Test
  void aHistoryThatDoesNotAnswerWithinTheDeadlineIsUnavailable() {
    assertInstanceOf(HistoryUnavailable.class, failureOf((key, limit) -> new CompletableFuture<>()));
  }

  @Test
  void aHistoryThatSaysItIsUnavailableStaysSo() {
    HistoryUnavailable down = new HistoryUnavailable("down", null);
    assertSame(down, failureOf((key, limit) -> CompletableFuture.failedFuture(down)));
  }

  @Test
  void aFaultOfTheReadStaysAFaultNotAnUnavailableHistory() {
    IllegalStateException fault = new IllegalStateException("a fault of the service's own");
    assertSame(fault, failureOf((key, limit) -> CompletableFuture.<List<LookupService.RecentSale>>failedFuture(fault)));
  }
}
