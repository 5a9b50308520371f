package com.tracesentinel.http;

import com.tracesentinel.auth.Principal;
import com.tracesentinel.auth.Role;
import com.tracesentinel.history.CaseStore;
import com.tracesentinel.history.CaseStore.Outcome;
import com.tracesentinel.history.CaseStore.Refused;
import com.tracesentinel.investigate.AnomalyJson;
import com.tracesentinel.investigate.CaseState;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Anomalies as cases (role investigator or admin): PATCH /api/v1/anomalies/{id} changes one anomaly's state with a
 * note, PATCH /api/v1/anomalies a selection's, GET /api/v1/anomalies/{id}/history lists every change. A change
 * names the state it expects (expectedState) to be refused with 409 when someone else changed it first; two
 * changes to the same state conflict anyway (the second finds it already there).
 */
final class CaseRoutes {
  static final int MAX_NOTE = 2_000;
  static final int MAX_IDS = 1_000;
  private static final Pattern ID = Pattern.compile("[1-9][0-9]{0,17}");
  /** The label kept for changes made with TRACESENTINEL_ADMIN_KEY, which has no stored key. */
  static final String BOOTSTRAP_LABEL = "TRACESENTINEL_ADMIN_KEY";

  private final CaseStore cases;

  CaseRoutes(CaseStore cases) {
    this.cases = cases;
  }

  void mount(Router router, Auth auth) {
    router.patch("/api/v1/anomalies").handler(auth.require(Role.INVESTIGATOR)).handler(this::changeMany);
    router.patch("/api/v1/anomalies/:id").handler(ApiServer.unlessNamedElsewhere(router))
        .handler(auth.require(Role.INVESTIGATOR)).handler(this::changeOne);
    ApiServer.getAndHead(router, "/api/v1/anomalies/:id/history")
        .handler(auth.require(Role.INVESTIGATOR)).handler(this::history);
  }

  /** What a change asks for: the state, the note, and the state it expects to find (or null). */
  private record Asked(String state, String note, String expected) {}

  private static Asked asked(JsonObject body, Problem.Errors errors) {
    // "expectedstate" or "expected_state" let the change through without its guard, the client believing it could
    // not overwrite a colleague's change.
    Fields.ignored("", body.fieldNames(), MEMBERS, errors);
    String state = state(body, "state", true, errors);
    String expected = state(body, "expectedState", false, errors);
    Object rawNote = body.getValue("note");
    String note = null;
    if (rawNote == null) {
      errors.add("note", "is required: what was checked or decided");
    } else if (!(rawNote instanceof String s)) {
      errors.add("note", "must be a string");
    } else if (s.isBlank()) {
      errors.add("note", "must not be empty");
    } else if (s.codePointCount(0, s.length()) > MAX_NOTE) {
      // characters, as documented: a character beyond the BMP (𠮷 in a name) is two UTF-16 units and counted twice
      errors.add("note", "must be at most " + MAX_NOTE + " characters");
    } else {
      // a note may run over several lines; any other control character is refused like everywhere else
      String notText = Fields.notText(s.replace('\n', ' ').replace('\r', ' ').replace('\t', ' '));
      if (notText != null) {
        errors.add("note", notText);
      } else {
        note = s.strip();
      }
    }
    return new Asked(state, note, expected);
  }

  private static final List<String> MEMBERS = List.of("ids", "state", "note", "expectedState");

  private static String state(JsonObject body, String name, boolean required, Problem.Errors errors) {
    Object v = body.getValue(name);
    if (v == null) {
      if (required) {
        errors.add(name, "is required: one of OPEN, UNDER_REVIEW, CONFIRMED, DISMISSED");
      }
      return null;
    }
    CaseState s = v instanceof String text && Fields.notText(text) == null ? CaseState.parse(text) : null;
    if (s == null) {
      errors.add(name, "must be one of OPEN, UNDER_REVIEW, CONFIRMED, DISMISSED");
      return null;
    }
    return s.name();
  }

  private static JsonObject body(RoutingContext ctx, String shape) {
    JsonObject body = null;
    try {
      body = ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      // answered below
    }
    if (body == null) {
      throw Problem.badRequest("the body must be a JSON object " + shape);
    }
    String twice = Fields.memberNamedTwice(ctx.body().buffer().getBytes());
    if (twice != null) {
      // The tree keeps the last value: {"state":"CONFIRMED",...,"state":"DISMISSED"} stored DISMISSED, where a
      // gateway or an audit log that read the first saw CONFIRMED. Scans, NHSA messages and reference rows refuse it.
      throw Problem.validation(List.of(new Problem.FieldError(twice, "is given twice")));
    }
    return body;
  }

  private static CaseStore.Actor actor(RoutingContext ctx) {
    Principal p = Auth.principal(ctx);
    return new CaseStore.Actor(p.keyId(), "bootstrap".equals(p.keyId()) ? BOOTSTRAP_LABEL : null);
  }

  // ---- PATCH /api/v1/anomalies/{id} ----

