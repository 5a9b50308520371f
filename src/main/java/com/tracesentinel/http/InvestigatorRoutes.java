package com.tracesentinel.http;

import com.tracesentinel.auth.Role;
import com.tracesentinel.code.AsciiCase;
import com.tracesentinel.code.ParseResult;
import com.tracesentinel.code.TraceCode;
import com.tracesentinel.code.TraceCodes;
import com.tracesentinel.history.AnomalyQueries;
import com.tracesentinel.history.AnomalyQueries.AnomalyRow;
import com.tracesentinel.history.AnomalyQueries.CodeAnomaly;
import com.tracesentinel.history.AnomalyQueries.CodeScan;
import com.tracesentinel.investigate.Investigations;
import com.tracesentinel.ingest.ScanService;
import com.tracesentinel.code.CodeKey;
import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.rules.AnomalyType;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.Level;
import com.tracesentinel.rules.Suspicion;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The investigators' API (role investigator or admin): the anomaly list with a keyset cursor and a streamed CSV
 * export, summaries, and one code's timeline with its ledger state. Also serves the console, the OpenAPI
 * document and the WebJars the console loads.
 */
final class InvestigatorRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(InvestigatorRoutes.class);
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;
  static final int MAX_GROUPS = 1000;
  static final List<String> GROUP_BY = List.of("site", "region", "product", "type", "suspicion", "state", "day",
      "hour");
  /** Newer columns come last: clients reading the older columns by position are not affected. */
  static final String CSV_HEADER = "id,scannedAt,type,suspicion,level,canonical,product,siteId,region,detail,"
      + "conflictSiteId,conflictDocumentNo,conflictScannedAt,state,voidedAt\r\n";
  static final Pattern REGION = Pattern.compile("[0-9]{1,6}");
  private static final Pattern CURSOR = Pattern.compile("([0-9TZ:.\\-+]+)\\|([0-9]+)");
  private static final Pattern WEBJAR_BUILT_FILE = Pattern.compile("/webjars/[^/]+/[^/]+/dist/[^/]+");
  private static final String CONSOLE_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; "
      + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  private final AnomalyQueries queries;
  private final ReferenceStore reference;
  private final Investigations investigations;
  private final int maxExports;
  private final java.time.Duration exportMax;
  private Auth auth;

  /**
   * @param maxExports CSV exports in flight at once: each holds one of the pool's connections until its client has
   *                   read it, so a few slow downloads must not take the connections every other read needs
   * @param exportMax  how long one export may take: its connection's transaction holds back PostgreSQL's vacuum, and
   *                   a client reading a trickle at a time would hold it and its export slot for ever
   */
  InvestigatorRoutes(ReferenceStore reference, Investigations investigations, int maxExports,
                     java.time.Duration exportMax) {
    this.exportMax = exportMax;
    this.queries = investigations.queries();
    this.reference = reference;
    this.investigations = investigations;
    this.maxExports = maxExports;
  }

  void mount(Router router, Auth auth) {
    this.auth = auth;
    ApiServer.getAndHead(router, "/api/v1/anomalies").handler(auth.require(Role.INVESTIGATOR)).handler(this::list);
    ApiServer.getAndHead(router, "/api/v1/anomalies/summary")
        .handler(auth.require(Role.INVESTIGATOR)).handler(this::summary);
    ApiServer.getAndHead(router, "/api/v1/codes/:code/events")
        .handler(auth.require(Role.INVESTIGATOR)).handler(this::events);
  }

  private static void consoleHeaders(RoutingContext ctx) {
    ctx.response().putHeader("Content-Security-Policy", CONSOLE_CSP).putHeader("Referrer-Policy", "no-referrer");
    ctx.next();
  }

  /** The console, its WebJars and the OpenAPI document: public files (the data behind them needs a key). */
  static void mountStatic(Router router) {
    ApiServer.getAndHead(router, "/console").handler(InvestigatorRoutes::consoleHeaders).handler(ctx -> {
      if (ctx.request().path().endsWith("/")) {
        ctx.next(); // the router lets "/console" match "/console/" too: the static handler serves that one
      } else {
        // The contract names GET /console as the console: a client that does not follow redirects got a 302 without
        // it. The page's own files are referenced absolutely, so it works at either address.
        ctx.response().putHeader("Content-Type", "text/html;charset=UTF-8");
        HomeRoutes.sendFile(ctx, "webroot/console/index.html");
      }
    });
    ApiServer.getAndHead(router, "/console/*").handler(InvestigatorRoutes::consoleHeaders)
        .handler(HomeRoutes::headContentType)
        .handler(StaticHandler.create("webroot/console").setCachingEnabled(false).setDefaultContentEncoding("UTF-8"));
    // A WebJar is its library's whole npm package: Cytoscape's holds an HTML test page, which was served as a page of
    // this origin without the pages' CSP, open to framing by any site. The libraries' built files are all the pages use.
    ApiServer.getAndHead(router, "/webjars/*").handler(ctx -> {
      if (WEBJAR_BUILT_FILE.matcher(ctx.normalizedPath()).matches()) {
        ctx.next();
      } else {
        ctx.fail(404);
      }
    }).handler(HomeRoutes::headContentType)
        .handler(StaticHandler.create("META-INF/resources/webjars").setDirectoryListing(false)
            .setMaxAgeSeconds(86_400));
    ApiServer.getAndHead(router, "/openapi.yaml").handler(ctx -> {
      ctx.response().putHeader("Content-Type", "application/yaml; charset=utf-8");
      HomeRoutes.sendFile(ctx, "webroot/openapi.yaml");
    });
  }

  // ---- GET /api/v1/anomalies ----

  private void list(RoutingContext ctx) {
    Problem.Errors errors = new Problem.Errors();
    Query q = Query.of(ctx, errors);
    AnomalyQueries.Filter filter = filter(q, errors);
    boolean csv = wantsCsv(ctx);
    int limit = csv ? 0 : intParam(q, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, errors);
    AnomalyQueries.After after = csv ? null : cursor(single(q, "cursor", errors), errors);
    q.ignore("limit", "cursor"); // an export is every row: documented as not applying, not an error
    q.refuseUnknown(errors);
    errors.throwIfAny();
    if (csv) {
      export(ctx, filter);
      return;
    }
    queries.page(filter, after, limit).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      List<AnomalyRow> rows = ar.result();
      JsonArray items = new JsonArray();
      for (int i = 0; i < Math.min(limit, rows.size()); i++) {
        items.add(json(rows.get(i)));
      }
      JsonObject out = new JsonObject().put("items", items);
      if (rows.size() > limit) {
        AnomalyRow last = rows.get(limit - 1);
        out.put("nextCursor", encodeCursor(last.scannedAt(), last.id()));
      }
      ApiServer.reply(ctx, 200, out.encode());
    });
  }

  private void export(RoutingContext ctx, AnomalyQueries.Filter filter) {
    if (!investigations.exportStarted(maxExports)) {
      throw Problem.unavailable("too many CSV exports in flight (" + maxExports + "); try again shortly", 10);
    }
    HttpServerResponse response = ctx.response();
    response.setChunked(true)
        .putHeader("Content-Type", "text/csv; charset=utf-8")
        .putHeader("Content-Disposition", "attachment; filename=\"anomalies.csv\"")
        .putHeader("Cache-Control", "no-store");
    if (ctx.request().method() == io.vertx.core.http.HttpMethod.HEAD) {
      investigations.exportEnded(); // the export's headers only: the rows are not read for a body never sent
      response.end();
      return;
    }
    Promise<Void> abandoned = Promise.promise();
    response.closeHandler(v -> abandoned.tryComplete());
    // as a live stream does, an export asks every few seconds whether its key was revoked, and stops if so
    Supplier<Future<Boolean>> keyLive = auth.stillLive(ctx);
    Context context = Vertx.currentContext();
    long keyCheck = ctx.vertx().setPeriodic(AnomalyStream.KEY_CHECK_MS, id -> keyLive.get().onSuccess(live ->
        context.runOnContext(v -> {
          if (!live && abandoned.tryComplete()) {
            response.reset();
          }
        })));
    long deadline = ctx.vertx().setTimer(exportMax.toMillis(), id -> {
      if (abandoned.tryComplete()) {
        LOG.warn("Anomaly export cut after {} s, unfinished: its client reads too slowly [{}]", exportMax.toSeconds(),
            RequestLog.id(ctx));
        response.reset();
      }
    });
    queries.export(filter, CSV_HEADER, InvestigatorRoutes::csvLine, response, abandoned.future()).onComplete(ar -> {
      ctx.vertx().cancelTimer(keyCheck);
      ctx.vertx().cancelTimer(deadline);
      investigations.exportEnded();
      if (ar.succeeded()) {
        response.end();
      } else if (!response.headWritten()) {
        ctx.fail(ar.cause());
      } else if (!abandoned.future().isComplete() && !(ar.cause() instanceof HttpClosedException)) {
        // the header is out: a truncated export must not look complete, so the connection is reset
        LOG.error("Anomaly export failed after the header was sent [{}]", RequestLog.id(ctx), ar.cause());
        response.reset();
      }
      if (ar.failed() && response.headWritten()) {
        RequestLog.ended(ctx); // a cut export's answer never ends: its access log line is written here
      }
    });
  }

  /**
   * CSV when Accept names it at a weight above 0 and no lower than JSON's (text/csv;q=0 refuses it). JSON's weight is
   * that of the most specific range matching it (RFC 9110 12.5.1): application/json, else application/(any), else
   * (any)/(any). "text/csv;q=0.5" with any type at 1 prefers JSON, and was answered with the whole export.
   */
  private static boolean wantsCsv(RoutingContext ctx) {
    float csv = 0;
    float[] json = {-1, -1, -1}; // application/json, application/*, */*; -1 when not named
    for (io.vertx.ext.web.MIMEHeader h : ctx.parsedHeaders().accept()) {
      String type = h.component().toLowerCase(Locale.ROOT) + "/" + h.subComponent().toLowerCase(Locale.ROOT);
      int range = switch (type) {
        case "application/json" -> 0;
        case "application/*" -> 1;
        case "*/*" -> 2;
        default -> -1;
      };
      if (type.equals("text/csv")) {
        csv = Math.max(csv, weight(h));
      } else if (range >= 0) {
        json[range] = Math.max(json[range], weight(h));
      }
    }
    float jsonWeight = json[0] >= 0 ? json[0] : json[1] >= 0 ? json[1] : Math.max(0, json[2]);
    return csv > 0 && csv >= jsonWeight;
  }

  private static final Pattern QVALUE = Pattern.compile("0(\\.\\d{0,3})?|1(\\.0{0,3})?");

  /**
   * Vert.x reads "q=0.001" as 0, which refused CSV to a client whose Accept named nothing else: RFC 9110 12.4.2 allows
   * three decimals. A q it cannot read keeps Vert.x's weight.
   */
  private static float weight(io.vertx.ext.web.MIMEHeader h) {
    for (String param : h.rawValue().split(";")) {
      int eq = param.indexOf('=');
      if (eq > 0 && param.substring(0, eq).trim().equalsIgnoreCase("q")) {
        String q = param.substring(eq + 1).trim();
        return QVALUE.matcher(q).matches() ? Float.parseFloat(q) : h.weight();
      }
    }
    return h.weight();
  }

  static AnomalyQueries.Filter filter(Query q, Problem.Errors errors) {
    String type = enumParam(q, "type", AnomalyType.class, errors);
    String suspicion = enumParam(q, "suspicion", Suspicion.class, errors);
    String level = enumParam(q, "level", Level.class, errors);
    String siteId = textParam(q, "siteId", Fields.MAX_SITE_ID, errors);
    String region = single(q, "region", errors);
    if (region != null && !REGION.matcher(region).matches()) {
      errors.add("region", "must be 1 to 6 digits: a prefix of the 6-digit region code (44 = Guangdong)");
      region = null;
    }
    String product = textParam(q, "product", 100, errors);
    Instant from = timeParam(q, "from", errors);
    Instant to = timeParam(q, "to", errors);
    if (from != null && to != null && !from.isBefore(to)) {
      errors.add("to", "must be later than from");
    }
    String state = enumParam(q, "state", com.tracesentinel.investigate.CaseState.class, errors);
    String voided = oneOf("voided", single(q, "voided", errors), List.of("true", "false"), errors);
    return new AnomalyQueries.Filter(type, suspicion, level, siteId, region, product, from, to, state,
        voided == null ? null : Boolean.valueOf(voided));
  }

  // ---- GET /api/v1/anomalies/summary ----

  private void summary(RoutingContext ctx) {
    Problem.Errors errors = new Problem.Errors();
    Query q = Query.of(ctx, errors);
    String asked = single(q, "groupBy", errors);
    String groupBy = oneOf("groupBy", asked, GROUP_BY, errors);
    if (asked == null) {
      errors.add("groupBy", "is required: one of " + String.join(", ", GROUP_BY));
    }
    Instant[] range = timeRange(q, errors);
    int limit = intParam(q, "limit", MAX_GROUPS, 1, MAX_GROUPS, errors);
    q.refuseUnknown(errors);
    errors.throwIfAny();
    queries.summary(groupBy, range[0], range[1], limit).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      JsonArray groups = new JsonArray();
      for (AnomalyQueries.Group g : ar.result().groups()) {
        JsonObject group = new JsonObject().put("key", g.key()).put("count", g.count()).put("alerts", g.alerts())
            .put("warnings", g.warnings());
        if (groupBy.equals("site")) {
          Site site = reference.siteById(g.key());
          if (site != null) {
            group.put("name", site.name()).put("region", site.regionCode()).put("regionName", site.regionName());
          }
        }
        groups.add(group);
      }
      ApiServer.reply(ctx, 200, new JsonObject().put("groupBy", groupBy).put("groups", groups)
              // a cut list said nothing of it: the 1,001st site looked like a site without anomalies
              .put("truncated", ar.result().truncated()).encode());
    });
  }

  // ---- GET /api/v1/codes/{code}/events ----

  private void events(RoutingContext ctx) {
    Problem.Errors errors = new Problem.Errors();
    // no query parameter: one given (from=..., as if the timeline could be cut) is an error, never ignored
    Query.of(ctx, errors).refuseUnknown(errors);
    String raw = ctx.pathParam("code");
    // A scanned code legitimately carries GS separators and a scanner's CR/LF/TAB suffix; any other control
    // character (NUL above all) is refused, as in every other parameter.
    String notText = raw == null ? null
        : Fields.notText(raw.replace('\u001d', ' ').replace('\r', ' ').replace('\n', ' ').replace('\t', ' '));
    ParseResult parsed = notText == null ? TraceCodes.parse(raw) : null;
    if (notText != null) {
      errors.add("code", notText);
    } else if (parsed instanceof ParseResult.Invalid invalid) {
      errors.add("code", invalid.message());
    }
    errors.throwIfAny();
    TraceCode code = ((ParseResult.Valid) parsed).code();
    byte[] key = CodeKey.of(code.canonical());
    investigations.timelines().of(key).recover(InvestigatorRoutes::refusedWhileUnknown).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      if (ar.result() == null) {
        ctx.fail(new Problem(404, "Not found", "no scan of " + code.canonical() + " is stored"));
        return;
      }
      List<CodeScan> scans = ar.result().scans().list();
      CodeState state = ar.result().state();
      JsonArray events = new JsonArray();
      scans.forEach(s -> events.add(json(s)));
      Product product = reference.product(code.productKey());
      JsonObject out = new JsonObject().put("canonical", code.canonical()).put("product", code.productKey());
      if (product != null) {
        out.put("productName", product.genericName());
      }
      out.put("events", events).put("truncated", ar.result().scans().truncated())
          .put("state", json(state, product).put("lookups", ar.result().lookups()));
      ApiServer.reply(ctx, 200, out.encode());
    });
  }

  /**
   * After an internal fault, and while a start rebuilds or reconciles the ledger, its states are refused
   * (CodeStates.unless): a 503.
   */
  private static <T> Future<T> refusedWhileUnknown(Throwable err) {
    return Future.failedFuture(err instanceof ScanService.Unavailable unknown
        ? Problem.unavailable(unknown.getMessage(), 60) : err);
  }

  private JsonObject json(CodeState s, Product product) {
    JsonObject state = new JsonObject()
        .put("soldUnits", s.soldUnits())
        .put("packSize", product == null ? null : product.packSize())
        .put("saleCount", s.saleCount())
        .put("sites", s.distinctSaleSites())
        .put("destroyed", s.destroyed());
    if (s.lastSale() != null && s.destroyed()) {
      // A destroyed code's slot holds the destroy scan (the anchor later scans conflict with), not a sale: shown as
      // lastSale it named the destroying site and time as a sale that never happened. The sales are in the events.
      Site site = reference.site(s.lastSale().siteRef());
      state.putNull("lastSale").put("destroyedBy", new JsonObject().put("siteId", site == null ? null : site.siteId())
          .put("at", Instant.ofEpochSecond(s.lastSale().at()).toString()));
    } else if (s.lastSale() != null) {
      Site site = reference.site(s.lastSale().siteRef());
      state.put("lastSale", new JsonObject().put("siteId", site == null ? null : site.siteId())
          .put("at", Instant.ofEpochSecond(s.lastSale().at()).toString()).put("returned", s.lastSaleReturned()));
    } else {
      state.putNull("lastSale");
    }
    return state;
  }

  private JsonObject json(CodeScan s) {
    Site site = reference.siteById(s.siteId());
    JsonArray anomalies = new JsonArray();
    for (CodeAnomaly a : s.anomalies()) {
      // id and state as in the list: every anomaly is a case, and the timeline is where one is looked into
      anomalies.add(new JsonObject().put("id", a.id()).put("type", a.type()).put("suspicion", a.suspicion())
          .put("level", a.level()).put("detail", a.detail()).put("conflictsWith", conflict(a.conflictSiteId(),
              a.conflictDocumentNo(), a.conflictAt())).put("state", a.state()));
    }
    return new JsonObject().put("id", s.id()).put("judgedSeq", s.judgedSeq()).put("status", s.status())
        .put("type", s.type()).put("siteId", s.siteId()).put("siteName", site == null ? null : site.name())
        .put("region", site == null ? null : site.regionCode())
        .put("documentNo", s.documentNo()).put("lineNo", s.lineNo()).put("scannedAt", str(s.scannedAt()))
        .put("ingestedAt", str(s.ingestedAt())).put("quantity", s.quantity()).put("split", s.split())
        .put("deviceId", s.deviceId()).put("billedDrug", s.billedDrug()).put("rawCode", s.rawCode())
        .put("error", s.error()).put("uploadBatch", s.uploadBatch()).put("voidedAt", str(s.voidedAt()))
        // An NHSA 3506 return's medins_prod_sel_no, the sale it says it undoes: stored since V5 "for investigators",
        // and until 2026-12-04 shown to none of them.
        .put("linkedDocumentNo", s.linkedDocumentNo())
        .put("anomalies", anomalies);
  }

  static JsonObject json(AnomalyRow a) {
    return com.tracesentinel.investigate.AnomalyJson.of(a);
  }

  private static JsonObject conflict(String siteId, String documentNo, Instant at) {
    if (siteId == null && at == null) {
      return null;
    }
    return new JsonObject().put("siteId", siteId).put("documentNo", documentNo).put("scannedAt", str(at));
  }

  // ---- CSV ----

  static String csvLine(AnomalyRow a) {
    StringBuilder b = new StringBuilder(256);
    b.append(a.id()).append(',').append(str(a.scannedAt())).append(',');
    field(b, a.type()).append(',');
    field(b, a.suspicion()).append(',');
    field(b, a.level()).append(',');
    field(b, a.canonical()).append(',');
    field(b, a.product()).append(',');
    field(b, a.siteId()).append(',');
    field(b, a.region()).append(',');
    field(b, a.detail()).append(',');
    field(b, a.conflictSiteId()).append(',');
    field(b, a.conflictDocumentNo()).append(',');
    b.append(a.conflictAt() == null ? "" : a.conflictAt().toString()).append(',');
    field(b, a.state()).append(',');
    b.append(a.voidedAt() == null ? "" : a.voidedAt().toString());
    return b.append("\r\n").toString();
  }

  /**
   * RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. A text that a spreadsheet would
   * run as a formula (leading = + - @, tab or CR: documentNo is client text) gets a leading apostrophe (OWASP).
   */
  static StringBuilder field(StringBuilder b, String value) {
    if (value == null || value.isEmpty()) {
      return b;
    }
    String v = value;
    char first = v.charAt(0);
    if (first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r') {
      v = "'" + v;
    }
    boolean quote = false;
    for (int i = 0; i < v.length() && !quote; i++) {
      char c = v.charAt(i);
      quote = c == ',' || c == '"' || c == '\n' || c == '\r';
    }
    if (!quote) {
      return b.append(v);
    }
    return b.append('"').append(v.replace("\"", "\"\"")).append('"');
  }

  // ---- parameters ----

  /**
   * The request's query parameters, decoded strictly ({@link Fields#query}): bad ones are errors already. Remembers
   * which were asked for, so that {@link #refuseUnknown} can name the rest.
   */
  static final class Query {
    private final Map<String, List<String>> params;
    private final Set<String> asked = new java.util.HashSet<>();

    private Query(Map<String, List<String>> params) {
      this.params = params;
    }

    static Query of(RoutingContext ctx, Problem.Errors errors) {
      return new Query(Fields.query(ctx.request().query(), errors));
    }

    List<String> values(String name) {
      asked.add(name);
      return params.getOrDefault(name, List.of());
    }

    /** Accepted and not used (limit and cursor of a CSV export, say). */
    void ignore(String... names) {
      asked.addAll(List.of(names));
    }

    /**
     * Every parameter the route did not ask for is an error: a misspelt filter ({@code regoin=44}) was ignored, and
     * the answer, or an export, covered everything while looking filtered.
     */
    void refuseUnknown(Problem.Errors errors) {
      params.keySet().stream().filter(name -> !asked.contains(name)).sorted().forEach(name ->
          errors.add(name, "is not a parameter of this request"));
    }
  }

  /** The one value of a query parameter; null when absent or empty; an error when repeated. */
  static String single(Query q, String name, Problem.Errors errors) {
    List<String> values = q.values(name);
    if (values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      errors.add(name, "give one value, not " + values.size());
      return null;
    }
    String v = values.get(0).trim();
    return v.isEmpty() ? null : v;
  }

  static String textParam(Query q, String name, int max, Problem.Errors errors) {
    String v = single(q, name, errors);
    if (v != null && v.length() > max) {
      errors.add(name, "must be at most " + max + " characters");
      return null;
    }
    return v;
  }

  static <E extends Enum<E>> String enumParam(Query q, String name, Class<E> type,
                                                      Problem.Errors errors) {
    return oneOf(name, single(q, name, errors), java.util.Arrays.stream(type.getEnumConstants()).map(Enum::name)
        .toList(), errors);
  }

  /**
   * The one of {@code names} that {@code v} is, ignoring ASCII letter case (type=repeat_sale, groupBy=SITE), or null
   * when absent. Only ASCII: Unicode's case mapping reads ſ as S and ı as I, so type=repeat_ſale was a REPEAT_SALE.
   */
  static String oneOf(String name, String v, List<String> names, Problem.Errors errors) {
    if (v == null) {
      return null;
    }
    for (String n : names) {
      if (AsciiCase.equalsIgnoringCase(n, v)) {
        return n;
      }
    }
    errors.add(name, "must be one of " + String.join(", ", names));
    return null;
  }

  /**
   * An ISO-8601 time with an offset, rounded up to a whole microsecond: PostgreSQL keeps microseconds and cut a finer
   * bound to them, so from=...123456|7 took in a scan at ...123456 and to=...123456|7 left it out. Every stored time
   * is whole microseconds, so the rounded bound selects exactly what the given one does, inclusive or exclusive; a
   * scan's time is rounded up alike when it arrives, so its own time, however written, selects it.
   */
  static Instant timeParam(Query q, String name, Problem.Errors errors) {
    String v = single(q, name, errors);
    if (v == null) {
      return null;
    }
    try {
      // in UTC, where the database compares it: a time that has no UTC date there is refused, not a 500
      OffsetDateTime t = Fields.isoTime(plusOffset(v)).withOffsetSameInstant(ZoneOffset.UTC);
      Instant bound = Fields.wholeMicrosecond(t.toInstant());
      // Beyond PostgreSQL's last timestamp the driver sends the first days of year 294277 as a plain number, which
      // PostgreSQL refuses (a 500): such a bound selects what PostgreSQL's last microsecond does, as nothing stored
      // (no scan more than minutes ahead is accepted) is that late
      return bound.isAfter(LAST_TIMESTAMP) ? LAST_TIMESTAMP : bound;
    } catch (DateTimeException e) {
      errors.add(name, Fields.notIsoTime(plusOffset(v), "2026-11-22T00:00:00+08:00 or 2026-11-21T16:00:00Z"));
      return null;
    }
  }

  /** {@code from} and {@code to}, either absent (null); {@code to} must be later. */
  static Instant[] timeRange(Query q, Problem.Errors errors) {
    Instant from = timeParam(q, "from", errors);
    Instant to = timeParam(q, "to", errors);
    if (from != null && to != null && !from.isBefore(to)) {
      errors.add("to", "must be later than from");
    }
    return new Instant[] {from, to};
  }

  /** PostgreSQL's last timestamptz (its range ends at 294276 AD). */
  static final Instant LAST_TIMESTAMP = Instant.parse("+294276-12-31T23:59:59.999999Z");

  /**
   * A time written with its offset as in api.md, from=2026-11-22T00:00:00+08:00, and put in a URL as it is (curl, a
   * browser's address bar): the query's '+' reaches us as a space, and the service's own example was refused. No
   * ISO-8601 time holds a space, so one before the offset's digits can only have been that '+'.
   */
  private static String plusOffset(String v) {
    return v.matches(".*T[0-9:.,]+ [0-9]{2}(:?[0-9]{2})?") ? v.replace(' ', '+') : v;
  }

  /**
   * ASCII digits only, as the contract's integers are written: Integer.parseInt reads any Unicode digit, and
   * limit=１０ (fullwidth, as a Chinese input method types it) was answered as limit=10, a request that a client or
   * gateway checking it against /openapi.yaml refuses.
   */
  private static final Pattern DIGITS = Pattern.compile("[0-9]+");

  static int intParam(Query q, String name, int dflt, int min, int max, Problem.Errors errors) {
    String v = single(q, name, errors);
    if (v == null) {
      return dflt;
    }
    if (DIGITS.matcher(v).matches()) {
      try {
        int n = Integer.parseInt(v);
        if (n >= min && n <= max) {
          return n;
        }
      } catch (NumberFormatException e) {
        // more digits than an int holds: reported below
      }
    }
    errors.add(name, "must be a whole number from " + min + " to " + max + " in ASCII digits");
    return dflt;
  }

  static String encodeCursor(Instant scannedAt, long id) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((scannedAt.toString() + "|" + id).getBytes(StandardCharsets.UTF_8));
  }

  private static AnomalyQueries.After cursor(String v, Problem.Errors errors) {
    if (v == null) {
      return null;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(v), StandardCharsets.UTF_8);
      var m = CURSOR.matcher(text);
      if (m.matches()) {
        // atOffset: an instant with no UTC date (a forged year 1,000,000,000) is not a cursor, nor a 500; nor is
        // one after PostgreSQL's last timestamp (no stored row is there, and the first days of 294277 were a 500)
        Instant at = Instant.parse(m.group(1)).atOffset(ZoneOffset.UTC).toInstant();
        if (!at.isAfter(LAST_TIMESTAMP)) {
          return new AnomalyQueries.After(at, Long.parseLong(m.group(2)));
        }
      }
    } catch (IllegalArgumentException | DateTimeException e) {
      // reported below
    }
    errors.add("cursor", "is not a cursor this service issued: pass nextCursor from the previous page unchanged");
    return null;
  }

  private static String str(Instant t) {
    return t == null ? null : t.toString();
  }
}
