package com.tracesentinel.http;

import com.tracesentinel.code.AsciiCase;
import com.tracesentinel.history.DatabaseFailures;
import com.tracesentinel.ingest.HistoryUnavailable;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge: one instance per event loop, all sharing the same services. Every failure becomes a problem
 * JSON; an unexpected one is logged with a request id and answered 500 without internals.
 */
public final class ApiServer extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  static final long MAX_BODY = 1024 * 1024;

  private final Services services;
  private HttpServer server;
  private ImageRoutes images;
  private VerifyRoutes verify;

  public ApiServer(Services services) {
    this.services = services;
  }

  @Override
  public Future<?> start() {
    Router router = routes();
    ConnectionGuard guard = ConnectionGuard.shared(vertx, services.config().http());
    // HTTP/1.1 only: with clear-text HTTP/2 on, Vert.x creates a connection (and tells the guard) only once a whole
    // request head has arrived, so a client trickling its first head, or sending nothing, was never counted or timed.
    server = vertx.createHttpServer(new HttpServerOptions().setCompressionSupported(true)
        .setMaxInitialLineLength(8192).setMaxHeaderSize(16 * 1024).setHttp2ClearTextEnabled(false)
        .setIdleTimeout((int) services.config().http().idle().toSeconds()));
    server.connectionHandler(guard::connected);
    server.invalidRequestHandler(ApiServer::invalidRequest);
    return server.requestHandler(guard.guard(router)).listen(services.config().port(),
        services.config().host());
  }

  /**
   * A request head Netty could not decode (no route sees it): the status Vert.x would send, as a problem (on the NHSA
   * routes, their envelope); the connection is closed once it is sent.
   */
  private static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    Problem p;
    if (cause instanceof TooLongHttpLineException) {
      p = new Problem(414, "URI too long", "the request line is longer than 8,192 bytes");
    } else if (cause instanceof TooLongHttpHeaderException) {
      p = new Problem(431, "Request header fields too large", "the request's headers are larger than 16 KiB");
    } else {
      p = Problem.badRequest("the request could not be read: its head is not HTTP/1.1");
    }
    String id = RequestLog.newId();
    // nosniff as every routed answer: a browser's long link gets a 414 here
    request.response().putHeader("X-Content-Type-Options", "nosniff").putHeader("X-Request-Id", id);
    ConnectionGuard.refuse(request, p);
    RequestLog.undecodable(id, request, p.status());
  }

  /**
   * Reads what is left of a request's body into nothing, so that its end is seen. The body handler's end handler goes
   * too: it held what had been buffered of a body refused halfway (a public photo past the share of the heap) until the
   * client finished sending, up to the body deadline, outside any count.
   */
  private static void drain(HttpServerRequest request) {
    request.handler(ignored -> { });
    request.endHandler(null);
    request.resume();
  }

  /**
   * Bodies are read as sent: a compressed one was read as broken JSON (gzip) or, worse, as if it were plain (br), so
   * any Content-Encoding but identity on a request with a body is refused by name, before the body is read (a stray
   * header on a GET is left alone).
   */
  private static void requireUncompressedBody(RoutingContext ctx) {
    if (compressedBody(ctx.request())) {
      throw new Problem(415, "Unsupported media type", "a compressed body (Content-Encoding) is not accepted: send it "
          + "uncompressed");
    }
    ctx.next();
  }

  static boolean compressedBody(HttpServerRequest request) {
    String encoding = request.getHeader("Content-Encoding");
    return hasBody(request) && encoding != null && !encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity");
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader("Content-Length");
    return request.getHeader("Transfer-Encoding") != null || length != null && !length.trim().equals("0");
  }

  /**
   * A JSON body may come unlabelled, as application/json or a +json type, or as text/plain (as HTTP libraries label a
   * string). Any other label was read as JSON all the same: a scan sent as XML or as a form (curl -d without -H) was
   * stored, where the client meant another format or had mislabelled its body.
   */
  static boolean jsonMediaType(String contentType) {
    if (contentType == null) {
      return true;
    }
    String type = AsciiCase.lower(contentType).split(";", 2)[0].trim();
    return type.isEmpty() || type.equals("application/json") || type.equals("text/plain")
        || type.startsWith("application/") && type.endsWith("+json");
  }

  /** Before the body is read: a body labelled as anything but JSON is refused, not read as JSON. */
  static void requireJsonBody(RoutingContext ctx) {
    if (!jsonMediaType(ctx.request().getHeader("Content-Type"))) {
      throw notJson();
    }
    ctx.next();
  }

  private static Problem notJson() {
    return new Problem(415, "Unsupported media type", "the body must be JSON: send it with Content-Type: "
        + "application/json");
  }

  /**
   * The same rule for every route behind the API's shared body handler, in one place: each POST, PUT or PATCH there
   * reads a JSON body (a key request, a case change), and read any label as JSON until 2026-12-05, so a key asked for
   * as a form (curl -d without -H) was issued. A method the path does not serve keeps its 404 or 405.
   */
  private static Handler<RoutingContext> requireJsonBodyBehind(Router router) {
    return ctx -> {
      HttpServerRequest request = ctx.request();
      String method = request.method().name();
      // The routes are walked only for a body its label already refuses.
      if (hasBody(request) && !jsonMediaType(request.getHeader("Content-Type"))
          && List.of("POST", "PUT", "PATCH").contains(method)
          && List.of(allowed(router, ctx.normalizedPath()).split(", ")).contains(method)) {
        throw notJson();
      }
      ctx.next();
    };
  }

  /** Every route of the service (package-private: the OpenAPI test walks them). */
  Router routes() {
    Router router = Router.router(vertx);
    router.route().handler(RequestLog.handler(services.requestsInFlight()));
    // Every answer, API or file: a browser must never guess a type (a stored text rendered as HTML). And no cache
    // keeps an answer to a request with a key, whatever route (or none: a keyed 404 was cacheable) it reached.
    router.route().handler(ctx -> {
      ctx.response().putHeader("X-Content-Type-Options", "nosniff");
      if (ctx.request().headers().contains("Authorization")) {
        ctx.response().putHeader("Cache-Control", "no-store");
      }
      ctx.next();
    });
    router.route().method(HttpMethod.HEAD).handler(ApiServer::headLength);
    router.route().handler(ApiServer::requireReadablePath);
    router.route().handler(ApiServer::requireUncompressedBody);
    Auth auth = new Auth(vertx, services);
    ScanRoutes scans = new ScanRoutes(services.intake());
    images = new ImageRoutes(vertx, services.imageDecoder(), scans, services.config().uploadsDir(),
        services.prometheus());
    images.mount(router, auth);
    verify = new VerifyRoutes(vertx, services, images);
    verify.mount(router);
    scans.mount(router, auth);
    new NhsaRoutes(services.intake()).mount(router, auth);
    new ReferenceRoutes(services.referenceRepository(), services.config().dbTimeoutSeconds()).mount(router, auth);
    router.route("/api/*").handler(ImageRoutes.holdBody(MAX_BODY)).handler(auth.keyBeforeBody())
        .handler(requireJsonBodyBehind(router));
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY));
    int dbTimeout = services.config().dbTimeoutSeconds();
    router.route("/api/*").handler(ctx -> answerWithin(ctx, dbTimeout));
    new OpsRoutes(services.prometheus(), services.notReady(), services.notLive(),
        services.config().opsOnLoopbackOnly()).mount(router);
    new KeyRoutes(services.keys(), services.reference()).mount(router, auth);
    new InvestigatorRoutes(services.reference(), services.investigations(),
        Math.max(1, services.config().dbPoolSize() / 2), services.config().exportMax()).mount(router, auth);
    // A quarter of the pool for streams' reads, as half of it for exports: the lists and the scans' reads keep the rest.
    new AnomalyStream(vertx, services.investigations(), AnomalyStream.MAX_STREAMS,
        Math.max(1, services.config().dbPoolSize() / 4)).mount(router, auth);
    new CaseRoutes(services.investigations().cases()).mount(router, auth);
    new RingRoutes(services.investigations().rings()).mount(router, auth);
    new RejectedRoutes(services.investigations().rejected(), services.reference()).mount(router, auth);
    if (services.cluster() != null) {
      new ClusterRoutes(services.cluster(), services.scans(), services.preparation(), services.referenceRepository())
          .mount(router);
    }
    InvestigatorRoutes.mountStatic(router);
    HomeRoutes.mount(router);
    router.route().failureHandler(ApiServer::problem);
    // No route for the path: 404; a route for the path but not the method: 405 with Allow. Both as problems. Vert.x
    // says 404 for a wrong method when a route for any method (the API's body handler) matched after the one for the
    // path, so the 404 asks the routes too.
    router.errorHandler(404, ctx -> {
      String allow = allowed(router, ctx.normalizedPath());
      if (allow.isEmpty() || List.of(allow.split(", ")).contains(ctx.request().method().name())) {
        problem(ctx);
      } else {
        ctx.response().putHeader("Allow", allow);
        send(ctx, byStatus(ctx, 405));
      }
    });
    router.errorHandler(405, ctx -> {
      String allow = allowed(router, ctx.normalizedPath());
      if (!allow.isEmpty()) {
        ctx.response().putHeader("Allow", allow);
      }
      problem(ctx);
    });
    return router;
  }

  /**
   * A route for GET and HEAD: HTTP requires HEAD wherever GET is served, and monitors, link checkers and chat apps'
   * link previews ask for the headers first (a HEAD was a 405 on the API's reads until 2026-12-04). Vert.x sends no
   * body in answer to a HEAD; {@link #headLength} gives it the Content-Length its GET would carry.
   */
  static Route getAndHead(Router router, String path) {
    return router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD);
  }

  /**
   * A HEAD's answer carries the Content-Length its GET's would: Vert.x drops the body handed to end() for a HEAD, and
   * its length with it, so the API's reads (and their problems) answered HEAD with no length where GET had one. The
   * body is counted before the head goes out. A HEAD answered without one (a CSV export's, whose GET is chunked; a
   * redirect, a 304) gets no length: Vert.x has already dropped Transfer-Encoding here, so a 0 would claim no rows.
   * Routed for HEAD only: the scans' GETs and POSTs do not take this hop.
   */
  private static void headLength(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    ctx.addHeadersEndHandler(v -> {
      if (response.bytesWritten() > 0 && !response.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
        response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(response.bytesWritten()));
      }
    });
    ctx.next();
  }

  /**
   * The methods some route serves on {@code path} ("GET, POST"), for a 405's Allow header. A path that a route names
   * word for word is that route's alone: no parameter of this API is a word another route names (an anomaly id is a
   * number), and "/api/v1/anomalies/stream" said Allow: GET, PATCH until 2026-12-04, PATCH /api/v1/anomalies/:id
   * matching it too.
   */
  static String allowed(Router router, String path) {
    Set<String> methods = new TreeSet<>();
    Set<String> named = new TreeSet<>();
    for (Route r : router.getRoutes()) {
      String template = r.getPath() != null ? r.getPath() : r.getName();
      if (template != null && r.methods() != null && !r.methods().isEmpty()
          && routePattern(template, r.getPath() == null || r.isExactPath()).matcher(path).matches()) {
        r.methods().forEach(m -> methods.add(m.name()));
        if (r.getPath() != null && r.isExactPath() && !template.contains("/:")) {
          r.methods().forEach(m -> named.add(m.name()));
        }
      }
    }
    return String.join(", ", named.isEmpty() ? methods : named);
  }

  /**
   * First handler of a route with a path parameter: a path another route names word for word
   * ("/api/v1/anomalies/stream" for PATCH /api/v1/anomalies/:id) is answered as that route's 405, not as a
   * parameter that is no id (a 400 about the anomaly id "stream" until 2026-12-04).
   */
  static Handler<RoutingContext> unlessNamedElsewhere(Router router) {
    return ctx -> {
      String allow = allowed(router, ctx.normalizedPath());
      if (List.of(allow.split(", ")).contains(ctx.request().method().name())) {
        ctx.next();
        return;
      }
      ctx.response().putHeader("Allow", allow);
      ctx.fail(405);
    };
  }

  /** A route template ("/api/v1/keys/:id") as a pattern: a parameter is one path segment. */
  private static Pattern routePattern(String template, boolean exact) {
    StringBuilder regex = new StringBuilder();
    for (String part : template.split("(?=/)")) {
      regex.append(part.startsWith("/:") ? "/[^/]+" : Pattern.quote(part));
    }
    return Pattern.compile(regex + (exact ? "/?" : ".*"));
  }

  /**
   * Vert.x decodes the path while matching routes and throws on a broken escape ({@code %ZZ}), which it answers
   * with a bare 400: decoded once here first, so that the client gets a problem like any other.
   */
  private static void requireReadablePath(RoutingContext ctx) {
    boolean readable;
    try {
      ctx.normalizedPath();
      // Vert.x decodes an escape that is not UTF-8 (%FF) as U+FFFD: a look-up of it answered for that character.
      readable = percentEncodedUtf8(ctx.request().path());
    } catch (IllegalArgumentException e) {
      readable = false;
    }
    if (!readable) {
      ctx.fail(Problem.validation(List.of(new Problem.FieldError("path", "is not percent-encoded UTF-8"))));
      return;
    }
    String unreadable = unreadableParameter(ctx.request().query());
    if (unreadable != null) {
      // Vert.x reads such a query as U+FFFD (an escape) or Latin-1 (a raw byte): a look-up of %FF answered for U+FFFD
      ctx.fail(Problem.validation(List.of(new Problem.FieldError(unreadable, "is not percent-encoded UTF-8"))));
      return;
    }
    ctx.next();
  }

  /**
   * The first query parameter that is not percent-encoded UTF-8, by its name ("query" when the name itself is not),
   * or null when every one is.
   */
  static String unreadableParameter(String query) {
    if (query == null || percentEncodedUtf8(query)) {
      return null;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      if (!percentEncodedUtf8(name)) {
        return "query";
      }
      if (!percentEncodedUtf8(pair)) {
        return java.net.URLDecoder.decode(name, java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    return "query";
  }

  /** An ASCII hex digit's value, else -1 (Character.digit also takes the other scripts' digits). */
  private static int hex(char c) {
    return c < 0x80 ? Character.digit(c, 16) : -1;
  }

  /** ASCII only, every escape two hex digits, and the escaped bytes well-formed UTF-8 (null: no query). */
  static boolean percentEncodedUtf8(String query) {
    if (query == null) {
      return true;
    }
    int first = 0;
    while (first < query.length() && query.charAt(first) != '%' && query.charAt(first) <= 0x7F) {
      first++;
    }
    if (first == query.length()) {
      return true; // plain ASCII, the common path and query: nothing to decode, nothing allocated
    }
    byte[] bytes = new byte[query.length()];
    int n = 0;
    for (int i = 0; i < query.length(); i++) {
      char c = query.charAt(i);
      if (c > 0x7F) {
        return false;
      }
      if (c == '%') {
        int hi = i + 2 < query.length() ? hex(query.charAt(i + 1)) : -1;
        int lo = hi < 0 ? -1 : hex(query.charAt(i + 2));
        if (lo < 0) {
          return false;
        }
        bytes[n++] = (byte) (hi << 4 | lo);
        i += 2;
      } else {
        bytes[n++] = (byte) c;
      }
    }
    return com.tracesentinel.code.Utf8.wellFormed(bytes, 0, n);
  }

  @Override
  public Future<?> stop() {
    if (images != null) {
      images.close();
    }
    return Future.succeededFuture();
  }

  /**
   * The database cannot serve now ({@link DatabaseFailures#unavailable}), a deadline passed waiting for it, the core
   * said so ({@link HistoryUnavailable}), or the database pool's queue of waiting requests (1,000) is full.
   */
  static boolean databaseUnavailable(Throwable failure) {
    if (DatabaseFailures.unavailable(failure)) {
      return true;
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException || t instanceof HistoryUnavailable
          || t instanceof io.vertx.core.http.ConnectionPoolTooBusyException) {
        return true;
      }
    }
    return false;
  }

  /**
   * PostgreSQL rolled the transaction back to let a concurrent one through (SQLSTATE 40001 serialization failure,
   * 40P01 deadlock, e.g. two reference uploads locking shared products in opposite orders): nothing of it is stored
   * and the same request sent again succeeds, a 503 to retry, not the service's own 500.
   */
  static boolean rolledBackForAnother(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof io.vertx.pgclient.PgException pg
          && ("40001".equals(pg.getSqlState()) || "40P01".equals(pg.getSqlState()))) {
        return true;
      }
    }
    return false;
  }

  static void problem(RoutingContext ctx) {
    if (ctx.response().ended() && ctx.response().getStatusCode() < 500) {
      // A further failure of a request already refused as the client's: a photo upload's file pipe is closed when
      // Vert.x's form decoder gives up on a later part (past 8 KiB, or past 256 parts), after the 400 was sent.
      // Nothing is left to answer, and it was logged as the service's unexpected failure.
      LOG.debug("After its {} answer, {} {} [{}] failed again: {}", ctx.response().getStatusCode(),
          ctx.request().method(), RequestLog.path(ctx), RequestLog.id(ctx), String.valueOf(ctx.failure()));
      return;
    }
    send(ctx, problemOf(ctx));
  }

  /** After PostgreSQL's own statement_timeout (its 503, with the change rolled back) has had its chance. */
  private static final long DEADLINE_MARGIN_MILLIS = 2_000;

  /** How long a request waits for one of the pool's connections before its 503 (nothing of it sent). */
  public static final int POOL_WAIT_SECONDS = 5;

  /**
   * Bounds the wait for the database on the routes mounted after it, and on PUT products and sites (scans, NHSA
   * messages, photos and the look-up come before it, with deadlines of their own). A frozen PostgreSQL (SIGSTOPped,
   * or packets dropped on the way) answers nothing and never runs its statement_timeout: a list waited until the 30 s
   * body timer answered 408 as if the client were slow, a case change went unanswered until the 60 s idle timeout,
   * and was stored once the database thawed. A read is a 503; a change may still commit when the database wakes, so
   * it is a 504 that says so. Only the wait for an answer's head is bounded: an export whose rows flow runs on.
   */
  static void answerWithin(RoutingContext ctx, int dbTimeoutSeconds) {
    // The pool's wait for a connection has its chance too: with a database timeout of 1-3 s the deadline came at or
    // before it, and a change still waiting for a connection, never sent, was a 504 ("not known"), not its 503.
    long timer = ctx.vertx().setTimer(databaseDeadlineMillis(dbTimeoutSeconds), id -> {
      if (ctx.response().headWritten() || ctx.response().closed()) {
        return;
      }
      io.vertx.core.http.HttpMethod m = ctx.request().method();
      ctx.fail(m == io.vertx.core.http.HttpMethod.GET || m == io.vertx.core.http.HttpMethod.HEAD
          ? Problem.unavailable("the database is not answering; try again shortly", 5)
          : new Problem(504, "Gateway timeout", "the database did not answer within " + dbTimeoutSeconds
              + " s: whether the change is stored is not known; read it back before sending it again"));
    });
    ctx.addEndHandler(ar -> ctx.vertx().cancelTimer(timer));
    ctx.next();
  }

  /**
   * How long a request waits for a silent database before {@link #answerWithin}'s 503 or 504: 2 s after the longer of
   * {@code dbTimeoutSeconds} and the pool's wait for a connection.
   */
  public static long databaseDeadlineMillis(int dbTimeoutSeconds) {
    return Math.max(dbTimeoutSeconds, POOL_WAIT_SECONDS) * 1_000L + DEADLINE_MARGIN_MILLIS;
  }

  /**
   * A route's answer once its database work is done, unless {@link #answerWithin}'s deadline answered first: writing
   * to an answered response throws, which Vert.x logged as an "Unhandled exception" at ERROR. That the database
   * answered after all is worth a line: the client was told 503 or 504 ("not known"). {@code json} null: no body.
   */
  static void reply(RoutingContext ctx, int status, String json) {
    HttpServerResponse response = ctx.response();
    if (response.headWritten()) {
      LOG.info("{} {} [{}] was answered {} at the database's deadline; the database answered {} ms after it began",
          ctx.request().method(), RequestLog.path(ctx), RequestLog.id(ctx), response.getStatusCode(),
          RequestLog.elapsedMillis(ctx));
      return;
    }
    response.setStatusCode(status);
    if (json == null) {
      response.end();
    } else {
      response.putHeader("Content-Type", "application/json").end(json);
    }
  }

  /** A failed request's problem: its own, one for the status Vert.x set, a 503 for the database, else a logged 500. */
  static Problem problemOf(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    Problem p;
    if (failure instanceof Problem known) {
      p = known;
    } else if (failure == null || ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      // A status set by Vert.x itself (no route, body too large, a query or form it could not decode): answered
      // by status alone; the exception's text (a decoder's message, a payload) is not for the client.
      if (failure != null) {
        LOG.debug("{} on {} {} [{}]", ctx.statusCode(), ctx.request().method(), RequestLog.path(ctx),
            RequestLog.id(ctx), failure);
      }
      p = textPartTooLong(ctx, failure)
          ? Problem.badRequest("a text part of the form is longer than 8 KiB, or is labelled UTF-16 or UTF-32 (the "
              + "form decoder looks for its end in that charset and takes in the parts after it): send the photo as a "
              + "file part, with a file name (curl -F image=@photo.png, not -F 'image=<photo.png'), a scan over 8 KiB "
              + "as a file too, and text in UTF-8")
          : byStatus(ctx, ctx.statusCode());
    } else if (clientSideBroke(ctx, failure)) {
      // Not the service's failure: the client went away, or sent bytes that are not HTTP while its request was read
      // (a malformed chunk). Vert.x closes such a connection; nothing of the request was used.
      LOG.debug("The request could not be read: {} {} [{}]: {}", ctx.request().method(), RequestLog.path(ctx),
          RequestLog.id(ctx), failure.toString());
      p = Problem.badRequest("the request could not be read (the connection closed, or its framing is not HTTP)");
    } else if (rolledBackForAnother(failure)) {
      LOG.info("Rolled back for a concurrent change on {} {} [{}]: {}", ctx.request().method(), RequestLog.path(ctx),
          RequestLog.id(ctx), failure.toString());
      p = Problem.unavailable("the database gave this change up for another made at the same moment (a deadlock "
          + "or a serialization failure); nothing of it was stored; send it again", 1);
    } else if (databaseUnavailable(failure)) {
      LOG.warn("Database unavailable on {} {} [{}]: {}", ctx.request().method(), RequestLog.path(ctx),
          RequestLog.id(ctx), failure.toString());
      // The detail never carries the database's own text.
      p = Problem.unavailable("the database is not answering; try again shortly", 5);
    } else {
      LOG.error("Unexpected failure on {} {} [{}]", ctx.request().method(), RequestLog.path(ctx),
          RequestLog.id(ctx), failure);
      p = new Problem(500, "Internal error", "an unexpected error occurred; request id " + RequestLog.id(ctx));
    }
    return p;
  }

  /**
   * The client's side of the exchange broke: its connection closed, or the HTTP decoder refused what it sent while the
   * request was still being read. Told by type and by where it was thrown (Netty's HTTP codec), never by its text.
   */
  static boolean clientSideBroke(RoutingContext ctx, Throwable failure) {
    if (failure instanceof HttpClosedException) {
      return true;
    }
    if (failure instanceof io.vertx.core.impl.NoStackTraceThrowable && ctx.request().isExpectMultipart()) {
      // A photo's stream to disk, aborted by Vert.x because the form broke (a text part past 8 KiB, more than 256
      // parts; the whole body may have arrived): it races the form decoder's own 400, and when it came first the
      // client got a 500. Vert.x aborts an upload only when its request failed.
      return true;
    }
    if (!ctx.request().isEnded() && socketFailed(failure)) {
      // The connection reset while the body was still arriving (a client that aborts sends an RST, not a FIN): the
      // socket's read failed, on io_uring and epoll with an exception that has no stack trace, and it was logged as
      // the service's unexpected failure, its access line a 500.
      return true;
    }
    StackTraceElement[] at = failure.getStackTrace();
    return !ctx.request().isEnded() && at.length > 0 && at[0].getClassName().startsWith("io.netty.handler.codec.http.");
  }

  /**
   * A socket's own failure: java.nio's SocketException, or the native transports' (Netty's io.netty.channel.unix
   * errors). Not any IOException: a photo's upload file failing to be written (a full disk) while the body arrives
   * is the service's failure, not the client's.
   */
  private static boolean socketFailed(Throwable failure) {
    return failure instanceof java.net.SocketException || failure instanceof java.io.IOException
        && failure.getClass().getName().startsWith("io.netty.channel.");
  }

  /**
   * Vert.x's form decoder refused a text part past its 8 KiB: a photo sent without a file name (curl's -F
   * 'image=<photo.png', which the photo route names when the photo is smaller) was told only that the request could
   * not be read. Told by where it was thrown (Netty's multipart data), never by its text.
   */
  private static boolean textPartTooLong(RoutingContext ctx, Throwable failure) {
    if (!(failure instanceof java.io.IOException) || !ctx.request().isExpectMultipart()) {
      return false;
    }
    StackTraceElement[] at = failure.getStackTrace();
    return at.length > 0 && at[0].getClassName().startsWith("io.netty.handler.codec.http.multipart.");
  }

  /** Set by a route with a body limit of its own (photos), so that its 413 names the limit the client ran into. */
  static final String BODY_LIMIT = "bodyLimit";

  static Problem byStatus(RoutingContext ctx, int status) {
    return switch (status) {
      case 413 -> new Problem(413, "Payload too large", "the body is larger than "
          + java.util.Objects.requireNonNullElse(ctx.<Long>get(BODY_LIMIT), (long) MAX_BODY) + " bytes");
      case 405 -> new Problem(405, "Method not allowed", ctx.request().method() + " is not allowed on "
          + ctx.request().path());
      case 404 -> new Problem(404, "Not found", "no route for " + ctx.request().method() + " " + ctx.request().path());
      case 415 -> new Problem(415, "Unsupported media type", "this content type is not accepted here");
      case 400 -> Problem.badRequest("the request could not be read (malformed query, path or body)");
      default -> status >= 400 && status < 500 ? new Problem(status, "Error", "the request was refused")
          : new Problem(500, "Internal error", "an unexpected error occurred; request id " + RequestLog.id(ctx));
    };
  }

  private static void send(RoutingContext ctx, Problem p) {
    HttpServerRequest request = ctx.request();
    if (!request.isEnded()) {
      Long limit = ctx.get(BODY_LIMIT);
      if (p.status() == 400 && limit != null && request.isExpectMultipart()
          && request.getHeader("Content-Length") == null) {
        // A form the decoder refused while its body, sent without a length (chunked), was still arriving: answered
        // at once, a 9 MB body was a 400, and a 413 with its length announced. Its 400 waits for the body's end, or
        // becomes the route's 413 (counted as such) once the body passes the limit; the rest is drained, never
        // buffered, as below. The 413 replaces the decoder's exception, which would tell it again as that 400.
        request.handler(chunk -> {
          if (request.bytesRead() > limit && !ctx.response().ended()) {
            ctx.fail(413, new io.vertx.ext.web.handler.HttpException(413));
          }
        });
        request.endHandler(v -> answer(ctx, p)); // not end(): the decoder's failure has failed that already
        request.resume();
        return;
      }
      // A refused upload (no key, too large, decoders busy) is drained, never buffered: the client can finish
      // sending and read the answer, and the service holds none of it.
      drain(request);
    }
    answer(ctx, p);
  }

  private static void answer(RoutingContext ctx, Problem p) {
    if (ctx.response().ended()) {
      return;
    }
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    if (p.retryAfterSeconds() != null) {
      ctx.response().putHeader("Retry-After", Integer.toString(p.retryAfterSeconds()));
    }
    ctx.response().setStatusCode(p.status()).putHeader("Content-Type", "application/problem+json")
        .end(p.toJson().encode());
  }
}
