package com.tracesentinel.http;

import com.tracesentinel.ingest.PendingScan;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.ingest.StoredResult;
import com.tracesentinel.reference.ReferenceData;
import com.tracesentinel.reference.Site;
import com.tracesentinel.rules.Anomaly;
import com.tracesentinel.rules.EventType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

/** The scan wire format of shared/spec/api.md: request objects in, result objects out. */
final class ScanJson {
  static final int MAX_TEXT = 100;
  static final int MAX_RAW_CODE = 1_000;

  private ScanJson() {}

  /**
   * A scan object, field by field. Structural errors (a missing required field, a wrong type, an unknown enum) are
   * collected under {@code prefix}; a code that is present but not a valid trace code is not an error here: it is
   * stored as a REJECTED scan so investigators see what was sent.
   */
  static ScanInput parse(JsonObject o, String prefix, Instant now, Problem.Errors errors) {
    String code = text(o, "code", prefix, true, MAX_RAW_CODE, errors);
    String siteId = text(o, "siteId", prefix, true, MAX_TEXT, errors);
    String documentNo = text(o, "documentNo", prefix, true, MAX_TEXT, errors);
    EventType type = EventType.SALE;
    String typeText = text(o, "type", prefix, false, 20, errors);
    if (typeText != null) {
      try {
        type = EventType.valueOf(typeText.toUpperCase());
      } catch (IllegalArgumentException e) {
        errors.add(prefix + "type", "must be one of SALE, RETURN, RECEIVE, DESTROY");
      }
    }
    int lineNo = integer(o, "lineNo", prefix, 1, 1, 1_000_000, errors);
    int quantity = integer(o, "quantity", prefix, 1, 1, 1_000_000, errors);
    boolean split = bool(o, "split", prefix, errors);
    Instant scannedAt = now;
    String at = text(o, "scannedAt", prefix, false, 64, errors);
    if (at != null) {
      try {
        scannedAt = OffsetDateTime.parse(at).toInstant();
      } catch (DateTimeParseException e) {
        errors.add(prefix + "scannedAt", "must be an ISO-8601 time with an offset, e.g. 2026-11-22T10:15:30+08:00");
      }
    }
    String billedDrug = text(o, "billedDrug", prefix, false, MAX_TEXT, errors);
    String settlementId = text(o, "settlementId", prefix, false, MAX_TEXT, errors);
    String deviceId = text(o, "deviceId", prefix, false, MAX_TEXT, errors);
    return new ScanInput(code, type, siteId, documentNo, lineNo, scannedAt, quantity, split, billedDrug,
        settlementId, deviceId);
  }

  private static String text(JsonObject o, String field, String prefix, boolean required, int max,
                             Problem.Errors errors) {
    Object v = o.getValue(field);
    if (v == null) {
      if (required) {
        errors.add(prefix + field, "is required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      errors.add(prefix + field, "must be a string");
      return null;
    }
    if (required && s.isBlank()) {
      errors.add(prefix + field, "must not be empty");
      return null;
    }
    if (s.length() > max) {
      errors.add(prefix + field, "must be at most " + max + " characters");
      return null;
    }
    return field.equals("code") ? s : s.trim();
  }

  private static int integer(JsonObject o, String field, String prefix, int fallback, int min, int max,
                             Problem.Errors errors) {
    Object v = o.getValue(field);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      errors.add(prefix + field, "must be a whole number");
      return fallback;
    }
    long l = n.longValue();
    if (l < min || l > max) {
      errors.add(prefix + field, "must be between " + min + " and " + max);
      return fallback;
    }
    return (int) l;
  }

  private static boolean bool(JsonObject o, String field, String prefix, Problem.Errors errors) {
    Object v = o.getValue(field);
    if (v == null) {
      return false;
    }
    if (!(v instanceof Boolean b)) {
      errors.add(prefix + field, "must be true or false");
      return false;
    }
    return b;
  }

  static JsonObject result(PendingScan p, ReferenceData reference) {
    JsonObject r = new JsonObject().put("index", p.index()).put("status", p.status().name());
    if (p.code() != null) {
      r.put("canonical", p.code().canonical()).put("product", p.code().productKey());
    }
    switch (p.status()) {
      case REJECTED -> r.put("error", p.error());
      case REPLAYED -> r.put("original", original(p, reference));
      default -> r.put("anomalies", anomalies(p, reference));
    }
    return r;
  }

  private static JsonObject original(PendingScan p, ReferenceData reference) {
    PendingScan inFlight = p.originalInFlight();
    if (inFlight != null) {
      return new JsonObject().put("status", inFlight.status().name()).put("anomalies", anomalies(inFlight, reference));
    }
    StoredResult stored = p.originalStored();
    JsonArray list = new JsonArray();
    for (StoredResult.StoredAnomaly a : stored.anomalies()) {
      JsonObject json = new JsonObject().put("type", a.type()).put("suspicion", a.suspicion())
          .put("level", a.level()).put("detail", a.detail());
      if (a.conflictAt() != null) {
        json.put("conflictsWith", new JsonObject().put("siteId", a.conflictSiteId())
            .put("documentNo", a.conflictDocumentNo()).put("scannedAt", a.conflictAt().toString()));
      }
      list.add(json);
    }
    return new JsonObject().put("status", stored.status().name()).put("anomalies", list);
  }

  private static JsonArray anomalies(PendingScan p, ReferenceData reference) {
    JsonArray list = new JsonArray();
    List<Anomaly> anomalies = p.anomalies();
    for (int i = 0; i < anomalies.size(); i++) {
      Anomaly a = anomalies.get(i);
      JsonObject json = new JsonObject().put("type", a.type().name()).put("suspicion", a.suspicion().name())
          .put("level", a.level().name()).put("detail", a.detail());
      if (a.conflictsWith() != null) {
        Site site = reference.site(a.conflictsWith().siteRef());
        json.put("conflictsWith", new JsonObject()
            .put("siteId", site == null ? null : site.siteId())
            .put("documentNo", p.conflictDocument(i))
            .put("scannedAt", Instant.ofEpochSecond(a.conflictsWith().at()).toString()));
      }
      list.add(json);
    }
    return list;
  }
}
