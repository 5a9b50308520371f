package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.TraceSentinel;
import com.tracesentinel.demo.DemoData;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Ring detection on generated data sent through the real pipeline: three planted rings (five sites in two cities
 * passing a pool of 30 codes around, three sites in Shanghai selling the same 8 codes, a pair sharing 4), forty
 * independent sites each selling their own boxes once, and a chain of near misses (pairs sharing 2 codes). Every
 * expectation is computed from the plan: which pairs share which codes, and when each became shared.
 */
@Tag("slow")
class RingsApiTest {
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.HOURS);
  /** Day 1 (-3 d) and day 2 (-1 d): ring A shares half its codes on each. */
  private static final Instant DAY1 = NOW.minus(3, ChronoUnit.DAYS);
  private static final Instant DAY2 = NOW.minus(1, ChronoUnit.DAYS);
  private static final List<String> RING_A = List.of("PA4403050001", "PA4403050002", "PA4401060003", "PA4401060004",
      "PA4401060005");
  private static final List<String> RING_B = List.of("PB3101150001", "PB3101150002", "PB3101150003");
  private static final List<String> RING_C = List.of("PC1101050001", "PC1101050002");
  private static final List<String> NEAR = List.of("PN4403050001", "PN4403050002", "PN4403050003");
  private static final List<String> INDEPENDENT = new ArrayList<>();

  private static TestService svc;
  private static String investigator;
  /** pair "a|b" (a < b) to the times each of its codes became shared. */
  private static final Map<String, List<Instant>> PLAN = new HashMap<>();
  private static final Map<String, Set<String>> CODES_OF_PAIR = new HashMap<>();
  private static int serial;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
    TraceSentinel.await(svc.app().services().referenceRepository().upsertProducts(DemoData.PRODUCTS));
    List<String> sites = new ArrayList<>();
    for (List<String> group : List.of(RING_A, RING_B, RING_C, NEAR)) {
      for (String s : group) {
        sites.add(s);
        sites.add(s.substring(2, 8));
      }
    }
    String[] cities = {"440305", "440106", "110105", "310115"};
    for (int i = 0; i < 40; i++) {
      String id = "PI" + cities[i % 4] + String.format("%04d", i);
      INDEPENDENT.add(id);
      sites.add(id);
      sites.add(cities[i % 4]);
    }
    svc.sites(sites.toArray(new String[0]));
    investigator = svc.key("investigator", null);

    List<JsonObject> scans = new ArrayList<>();
    // ring A: code i is sold at sites i, i+1, i+2 (mod 5), an hour apart; codes 0-14 on day 1, 15-29 on day 2
    for (int i = 0; i < 30; i++) {
      Instant t = (i < 15 ? DAY1 : DAY2).plusSeconds(i * 600L);
      soldAt(scans, code(), t, RING_A.get(i % 5), RING_A.get((i + 1) % 5), RING_A.get((i + 2) % 5));
    }
    // ring B: 8 codes, each sold at all three sites; ring C: 4 codes sold at both
    for (int i = 0; i < 8; i++) {
      soldAt(scans, code(), DAY2.plusSeconds(3600 + i * 60L), RING_B.get(0), RING_B.get(1), RING_B.get(2));
    }
    for (int i = 0; i < 4; i++) {
      soldAt(scans, code(), DAY2.plusSeconds(7200 + i * 60L), RING_C.get(1), RING_C.get(0));
    }
    // near misses: N0-N1 and N1-N2 share two codes each
    for (int i = 0; i < 2; i++) {
      soldAt(scans, code(), DAY2.plusSeconds(9000 + i * 60L), NEAR.get(0), NEAR.get(1));
      soldAt(scans, code(), DAY2.plusSeconds(9500 + i * 60L), NEAR.get(1), NEAR.get(2));
    }
    // independent sites: each sells 20 boxes of its own, once
    Random random = new Random(7);
    for (String site : INDEPENDENT) {
      for (int i = 0; i < 20; i++) {
        soldAt(scans, code(), DAY1.plusSeconds(random.nextInt(3 * 86_400)), site);
      }
    }
    scans.sort(Comparator.comparing(s -> s.getString("scannedAt")));
    for (int i = 0; i < scans.size(); i += 500) {
      Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY,
          new JsonObject().put("scans", new JsonArray(new ArrayList<>(scans.subList(i, Math.min(scans.size(),
              i + 500))))));
      assertEquals(200, r.status(), r.body());
    }
    svc.awaitRingIndex();
  }

  private static String code() {
    return "8100001" + String.format("%013d", 9_000_000L + serial++);
  }

  /** The code sold at each site in turn, an hour apart from {@code t}; the plan records each pair it makes. */
  private static void soldAt(List<JsonObject> scans, String code, Instant t, String... sites) {
    for (int i = 0; i < sites.length; i++) {
      Instant at = t.plusSeconds(3600L * i);
      scans.add(new JsonObject().put("code", code).put("siteId", sites[i]).put("documentNo", "R-" + code + "-" + i)
          .put("scannedAt", at.toString()));
      for (int j = 0; j < i; j++) {
        String key = pair(sites[i], sites[j]);
        PLAN.computeIfAbsent(key, k -> new ArrayList<>()).add(at);
        CODES_OF_PAIR.computeIfAbsent(key, k -> new HashSet<>()).add(code);
      }
    }
  }

  private static String pair(String a, String b) {
    return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  private static JsonArray rings(String query) {
    Response r = svc.get("/api/v1/rings" + (query.isEmpty() ? "" : "?" + query), investigator);
    assertEquals(200, r.status(), r.body());
    return r.json().getJsonArray("rings");
  }

  private static Set<String> sites(JsonObject ring) {
    Set<String> out = new TreeSet<>();
    ring.getJsonArray("sites").forEach(s -> out.add(((JsonObject) s).getString("siteId")));
    return out;
  }

  /** Expected (pair → shared codes) over [from, to) with at least minShared, from the plan. */
  private static Map<String, Long> expectedEdges(Instant from, Instant to, int minShared) {
    Map<String, Long> out = new HashMap<>();
    PLAN.forEach((pair, times) -> {
      long n = times.stream().filter(t -> (from == null || !t.isBefore(from)) && (to == null || t.isBefore(to)))
          .count();
      if (n >= minShared) {
        out.put(pair, n);
      }
    });
    return out;
  }

  private static Map<String, Long> edges(JsonArray rings) {
    Map<String, Long> out = new HashMap<>();
    for (Object o : rings) {
      for (Object e : ((JsonObject) o).getJsonArray("edges")) {
        JsonObject edge = (JsonObject) e;
        assertTrue(edge.getString("a").compareTo(edge.getString("b")) < 0);
        out.put(edge.getString("a") + "|" + edge.getString("b"), edge.getLong("sharedCodes"));
      }
    }
    return out;
  }

  @Test
  void thePlantedRingsAreFoundRankedAndNothingElse() {
    JsonArray rings = rings("");
    assertEquals(3, rings.size(), rings.encodePrettily());
    assertEquals(new TreeSet<>(RING_A), sites(rings.getJsonObject(0)));
    assertEquals(new TreeSet<>(RING_B), sites(rings.getJsonObject(1)));
    assertEquals(new TreeSet<>(RING_C), sites(rings.getJsonObject(2)));
    assertEquals(List.of(30L, 8L, 4L), rings.stream().map(o -> ((JsonObject) o).getLong("sharedCodes")).toList());
    assertEquals(List.of(2, 1, 1), rings.stream().map(o -> ((JsonObject) o).getInteger("cities")).toList());
    assertEquals(expectedEdges(null, null, 3), edges(rings), "every edge, each with its exact count");
    JsonObject a = rings.getJsonObject(0);
    assertEquals(10, a.getJsonArray("edges").size(), "a ring of five where every pair shares codes");
    assertEquals(5, a.getJsonArray("sampleCodes").size());
    a.getJsonArray("sampleCodes").forEach(c -> assertTrue(((String) c).startsWith("8100001"), c.toString()));
    JsonObject site = a.getJsonArray("sites").getJsonObject(0);
    assertNotNull(site.getString("name"));
    assertNotNull(site.getString("region"));
    assertTrue(a.getString("id").matches("R[0-9a-f]{10}"));
    assertEquals(a.getString("id"), rings("").getJsonObject(0).getString("id"), "the same sites, the same id");
    for (Object o : rings) {
      for (String s : sites((JsonObject) o)) {
        assertFalse(INDEPENDENT.contains(s) || NEAR.contains(s), "no false ring: " + s);
      }
    }
  }

  @Test
  void minSharedLimitAndRegionNarrowTheAnswer() {
    // only ring A's neighbours around the circle share 12: a 5-cycle, still one ring
    JsonArray heavy = rings("minShared=9");
    assertEquals(1, heavy.size());
    assertEquals(5, heavy.getJsonObject(0).getJsonArray("edges").size());
    assertEquals(expectedEdges(null, null, 9), edges(heavy));
    assertEquals(0, rings("minShared=13").size());
    // at 2, the near misses join into a chain of three
    JsonArray light = rings("minShared=2");
    assertEquals(4, light.size());
    assertTrue(light.stream().anyMatch(o -> sites((JsonObject) o).equals(new TreeSet<>(NEAR))));
    assertEquals(expectedEdges(null, null, 2), edges(light));
    assertEquals(1, rings("limit=1").size());
    JsonArray shanghai = rings("region=31");
    assertEquals(1, shanghai.size());
    assertEquals(new TreeSet<>(RING_B), sites(shanghai.getJsonObject(0)));
    JsonArray guangzhou = rings("region=4401");
    assertEquals(1, guangzhou.size());
    assertEquals(new TreeSet<>(RING_A), sites(guangzhou.getJsonObject(0)), "a ring with a site in the region, whole");
  }

  @Test
  void aRangeCountsTheCodesSharedWithinIt() {
    Instant from = DAY2.minus(6, ChronoUnit.HOURS);
    JsonArray day2 = rings("from=" + q(from.toString()));
    assertEquals(expectedEdges(from, null, 3), edges(day2));
    JsonObject a = day2.stream().map(o -> (JsonObject) o).filter(r -> sites(r).equals(new TreeSet<>(RING_A)))
        .findFirst().orElseThrow();
    assertEquals(15, a.getLong("sharedCodes"), "only the codes shared on day 2");
    Instant to = DAY1.plus(1, ChronoUnit.DAYS);
    JsonArray day1 = rings("to=" + q(to.toString()));
    assertEquals(1, day1.size(), "only ring A shared codes on day 1");
    assertEquals(15, day1.getJsonObject(0).getLong("sharedCodes"));
    assertEquals(expectedEdges(null, to, 3), edges(day1));
    assertEquals(0, rings("from=" + q(NOW.plus(1, ChronoUnit.DAYS).toString())).size());
  }

  @Test
  void aSitesNeighboursWithTheirSharedCodes() {
    String site = RING_A.get(0);
    Response r = svc.get("/api/v1/rings/sites/" + site, investigator);
    assertEquals(200, r.status(), r.body());
    JsonObject body = r.json();
    assertEquals(site, body.getString("siteId"));
    assertNotNull(body.getString("name"));
    Map<String, Long> got = new HashMap<>();
    body.getJsonArray("neighbours").forEach(o -> got.put(((JsonObject) o).getString("siteId"),
        ((JsonObject) o).getLong("sharedCodes")));
    Map<String, Long> expected = new HashMap<>();
    PLAN.forEach((pair, times) -> {
      String[] ab = pair.split("\\|");
      if (ab[0].equals(site) || ab[1].equals(site)) {
        expected.put(ab[0].equals(site) ? ab[1] : ab[0], (long) times.size());
      }
    });
    assertEquals(expected, got);
    assertEquals(12L, got.get(RING_A.get(1)));
    Instant from = DAY2.minus(6, ChronoUnit.HOURS);
    JsonArray later = svc.get("/api/v1/rings/sites/" + site + "?from=" + q(from.toString()), investigator).json()
        .getJsonArray("neighbours");
    long sum = later.stream().mapToLong(o -> ((JsonObject) o).getLong("sharedCodes")).sum();
    assertEquals(PLAN.entrySet().stream().filter(e -> e.getKey().contains(site))
        .mapToLong(e -> e.getValue().stream().filter(t -> !t.isBefore(from)).count()).sum(), sum);
    JsonObject lonely = svc.get("/api/v1/rings/sites/" + INDEPENDENT.get(0), investigator).json();
    assertEquals(0, lonely.getJsonArray("neighbours").size());
    assertEquals(404, svc.get("/api/v1/rings/sites/NOSUCHSITE", investigator).status());
  }

  @Test
  void theIndexCountsEachPairAndCodeOnce() {
    assertEquals(CODES_OF_PAIR.values().stream().mapToLong(Set::size).sum(),
        TestDatabase.count(svc.db(), "SELECT count(*) FROM ring_codes"));
    assertEquals(TestDatabase.count(svc.db(), "SELECT count(*) FROM ring_codes"),
        TestDatabase.count(svc.db(), "SELECT sum(codes) FROM ring_pairs"));
  }

  @Test
  void badParametersAndKeys() {
    for (String bad : List.of("minShared=0", "minShared=x", "limit=0", "limit=501", "region=4a", "from=yesterday",
        "from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z", "minShared=3&minShared=4", "region=%00")) {
      Response r = svc.get("/api/v1/rings?" + bad, investigator);
      assertEquals(400, r.status(), bad + ": " + r.body());
      assertTrue(r.contentType().startsWith("application/problem+json"), bad);
    }
    assertEquals(400, svc.get("/api/v1/rings/sites/A%01B", investigator).status());
    assertEquals(400, svc.get("/api/v1/rings/sites/" + "X".repeat(Fields.MAX_SITE_ID + 1), investigator).status());
    assertEquals(400, svc.get("/api/v1/rings/sites/" + RING_A.get(0) + "?to=soon", investigator).status());
    String scanner = svc.key("scanner", RING_A.get(0));
    for (String path : List.of("/api/v1/rings", "/api/v1/rings/sites/" + RING_A.get(0))) {
      assertEquals(401, svc.get(path, null).status());
      assertEquals(403, svc.get(path, scanner).status());
      assertEquals(200, svc.get(path, TestService.ADMIN_KEY).status());
    }
  }

  private static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
