package com.tracesentinel.metrics;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard cannot drift from the code: the real service gets scans (one flagged), decodes and public
 * look-ups, and every metric named in a PromQL expression of {@code grafana/dashboards/tracesentinel.json} must be
 * in its {@code /metrics} scrape. The scrape also keeps Prometheus conventions: the common {@code application} tag,
 * {@code _total} counters, and no label that could carry a code, a site or a key.
 */
@Tag("slow")
class DashboardMetricsTest {
  private static final Path DASHBOARD = Path.of("grafana/dashboards/tracesentinel.json");
  private static final Path DATASOURCE = Path.of("grafana/provisioning/datasources/prometheus.yml");

  private static final String CODE = "(01)06901234567892(17)271231(10)B123(21)SN0001";
  private static final String CANONICAL = "(01)06901234567892(21)SN0001";
  private static final String SITE_A = "P11010500123";
  private static final String SITE_B = "P44030500002";
  private static final int LOOKUPS_PER_MINUTE = 3;

  private static TestService svc;
  private static String scannerA;
  private static Scrape scrape;
  /** /metrics before the first scan, decode or look-up. */
  private static Scrape atStart;

  @BeforeAll
  static void exerciseTheServiceAndScrape() throws Exception {
    svc = TestService.start(Map.of("TRACESENTINEL_LOOKUPS_PER_MINUTE", Integer.toString(LOOKUPS_PER_MINUTE)));
    atStart = Scrape.parse(svc.get("/metrics", null).body());
    svc.sites(SITE_A, "110105", SITE_B, "440305");
    scannerA = svc.key("scanner", SITE_A);
    String scannerB = svc.key("scanner", SITE_B);

    // A sale in Beijing, the same box sold in Shenzhen: FLAGGED, REPEAT_SALE / COUNTERFEIT / ALERT.
    Response first = svc.post("/api/v1/scans", scannerA, scan(CODE, SITE_A, "R1"));
    assertEquals("ACCEPTED", first.result(0).getString("status"), first.body());
    Response repeat = svc.post("/api/v1/scans", scannerB, scan(CODE, SITE_B, "X9"));
    assertEquals("FLAGGED", repeat.result(0).getString("status"), repeat.body());
    Response rejected = svc.post("/api/v1/scans", scannerA, scan("not a trace code", SITE_A, "R2"));
    assertEquals("REJECTED", rejected.result(0).getString("status"), rejected.body());

    Response decoded = decode(fixture("dm_gs1.png"), "image/png");
    assertEquals(200, decoded.status(), decoded.body());
    Response refused = decode("hello".getBytes(StandardCharsets.UTF_8), "image/png");
    assertEquals(400, refused.status(), refused.body());

    // More look-ups than the limit allows from one client: answered ones and 429s.
    int limited = 0;
    for (int i = 0; i < LOOKUPS_PER_MINUTE + 2; i++) {
      Response r = svc.get("/api/v1/verify/" + URLEncoder.encode(CANONICAL, StandardCharsets.UTF_8), null);
      assertTrue(r.status() == 200 || r.status() == 429, r.toString());
      limited += r.status() == 429 ? 1 : 0;
    }
    assertTrue(limited > 0, "the look-up rate limit was never reached");

    // jvm_gc_pause_seconds exists once a collection has happened since the service started: make sure one has
    System.gc();
    Thread.sleep(200);
    Response metrics = svc.get("/metrics", null);
    assertEquals(200, metrics.status(), metrics.body());
    scrape = Scrape.parse(metrics.body());
  }

  @AfterAll
  static void stop() throws Exception {
    if (svc != null) {
      svc.close();
    }
  }

  @Test
  void everyMetricTheDashboardQueriesIsExposed() throws Exception {
    Set<String> used = dashboardMetricNames();
    // A parser that finds nothing would pass vacuously: the dashboard uses dozens, among them these.
    assertTrue(used.size() >= 30, "too few metric names found in the dashboard: " + used);
    for (String known : List.of("tracesentinel_scans_total", "vertx_http_server_response_time_seconds_bucket",
        "tracesentinel_commit_latency_seconds_bucket", "tracesentinel_decode_seconds_bucket",
        "tracesentinel_lookups_total", "jvm_memory_used_bytes")) {
      assertTrue(used.contains(known), known + " not found by the PromQL reader in " + used);
    }
    Set<String> missing = new TreeSet<>(used);
    missing.removeAll(scrape.names());
    // The cluster row's metrics exist in cluster mode only: ClusterTest checks them on a cluster node's scrape.
    missing.removeIf(name -> name.startsWith("tracesentinel_cluster_"));
    assertTrue(missing.isEmpty(), "the dashboard queries metrics that /metrics does not expose: " + missing);
  }

