package com.tracesentinel.http;

import com.tracesentinel.code.ParseResult;
import com.tracesentinel.code.TraceCodes;
import com.tracesentinel.imaging.DecodedSymbol;
import com.tracesentinel.ingest.HistoryUnavailable;
import com.tracesentinel.ingest.LookupService;
import com.tracesentinel.ingest.ScanService;
import com.tracesentinel.limits.ClientAddress;
import com.tracesentinel.limits.LookupLimiter;
import com.tracesentinel.limits.PhotosInHand;
import com.tracesentinel.reference.Product;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public look-up over HTTP (no key): {@code GET /api/v1/verify/{code}}, {@code GET /api/v1/verify?code=…},
 * {@code POST /api/v1/verify/image} and the {@code /verify} page. Every {@code /api/v1/verify*} request first passes
 * the per-client limit ({@code limits}); the answer itself is {@link LookupService}'s, rendered here with the words
 * for the public in Chinese and English.
 */
final class VerifyRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(VerifyRoutes.class);

  private final Services services;
  private final ImageRoutes images;
  private final Shared shared;
  private final boolean trustProxy;
  private final ConnectionGuard guard;
  private final String reportPhone;
  private final long photoMinRate;

  VerifyRoutes(Vertx vertx, Services services, ImageRoutes images) {
    this.services = services;
    this.images = images;
    this.shared = shared(vertx, services);
    this.trustProxy = services.config().trustProxy();
    this.guard = ConnectionGuard.shared(vertx, services.config().http());
    this.reportPhone = services.config().reportPhone();
    this.photoMinRate = services.config().http().photoMinRate();
  }

  /**
   * Mount before the general /api body handler: the limit comes before any body is read. Each look-up route takes
   * its token itself, so that its 429 is counted under its own route label: on a prefix route in front of them, every
   * 429 was labelled /api/v1/verify, apart from the answers of /api/v1/verify/:code and /api/v1/verify/image.
   */
  void mount(Router router) {
    // A regex, so a Digital Link URI with encoded slashes fits in one parameter; named like a path for the
    // metrics' route label and the OpenAPI check.
    router.routeWithRegex(HttpMethod.GET, "/api/v1/verify/(?<code>.+)").method(HttpMethod.HEAD)
        .setName("/api/v1/verify/:code").handler(this::limit)
        .handler(ctx -> answer(ctx, pathCode(ctx)));
    ApiServer.getAndHead(router, "/api/v1/verify").handler(this::limit).handler(ctx -> {
      List<String> codes = ctx.queryParams().getAll("code");
      if (codes.isEmpty()) {
        // the router lets /api/v1/verify/ (a path code left empty) match here: its caller gave no query parameter
        throw Problem.validation(List.of(new Problem.FieldError("code", "is required: GET /api/v1/verify/{code} or "
            + "GET /api/v1/verify?code={code}")));
      }
      if (codes.size() > 1) {
        // Which box was asked about is the caller's to say: answering for the first could be the wrong box.
        throw Problem.validation(List.of(new Problem.FieldError("code", "give one value, not " + codes.size())));
      }
      lookUp(ctx, TraceCodes.parseQueryValue(codes.get(0))).onComplete(ar -> reply(ctx, ar));
    });
    long imageLimit = services.imageDecoder().settings().maxBytes() + 64 * 1024;
    router.post("/api/v1/verify/image").handler(this::limit).handler(ImageRoutes.holdBody(imageLimit))
        .handler(ImageRoutes::requireImage).handler(this::fewPhotosAtOnce).handler(ImageRoutes.PUBLIC_DECODERS_FREE)
        .handler(ctx -> BodyBudget.reservePublicPhoto(ctx, imageLimit, guard)).handler(this::atLeastMinRate);
    router.post("/api/v1/verify/image").handler(BodyHandler.create(false).setBodyLimit(imageLimit))
        .handler(ImageRoutes.RESERVE_PUBLIC_SLOT).handler(this::image);
    // Every other /api/v1/verify* request (another method, /api/v1/verifyx) takes a token too, then goes on to its 404
    // or 405: only a request no look-up route answered reaches this one.
    router.route("/api/v1/verify*").handler(this::limit);

    StaticHandler page = StaticHandler.create("webroot/verify").setIndexPage("index.html").setMaxAgeSeconds(300)
        .setDefaultContentEncoding("UTF-8");
    // HEAD too: link checkers and chat apps' link previews ask for the page's headers first.
    router.route("/verify").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(VerifyRoutes::pageHeaders)
        .handler(ctx -> {
          if (ctx.request().path().endsWith("/")) {
            ctx.next(); // the router lets "/verify" match "/verify/" too: the static handler serves that one
          } else {
            // The contract names GET /verify as the page, and /verify?code=… is the link the demo prints and people
            // share: a client that does not follow redirects got a 301 without the page. Its files are referenced
            // absolutely and it reads the code from its own address, so it works at either address.
            ctx.response().putHeader("Content-Type", "text/html;charset=UTF-8")
                .putHeader("Cache-Control", "public, max-age=300");
            HomeRoutes.sendFile(ctx, "webroot/verify/index.html");
          }
        }).handler(HomeRoutes::headContentType).handler(page);
    router.route("/verify/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(VerifyRoutes::pageHeaders)
        .handler(HomeRoutes::headContentType).handler(page);
  }

  /** Public photos one client address may have in hand at once (see {@link #fewPhotosAtOnce}). */
  static final int PHOTOS_AT_ONCE = 2;

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

  /**
   * A photo is in hand from its head until it is answered, its body included: without a cap, one address sending the
   * heads of 18 photos and their bodies slowly held every decoder slot for the body's 30 s, and no one else's photo was
   * read. The cap also bounds what one address holds of the bytes the public's bodies may take.
   */
  private void fewPhotosAtOnce(RoutingContext ctx) {
    String client = clientKey(ctx);
    if (!shared.photos.take(client)) {
      shared.limited.increment();
      ctx.fail(Problem.tooManyRequests("at most " + shared.photos.max() + " photos at once from one address; send "
          + "the next when one is answered", 1));
      return;
    }
    ctx.addEndHandler(v -> shared.photos.answered(client));
    ctx.next();
  }

  /**
   * Asks a public photo's body for the least rate configured: a body sent a byte a second would keep its connection
   * and its address's place among the photos in hand for the 30 s body deadline at no cost.
   */
  private void atLeastMinRate(RoutingContext ctx) {
    guard.requireRate(ctx.request(), photoMinRate);
    ctx.next();
  }

  private static final String PATH_PREFIX = "/api/v1/verify/";

  /**
   * The code of {@code /api/v1/verify/{code}} as the client wrote it. The router matched the normalized path, where
   * "//" is one "/" and "." and ".." segments are resolved: a serial of GS1's character set may hold all of them, and
   * "(21)A//B" or "(21)A/./B" was answered for the box "(21)A/B", another box, as if it were the one asked about. The
   * path was checked as percent-encoded UTF-8 before routing; a "+" in it is a plus.
   */
  private static String pathCode(RoutingContext ctx) {
    String path = ctx.request().path();
    if (path == null || !path.startsWith(PATH_PREFIX) || path.length() == PATH_PREFIX.length()) {
      return ctx.pathParam("code"); // reached here only once normalized ("/api/v1/x/../verify/…")
    }
    return java.net.URLDecoder.decode(path.substring(PATH_PREFIX.length()).replace("+", "%2B"),
        java.nio.charset.StandardCharsets.UTF_8);
  }

  private void answer(RoutingContext ctx, String raw) {
    lookUp(ctx, TraceCodes.parse(raw)).onComplete(ar -> reply(ctx, ar));
  }

  private void image(RoutingContext ctx) {
    images.decodeForPublic(ctx.body().buffer()).compose(symbols -> {
      if (symbols.isEmpty()) {
        return Future.failedFuture(new Problem(422, "No code found",
            "no trace code could be read from the photo; retake it closer and sharper, or type the code"));
      }
      ParseResult first = null;
      for (DecodedSymbol s : symbols) {
        ParseResult parsed = TraceCodes.parse(s.text());
        if (parsed instanceof ParseResult.Valid) {
          return lookUp(ctx, parsed);
        }
        if (first == null) {
          first = parsed;
        }
      }
      // Something was read but none of it is a trace code (typically the product's EAN barcode): say why.
      return lookUp(ctx, first);
    }).onComplete(ar -> reply(ctx, ar));
  }

  private Future<JsonObject> lookUp(RoutingContext ctx, ParseResult parsed) {
    return Future.fromCompletionStage(services.lookups().lookUp(parsed), ctx.vertx().getOrCreateContext())
        .recover(failure -> {
          // A completion stage hands its failure on wrapped.
          Throwable err = failure instanceof java.util.concurrent.CompletionException c && c.getCause() != null
              ? c.getCause() : failure;
          if (err instanceof ScanService.Unavailable stopped) {
            return Future.failedFuture(Problem.unavailable(stopped.getMessage(), 60));
          }
          if (err instanceof HistoryUnavailable unavailable) {
            LOG.warn("Reading the latest sales of a looked-up code: {}", unavailable.getCause() == null
                ? unavailable.toString() : unavailable.getCause().toString());
            return Future.failedFuture(Problem.unavailable("the sales history cannot be read just now", 5));
          }
          // a fault of the service's own: the general handler's logged 500, never a 503 to retry for ever
          return Future.failedFuture(err);
        })
        .map(answer -> json(answer, reportPhone));
  }

  static JsonObject json(LookupService.Answer a, String reportPhone) {
    if (a.outcome() == LookupService.Outcome.INVALID_CODE) {
      // Every field of the contract's answer is there, empty, for a client that reads one shape of answer.
      return new JsonObject()
          .put("outcome", a.outcome().name())
          .put("canonical", a.code() == null ? null : a.code().canonical())
          .put("product", null)
          .put("saleCount", 0)
          .put("recentSales", new JsonArray())
          .put("reason", a.reason().name())
          .put("detail", a.detail())
          .put("updatedAt", a.updatedAt().toString())
          .put("message", Messages.INVALID_ZH)
          .put("messageEn", Messages.INVALID_EN);
    }
    JsonArray recent = new JsonArray();
    for (LookupService.RecentSale s : a.recentSales()) {
      recent.add(new JsonObject().put("date", s.at().atZone(LookupService.CHINA).toLocalDate().toString())
          .put("siteName", s.siteName()).put("region", s.regionName()));
    }
    Product product = a.product();
    JsonObject json = new JsonObject()
        .put("outcome", a.outcome().name())
        .put("canonical", a.code().canonical())
        .put("product", product == null ? null : new JsonObject()
            .put("genericName", product.genericName())
            .put("brandName", product.brandName())
            .put("spec", product.spec())
            .put("manufacturer", product.manufacturer())
            .put("packSize", product.packSize()))
        .put("saleCount", a.saleCount())
        .put("recentSales", recent)
        .put("updatedAt", a.updatedAt().toString())
        .put("message", Messages.zh(a.outcome(), a.splitSale(), a.destroyed(), reportPhone))
        .put("messageEn", Messages.en(a.outcome(), a.splitSale(), a.destroyed(), reportPhone));
    if (a.outcome() != LookupService.Outcome.NO_SALE_RECORD || a.destroyed()) {
      json.put("reportPhone", reportPhone);
    }
    if (a.splitSale()) {
      json.put("splitSale", true);
    }
    if (a.destroyed()) {
      json.put("destroyed", true);
    }
    return json;
  }

  private static void reply(RoutingContext ctx, io.vertx.core.AsyncResult<JsonObject> ar) {
    if (ar.failed()) {
      ctx.fail(ar.cause());
    } else {
      ctx.response().putHeader("Cache-Control", "no-store");
      ctx.json(ar.result());
    }
  }

  /** The public page is static: no script or style from anywhere else, no framing. */
  private static void pageHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; "
            + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        .putHeader("Referrer-Policy", "no-referrer");
    ctx.next();
  }

  private String clientKey(RoutingContext ctx) {
    return clientKey(ctx, trustProxy);
  }

  /**
   * The address a per-client limit (the look-ups, the unknown API keys) is kept for. X-Forwarded-For is believed only
   * when configured (one trusted proxy in front: its last entry is the address that proxy saw); otherwise any client
   * could invent one per request.
   */
  static String clientKey(RoutingContext ctx, boolean trustProxy) {
    String address = null;
    if (trustProxy) {
      address = ClientAddress.lastForwarded(ctx.request().headers().getAll("X-Forwarded-For"));
    }
    if (address == null || address.isEmpty()) {
      SocketAddress remote = ctx.request().remoteAddress();
      address = remote == null || remote.hostAddress() == null ? "unknown" : remote.hostAddress();
    }
    return ClientAddress.clientKey(address);
  }

  // ---- what every HTTP verticle shares ---------------------------------------------------------------------------

  /** The limiter and its meter: one per service, so the limit is per client, not per client and event loop. */
  static Shared shared(Vertx vertx, Services services) {
    return vertx.sharedData().<String, Shared>getLocalMap("tracesentinel.verify")
        .computeIfAbsent("shared", k -> new Shared(services.config().publicLookupsPerMinute(), services.prometheus()));
  }

  static final class Shared implements Shareable {
    final LookupLimiter limiter;
    final Counter limited;
    final PhotosInHand photos = new PhotosInHand(PHOTOS_AT_ONCE);

    Shared(int perMinute, MeterRegistry registry) {
      this.limiter = new LookupLimiter(perMinute, LookupLimiter.MAX_CLIENTS);
      this.limited = Counter.builder("tracesentinel.lookups.limited")
          .description("public look-ups refused by a per-client limit (429: the rate, or photos at once)").register(registry);
    }
  }

  /** What to tell the public, Chinese first: what the outcome means and what to do next. */
  static final class Messages {
    static final String INVALID_ZH = "这不是有效的药品追溯码。请核对药盒上的追溯码后重新输入，或重新拍照。";
    static final String INVALID_EN = "This is not a valid drug trace code. Check the trace code on the box and enter "
        + "it again, or take a new photo.";

    static String zh(LookupService.Outcome outcome, boolean split, boolean destroyed, String phone) {
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

    static String en(LookupService.Outcome outcome, boolean split, boolean destroyed, String phone) {
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
