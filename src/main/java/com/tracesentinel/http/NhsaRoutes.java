package com.tracesentinel.http;

import com.tracesentinel.auth.Principal;
import com.tracesentinel.auth.Role;
import com.tracesentinel.ingest.ScanResult;
import com.tracesentinel.ingest.ScanIntake;
import com.tracesentinel.ingest.ScanStatus;
import com.tracesentinel.ingest.Voiding;
import com.tracesentinel.nhsa.NhsaAnswer;
import com.tracesentinel.nhsa.NhsaEnvelope;
import com.tracesentinel.nhsa.NhsaError;
import com.tracesentinel.nhsa.NhsaJson;
import com.tracesentinel.nhsa.NhsaRequest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.net.RFC3986;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code POST /api/v1/nhsa/{infno}}, and {@code POST /api/v1/nhsa} with the envelope's {@code infno}: the
 * 3505/3505A/3506/3506A/3507 messages pharmacy and hospital systems already send to the NHSA platform, answered in the NHSA response envelope. Every answer of this route is an envelope, errors
 * included, so that an NHSA client always finds {@code infcode} and {@code err_msg}:
 * <ul>
 *   <li>200, infcode 0: stored (or, for 3507, the upload voided); {@code output.result.retRslt} "0" only when a
 *   code was REJECTED;</li>
 *   <li>200, infcode -1: the message cannot be read (as NHSA clients expect); nothing stored;</li>
 *   <li>401, 403: no or unknown key, or a key of another site; 408: the body late ({@link ConnectionGuard}, as its
 *   503 beyond the connection cap); 429 with Retry-After: too many unknown keys from one address; 413: over 1 MiB;
 *   422: the database refused the
 *   message's data; 503 with Retry-After: nothing stored, send it again; 500 or 504: as its detail says (stored, or
 *   not known), send it again to find out. All infcode -1.</li>
 * </ul>
 */
final class NhsaRoutes {
  private static final String PREFIX = "/api/v1/nhsa/";
  /**
   * Every interface at one URL, the envelope's {@code infno} saying which, as the NHSA gateway takes them: a HIS
   * configured with the gateway's one address would otherwise need a URL an interface.
   */
  private static final String ROOT = "/api/v1/nhsa";

  /** Set on a request whose message is a deletion (3507), which the path does not say when it is {@link #ROOT}. */
  private static final String DELETION = "nhsaDeletion";

  private final ScanIntake scans;

  NhsaRoutes(ScanIntake scans) {
    this.scans = scans;
  }

  /** Mounted before the API's shared body handler: the key is checked before the body is read. */
  void mount(Router router, Auth auth) {
    for (String path : List.of(PREFIX + ":infno", ROOT)) {
      router.post(path).handler(ImageRoutes.holdBody(ApiServer.MAX_BODY)).handler(auth.require(Role.SCANNER))
          .handler(ApiServer::requireJsonBody).handler(ctx -> BodyBudget.reserve(ctx, ApiServer.MAX_BODY));
      router.post(path).handler(BodyHandler.create(false).setBodyLimit(ApiServer.MAX_BODY)).handler(this::post);
    }
    // Anything else under the prefix is answered in the envelope too (the router's own 404 and 405 are problems);
    // the root first, which the prefix's wildcard matches too.
    router.route(ROOT).handler(ctx -> {
      ctx.response().putHeader("Allow", "POST");
      ctx.fail(ApiServer.byStatus(ctx, 405));
    });
    router.route(PREFIX + "*").handler(ctx -> {
      String path = ctx.normalizedPath();
      boolean oneInfno = path.indexOf('/', PREFIX.length()) < 0 && path.length() > PREFIX.length();
      if (oneInfno) {
        ctx.response().putHeader("Allow", "POST");
      }
      ctx.fail(ApiServer.byStatus(ctx, oneInfno ? 405 : 404));
    });
    // Without a path, ahead of the router's problem handler: a failure route with a path makes Vert.x decode the
    // path to match it, and a path it cannot decode (%ZZ) would then fail the failure handling itself (a bare 400).
    router.route().failureHandler(ctx -> {
      if (nhsaPath(ctx)) {
        failed(ctx);
      } else {
        ctx.next();
      }
    });
  }

  /**
   * Whether the request was routed here: by its path as the router matched it, dot segments removed, so that
   * {@code /api/v1/./nhsa/3505} (answered by these routes) is refused in the envelope too, as it was not until
   * 2026-12-04. A path that cannot be decoded is matched as sent.
   */
  private static boolean nhsaPath(RoutingContext ctx) {
    return nhsaPath(ctx.request().path(), ctx::normalizedPath);
  }

  private static boolean nhsaPath(String raw, Supplier<String> normalized) {
    if (raw == null || ours(raw)) {
      return raw != null;
    }
    try {
      return ours(normalized.get());
    } catch (IllegalArgumentException undecodable) {
      return false;
    }
  }

  private static boolean ours(String path) {
    return path.startsWith(PREFIX) || path.equals(ROOT);
  }

