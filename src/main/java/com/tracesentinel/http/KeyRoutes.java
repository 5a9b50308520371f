package com.tracesentinel.http;

import com.tracesentinel.auth.ApiKeys;
import com.tracesentinel.auth.Role;
import com.tracesentinel.reference.ReferenceStore;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/** POST /api/v1/keys issues a key (shown once); DELETE /api/v1/keys/{id} revokes one. */
final class KeyRoutes {
  static final int MAX_LABEL = 200;
  private static final List<String> FIELDS = List.of("role", "siteId", "label");
  static final Pattern ID =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private final ApiKeys keys;
  private final ReferenceStore reference;

  KeyRoutes(ApiKeys keys, ReferenceStore reference) {
    this.keys = keys;
    this.reference = reference;
  }

  void mount(Router router, Auth auth) {
    router.post("/api/v1/keys").handler(auth.require(Role.ADMIN)).handler(this::issue);
    router.delete("/api/v1/keys/:id").handler(auth.require(Role.ADMIN)).handler(this::revoke);
  }

  private void issue(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw Problem.badRequest("the body must be a JSON object {\"role\": ..., \"siteId\": ...}");
    }
    String twice = body == null ? null : Fields.memberNamedTwice(ctx.body().buffer().getBytes());
    if (twice != null) {
      // {"role":"investigator",...,"role":"admin"} issued an admin key (the parsed tree keeps the last value) where
      // a gateway or an audit log that read the first saw an investigator's. Scans, cases and reference rows refuse it too.
      throw Problem.validation(java.util.List.of(new Problem.FieldError(twice, "is given twice")));
    }
    Problem.Errors errors = new Problem.Errors();
    if (body != null) {
      // A misspelt member is named as one: "Label" lost the key's label without a word.
      Fields.ignored("", body.fieldNames(), FIELDS, errors);
    }
    Role role = body == null ? null : Role.fromWire(body.getValue("role") instanceof String s ? s : null);
    if (role == null) {
      errors.add("role", "must be scanner, investigator or admin");
    }
    String rawSite = string(body, "siteId", errors);
    String siteId = rawSite == null ? null : rawSite.trim();
    if (Fields.notText(rawSite) != null) {
      errors.add("siteId", Fields.notText(rawSite));
    } else if (role == Role.SCANNER) {
      if (rawSite == null && body != null && body.getValue("siteId") != null) {
        // not text: said above
      } else if (siteId == null || siteId.isEmpty()) {
        errors.add("siteId", "is required for a scanner key");
      } else if (reference.siteById(siteId) == null) {
        errors.add("siteId", "site " + siteId + " is not registered (PUT /api/v1/sites first)");
      }
    } else if (role != null && siteId != null) {
      errors.add("siteId", "only scanner keys are bound to a site");
    }
    String label = string(body, "label", errors);
    if (Fields.notText(label) != null) {
      errors.add("label", Fields.notText(label));
    } else if (label != null && label.length() > MAX_LABEL) {
      // cut at 200 characters, never between the two halves of a surrogate pair
      label = label.substring(0, Character.isHighSurrogate(label.charAt(MAX_LABEL - 1)) ? MAX_LABEL - 1 : MAX_LABEL);
    }
    errors.throwIfAny();
    String boundSite = role == Role.SCANNER ? siteId : null;
    keys.issue(role, boundSite, label).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      JsonObject out = new JsonObject().put("id", ar.result().id()).put("key", ar.result().key())
          .put("role", role.wire());
      if (boundSite != null) {
        out.put("siteId", boundSite);
      }
      ApiServer.reply(ctx, 201, out.encode());
    });
  }

  /**
   * A text member of the body, or null when absent or null. Any other value is an error: a label sent as an object
   * was dropped and the key issued without one.
   */
  private static String string(JsonObject body, String name, Problem.Errors errors) {
    Object v = body == null ? null : body.getValue(name);
    if (v != null && !(v instanceof String)) {
      errors.add(name, "must be text");
    }
    return v instanceof String s ? s : null;
  }

  private void revoke(RoutingContext ctx) {
    String raw = ctx.pathParam("id");
    if (!ID.matcher(raw).matches()) {
      // UUID.fromString reads 1-1-1-1-1 as 00000001-0001-0001-0001-000000000001: an id no answer ever gave was
      // looked up as another, and a malformed id was a 404 as if it were an id.
      throw Problem.validation(List.of(new Problem.FieldError("id", "must be a key id (a UUID as "
          + "POST /api/v1/keys gives it: 8-4-4-4-12 hex digits)")));
    }
    UUID id = UUID.fromString(raw);
    keys.revoke(id).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else if (!ar.result()) {
        ctx.fail(new Problem(404, "Not found", "no live key with id " + id));
      } else {
        ApiServer.reply(ctx, 204, null);
      }
    });
  }
}
