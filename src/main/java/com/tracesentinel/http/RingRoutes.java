package com.tracesentinel.http;

import com.tracesentinel.auth.Role;
import com.tracesentinel.history.RingStore.Edge;
import com.tracesentinel.investigate.Rings;
import com.tracesentinel.investigate.Rings.Ring;
import com.tracesentinel.investigate.Rings.RingSite;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;

/**
 * Code-sharing rings (role investigator or admin): GET /api/v1/rings, the connected groups of sites that sold at
 * least minShared of the same codes in a range, ranked; GET /api/v1/rings/sites/{siteId}, one site's neighbours.
 */
final class RingRoutes {
  static final int DEFAULT_MIN_SHARED = 3;
  static final int MAX_MIN_SHARED = 1_000_000;
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 500;
  static final int MAX_NEIGHBOURS = 1_000;

  private final Rings rings;

  RingRoutes(Rings rings) {
    this.rings = rings;
  }

  void mount(Router router, Auth auth) {
    ApiServer.getAndHead(router, "/api/v1/rings").handler(auth.require(Role.INVESTIGATOR)).handler(this::rings);
    ApiServer.getAndHead(router, "/api/v1/rings/sites/:siteId")
        .handler(auth.require(Role.INVESTIGATOR)).handler(this::neighbours);
  }

  private void rings(RoutingContext ctx) {
    Problem.Errors errors = new Problem.Errors();
    InvestigatorRoutes.Query q = InvestigatorRoutes.Query.of(ctx, errors);
    // from (inclusive) and to (exclusive) on the time a code became shared
    Instant[] range = InvestigatorRoutes.timeRange(q, errors);
    int minShared = InvestigatorRoutes.intParam(q, "minShared", DEFAULT_MIN_SHARED, 1, MAX_MIN_SHARED, errors);
    int limit = InvestigatorRoutes.intParam(q, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, errors);
    String region = InvestigatorRoutes.single(q, "region", errors);
    if (region != null && !InvestigatorRoutes.REGION.matcher(region).matches()) {
      errors.add("region", "must be 1 to 6 digits: a prefix of the 6-digit region code (44 = Guangdong)");
    }
    q.refuseUnknown(errors);
    errors.throwIfAny();
    rings.find(minShared, range[0], range[1], region, limit).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      JsonArray out = new JsonArray();
      for (Ring r : ar.result()) {
        JsonArray sites = new JsonArray();
        r.sites().forEach(s -> sites.add(site(s)));
        JsonArray edges = new JsonArray();
        for (Edge e : r.edges()) {
          edges.add(new JsonObject().put("a", e.a()).put("b", e.b()).put("sharedCodes", e.shared()));
        }
        out.add(new JsonObject().put("id", r.id()).put("sites", sites).put("edges", edges)
            .put("sharedCodes", r.sharedCodes()).put("cities", r.cities())
            .put("sampleCodes", new JsonArray(r.sampleCodes())));
      }
      ApiServer.reply(ctx, 200, new JsonObject().put("rings", out).encode());
    });
  }

  private void neighbours(RoutingContext ctx) {
    Problem.Errors errors = new Problem.Errors();
    String siteId = ctx.pathParam("siteId");
    if (siteId == null || siteId.isBlank()) {
      errors.add("siteId", "is required");
    } else if (Fields.notText(siteId) != null) {
      errors.add("siteId", Fields.notText(siteId));
    } else if (siteId.length() > Fields.MAX_SITE_ID) {
      errors.add("siteId", "must be at most " + Fields.MAX_SITE_ID + " characters");
    }
    InvestigatorRoutes.Query q = InvestigatorRoutes.Query.of(ctx, errors);
    Instant[] range = InvestigatorRoutes.timeRange(q, errors);
    q.refuseUnknown(errors);
    errors.throwIfAny();
    rings.neighbours(siteId, range[0], range[1], MAX_NEIGHBOURS).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      RingSite self = rings.site(siteId);
      if (ar.result().isEmpty() && self.name() == null) {
        ctx.fail(new Problem(404, "Not found", "no site " + siteId + " is registered or shares codes"));
        return;
      }
      JsonArray neighbours = new JsonArray();
      for (Rings.Neighbour n : ar.result()) {
        neighbours.add(site(n.site()).put("sharedCodes", n.sharedCodes()));
      }
      ApiServer.reply(ctx, 200, site(self).put("neighbours", neighbours).encode());
    });
  }

  private static JsonObject site(RingSite s) {
    return new JsonObject().put("siteId", s.siteId()).put("name", s.name()).put("region", s.region());
  }
}