  /**
   * The envelope of a refusal written before or beside the router ({@link ConnectionGuard}: a connection beyond the
   * cap, a body that did not arrive in time; a head the HTTP decoder refused) when the request is on these routes,
   * else null: those answers were problem documents, which an NHSA client reading {@code infcode} cannot read. A
   * request line too long to decode (414) has no path to tell by, and stays a problem.
   */
  static String refusalOutsideRouter(HttpServerRequest request, String requestId, Problem p) {
    if (!nhsaPath(request.path(), () -> RFC3986.normalizePath(request.path()))) {
      return null;
    }
    String message = zh(p.status(), false, false, ApiServer.compressedBody(request), false) + " / " + p.getMessage();
    return refusal(requestId, Instant.now(), message, List.of()).encode();
  }

  private void post(RoutingContext ctx) {
    Instant received = Instant.now();
    NhsaRequest request;
    try {
      Buffer body = ctx.body().buffer();
      request = NhsaEnvelope.read(ctx.pathParam("infno"), NhsaJson.read(body == null ? new byte[0] : body.getBytes()));
    } catch (NhsaError.Refused refused) {
      // Another site's message is that site's business even when malformed: its errors are not this key's to read
      if (!forAnotherSite(ctx, refused.siteId())) {
        send(ctx, 200, refusal(RequestLog.id(ctx), received, refused.getMessage(), refused.errors()));
      }
      return;
    }
    if (forAnotherSite(ctx, request.siteId())) {
      return;
    }
    if (request instanceof NhsaRequest.Deletion d) {
      ctx.put(DELETION, true);
      delete(ctx, received, d);
    } else {
      upload(ctx, received, (NhsaRequest.Upload) request);
    }
  }

  /** Fails the request with a 403 when a scanner key sends a message naming another site (null: none named). */
  private static boolean forAnotherSite(RoutingContext ctx, String siteId) {
    Principal caller = Auth.principal(ctx);
    if (caller.role() != Role.SCANNER || siteId == null || caller.siteId().equals(siteId)) {
      return false;
    }
    ctx.fail(new Problem(403, "Forbidden", "this key may only upload for its own site " + caller.siteId()));
    return true;
  }