  /**
   * A query whose label is misspelt, or names a value no series has, draws an empty panel without an error: every
   * label a query matches on, groups by or shows in its legend is on a metric it queries, and a value matched
   * without a dashboard variable is one the scrape has.
   */
  @Test
  void everyLabelTheDashboardNamesIsOnTheMetricsItQueries() throws Exception {
    Map<String, Set<String>> labelsOf = new TreeMap<>();
    Map<String, Set<String>> valuesOf = new TreeMap<>();
    for (Sample s : scrape.samples()) {
      s.labels().forEach((label, value) -> {
        labelsOf.computeIfAbsent(s.name(), n -> new TreeSet<>()).add(label);
        valuesOf.computeIfAbsent(s.name() + "/" + label, n -> new TreeSet<>()).add(value);
      });
    }
    List<String> wrong = new ArrayList<>();
    int checked = 0;
    for (JsonObject panel : panels(new JsonObject(Files.readString(DASHBOARD)))) {
      for (Object t : panel.getJsonArray("targets", new JsonArray())) {
        JsonObject target = (JsonObject) t;
        String expr = target.getString("expr", "");
        Set<String> metrics = PromQl.metricNames(expr);
        if (metrics.isEmpty() || metrics.stream().anyMatch(name -> name.startsWith("tracesentinel_cluster_"))) {
          continue; // a cluster node only: ClusterTest checks these metrics and their node label on its scrape
        }
        // Prometheus adds the target's own labels to every series it scrapes
        Set<String> available = new TreeSet<>(Set.of("instance", "job"));
        metrics.forEach(name -> available.addAll(labelsOf.getOrDefault(name, Set.of())));
        String where = panel.getString("title") + ": " + expr;
        Matcher selector = Pattern.compile("([A-Za-z_:][A-Za-z0-9_:]*)\\s*\\{([^}]*)}").matcher(expr);
        while (selector.find()) {
          Matcher matcher = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:\\\\.|[^\"\\\\])*)\"")
              .matcher(selector.group(2));
          while (matcher.find()) {
            checked++;
            String metric = selector.group(1);
            String label = matcher.group(1);
            String op = matcher.group(2);
            String value = matcher.group(3);
            Set<String> seen = valuesOf.getOrDefault(metric + "/" + label, Set.of());
            if (label.equals("instance") || label.equals("job")) {
              continue;
            }
            if (!labelsOf.getOrDefault(metric, Set.of()).contains(label)) {
              wrong.add(metric + " has no label " + label + " (" + where + ")");
            } else if (!value.contains("$") && op.equals("=") && !seen.contains(value)) {
              wrong.add(metric + "{" + label + "=\"" + value + "\"} matches no series of " + seen + " (" + where + ")");
            } else if (!value.contains("$") && op.equals("=~") && seen.stream().noneMatch(v -> v.matches(value))) {
              wrong.add(metric + "{" + label + "=~\"" + value + "\"} matches no series of " + seen + " (" + where
                  + ")");
            }
          }
        }
        Matcher grouping = Pattern.compile("(?i)\\b(?:by|without|on|ignoring)\\s*\\(([^)]*)\\)").matcher(expr);
        while (grouping.find()) {
          for (String label : grouping.group(1).split(",")) {
            checked++;
            if (!label.isBlank() && !available.contains(label.trim())) {
              wrong.add("grouped by " + label.trim() + ", which none of " + metrics + " has (" + where + ")");
            }
          }
        }
        Matcher legend = Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*}}").matcher(
            target.getString("legendFormat", ""));
        while (legend.find()) {
          checked++;
          if (!available.contains(legend.group(1))) {
            wrong.add("legend shows " + legend.group(1) + ", which none of " + metrics + " has (" + where + ")");
          }
        }
      }
    }
    // A reader that finds nothing would pass vacuously: the dashboard names labels in well over a hundred places
    assertTrue(checked >= 100, "only " + checked + " label uses found in the dashboard");
    assertEquals(List.of(), wrong);
  }

  @Test
  void everyLabelledCounterOfAKnownLabelSetExistsAtZeroFromTheStart() {
    Set<String> series = new TreeSet<>();
    for (Sample s : atStart.samples()) {
      Map<String, String> labels = new TreeMap<>(s.labels());
      labels.remove("application");
      series.add(s.name() + labels);
    }
    List<String> expected = new ArrayList<>();
    for (com.tracesentinel.rules.AnomalyType type : com.tracesentinel.rules.AnomalyType.values()) {
      for (com.tracesentinel.rules.Suspicion suspicion : type.suspicions()) {
        expected.add("tracesentinel_anomalies_total{level=" + type.level() + ", suspicion=" + suspicion + ", type="
            + type + "}");
      }
    }
    expected.add("tracesentinel_decode_seconds_count{outcome=none, pass=none}");
    for (String pass : List.of("whole", "pure", "upscaled", "downscaled", "rotated", "regions", "tiles")) {
      expected.add("tracesentinel_decode_seconds_count{outcome=found, pass=" + pass + "}");
    }
    for (com.tracesentinel.imaging.DecodeOutcome.Reason reason : com.tracesentinel.imaging.DecodeOutcome.Reason.values()) {
      expected.add("tracesentinel_decode_refused_total{reason=" + reason + "}");
    }
    for (String outcome : List.of("NO_SALE_RECORD", "ONE_SALE", "MULTIPLE_SALES", "INVALID_CODE")) {
      expected.add("tracesentinel_lookups_total{outcome=" + outcome + "}");
    }
    List<String> missing = new ArrayList<>(expected);
    missing.removeAll(series);
    assertEquals(List.of(), missing, "series that appear only after their first event");
  }

  @Test
  void theRouteLabelIsTheTemplateOfTheRouteThatAnswered() {
    Set<String> routes = new TreeSet<>();
    for (Sample s : scrape.samples()) {
      if (s.name().equals("vertx_http_server_requests_total")) {
        routes.add(s.labels().get("route"));
      }
    }
    assertTrue(routes.containsAll(List.of("/api/v1/scans", "/api/v1/decode", "/api/v1/verify/:code")), routes.toString());
    for (String route : routes) {
      assertFalse(route.contains(">"), "a route label that joins several routes: " + route);
    }
  }

  /** Per-request body sizes: no query reads them, and each was a series per route, method and status. */
  @Test
  void noBodySizeSummaryIsExported() {
    for (Sample s : scrape.samples()) {
      assertFalse(s.name().startsWith("vertx_http_server_request_bytes")
          || s.name().startsWith("vertx_http_server_response_bytes"), s.name());
    }
  }

  /**
   * A look-up refused by the limiter carries the route it was sent to: the limiter ran on the prefix route
   * /api/v1/verify*, so every 429 was labelled /api/v1/verify, apart from the 200s of /api/v1/verify/:code.
   */
  @Test
  void aLimitedLookUpCarriesTheRouteItWasSentTo() {
    untilLimited(() -> svc.get("/api/v1/verify?code=" + URLEncoder.encode(CANONICAL, StandardCharsets.UTF_8), null));
    untilLimited(() -> svc.get("/api/v1/verify/" + URLEncoder.encode(CANONICAL, StandardCharsets.UTF_8), null));
    untilLimited(() -> decodePublic("hello".getBytes(StandardCharsets.UTF_8)));
    Set<String> routes = new TreeSet<>();
    for (Sample s : Scrape.parse(svc.get("/metrics", null).body()).samples()) {
      if (s.name().equals("vertx_http_server_requests_total") && "429".equals(s.labels().get("code"))) {
        routes.add(s.labels().get("route"));
      }
    }
    assertEquals(Set.of("/api/v1/verify", "/api/v1/verify/:code", "/api/v1/verify/image"), routes);
  }

  private static void untilLimited(java.util.function.Supplier<Response> send) {
    for (int i = 0; i <= LOOKUPS_PER_MINUTE; i++) {
      if (send.get().status() == 429) {
        return;
      }
    }
    throw new AssertionError("the look-up rate limit was never reached");
  }

  private static Response decodePublic(byte[] body) {
    return svc.send(svc.request("/api/v1/verify/image", null).header("Content-Type", "image/png")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  @Test
  void aMethodMadeUpByTheClientAddsNoSeries() {
    for (int i = 0; i < 20; i++) {
      Response r = svc.send(svc.request("/api/v1/verify/x", null)
          .method("MADEUP" + i, HttpRequest.BodyPublishers.noBody()).build());
      assertTrue(r.status() >= 400, r.toString());
    }
    Set<String> methods = new TreeSet<>();
    for (Sample s : Scrape.parse(svc.get("/metrics", null).body()).samples()) {
      if (s.name().startsWith("vertx_http_server_") && s.labels().containsKey("method")) {
        methods.add(s.labels().get("method"));
      }
    }
    assertTrue(methods.contains("OTHER"), methods.toString());
    assertTrue(methods.stream().noneMatch(m -> m.startsWith("MADEUP")), "a client's method is a label: " + methods);
  }

  @Test
  void anAnsweredReadIsNoLongerInFlight() throws InterruptedException {
    String investigator = svc.key("investigator", null);
    double before = requestsInFlight();
    // An investigator's reads (paused by the API's body hold) and a console page (paused by the static handler)
    for (String path : List.of("/api/v1/anomalies", "/api/v1/codes/" + URLEncoder.encode(CANONICAL,
        StandardCharsets.UTF_8) + "/events", "/console/")) {
      Response r = svc.get(path, investigator);
      assertEquals(200, r.status(), r.toString());
    }
    // A request's end is seen just after its answer is written: a scrape may come in between
    double after = requestsInFlight();
    for (int i = 0; i < 20 && after != before; i++) {
      Thread.sleep(100);
      after = requestsInFlight();
    }
    assertEquals(before, after, "answered GETs still count in tracesentinel_http_requests_in_flight");
  }

  @Test
  void aPhotoOverTheSizeLimitCountsAsTooLarge() {
    double before = refusedTooLarge();
    Response r = decode(new byte[9 * 1024 * 1024], "image/png");
    assertEquals(413, r.status(), r.toString());
    assertEquals(before + 1, refusedTooLarge(), "a 413 photo not counted in tracesentinel_decode_refused_total");
  }

  private static double refusedTooLarge() {
    return value("tracesentinel_decode_refused_total", "reason", "TOO_LARGE_BYTES");
  }

  private static double requestsInFlight() {
    return value("tracesentinel_http_requests_in_flight", "application", "tracesentinel");
  }

  /** The value of the series of that name whose label has that value, scraped now. */
  private static double value(String name, String label, String labelValue) {
    for (Sample s : Scrape.parse(svc.get("/metrics", null).body()).samples()) {
      if (s.name().equals(name) && labelValue.equals(s.labels().get(label))) {
        return Double.parseDouble(s.line().substring(s.line().lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no " + name + "{" + label + "=\"" + labelValue + "\"} in /metrics");
  }

  @Test
  void theDashboardUsesItsDatasourceVariableAndTheProvisionedUid() throws Exception {
    JsonObject dash = new JsonObject(Files.readString(DASHBOARD));
    assertTrue(dash.getInteger("schemaVersion") >= 38);
    String provisionedUid = null;
    for (String line : Files.readAllLines(DATASOURCE)) {
      if (line.trim().startsWith("uid:")) {
        provisionedUid = line.trim().substring(4).trim();
      }
    }
    String defaultUid = null;
    for (Object v : dash.getJsonObject("templating").getJsonArray("list")) {
      JsonObject var = (JsonObject) v;
      if (var.getString("name").equals("DS_PROMETHEUS")) {
        defaultUid = var.getJsonObject("current").getString("value");
      }
    }
    assertEquals(provisionedUid, defaultUid, "the dashboard's default datasource is not the provisioned one");
    for (JsonObject panel : panels(dash)) {
      for (Object t : panel.getJsonArray("targets", new JsonArray())) {
        JsonObject target = (JsonObject) t;
        assertEquals("${DS_PROMETHEUS}", target.getJsonObject("datasource").getString("uid"), panel.getString("title"));
        assertFalse(target.getString("expr", "").isBlank(), panel.getString("title") + " has an empty query");
      }
    }
  }

  @Test
  void everySampleCarriesTheApplicationTag() {
    for (Sample s : scrape.samples()) {
      assertEquals("tracesentinel", s.labels().get("application"), s.line());
    }
  }

  @Test
  void countersEndInTotalAndOurMetricsAreDescribed() {
    scrape.types().forEach((name, type) -> {
      if (type.equals("counter")) {
        assertTrue(name.endsWith("_total"), "counter " + name + " does not end in _total");
      } else if (name.startsWith("tracesentinel_")) {
        assertFalse(name.endsWith("_total"), type + " " + name + " ends in _total as if it were a counter");
      }
      if (name.startsWith("tracesentinel_")) {
        assertFalse(scrape.help().getOrDefault(name, "").isBlank(), name + " has no description");
      }
    });
  }

  @Test
  void noLabelCarriesACodeASiteOrAKey() {
    Set<String> forbiddenNames = Set.of("code", "site", "siteid", "site_id", "key", "apikey", "api_key", "document",
        "documentno", "document_no", "canonical", "gtin", "serial", "product", "client", "ip", "path");
    Pattern codeLike = Pattern.compile("\\(01\\)|\\d{14,}|[A-Z]\\d{11}|^ts_");
    List<String> secrets = List.of(CODE, CANONICAL, "SN0001", "06901234567892", SITE_A, SITE_B, scannerA,
        TestService.ADMIN_KEY, "R1", "X9");
    Map<String, Set<String>> seriesPerMetric = new TreeMap<>();
    for (Sample s : scrape.samples()) {
      boolean ours = s.name().startsWith("tracesentinel_");
      for (Map.Entry<String, String> label : s.labels().entrySet()) {
        String name = label.getKey();
        String value = label.getValue();
        if (ours) {
          assertFalse(forbiddenNames.contains(name.toLowerCase(Locale.ROOT)), "label " + name + " in " + s.line());
        } else if (name.equals("code")) {
          assertTrue(value.matches("\\d{3}"), "an HTTP status label that is not a status: " + s.line());
        }
        boolean number = name.equals("le") || name.equals("quantile");
        assertFalse(!number && codeLike.matcher(value).find(), "a label value shaped like a code, site or key: "
            + s.line());
        for (String secret : secrets) {
          assertFalse(value.equals(secret) || value.contains(secret) && secret.length() > 2,
              "a label value holds " + secret + ": " + s.line());
        }
      }
      if (ours) {
        Map<String, String> withoutBucket = new TreeMap<>(s.labels());
        withoutBucket.remove("le");
        seriesPerMetric.computeIfAbsent(s.name(), n -> new TreeSet<>()).add(withoutBucket.toString());
      }
    }
    // Bounded label sets: enums only (type x status is 16, the anomaly ladder's rows a few dozen).
    seriesPerMetric.forEach((name, series) -> assertTrue(series.size() <= 64, name + " has " + series.size()
        + " series"));
    // Histogram buckets bounded to each meter's real range, not Micrometer's default run up to Long.MAX_VALUE.
    Map<String, Integer> buckets = new TreeMap<>();
    scrape.samples().stream().filter(s -> s.name().startsWith("tracesentinel_") && s.name().endsWith("_bucket"))
        .forEach(s -> buckets.merge(s.name() + withoutLe(s.labels()), 1, Integer::sum));
    buckets.forEach((series, n) -> assertTrue(n <= 100, series + " has " + n + " buckets"));
  }

  private static String withoutLe(Map<String, String> labels) {
    Map<String, String> copy = new TreeMap<>(labels);
    copy.remove("le");
    return copy.toString();
  }

  // ------------------------------------------------------------------------------------------------ the dashboard

  /** Every metric name in the dashboard's queries, template variables included. */
  static Set<String> dashboardMetricNames() throws Exception {
    JsonObject dash = new JsonObject(Files.readString(DASHBOARD));
    Set<String> names = new TreeSet<>();
    for (JsonObject panel : panels(dash)) {
      for (Object t : panel.getJsonArray("targets", new JsonArray())) {
        names.addAll(PromQl.metricNames(((JsonObject) t).getString("expr", "")));
      }
    }
    for (Object v : dash.getJsonObject("templating").getJsonArray("list")) {
      Object query = ((JsonObject) v).getValue("query");
      String text = query instanceof JsonObject q ? q.getString("query", "") : String.valueOf(query);
      Matcher m = Pattern.compile("label_values\\(\\s*([A-Za-z_:][A-Za-z0-9_:]*)").matcher(text);
      while (m.find()) {
        names.add(m.group(1));
      }
      if (text.startsWith("query_result(")) {
        names.addAll(PromQl.metricNames(text.substring("query_result(".length(), text.length() - 1)));
      }
    }
    return names;
  }

  /** Panels at the top level and inside collapsed rows. */
  static List<JsonObject> panels(JsonObject dash) {
    List<JsonObject> all = new ArrayList<>();
    for (Object p : dash.getJsonArray("panels")) {
      JsonObject panel = (JsonObject) p;
      all.add(panel);
      for (Object inner : panel.getJsonArray("panels", new JsonArray())) {
        all.add((JsonObject) inner);
      }
    }
    return all;
  }

  /** A loose PromQL reader: enough to name the metrics of a dashboard's queries, not to validate them. */
  static final class PromQl {
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
        "group_right", "bool", "and", "or", "unless", "offset", "atan2", "inf", "nan");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![A-Za-z0-9_:.$])[A-Za-z_:][A-Za-z0-9_:]*");

    private PromQl() {}

    static Set<String> metricNames(String expr) {
      String s = expr
          .replaceAll("\"(?:\\\\.|[^\"\\\\])*\"", "\"\"")     // string literals (label values, regexes)
          .replaceAll("\\{[^}]*}", "{}")                        // label matchers
          .replaceAll("\\[[^\\]]*]", "[]")                      // ranges and subqueries
          .replaceAll("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " "); // label lists
      Set<String> names = new TreeSet<>();
      Matcher m = IDENTIFIER.matcher(s);
      while (m.find()) {
        String id = m.group();
        int next = m.end();
        while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
          next++;
        }
        boolean function = next < s.length() && s.charAt(next) == '(';
        if (!function && !KEYWORDS.contains(id.toLowerCase(Locale.ROOT))) {
          names.add(id);
        }
      }
      return names;
    }
  }

  // ------------------------------------------------------------------------------------------------ the scrape

  record Sample(String name, Map<String, String> labels, String line) {}

  /** The Prometheus text format (0.0.4) as Micrometer writes it: samples, # TYPE and # HELP. */
  record Scrape(List<Sample> samples, Map<String, String> types, Map<String, String> help) {
    private static final Pattern LABEL = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=\"((?:\\\\.|[^\"\\\\])*)\"");

    static Scrape parse(String text) {
      List<Sample> samples = new ArrayList<>();
      Map<String, String> types = new TreeMap<>();
      Map<String, String> help = new TreeMap<>();
      for (String line : text.split("\n")) {
        if (line.startsWith("# TYPE ")) {
          String[] p = line.split(" ", 4);
          types.put(p[2], p[3].trim());
        } else if (line.startsWith("# HELP ")) {
          String[] p = line.split(" ", 4);
          help.put(p[2], p.length > 3 ? p[3] : "");
        } else if (!line.isBlank() && !line.startsWith("#")) {
          int brace = line.indexOf('{');
          int space = line.indexOf(' ');
          String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
          Map<String, String> labels = new LinkedHashMap<>();
          if (brace >= 0 && brace < space) {
            Matcher m = LABEL.matcher(line.substring(brace, line.lastIndexOf('}') + 1));
            while (m.find()) {
              labels.put(m.group(1), m.group(2));
            }
          }
          samples.add(new Sample(name, labels, line));
        }
      }
      assertFalse(samples.isEmpty(), "an empty scrape");
      return new Scrape(samples, types, help);
    }

    Set<String> names() {
      Set<String> names = new TreeSet<>();
      samples.forEach(s -> names.add(s.name()));
      return names;
    }
  }

  // ------------------------------------------------------------------------------------------------ requests

  private static JsonObject scan(String code, String site, String document) {
    return new JsonObject().put("code", code).put("siteId", site).put("documentNo", document);
  }

  private static Response decode(byte[] body, String contentType) {
    return svc.send(svc.request("/api/v1/decode", scannerA).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  private static byte[] fixture(String name) throws Exception {
    try (InputStream in = DashboardMetricsTest.class.getResourceAsStream("/imaging/" + name)) {
      return in.readAllBytes();
    }
  }
}
