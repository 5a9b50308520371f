package com.tracesentinel.http;

import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.ingest.ScanResult;
import com.tracesentinel.rules.EventType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

/** The scan wire format (README, "HTTP API"; /openapi.yaml): request objects in, result objects out. */
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
    // Only spaces are trimmed: a control character must stay visible, so the scan is rejected for it instead of
    // being stored as a different document number.
    return field.equals("code") ? s : trimSpaces(s);
  }

  private static String trimSpaces(String s) {
    int from = 0;
    int to = s.length();
    while (from < to && s.charAt(from) == ' ') {
      from++;
    }
    while (to > from && s.charAt(to - 1) == ' ') {
      to--;
    }
    return s.substring(from, to);
  }

  private static int integer(JsonObject o, String field, String prefix, int fallback, int min, int max,
                             Problem.Errors errors) {
    Object v = o.getValue(field);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Number n) || !Fields.whole(n)) {
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

  static JsonObject result(ScanResult r) {
    JsonObject json = new JsonObject().put("index", r.index()).put("status", r.status().name());
    if (r.canonical() != null) {
      json.put("canonical", r.canonical()).put("product", r.product());
    }
    switch (r.status()) {
      case REJECTED -> json.put("error", r.error());
      case REPLAYED -> json.put("original", r.original() == null ? null : new JsonObject()
          .put("status", r.original().status().name()).put("anomalies", findings(r.original().anomalies())));
      default -> json.put("anomalies", findings(r.anomalies()));
    }
    return json;
  }

  static JsonArray findings(List<ScanResult.Finding> findings) {
    JsonArray list = new JsonArray();
    for (ScanResult.Finding f : findings) {
      JsonObject json = new JsonObject().put("type", f.type()).put("suspicion", f.suspicion())
          .put("level", f.level()).put("detail", f.detail());
      ScanResult.Conflict c = f.conflictsWith();
      if (c != null) {
        json.put("conflictsWith", new JsonObject().put("siteId", c.siteId()).put("documentNo", c.documentNo())
            .put("scannedAt", c.scannedAt() == null ? null : c.scannedAt().toString()));
      }
      list.add(json);
    }
    return list;
  }
}
