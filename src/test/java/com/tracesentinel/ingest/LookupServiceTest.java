package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tracesentinel.code.ParseResult;
import com.tracesentinel.code.TraceCodes;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.rules.CodeState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
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
