package com.tracesentinel.investigate;

import com.tracesentinel.support.SseClient;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Anomaly stream throughput (load-tests/stream/run.sh runs it; not a unit test): a fresh service, C stream clients,
 * then N anomalies, either produced through the real pipeline (mode {@code ingest}: requests of 500 codes each sold
 * in two cities, from 2 posting threads) or inserted by one SQL statement (mode {@code sql}: the stream's own
 * ceiling, with ingest out of the way); reports how long until every client had every event, and checks that each
 * client got every one exactly once, in id order.
 */
public final class StreamThroughputBenchmark {
  private StreamThroughputBenchmark() {}

  public static void main(String[] args) throws Exception {
    int anomalies = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    boolean sql = args.length > 2 && args[2].equals("sql");
    int perRequest = 500;
    int requests = anomalies / perRequest;
    try (TestService svc = TestService.start()) {
      svc.sites("P44030500001", "440305", "P11010500001", "110105");
      List<SseClient> streams = new ArrayList<>();
      String key = null;
      for (int i = 0; i < clients; i++) {
        if (i % 100 == 0) {
          key = svc.key("investigator", null); // a key opens at most 100 streams
        }
        streams.add(SseClient.open(svc.port(), "/api/v1/anomalies/stream", key, null));
      }
      Thread.sleep(500);
      AtomicLong serial = new AtomicLong();
      Instant base = Instant.now().minus(3, ChronoUnit.HOURS);
      ExecutorService posters = Executors.newFixedThreadPool(2);
      long t0 = System.nanoTime();
      List<Future<?>> posted = new ArrayList<>();
      if (sql) {
        com.tracesentinel.support.TestDatabase.execute(svc.db(), """
            INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id,
                                   region, detail, conflict_site_id, conflict_at)
            SELECT g, now(), 'REPEAT_SALE', 'DIVERTED', 'ALERT', decode(md5('s' || g), 'hex'), 'S' || g, 'P',
                   'P11010500001', '110105', 'bulk', 'P44030500001', now() - interval '1 hour'
            FROM generate_series(1, %d) g""".formatted(requests * perRequest));
      }
      for (int r = 0; r < (sql ? 0 : requests); r++) {
        posted.add(posters.submit(() -> {
          JsonArray scans = new JsonArray();
          for (int i = 0; i < perRequest; i++) {
            long n = serial.getAndIncrement();
            String code = "8100001" + String.format("%013d", n);
            scans.add(new JsonObject().put("code", code).put("siteId", "P44030500001").put("documentNo", "A" + n)
                .put("scannedAt", base.toString()));
            scans.add(new JsonObject().put("code", code).put("siteId", "P11010500001").put("documentNo", "B" + n)
                .put("scannedAt", base.plusSeconds(60).toString()));
          }
          Response resp = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans));
          if (resp.status() != 200) {
            throw new IllegalStateException(resp.toString());
          }
        }));
      }
      for (Future<?> f : posted) {
        f.get();
      }
      double committed = (System.nanoTime() - t0) / 1e9;
      posters.shutdown();
      long total = (long) requests * perRequest;
      long lastAll = 0;
      for (SseClient s : streams) {
        long previous = -1;
        for (long got = 0; got < total; got++) {
          SseClient.Event e = s.next(60_000);
          if (e == null) {
            throw new IllegalStateException("a client got " + got + " of " + total);
          }
          if (e.id() <= previous) {
            throw new IllegalStateException("out of order or repeated: " + e.id() + " after " + previous);
          }
          previous = e.id();
        }
        lastAll = System.nanoTime();
      }
      double delivered = (lastAll - t0) / 1e9;
      System.out.printf(Locale.ROOT, "%d anomalies committed in %.1f s (%.0f/s, %s)%n", total, committed,
          total / committed, sql ? "one INSERT" : "through POST /api/v1/scans");
      System.out.printf(Locale.ROOT, "%d stream clients each got all %d, once and in order, %.1f s after the first "
          + "post: %.0f events/s per client, %.0f events/s written in all%n", clients, total, delivered,
          total / delivered, clients * total / delivered);
      for (SseClient s : streams) {
        s.close();
      }
    }
  }
}
