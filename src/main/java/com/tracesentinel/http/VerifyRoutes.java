package com.tracesentinel.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.tracesentinel.Services;
import com.tracesentinel.code.ParseResult;
import com.tracesentinel.code.TraceCode;
import com.tracesentinel.code.TraceCodes;
import com.tracesentinel.history.LookupQueries;
import com.tracesentinel.imaging.DecodedSymbol;
import com.tracesentinel.code.CodeKey;
import com.tracesentinel.reference.Product;
import com.tracesentinel.rules.CodeState;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public look-up (no key): {@code GET /api/v1/verify/{code}}, {@code GET /api/v1/verify?code=…},
 * {@code POST /api/v1/verify/image} and the {@code /verify} page. The answer is one of NHSA's four outcomes with the
 * product, the latest sales (date, site name, region) and the data's time, and never a patient, settlement, document
 * number or device. Every {@code /api/v1/verify*} request first passes a per-client token bucket.
 *
 * <p>One instance per HTTP verticle; the limiter, the daily counts and the meters are shared by all of them through
 * {@link #shared}, so the limit is per client, not per client and event loop.
 */
final class VerifyRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(VerifyRoutes.class);
  static final ZoneId CHINA = ZoneId.of("Asia/Shanghai");
  static final int RECENT_SALES = 3;
  static final long FLUSH_MILLIS = 10_000;

  enum Outcome { NO_SALE_RECORD, ONE_SALE, MULTIPLE_SALES, INVALID_CODE }

  private final Services services;
  private final ImageRoutes images;
  private final Shared shared;
  private final boolean trustProxy;
  private final String reportPhone;

  VerifyRoutes(Vertx vertx, Services services, ImageRoutes images) {
    this.services = services;
    this.images = images;
    this.shared = shared(vertx, services);
    this.trustProxy = services.config().trustProxy();
    this.reportPhone = services.config().reportPhone();
  }

  /** Mount before the general /api body handler: the limit comes before any body is read. */
  void mount(Router router) {
    router.route("/api/v1/verify*").handler(this::limit);
    // A regex, so a Digital Link URI with encoded slashes fits in one parameter; named like a path for the
    // metrics' route label and the OpenAPI check.
    router.getWithRegex("/api/v1/verify/(?<code>.+)").setName("/api/v1/verify/:code")
        .handler(ctx -> answer(ctx, ctx.pathParam("code")));
    router.get("/api/v1/verify").handler(ctx -> {
      String code = ctx.queryParams().get("code");
      if (code == null) {
        throw Problem.validation(List.of(new Problem.FieldError("code", "the query parameter code is required")));
      }
      answer(ctx, code);
    });
    long imageLimit = services.imageDecoder().settings().maxBytes() + 64 * 1024;
    router.post("/api/v1/verify/image").handler(ImageRoutes::holdBody).handler(ImageRoutes::requireImage)
        .handler(ImageRoutes::reserveSlot);
    router.post("/api/v1/verify/image").handler(BodyHandler.create(false).setBodyLimit(imageLimit))
        .handler(this::image);

    StaticHandler page = StaticHandler.create("webroot/verify").setIndexPage("index.html").setMaxAgeSeconds(300)
        .setDefaultContentEncoding("UTF-8");
    router.get("/verify").handler(ctx -> {
      if (ctx.request().path().endsWith("/")) {
        ctx.next(); // the router lets "/verify" match "/verify/" too: that one is the page
      } else {
        // The static handler's own redirect to the directory drops the query: /verify?code=… is a link the demo
        // prints and people share, so the code must survive it.
        String query = ctx.request().query();
        ctx.response().setStatusCode(301)
            .putHeader("Location", "/verify/" + (query == null || query.isEmpty() ? "" : "?" + query)).end();
      }
    }).handler(VerifyRoutes::pageHeaders).handler(page);
    router.get("/verify/*").handler(VerifyRoutes::pageHeaders).handler(page);
  }

  /** Stores the look-ups counted since the last flush: at shutdown, before the database pool closes. */
  Future<Void> close() {
    return shared.queries.flush().recover(err -> {
      LOG.warn("Storing the last look-up counts: {}", err.toString());
      return Future.succeededFuture();
    });
  }

  // ---- the routes ------------------------------------------------------------------------------------------------

  private void limit(RoutingContext ctx) {
    long waitSeconds = shared.limiter.tryAcquire(clientKey(ctx));
    if (waitSeconds == 0) {
      ctx.next();
      return;
    }
    shared.limited.increment();
    ctx.fail(Problem.tooManyRequests("at most " + shared.limiter.perMinute()
        + " look-ups a minute from one address; try again in " + waitSeconds + " s", (int) waitSeconds));
  }

  private void answer(RoutingContext ctx, String raw) {
    lookUp(TraceCodes.parse(raw)).onComplete(ar -> reply(ctx, ar));
  }

  private void image(RoutingContext ctx) {
    images.decode(ctx.body().buffer()).compose(symbols -> {
      if (symbols.isEmpty()) {
        return Future.failedFuture(new Problem(422, "No code found",
            "no trace code could be read from the photo; retake it closer and sharper, or type the code"));
      }
      ParseResult first = null;
      for (DecodedSymbol s : symbols) {
        ParseResult parsed = TraceCodes.parse(s.text());
        if (parsed instanceof ParseResult.Valid) {
          return lookUp(parsed);
        }
        if (first == null) {
          first = parsed;
        }
      }
      // Something was read but none of it is a trace code (typically the product's EAN barcode): say why.
      return lookUp(first);
    }).onComplete(ar -> reply(ctx, ar));
  }

  private static void reply(RoutingContext ctx, io.vertx.core.AsyncResult<JsonObject> ar) {
    if (ar.failed()) {
      ctx.fail(ar.cause());
    } else {
      ctx.response().putHeader("Cache-Control", "no-store");
      ctx.json(ar.result());
    }
  }

  // ---- the answer ------------------------------------------------------------------------------------------------

  private Future<JsonObject> lookUp(ParseResult parsed) {
    if (parsed instanceof ParseResult.Invalid invalid) {
      counted(Outcome.INVALID_CODE);
      return Future.succeededFuture(new JsonObject()
          .put("outcome", Outcome.INVALID_CODE.name())
          .put("reason", invalid.reason().name())
          .put("detail", invalid.message())
          .put("updatedAt", updatedAt())
          .put("message", Messages.INVALID_ZH)
          .put("messageEn", Messages.INVALID_EN));
    }
    TraceCode code = ((ParseResult.Valid) parsed).code();
    byte[] key = CodeKey.of(code.canonical());
    String updatedAt = updatedAt();
    CodeState state = services.ledger().get(key);
    if (state != null) {
      // Counted apart from the code's state and stored every few seconds; a code never scanned gets no row.
      shared.queries.countCode(key);
    }
    Product product = services.reference().product(code.productKey());
    int saleCount = state == null ? 0 : Math.max(0, state.saleCount());
    boolean splitOneBox = saleCount > 1 && state.lastSaleSplit() && state.distinctSaleSites() <= 1
        && product != null && state.soldUnits() <= product.packSize();
    Outcome outcome = saleCount == 0 ? Outcome.NO_SALE_RECORD
        : saleCount == 1 || splitOneBox ? Outcome.ONE_SALE : Outcome.MULTIPLE_SALES;
    boolean destroyed = state != null && state.destroyed();
    counted(outcome);

    Future<List<LookupQueries.RecentSale>> sales = saleCount == 0 ? Future.succeededFuture(List.of())
        : shared.queries.recentSales(key, RECENT_SALES);
    return sales.recover(err -> {
      LOG.warn("Reading the latest sales of a looked-up code: {}", err.toString());
      return Future.failedFuture(Problem.unavailable("the sales history cannot be read just now", 5));
    }).map(list -> {
      JsonArray recent = new JsonArray();
      for (LookupQueries.RecentSale s : list) {
        recent.add(new JsonObject().put("date", s.scannedAt().atZone(CHINA).toLocalDate().toString())
            .put("siteName", s.siteName()).put("region", s.regionName()));
      }
      JsonObject json = new JsonObject()
          .put("outcome", outcome.name())
          .put("canonical", code.canonical())
          .put("product", product == null ? null : new JsonObject()
              .put("genericName", product.genericName())
              .put("brandName", product.brandName())
              .put("spec", product.spec())
              .put("manufacturer", product.manufacturer())
              .put("packSize", product.packSize()))
          .put("saleCount", saleCount)
          .put("recentSales", recent)
          .put("updatedAt", updatedAt)
          .put("message", Messages.zh(outcome, splitOneBox, destroyed, reportPhone))
          .put("messageEn", Messages.en(outcome, splitOneBox, destroyed, reportPhone));
      if (outcome != Outcome.NO_SALE_RECORD || destroyed) {
        json.put("reportPhone", reportPhone);
      }
      if (splitOneBox) {
        json.put("splitSale", true);
      }
      if (destroyed) {
        json.put("destroyed", true);
      }
      return json;
    });
  }

  private void counted(Outcome outcome) {
    shared.meters.get(outcome).increment();
    shared.queries.count(LocalDate.now(CHINA), outcome.name());
  }

  /** Every scan that arrived before this time is in the answer (later ones may still be on their way). */
  private String updatedAt() {
    Instant settled = services.scans().settledBefore();
    return (settled == null ? Instant.now() : settled).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** The public page is static: no script or style from anywhere else, no framing. */
  private static void pageHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; "
            + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer");
    ctx.next();
  }

  // ---- the client's address --------------------------------------------------------------------------------------

  /**
   * The address the limit is kept for. X-Forwarded-For is believed only when configured (one trusted proxy in front:
   * its last entry is the address that proxy saw); otherwise any client could invent one per request. IPv6 clients
   * are limited per /64, the block one subscriber usually holds, so rotating addresses inside it does not help.
   */
  String clientKey(RoutingContext ctx) {
    String address = null;
    if (trustProxy) {
      String forwarded = ctx.request().getHeader("X-Forwarded-For");
      if (forwarded != null) {
        int comma = forwarded.lastIndexOf(',');
        address = forwarded.substring(comma + 1).trim();
      }
    }
    if (address == null || address.isEmpty()) {
      SocketAddress remote = ctx.request().remoteAddress();
      address = remote == null || remote.hostAddress() == null ? "unknown" : remote.hostAddress();
    }
    return clientKey(address);
  }

  static String clientKey(String address) {
    String a = address.length() > 64 ? address.substring(0, 64) : address;
    if (a.indexOf(':') < 0) {
      return a;
    }
    if (a.indexOf('.') >= 0) {
      // IPv4-mapped or -compatible (::ffff:192.0.2.1): the IPv4 client it stands for.
      String v4 = a.substring(a.lastIndexOf(':') + 1);
      int end = v4.indexOf(']');
      return end < 0 ? v4 : v4.substring(0, end);
    }
    String prefix = ipv6Prefix64(a);
    return prefix == null ? a : prefix;
  }

  /** The first four groups of an IPv6 literal ("2001:db8:0:1::"), or null when it is not one. */
  static String ipv6Prefix64(String literal) {
    String a = literal;
    if (a.startsWith("[")) {
      int end = a.indexOf(']');
      a = end < 0 ? a.substring(1) : a.substring(1, end);
    }
    int zone = a.indexOf('%');
    if (zone >= 0) {
      a = a.substring(0, zone);
    }
    int gap = a.indexOf("::");
    if (gap >= 0 && gap != a.lastIndexOf("::")) {
      return null;
    }
    List<String> head = groups(gap < 0 ? a : a.substring(0, gap));
    List<String> tail = gap < 0 ? List.of() : groups(a.substring(gap + 2));
    List<String> all = new ArrayList<>(8);
    all.addAll(head);
    if (gap >= 0) {
      for (int i = head.size() + tail.size(); i < 8; i++) {
        all.add("0");
      }
    }
    all.addAll(tail);
    if (all.size() != 8 || gap >= 0 && head.size() + tail.size() > 7) {
      return null;
    }
    StringBuilder out = new StringBuilder(24);
    for (int g = 0; g < 4; g++) {
      String v = all.get(g);
      if (v.isEmpty() || v.length() > 4) {
        return null;
      }
      try {
        out.append(Integer.toHexString(Integer.parseInt(v, 16))).append(':');
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return out.append(':').toString();
  }

  /** Colon-separated groups; an embedded IPv4 tail ("::ffff:1.2.3.4") stands for the last two. */
  private static List<String> groups(String s) {
    List<String> out = new ArrayList<>(8);
    if (s.isEmpty()) {
      return out;
    }
    for (String g : s.split(":", -1)) {
      if (g.indexOf('.') >= 0) {
        out.add("0");
        out.add("0");
      } else {
        out.add(g);
      }
    }
    return out;
  }

  // ---- what every HTTP verticle shares ---------------------------------------------------------------------------

  /** The limiter, the daily counts (flushed every {@value #FLUSH_MILLIS} ms) and the meters: one set per service. */
  static Shared shared(Vertx vertx, Services services) {
    return vertx.sharedData().<String, Shared>getLocalMap("tracesentinel.verify")
        .computeIfAbsent("shared", k -> {
          Shared s = new Shared(services.config().publicLookupsPerMinute(), services.prometheus(),
              new LookupQueries(services.pool()));
          vertx.setPeriodic(FLUSH_MILLIS, FLUSH_MILLIS, id -> s.queries.flush()
              .onFailure(err -> LOG.warn("Storing look-up counts (kept for the next try): {}", err.toString())));
          return s;
        });
  }

  static final class Shared implements Shareable {
    final Limiter limiter;
    final LookupQueries queries;
    final Map<Outcome, Counter> meters = new EnumMap<>(Outcome.class);
    final Counter limited;

    Shared(int perMinute, MeterRegistry registry, LookupQueries queries) {
      this.limiter = new Limiter(perMinute, Limiter.MAX_CLIENTS);
      this.queries = queries;
      for (Outcome o : Outcome.values()) {
        meters.put(o, Counter.builder("tracesentinel.lookups").tag("outcome", o.name())
            .description("public look-ups answered, by outcome").register(registry));
      }
      this.limited = Counter.builder("tracesentinel.lookups.limited")
          .description("public look-ups refused by the per-client rate limit (429)").register(registry);
    }
  }

  /**
   * A token bucket per client (Bucket4j: the configured look-ups a minute, refilled smoothly) in a Caffeine map
   * bounded by size and idle time. A bucket idle for a minute is full again, so expiring it forgets nothing; when a
   * flood of addresses fills the map the least useful entries go, and a client whose bucket was evicted merely
   * starts afresh. Maintenance runs on the calling thread, so the bound holds without a background thread.
   */
  static final class Limiter {
    /**
     * About 460 bytes a client (measured: key, bucket and map entry), so at most ~23 MB of heap however many
     * addresses arrive; 50,000 clients each looking up within one minute is far beyond the expected public load.
     */
    static final int MAX_CLIENTS = 50_000;

    private final int perMinute;
    private final int maxClients;
    private final Cache<String, Bucket> buckets;

    Limiter(int perMinute, int maxClients) {
      this.perMinute = perMinute;
      this.maxClients = maxClients;
      this.buckets = Caffeine.newBuilder().maximumSize(maxClients).expireAfterAccess(Duration.ofMinutes(1))
          .executor(Runnable::run).build();
    }

    /** 0 when the client may go on, otherwise the whole seconds until it may try again (at least 1). */
    long tryAcquire(String client) {
      Bucket bucket = buckets.get(client, k -> Bucket.builder()
          .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)).build())
          .build());
      ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
      if (probe.isConsumed()) {
        return 0;
      }
      return Math.max(1, (probe.getNanosToWaitForRefill() + TimeUnit.SECONDS.toNanos(1) - 1)
          / TimeUnit.SECONDS.toNanos(1));
    }

    int perMinute() {
      return perMinute;
    }

    int bound() {
      return maxClients;
    }

    /** Clients tracked now, after pending evictions. */
    long size() {
      buckets.cleanUp();
      return buckets.estimatedSize();
    }
  }

  /** What to tell the public, Chinese first: what the outcome means and what to do next. */
  static final class Messages {
    static final String INVALID_ZH = "这不是有效的药品追溯码。请核对药盒上的追溯码后重新输入，或重新拍照。";
    static final String INVALID_EN = "This is not a valid drug trace code. Check the trace code on the box and enter "
        + "it again, or take a new photo.";

    static String zh(Outcome outcome, boolean split, boolean destroyed, String phone) {
      String report = "请保留药盒，并拨打医保服务热线 " + phone + " 向医保局";
      String m = switch (outcome) {
        case NO_SALE_RECORD -> "暂未查到这盒药的销售记录。如果您刚刚购买，药店的数据可能还在上传中，请稍后再查。";
        case ONE_SALE -> (split ? "这盒药在同一家药店拆零销售。" : "这盒药有一次销售记录。")
            + "请核对下面的日期和药店是否与您的购买一致；如不一致，" + report + "反映。";
        case MULTIPLE_SALES -> "这盒药已被销售过多次，可能是回流药、串换药或假药。" + report + "举报。";
        case INVALID_CODE -> INVALID_ZH;
      };
      return destroyed ? "该追溯码已登记为销毁或召回，请勿使用这盒药；" + report + "举报。" + m : m;
    }

    static String en(Outcome outcome, boolean split, boolean destroyed, String phone) {
      String report = "keep the box and tell the medical insurance bureau: call " + phone
          + " (medical insurance service hotline)";
      String m = switch (outcome) {
        case NO_SALE_RECORD -> "No sale of this box is on record yet. If you have just bought it, the pharmacy's "
            + "data may still be on its way: check again later.";
        case ONE_SALE -> (split ? "This box was sold in parts (split pack) at one pharmacy. "
            : "This box has been sold once. ")
            + "Check that the date and pharmacy below match your purchase; if they do not, " + report + ".";
        case MULTIPLE_SALES -> "This box has been sold more than once: it may have been resold, substituted or "
            + "faked. To report it, " + report + ".";
        case INVALID_CODE -> INVALID_EN;
      };
      return destroyed ? "This code was registered as destroyed or recalled: do not use the box; " + report + ". "
          + m : m;
    }
  }
}
