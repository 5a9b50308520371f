package com.tracesentinel.investigate;

import com.tracesentinel.TraceSentinel;
import com.tracesentinel.history.RingEdgesSql;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Ring queries at scale (load-tests/rings/run.sh runs it; not a unit test): a fresh service and database, a
 * province's worth of sites, N synthetic anomalies bulk-inserted with generate_series (default 500,000: cross-site
 * repeat sales between random sites, same-site and code-less anomalies, and 20 planted rings), the ring index left
 * to fold them in as the running service does, then each ring query timed 3 times over HTTP after one warm-up.
 */
public final class RingQueryBenchmark {
  private RingQueryBenchmark() {}

  public static void main(String[] args) throws Exception {
    int total = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
    int sites = 20_000;
    int rings = 20;
    int codesPerRing = 100;
    int ringAnomalies = rings * codesPerRing * 2;
    int crossSite = (int) ((total - ringAnomalies) * 0.6);
    int other = total - ringAnomalies - crossSite;
    try (TestService svc = TestService.start()) {
      System.out.printf(Locale.ROOT, "%d anomalies: %d cross-site repeat sales between random sites of %d, %d others "
          + "(same-site, expired), %d in %d planted rings%n", total, crossSite, sites, other, ringAnomalies, rings);
      long t0 = System.nanoTime();
      // sites in 50 cities; ring k's sites are S0000k1.. (five per ring, two cities)
      TestDatabase.execute(svc.db(), """
          INSERT INTO sites (site_id, name, kind, region_code, region_name)
          SELECT 'S' || lpad(g::text, 6, '0'), 'Pharmacy ' || g, 'PHARMACY', (440101 + (g %% 50) * 100)::text,
                 'City ' || (g %% 50)
          FROM generate_series(1, %d) g""".formatted(sites));
      TraceSentinel.await(svc.app().services().referenceRepository().load());
      TestDatabase.execute(svc.db(), """
          INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id,
                                 region, detail, conflict_site_id, conflict_at)
          SELECT g, now() - (g %% 720) * interval '1 hour', 'REPEAT_SALE', 'DIVERTED', 'ALERT',
                 decode(md5('x' || g), 'hex'), 'X' || g, 'P',
                 'S' || lpad((1 + abs(hashtext('a' || g)) %% %1$d)::text, 6, '0'), '440101', 'noise',
                 'S' || lpad((1 + abs(hashtext('b' || g)) %% %1$d)::text, 6, '0'),
                 now() - (g %% 720) * interval '1 hour' - interval '3 hours'
          FROM generate_series(1, %2$d) g""".formatted(sites, crossSite));
      TestDatabase.execute(svc.db(), """
          INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id,
                                 region, detail, conflict_site_id, conflict_at)
          SELECT g, now() - (g %% 720) * interval '1 hour', CASE WHEN g %% 2 = 0 THEN 'EXPIRED' ELSE 'DOUBLE_SCAN' END,
                 'QUALITY', CASE WHEN g %% 2 = 0 THEN 'ALERT' ELSE 'WARNING' END, decode(md5('y' || g), 'hex'),
                 'Y' || g, 'P', 'S' || lpad((1 + g %% %1$d)::text, 6, '0'), '440101', 'other',
                 CASE WHEN g %% 2 = 0 THEN NULL ELSE 'S' || lpad((1 + g %% %1$d)::text, 6, '0') END,
                 CASE WHEN g %% 2 = 0 THEN NULL ELSE now() - (g %% 720) * interval '1 hour' END
          FROM generate_series(1, %2$d) g""".formatted(sites, other));
      // ring k (0..19): sites 19000 + 5k + 1..5; code c sold at sites c, c+1, c+2 (mod 5): two anomalies per code
      TestDatabase.execute(svc.db(), """
          INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id,
                                 region, detail, conflict_site_id, conflict_at)
          SELECT k * 1000 + c, now() - (c %% 168) * interval '1 hour' + s * interval '2 hours', 'REPEAT_SALE',
                 'COUNTERFEIT', 'ALERT', decode(md5('r' || k || '-' || c), 'hex'), 'R' || k || '-' || c, 'P',
                 'S' || lpad((19000 + 5 * k + 1 + (c + s) %% 5)::text, 6, '0'), '440101', 'ring',
                 'S' || lpad((19000 + 5 * k + 1 + (c + s - 1) %% 5)::text, 6, '0'),
                 now() - (c %% 168) * interval '1 hour' + (s - 1) * interval '2 hours'
          FROM generate_series(0, %d) k, generate_series(0, %d) c, generate_series(1, 2) s""".formatted(rings - 1,
          codesPerRing - 1));
      long loaded = TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies");
      System.out.printf(Locale.ROOT, "loaded %d anomalies in %.1f s%n", loaded, (System.nanoTime() - t0) / 1e9);
      long t1 = System.nanoTime();
      svc.awaitRingIndex(600);
      System.out.printf(Locale.ROOT, "the ring index folded them in in %.1f s: %d (pair, code) rows, %d pairs%n",
          (System.nanoTime() - t1) / 1e9, TestDatabase.count(svc.db(), "SELECT count(*) FROM ring_codes"),
          TestDatabase.count(svc.db(), "SELECT count(*) FROM ring_pairs"));
      TestDatabase.execute(svc.db(), "VACUUM ANALYZE ring_codes");
      TestDatabase.execute(svc.db(), "VACUUM ANALYZE ring_pairs");
      TestDatabase.execute(svc.db(), "VACUUM ANALYZE anomalies");
      String key = svc.key("investigator", null);
      String week = q(Instant.now().minus(7, ChronoUnit.DAYS).toString());
      String day = q(Instant.now().minus(1, ChronoUnit.DAYS).toString());
      List<String> queries = List.of("/api/v1/rings", "/api/v1/rings?from=" + week, "/api/v1/rings?from=" + day,
          "/api/v1/rings?from=" + week + "&region=4401", "/api/v1/rings?minShared=10",
          "/api/v1/rings?minShared=2", "/api/v1/rings/sites/S019001", "/api/v1/rings/sites/S000123?from=" + week);
      System.out.println("query (ms: 3 runs after one warm-up) answer");
      for (String path : queries) {
        svc.get(path, key);
        List<String> runs = new ArrayList<>();
        Response last = null;
        for (int i = 0; i < 3; i++) {
          long s = System.nanoTime();
          last = svc.get(path, key);
          runs.add(String.format(Locale.ROOT, "%.1f", (System.nanoTime() - s) / 1e6));
          if (last.status() != 200) {
            throw new IllegalStateException(path + ": " + last);
          }
        }
        System.out.printf(Locale.ROOT, "%-60s %-22s %s%n", path.replace(week, "<7d>").replace(day, "<1d>"),
            String.join(" / ", runs), summary(last.json()));
      }
      try (Connection c = DriverManager.getConnection(svc.db().jdbcUrl(), svc.db().user(), svc.db().password());
           Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + RingEdgesSql.of(3, 5_000))) {
        System.out.println("\nEXPLAIN ANALYZE of the edge query (minShared 3, all time):");
        while (rs.next()) {
          System.out.println("  " + rs.getString(1));
        }
      }
    }
  }

  private static String summary(JsonObject answer) {
    if (answer.containsKey("rings")) {
      JsonArray rings = answer.getJsonArray("rings");
      return rings.size() + " rings" + (rings.isEmpty() ? "" : ", top: " + rings.getJsonObject(0).getJsonArray("sites")
          .size() + " sites, " + rings.getJsonObject(0).getLong("sharedCodes") + " codes");
    }
    return answer.getJsonArray("neighbours").size() + " neighbours";
  }

  private static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
