package com.tracesentinel.http;

import com.tracesentinel.auth.Role;
import com.tracesentinel.history.RejectedQueries;
import com.tracesentinel.history.RejectedQueries.RejectedScan;
import com.tracesentinel.history.RejectedQueries.SiteCount;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The scans refused at intake, for investigators (role investigator or admin): GET /api/v1/scans/rejected lists them
 * newest first, GET /api/v1/scans/rejected/summary counts them per site. A code that cannot be read has no code key,
 * so no timeline reaches its scan: these are the only way to see which sites and tills submit garbage.
 */
final class RejectedRoutes {
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;
  static final int MAX_SITES = 1000;
  private static final Pattern CURSOR = Pattern.compile("rejected\\|([0-9]{1,18})");

  private final RejectedQueries queries;
  private final ReferenceStore reference;

  RejectedRoutes(RejectedQueries queries, ReferenceStore reference) {
    this.queries = queries;
    this.reference = reference;
  }

  void mount(Router router, Auth auth) {
    ApiServer.getAndHead(router, "/api/v1/scans/rejected").handler(auth.require(Role.INVESTIGATOR)).handler(this::list);
    ApiServer.getAndHead(router, "/api/v1/scans/rejected/summary")
        .handler(auth.require(Role.INVESTIGATOR)).handler(this::summary);
  }

  private void list(RoutingContext ctx) {
    Problem.Errors errors = new Problem.Errors();
    InvestigatorRoutes.Query q = InvestigatorRoutes.Query.of(ctx, errors);
    String siteId = InvestigatorRoutes.textParam(q, "siteId", Fields.MAX_SITE_ID, errors);
    Instant[] range = InvestigatorRoutes.timeRange(q, errors);
    int limit = InvestigatorRoutes.intParam(q, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, errors);
    long before = cursor(InvestigatorRoutes.single(q, "cursor", errors), errors);
    q.refuseUnknown(errors);
    errors.throwIfAny();
    queries.page(siteId, range[0], range[1], before, limit).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      List<RejectedScan> rows = ar.result();
      JsonArray items = new JsonArray();
      rows.stream().limit(limit).forEach(r -> items.add(json(r)));
      JsonObject out = new JsonObject().put("items", items);
      if (rows.size() > limit) {
        out.put("nextCursor", encodeCursor(rows.get(limit - 1).id()));
      }
      ApiServer.reply(ctx, 200, out.encode());
    });
  }

  private void summary(RoutingContext ctx) {
    Problem.Errors errors = new Problem.Errors();
    InvestigatorRoutes.Query q = InvestigatorRoutes.Query.of(ctx, errors);
    Instant[] range = InvestigatorRoutes.timeRange(q, errors);
    int limit = InvestigatorRoutes.intParam(q, "limit", MAX_SITES, 1, MAX_SITES, errors);
    q.refuseUnknown(errors);
    errors.throwIfAny();
    queries.bySite(range[0], range[1], limit).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      JsonArray sites = new JsonArray();
      ar.result().stream().limit(limit).forEach(c -> sites.add(json(c)));
      // more sites than listed: said, so that a cut list is not read as every site
      ApiServer.reply(ctx, 200, new JsonObject().put("sites", sites)
          .put("truncated", ar.result().size() > limit).encode());
    });
  }

  private JsonObject json(RejectedScan r) {
    return site(r.siteId()).put("id", r.id()).put("type", r.type()).put("rawCode", r.rawCode())
        .put("canonical", r.canonical()).put("documentNo", r.documentNo()).put("lineNo", r.lineNo())
        .put("deviceId", r.deviceId()).put("scannedAt", str(r.scannedAt())).put("ingestedAt", str(r.ingestedAt()))
        .put("error", r.error()).put("uploadBatch", r.uploadBatch())
        // an NHSA deletion (3507) of its upload voids a rejected scan too: listed still, and marked, as anomalies are
        .put("voidedAt", str(r.voidedAt()));
  }

  private JsonObject json(SiteCount c) {
    return site(c.siteId()).put("count", c.count()).put("lastAt", str(c.lastAt()));
  }

  /** The site as sent and, when registered, its name and region (scans naming an unregistered site are refused). */
  private JsonObject site(String siteId) {
    Site site = reference.siteById(siteId);
    return new JsonObject().put("siteId", siteId).put("siteName", site == null ? null : site.name())
        .put("region", site == null ? null : site.regionCode());
  }

  static String encodeCursor(long id) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(("rejected|" + id).getBytes(StandardCharsets.UTF_8));
  }

  /** The id a page starts below: {@link Long#MAX_VALUE} for the first page. */
  private static long cursor(String v, Problem.Errors errors) {
    if (v == null) {
      return Long.MAX_VALUE;
    }
    try {
      var m = CURSOR.matcher(new String(Base64.getUrlDecoder().decode(v), StandardCharsets.UTF_8));
      if (m.matches()) {
        return Long.parseLong(m.group(1));
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    errors.add("cursor", "is not a cursor this service issued: pass nextCursor from the previous page unchanged");
    return Long.MAX_VALUE;
  }

  private static String str(Instant t) {
    return t == null ? null : t.toString();
  }
}
