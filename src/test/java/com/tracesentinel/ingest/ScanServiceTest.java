package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.rules.LadderSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ingest core against in-memory ports that fail on purpose: the database down before COMMIT, the answer to
 * COMMIT lost after it did or did not commit, stalls longer than the stall limit, and one client's data refused.
 * Four clients share a small pool of codes (so most scans depend on another's uncommitted change) and re-send their
 * own requests. Whatever happened, every answer must tell the truth and the ledger must equal the history.
 */
class ScanServiceTest {
  private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");

  private record Attempt(int id, List<ScanInput> inputs, boolean poisoned, List<ScanResult> results, Throwable failure) {}

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void underInjectedFaultsEveryAnswerTellsTheTruthAndTheLedgerEqualsTheHistory(long seed) throws Exception {
    ReferenceStore reference = new ReferenceStore();
    List<Site> sites = List.of(new Site(1, "S1", "A", SiteKind.PHARMACY, "440301", "r"),
        new Site(2, "S2", "B", SiteKind.PHARMACY, "440302", "r"), new Site(3, "S3", "C", SiteKind.PHARMACY, "110101", "r"),
        new Site(4, "S4", "D", SiteKind.HOSPITAL, "310101", "r"));
    reference.putSites(sites);
    reference.putProducts(List.of(new Product("8600001", "D1", "g", null, null, null, 10)));
    MemoryLedger ledger = new MemoryLedger(100_000);
    FakeHistory history = new FakeHistory(seed, 0.1, 60);
    DatabaseHealth health = new DatabaseHealth();
    // What the supervisor's probe does: the database answers again shortly after each failure.
    ScheduledExecutorService supervisor = Executors.newSingleThreadScheduledExecutor();
    supervisor.scheduleWithFixedDelay(health::up, 10, 10, TimeUnit.MILLISECONDS);
    ScanService service = new ScanService(ledger, history, reference, LadderSettings.DEFAULTS, new ScanIds(),
        new IngestMetrics(new SimpleMeterRegistry()), health,
        new ScanService.Settings(60, 100_000, 30, Duration.ofDays(400)));

    AtomicInteger attempts = new AtomicInteger();
    List<Attempt> log = Collections.synchronizedList(new ArrayList<>());
    ExecutorService clients = Executors.newFixedThreadPool(4);
    List<Future<?>> running = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      int client = c;
      running.add(clients.submit(() -> {
        Random random = new Random(seed * 100 + client);
        List<List<ScanInput>> sent = new ArrayList<>();
        for (int n = 0; n < 120; n++) {
          List<ScanInput> request;
          if (!sent.isEmpty() && random.nextInt(5) == 0) {
            request = sent.get(random.nextInt(sent.size())); // a re-send: same idempotency keys
          } else {
            boolean poison = client == 3 && random.nextInt(4) == 0;
            request = request(random, client, n, poison);
            sent.add(request);
          }
          int id = attempts.incrementAndGet();
          List<ScanInput> tagged = tag(request, id);
          try {
            log.add(new Attempt(id, tagged, poisoned(tagged), service.ingest(tagged, NOW).join(), null));
          } catch (CompletionException e) {
            log.add(new Attempt(id, tagged, poisoned(tagged), null, e.getCause()));
            Thread.sleep(5); // as a client honouring Retry-After would, briefly
          }
        }
        return null;
      }));
    }
    for (Future<?> f : running) {
      f.get(120, TimeUnit.SECONDS);
    }
    clients.shutdown();
    assertTrue(service.stop(), "every admitted request was settled");
    supervisor.shutdownNow();

    int ok = 0;
    int failed = 0;
    for (Attempt a : log) {
      List<FakeHistory.Stored> stored = new ArrayList<>();
      synchronized (history) {
        for (FakeHistory.Stored s : history.rows) {
          if (s.row().input().deviceId().equals("a" + a.id())) {
            stored.add(s);
          }
        }
      }
      if (a.failure() != null) {
        failed++;
        assertEquals(0, stored.size(), "attempt " + a.id() + " failed (" + a.failure() + ") but stored rows");
        if (a.failure() instanceof ScanService.DataRefused) {
          assertTrue(a.poisoned(), "only the client whose data is refused may see a refusal");
        } else {
          assertTrue(a.failure() instanceof ScanService.Unavailable, a.failure().toString());
        }
        continue;
      }
      ok++;
      assertTrue(!a.poisoned() || a.results().stream().allMatch(r -> r.status() == ScanStatus.REPLAYED
          || r.status() == ScanStatus.REJECTED), "a poisoned request is never stored");
      int rows = 0;
      for (ScanResult r : a.results()) {
        if (r.status() == ScanStatus.REPLAYED) {
          assertNotNull(r.original(), "a replay carries its original");
          FakeHistory.Stored original = history.byIdem(com.tracesentinel.code.CodeKey.sha256Prefix(
              a.inputs().get(r.index()).idempotencyKey(r.canonical())));
          assertNotNull(original, "a replay's original is stored");
          assertEquals(original.row().status(), r.original().status());
        } else {
          rows++;
          ScanResult result = r;
          assertTrue(stored.stream().anyMatch(s -> s.row().index() == result.index()
              && s.row().status() == result.status()), "attempt " + a.id() + " result " + r + " is stored");
        }
      }
      assertEquals(rows, stored.size(), "attempt " + a.id() + " stored exactly its answered rows");
    }
    assertTrue(ok > 100, ok + " answered");
    assertTrue(failed > 0 && history.faults > 0, "faults were injected and seen: " + history.faults);

    LedgerRecovery.Report report = new LedgerRecovery(ledger, history, reference, LadderSettings.DEFAULTS)
        .verify(new PrintStream(new ByteArrayOutputStream()), 10);
    assertTrue(report.clean(), report.toString());
    assertTrue(report.codes() > 10, report.toString());
  }

  private static List<ScanInput> request(Random random, int client, int n, boolean poison) {
    List<ScanInput> scans = new ArrayList<>();
    int size = 1 + random.nextInt(6);
    for (int line = 1; line <= size; line++) {
      String code = String.format("8600001%013d", random.nextInt(40));
      EventType type = random.nextInt(8) == 0 ? EventType.RETURN : EventType.SALE;
      String site = "S" + (1 + random.nextInt(4));
      String doc = poison && line == size ? "POISON" : "C" + client + "-" + n;
      scans.add(new ScanInput(code, type, site, doc, line, NOW.minusSeconds(random.nextInt(86_400)), 1,
          random.nextInt(10) == 0, random.nextInt(20) == 0 ? "OTHER" : null, null, null));
    }
    return scans;
  }

  /** The attempt's number rides in deviceId (not part of the idempotency key), so stored rows name their attempt. */
  private static List<ScanInput> tag(List<ScanInput> request, int attempt) {
    List<ScanInput> out = new ArrayList<>();
    for (ScanInput s : request) {
      out.add(new ScanInput(s.code(), s.type(), s.siteId(), s.documentNo(), s.lineNo(), s.scannedAt(), s.quantity(),
          s.split(), s.billedDrug(), s.settlementId(), "a" + attempt));
    }
    return out;
  }

  private static boolean poisoned(List<ScanInput> request) {
    return request.stream().anyMatch(s -> s.documentNo().equals("POISON"));
  }

}