  private void changeOne(RoutingContext ctx) {
    Problem.Errors errors = new Problem.Errors();
    noQuery(ctx, errors);
    long id = id(ctx, errors);
    JsonObject body = body(ctx, "{\"state\": ..., \"note\": ..., \"expectedState\": ...}");
    Asked asked = asked(body, errors);
    errors.throwIfAny();
    cases.change(List.of(id), asked.state(), asked.note(), asked.expected(), actor(ctx), CaseState::refusal)
        .onComplete(ar -> {
          if (ar.failed()) {
            ctx.fail(ar.cause());
            return;
          }
          Outcome o = ar.result();
          if (!o.missing().isEmpty()) {
            ctx.fail(new Problem(404, "Not found", "no anomaly with id " + id));
          } else if (!o.refused().isEmpty()) {
            Refused r = o.refused().get(0);
            ctx.fail(Problem.conflict(r.reason(), conflict(r)));
          } else {
            ApiServer.reply(ctx, 200, AnomalyJson.of(o.changed().get(0)).encode());
          }
        });
  }

  private static JsonObject conflict(Refused r) {
    CaseState now = CaseState.parse(r.state());
    JsonArray allowed = new JsonArray();
    if (now != null) {
      now.next().forEach(s -> allowed.add(s.name()));
    }
    return new JsonObject().put("id", r.id()).put("state", r.state()).put("allowed", allowed);
  }

  // ---- PATCH /api/v1/anomalies ----

  private void changeMany(RoutingContext ctx) {
    Problem.Errors errors = new Problem.Errors();
    noQuery(ctx, errors);
    JsonObject body = body(ctx, "{\"ids\": [...], \"state\": ..., \"note\": ..., \"expectedState\": ...}");
    List<Long> ids = new ArrayList<>();
    Object raw = body.getValue("ids");
    if (!(raw instanceof JsonArray list) || list.isEmpty() || list.size() > MAX_IDS) {
      errors.add("ids", "must be an array of 1 to " + MAX_IDS + " anomaly ids");
    } else {
      Set<Long> seen = new HashSet<>();
      for (int i = 0; i < list.size(); i++) {
        Object v = list.getValue(i);
        if (!(v instanceof Number n) || !Fields.whole(n) || n.doubleValue() < 1 || n.doubleValue() > 9e17) {
          errors.add("ids[" + i + "]", "must be an anomaly id (a positive whole number)");
        } else if (!seen.add(n.longValue())) {
          errors.add("ids[" + i + "]", "repeats id " + n.longValue());
        } else {
          ids.add(n.longValue());
        }
      }
    }
    Asked asked = asked(body, errors);
    errors.throwIfAny();
    cases.change(ids, asked.state(), asked.note(), asked.expected(), actor(ctx), CaseState::refusal)
        .onComplete(ar -> {
          if (ar.failed()) {
            ctx.fail(ar.cause());
            return;
          }
          Outcome o = ar.result();
          JsonArray updated = new JsonArray();
          o.changed().forEach(a -> updated.add(AnomalyJson.of(a)));
          JsonArray conflicts = new JsonArray();
          o.refused().forEach(r -> conflicts.add(conflict(r).put("detail", r.reason())));
          ApiServer.reply(ctx, 200, new JsonObject()
              .put("updated", updated).put("conflicts", conflicts).put("notFound", new JsonArray(o.missing()))
              .encode());
        });
  }

  // ---- GET /api/v1/anomalies/{id}/history ----

  private void history(RoutingContext ctx) {
    Problem.Errors errors = new Problem.Errors();
    noQuery(ctx, errors);
    long id = id(ctx, errors);
    errors.throwIfAny();
    cases.history(id).map(h -> {
      if (h == null) {
        return null;
      }
      JsonArray list = new JsonArray();
      h.changes().list().forEach(c -> list.add(new JsonObject().put("at", c.at().toString()).put("keyId", c.keyId())
          .put("keyLabel", c.keyLabel()).put("from", c.from()).put("to", c.to()).put("note", c.note())));
      return new JsonObject().put("id", id).put("state", h.state()).put("changes", list)
          .put("truncated", h.changes().truncated());
    }).onComplete(ar -> {
          if (ar.failed()) {
            ctx.fail(ar.cause());
          } else if (ar.result() == null) {
            ctx.fail(new Problem(404, "Not found", "no anomaly with id " + id));
          } else {
            ApiServer.reply(ctx, 200, ar.result().encode());
          }
        });
  }

  /**
   * These routes take no query parameter: one given is an error, not ignored. expectedState sent in the query instead
   * of the body let the change through unguarded, the client believing it could not overwrite someone else's.
   */
  private static void noQuery(RoutingContext ctx, Problem.Errors errors) {
    InvestigatorRoutes.Query.of(ctx, errors).refuseUnknown(errors);
  }

  private static long id(RoutingContext ctx, Problem.Errors errors) {
    String raw = ctx.pathParam("id");
    if (raw == null || !ID.matcher(raw).matches()) {
      errors.add("id", "must be an anomaly id (a positive whole number)");
      return 0;
    }
    return Long.parseLong(raw);
  }
}