  private void upload(RoutingContext ctx, Instant received, NhsaRequest.Upload upload) {
    Future<List<ScanResult>> stored = upload.codes().isEmpty() ? Future.succeededFuture(List.of())
        : Future.fromCompletionStage(scans.ingest(upload.inputs(), received), ctx.vertx().getOrCreateContext());
    stored.onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ScanRoutes.problem(ar.cause()));
        return;
      }
      JsonArray results = new JsonArray();
      for (ScanResult r : ar.result()) {
        NhsaRequest.Code code = upload.codes().get(r.index());
        JsonObject result = ScanJson.result(r).put("line", code.line()).put("field", code.field());
        if (r.status() == ScanStatus.REJECTED) {
          result.put("errorField", NhsaAnswer.where(r.error(), code).field());
        }
        results.add(result);
      }
      JsonObject ours = new JsonObject().put("infno", upload.infno()).put("msgid", upload.msgid())
          .put("results", results);
      if (!upload.linesWithoutCode().isEmpty()) {
        ours.put("linesWithoutCode", new JsonArray(upload.linesWithoutCode()));
      }
      send(ctx, 200, envelope(RequestLog.id(ctx), received, 0, null, NhsaAnswer.upload(upload, ar.result()), ours));
    });
  }

  private void delete(RoutingContext ctx, Instant received, NhsaRequest.Deletion d) {
    JsonObject ours = new JsonObject().put("infno", d.infno()).put("msgid", d.msgid())
        .put("uploadBatch", d.uploadBatch()).put("invDataType", d.invDataType());
    if (!d.ofSales()) {
      send(ctx, 200, envelope(RequestLog.id(ctx), received, 0, null, NhsaAnswer.notSales(d),
          ours.put("scansVoided", 0)));
      return;
    }
    Future.fromCompletionStage(scans.voidUpload(d.siteId(), d.uploadBatch(), received),
        ctx.vertx().getOrCreateContext()).onComplete(ar -> {
          if (ar.failed()) {
            ctx.fail(ScanRoutes.problem(ar.cause()));
            return;
          }
          Voiding.Result r = ar.result();
          ours.put("scansVoided", r.scansVoided()).put("codesRederived", r.codesRederived())
              .put("lateDeletions", ScanJson.findings(r.lateDeletions()));
          send(ctx, 200, envelope(RequestLog.id(ctx), received, 0, null, NhsaAnswer.deletion(d, r), ours));
        });
  }

  /** Whatever failed on this route (the key, the body's size, the core's 503/422, a bug) as an envelope. */
  private static void failed(RoutingContext ctx) {
    Problem p = ApiServer.problemOf(ctx);
    // A cluster's message split over nodes may be partly stored (a deletion partly carried out) when refused: the
    // Chinese half said "nothing stored" there while the English half said the opposite.
    boolean partly = p.toJson().getBoolean("partlyStored", false);
    boolean deletion = "3507".equals(ctx.pathParam("infno")) || Boolean.TRUE.equals(ctx.get(DELETION));
    String zh = zh(p.status(), partly, deletion, ApiServer.compressedBody(ctx.request()), Auth.principal(ctx) == null);
    if (p.retryAfterSeconds() != null) {
      ctx.response().putHeader("Retry-After", Integer.toString(p.retryAfterSeconds()));
    }
    send(ctx, p.status(), refusal(RequestLog.id(ctx), Instant.now(), zh + " / " + p.getMessage(), List.of()));
  }

  /**
   * The Chinese half of a refusal's {@code err_msg}.
   *
   * @param roleRefused a 403 before the caller was noted: the key's role, not its site, is refused
   */
  private static String zh(int status, boolean partly, boolean deletion, boolean compressed, boolean roleRefused) {
    return switch (status) {
      case 401 -> "缺少或无效的 API 密钥";
      // Auth.require refuses a key's role before it notes the caller; post() refuses a scanner of another site
      // after. The Chinese half said "not for this institution" to an investigator's key, whose English half says
      // its role is refused.
      case 403 -> roleRefused ? "该密钥的角色无权上传（须为本机构的扫码密钥或管理员密钥）" : "该密钥无权为此定点医药机构上传";
      case 404 -> "没有这个接口，请用 POST /api/v1/nhsa（交易编号见报文 infno）或 POST /api/v1/nhsa/{infno}";
      case 400 -> "请求无法解析，未保存任何内容";
      case 405 -> "只接受 POST 上传";
      case 408 -> "报文未在规定时间内传完，未保存任何内容，请重发";
      case 413 -> "报文超过 1 MiB，请分批上传";
      case 431 -> "请求头超过 16 KiB，未保存任何内容";
      // The generic "请求被拒绝" (request refused) left a Chinese reader with nothing to change.
      case 415 -> compressed ? "不接受压缩的报文（Content-Encoding），请以未压缩的 JSON 发送"
          : "只接受 JSON 报文（Content-Type: application/json）";
      case 429 -> "无效或已吊销的 API 密钥尝试过多，请稍后再试";
      case 422 -> partly ? "数据库拒收该报文的部分数据，其余部分已保存" : "数据库拒收该报文的数据，未保存任何内容";
      case 503 -> !partly ? (deletion ? "服务暂时不可用，未作废任何扫码，请稍后重发删除" : "服务暂时不可用，未保存任何内容，请稍后重发")
          : deletion ? "服务暂时不可用，该批次的部分扫码已作废，请稍后重发删除（已作废的不会重复作废）"
          : "服务暂时不可用，报文的部分追溯码已保存，请稍后重发整个报文（已保存的追溯码返回 REPLAYED）";
      case 500 -> "服务内部错误";
      // A deletion stores nothing and is never REPLAYED: its remedy is the deletion sent again, which voids once.
      case 504 -> deletion ? "该批次的删除（或其部分）是否已执行未知，请重发删除（已作废的不会重复作废）"
          : "该报文（或其部分）是否已保存未知，请重发（已保存的追溯码返回 REPLAYED）";
      default -> "请求被拒绝";
    };
  }

  private static JsonObject refusal(String requestId, Instant received, String message, List<NhsaError> errors) {
    JsonObject ours = new JsonObject();
    if (!errors.isEmpty()) {
      JsonArray list = new JsonArray();
      errors.forEach(e -> list.add(new JsonObject().put("field", e.field()).put("zh", e.zh()).put("en", e.en())));
      ours.put("errors", list);
    }
    return envelope(requestId, received, -1, message, new NhsaAnswer.Result("0", message), ours);
  }

  /**
   * The NHSA response envelope. {@code inf_refmsgid} is this service's id for the message (the request id of the
   * access log and X-Request-Id, after the receiving time), as the platform gives its own.
   */
  private static JsonObject envelope(String requestId, Instant received, int infcode, String errMsg,
                                     NhsaAnswer.Result result, JsonObject ours) {
    String receivedAt = NhsaAnswer.time(received);
    return new JsonObject().put("infcode", infcode)
        .put("inf_refmsgid", receivedAt.substring(0, 14) + requestId)
        .put("refmsg_time", receivedAt).put("respond_time", NhsaAnswer.time(Instant.now()))
        .put("err_msg", errMsg)
        .put("output", new JsonObject()
            .put("result", new JsonObject().put("retRslt", result.retRslt()).put("msgRslt", result.msgRslt()))
            .put("tracesentinel", ours));
  }

  private static void send(RoutingContext ctx, int status, JsonObject envelope) {
    if (!ctx.request().isEnded()) {
      ctx.request().handler(ignored -> { });
      ctx.request().resume();
    }
    if (ctx.response().ended() || ctx.response().headWritten()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .end(envelope.encode());
  }
}
