package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import com.tracesentinel.rules.AnomalyType;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.rules.LadderSettings;
import com.tracesentinel.rules.StateCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A copied code sold in Beijing and in Shenzhen, the Shenzhen sale returned, then returned again in Shenzhen: through
 * the core, the second return leaves the Beijing sale standing, and the state it leaves (kept in the ledger's bytes)
 * is the one a rebuild from the history makes.
 */
class ReturnOfOneOfSeveralSalesTest {
  private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");
  private static final String CODE = "86000010000000000077";

  private final ReferenceStore reference = new ReferenceStore();
  private final MemoryLedger ledger = new MemoryLedger(1_000);
  private final FakeHistory history = new FakeHistory(1, 0, 60);
  private final DatabaseHealth health = new DatabaseHealth();
  private final ScanService service;

  ReturnOfOneOfSeveralSalesTest() {
    reference.putSites(List.of(new Site(1, "PBJ1", "Beijing", SiteKind.PHARMACY, "110101", "Beijing"),
        new Site(2, "PSZ1", "Shenzhen", SiteKind.PHARMACY, "440305", "Shenzhen"),
        new Site(3, "PGZ1", "Guangzhou", SiteKind.PHARMACY, "440106", "Guangzhou")));
    reference.putProducts(List.of(new Product("8600001", "D1", "g", null, null, null, 10)));
    service = new ScanService(ledger, history, reference, LadderSettings.DEFAULTS, new ScanIds(),
        new IngestMetrics(new SimpleMeterRegistry()), health,
        new ScanService.Settings(60, 100_000, 30, Duration.ofDays(400)));
  }

  @AfterEach
  void stop() throws InterruptedException {
    assertTrue(service.stop());
  }

  private ScanResult send(EventType type, String site, String doc, int hoursAgo) {
    return send(CODE, type, site, doc, hoursAgo);
  }

  private ScanResult send(String code, EventType type, String site, String doc, int hoursAgo) {
    return service.ingest(List.of(scan(code, type, site, doc, hoursAgo)), NOW).join().get(0);
  }

  private static ScanInput scan(String code, EventType type, String site, String doc, int hoursAgo) {
    return new ScanInput(code, type, site, doc, 1, NOW.minusSeconds(3_600L * hoursAgo), 1, false, null, null, null);
  }

  @Test
  void aSecondReturnInShenzhenLeavesTheBeijingSaleSold() throws Exception {
    assertEquals(ScanStatus.ACCEPTED, send(EventType.SALE, "PBJ1", "B1", 5).status());
    assertEquals(AnomalyType.REPEAT_SALE.name(), send(EventType.SALE, "PSZ1", "S1", 4).anomalies().get(0).type());
    assertEquals(ScanStatus.ACCEPTED, send(EventType.RETURN, "PSZ1", "S2", 3).status());
    ScanResult again = send(EventType.RETURN, "PSZ1", "S3", 2);
    assertEquals(AnomalyType.RETURN_MISMATCH.name(), again.anomalies().get(0).type());
    assertEquals(1, StateCodec.decode(ledger.getRaw(CodeKey.of(CODE))).saleCount(), "the Beijing sale stands");
    assertEquals(1, StateCodec.decode(ledger.getRaw(CodeKey.of(CODE))).lastSale().siteRef(), "the open sale again");

    LedgerRecovery.Report report = new LedgerRecovery(ledger, history, reference, LadderSettings.DEFAULTS)
        .verify(new PrintStream(new ByteArrayOutputStream()), 10);
    assertTrue(report.clean(), report.toString());
  }

  /** The rules undo "the latest open sale of that code at the same site": Beijing's, though Shenzhen sold after it. */
  @Test
  void aReturnInBeijingUndoesTheBeijingSaleAndLeavesTheShenzhenSaleSold() throws Exception {
    assertEquals(ScanStatus.ACCEPTED, send(EventType.SALE, "PBJ1", "B1", 5).status());
    assertEquals(AnomalyType.REPEAT_SALE.name(), send(EventType.SALE, "PSZ1", "S1", 4).anomalies().get(0).type());
    ScanResult back = send(EventType.RETURN, "PBJ1", "B2", 3);
    assertEquals(ScanStatus.ACCEPTED, back.status(), back.anomalies().toString());
    var state = StateCodec.decode(ledger.getRaw(CodeKey.of(CODE)));
    assertEquals(1, state.saleCount(), "the Shenzhen sale stands");
    assertEquals(2, state.lastSale().siteRef());
    assertTrue(state.hasOpenSale());
    assertEquals(AnomalyType.RETURN_MISMATCH.name(), send(EventType.RETURN, "PBJ1", "B3", 2).anomalies().get(0).type());

    LedgerRecovery.Report report = new LedgerRecovery(ledger, history, reference, LadderSettings.DEFAULTS)
        .verify(new PrintStream(new ByteArrayOutputStream()), 10);
    assertTrue(report.clean(), report.toString());
  }

  /**
   * Returns the state cannot match, many in one request, each code sold twice in Beijing, then in Shenzhen and in
   * Guangzhou, and returned three times in Beijing: the request reads the history once, not once a return (each read
   * held the judge's thread, every other client's scans waiting behind it: one request of 1,000 such returns stalled
   * them 7-10 s). Each code's second return undoes the Beijing sale the first left, which only this request's scans
   * tell. The verdicts are those of the same returns of other codes sent one at a time.
   */
  @Test
  void aRequestOfReturnsTheStateCannotMatchReadsTheHistoryOnce() throws Exception {
    int codes = 20;
    for (int c = 0; c < 2 * codes; c++) {
      String code = String.format("8600001%013d", 100 + c);
      send(code, EventType.SALE, "PBJ1", "B1-" + c, 7);
      send(code, EventType.SALE, "PBJ1", "B2-" + c, 6);
      send(code, EventType.SALE, "PSZ1", "S-" + c, 5);
      send(code, EventType.SALE, "PGZ1", "G-" + c, 4);
    }
    List<ScanInput> together = new ArrayList<>();
    List<ScanResult> oneByOne = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      for (int c = 0; c < codes; c++) {
        together.add(scan(String.format("8600001%013d", 100 + c), EventType.RETURN, "PBJ1", "R" + round + "-" + c, 3));
        oneByOne.add(send(String.format("8600001%013d", 100 + codes + c), EventType.RETURN, "PBJ1",
            "R" + round + "-" + c, 3));
      }
    }
    int reads = history.scansOfReads.get();
    List<ScanResult> results = service.ingest(together, NOW).join();
    assertEquals(1, history.scansOfReads.get() - reads, "one read of the history for the request");

    assertEquals(ScanStatus.ACCEPTED, results.get(codes).status(), "the first Beijing sale, undone by the second");
    assertEquals(verdicts(oneByOne), verdicts(results));
    LedgerRecovery.Report report = new LedgerRecovery(ledger, history, reference, LadderSettings.DEFAULTS)
        .verify(new PrintStream(new ByteArrayOutputStream()), 10);
    assertTrue(report.clean(), report.toString());
  }

  /**
   * A box sold over and over in Shenzhen and Guangzhou, taken back again and again in Beijing, which never sold it: no
   * sale is open in Beijing whatever the rest of the history holds, so no return reads the code's scans. Each read
   * replayed every one of them on the judge's thread (0.056 s a return at 10,000), and each return, stored, made the
   * next one longer.
   */
  @Test
  void returnsAtASiteThatNeverSoldTheCodeDoNotReadItsScans() throws Exception {
    List<ScanInput> sales = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      sales.add(scan(CODE, EventType.SALE, i % 2 == 0 ? "PSZ1" : "PGZ1", "S-" + i, 8));
    }
    service.ingest(sales, NOW).join();
    int reads = history.scansOfReads.get();
    for (int i = 0; i < 5; i++) {
      ScanResult back = send(EventType.RETURN, "PBJ1", "B-" + i, 7);
      assertEquals(AnomalyType.RETURN_MISMATCH.name(), back.anomalies().get(0).type());
    }
    List<ScanResult> together = service.ingest(List.of(scan(CODE, EventType.RETURN, "PBJ1", "B-5", 7),
        scan(CODE, EventType.RETURN, "PBJ1", "B-6", 7)), NOW).join();
    assertEquals(List.of(AnomalyType.RETURN_MISMATCH.name(), AnomalyType.RETURN_MISMATCH.name()),
        together.stream().map(r -> r.anomalies().get(0).type()).toList());
    assertEquals(0, history.scansOfReads.get() - reads, "no read of the code's scans");
    assertEquals(200, StateCodec.decode(ledger.getRaw(CodeKey.of(CODE))).saleCount(), "every sale stands");
    LedgerRecovery.Report report = new LedgerRecovery(ledger, history, reference, LadderSettings.DEFAULTS)
        .verify(new PrintStream(new ByteArrayOutputStream()), 10);
    assertTrue(report.clean(), report.toString());
  }

  /**
   * A copied code with 255 scans or more, sold in Beijing deep in its history: a return in Beijing does not read the
   * code's scans (each such read replayed all of them on the judge's thread, every other client's scans waiting: 1 s
   * at 10,000 stored, 2.45 s at 60,000), and a rebuild from the history judges it the same way.
   */
  @Test
  void aReturnOfACodeWithTwoHundredAndFiftyFiveScansDoesNotReadItsScans() throws Exception {
    List<ScanInput> sales = new ArrayList<>();
    sales.add(scan(CODE, EventType.SALE, "PBJ1", "B-0", 9));
    for (int i = 1; i < com.tracesentinel.rules.Ladder.HISTORY_ASKED_BELOW_SCANS - 1; i++) {
      sales.add(scan(CODE, EventType.SALE, i % 2 == 0 ? "PSZ1" : "PGZ1", "S-" + i, 8));
    }
    service.ingest(sales, NOW).join();
    int reads = history.scansOfReads.get();
    ScanResult read = send(EventType.RETURN, "PBJ1", "B-R1", 7);
    assertEquals(ScanStatus.ACCEPTED, read.status(), "254 scans: the history is read, Beijing's sale is undone");
    assertEquals(1, history.scansOfReads.get() - reads);

    send(EventType.SALE, "PBJ1", "B-1", 7);
    send(EventType.SALE, "PSZ1", "S-A", 7);
    send(EventType.SALE, "PGZ1", "G-A", 7);
    assertEquals(255, StateCodec.decode(ledger.getRaw(CodeKey.of(CODE))).scanCount(), "where the counter stops");
    ScanResult back = send(EventType.RETURN, "PBJ1", "B-R2", 6);
    assertEquals(AnomalyType.RETURN_MISMATCH.name(), back.anomalies().get(0).type());
    assertTrue(back.anomalies().get(0).detail().contains("not looked up"), back.anomalies().get(0).detail());
    assertEquals(1, history.scansOfReads.get() - reads, "no second read of the code's scans");

    LedgerRecovery.Report report = new LedgerRecovery(ledger, history, reference, LadderSettings.DEFAULTS)
        .verify(new PrintStream(new ByteArrayOutputStream()), 10);
    assertTrue(report.clean(), report.toString());
  }

  /** A sale judged earlier in the same request, not stored yet, is a sale at the return's site: the history is read. */
  @Test
  void aSaleJudgedEarlierInTheRequestIsOneAReturnAtItsSiteFinds() throws Exception {
    send(EventType.SALE, "PSZ1", "S1", 9);
    send(EventType.SALE, "PGZ1", "G1", 8);
    List<ScanResult> together = service.ingest(List.of(scan(CODE, EventType.SALE, "PBJ1", "B1", 7),
        scan(CODE, EventType.SALE, "PSZ1", "S2", 6), scan(CODE, EventType.SALE, "PGZ1", "G2", 6),
        scan(CODE, EventType.RETURN, "PBJ1", "B2", 5)), NOW).join();
    assertEquals(ScanStatus.ACCEPTED, together.get(3).status(), "B1, judged before it in the request");

    LedgerRecovery.Report report = new LedgerRecovery(ledger, history, reference, LadderSettings.DEFAULTS)
        .verify(new PrintStream(new ByteArrayOutputStream()), 10);
    assertTrue(report.clean(), report.toString());
  }

  private static List<String> verdicts(List<ScanResult> results) {
    return results.stream().map(r -> r.status() + " " + r.anomalies().stream().map(a -> a.type() + ": " + a.detail())
        .toList()).toList();
  }

  /**
   * A return the state cannot match reads the code's history on the judge's thread. Unanswered, that read refuses
   * the request (503, nothing stored) and, as an unanswered re-send check does, marks the database down: what queued
   * behind it is refused at once instead of each waiting out a read of its own (with PostgreSQL frozen, a second such
   * return waited 4 s against the 2 s limit, and every other client's scans behind it).
   */
  @Test
  void aReturnWhoseHistoryCannotBeReadIsRefusedAndMarksTheDatabaseDown() throws Exception {
    send(EventType.SALE, "PBJ1", "B1", 6);
    send(EventType.SALE, "PBJ1", "B2", 5);
    send(EventType.SALE, "PSZ1", "S1", 4);
    assertEquals(ScanStatus.ACCEPTED, send(EventType.RETURN, "PBJ1", "B3", 3).status(), "the sale the state holds");
    byte[] before = ledger.getRaw(CodeKey.of(CODE));
    int stored = history.rows.size();
    history.failNextScansOf = new IllegalStateException("injected: the database did not answer the read in time");
    CompletionException refused = assertThrows(CompletionException.class,
        () -> send(EventType.RETURN, "PBJ1", "B4", 2));
    assertTrue(refused.getCause() instanceof ScanService.Unavailable, refused.getCause().toString());
    assertEquals("could not find in the history the sale a return undoes (the history could not be read); nothing of "
        + "it was stored, send it again", refused.getCause().getMessage());
    assertEquals(stored, history.rows.size(), "nothing stored");
    assertArrayEquals(before, ledger.getRaw(CodeKey.of(CODE)), "the ledger as it was");
    assertNotNull(health.downBecause(), "the requests queued behind are refused at once");

    health.up(); // what the supervisor's probe does once the database answers
    assertEquals(ScanStatus.ACCEPTED, send(EventType.RETURN, "PBJ1", "B4", 2).status(), "B1, from the history");
    assertEquals(1, StateCodec.decode(ledger.getRaw(CodeKey.of(CODE))).saleCount(), "the Shenzhen sale stands");
    LedgerRecovery.Report report = new LedgerRecovery(ledger, history, reference, LadderSettings.DEFAULTS)
        .verify(new PrintStream(new ByteArrayOutputStream()), 10);
    assertTrue(report.clean(), report.toString());
  }
}
