package com.tracesentinel.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.tracesentinel.code.AsciiCase;
import com.tracesentinel.ingest.Preparation;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.ingest.ScanResult;
import com.tracesentinel.ingest.ScanStatus;
import com.tracesentinel.rules.EventType;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** The scan wire format (README, "HTTP API"; /openapi.yaml): request objects in, result objects out. */
final class ScanJson {
  static final int MAX_TEXT = 100;

  private ScanJson() {}

  /** The fields a scan object may carry; any other field is ignored, unless it is one of these misspelt. */
  enum Field {
    CODE("code"), SITE_ID("siteId"), DOCUMENT_NO("documentNo"), TYPE("type"), LINE_NO("lineNo"),
    QUANTITY("quantity"), SPLIT("split"), SCANNED_AT("scannedAt"), BILLED_DRUG("billedDrug"),
    SETTLEMENT_ID("settlementId"), DEVICE_ID("deviceId");

    final String wire;

    Field(String wire) {
      this.wire = wire;
    }

    /** values() copies its array on every call, and this runs for every field of every scan. */
    static final Field[] ALL = values();
    static final List<String> NAMES = java.util.Arrays.stream(ALL).map(f -> f.wire).toList();

    static Field of(String name) {
      for (Field f : ALL) {
        if (f.wire.equals(name)) {
          return f;
        }
      }
      return null;
    }
  }

  /** A value that is neither text, number, boolean nor null (an object or an array): wrong for every field. */
  private static final Object STRUCTURE = new Object();

  private static final JsonFactory JSON = JsonFactory.builder().build();
  // Names and statuses written for every scan, quoted and encoded once: escaping the strings of the results took 17 %
  // of the event loop's samples under batched load (load-tests/profile-native.sh with BATCH=100).
  private static final SerializableString INDEX = new SerializedString("index");
  private static final SerializableString STATUS = new SerializedString("status");
  private static final SerializableString CANONICAL = new SerializedString("canonical");
  private static final SerializableString PRODUCT = new SerializedString("product");
  private static final SerializableString ANOMALIES = new SerializedString("anomalies");
  private static final SerializableString[] STATUSES = java.util.Arrays.stream(ScanStatus.values())
      .map(v -> new SerializedString(v.name())).toArray(SerializableString[]::new);

  /**
   * The body of POST /api/v1/scans, read token by token straight from its bytes (no JSON tree is built: a batch of
   * 1,000 scans would otherwise cost 1,000 maps): one scan object, or {"scans": [...]} with 1 to {@code maxBatch}.
   * Throws a 400 problem listing every structural error.
   */
  static List<ScanInput> readBody(Buffer body, Instant now, int maxBatch) {
    Problem.Errors errors = new Problem.Errors();
    byte[] bytes = body.getBytes();
    if (!com.tracesentinel.code.Utf8.jsonText(bytes, 0, bytes.length)) {
      throw Problem.badRequest("the body is not well-formed UTF-8");
    }
    try (JsonParser p = JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw Problem.badRequest("the body must be a scan object or {\"scans\": [...]}");
      }
      Object[] single = new Object[Field.ALL.length];
      int seen = 0;
      List<ScanInput> batch = null;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (!name.equals("scans") || value == JsonToken.VALUE_NULL) {
          seen = store(p, single, seen, name, value, "", errors);
          continue;
        }
        if (batch != null) {
          throw Problem.validation(List.of(new Problem.FieldError("scans", "is given twice")));
        }
        if (value != JsonToken.START_ARRAY) {
          p.skipChildren();
          throw Problem.validation(List.of(new Problem.FieldError("scans", "must be an array of scan objects")));
        }
        batch = new ArrayList<>();
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          if (i == maxBatch) {
            throw Problem.validation(List.of(new Problem.FieldError("scans", "must hold 1 to " + maxBatch + " scans")));
          }
          if (p.currentToken() == JsonToken.START_OBJECT) {
            batch.add(readScan(p, "scans[" + i + "].", now, errors));
          } else {
            errors.add("scans[" + i + "]", "must be a scan object");
            p.skipChildren();
          }
          i++;
        }
        if (i == 0) {
          throw Problem.validation(List.of(new Problem.FieldError("scans", "must hold 1 to " + maxBatch + " scans")));
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw Problem.badRequest("the body is not one JSON object");
      }
      List<ScanInput> inputs = batch != null ? batch : List.of(scan(single, "", now, errors));
      errors.throwIfAny();
      return inputs;
    } catch (IOException e) {
      throw Problem.badRequest("the body is not valid JSON");
    }
  }

  /** A scan object given as a JSON tree (a photo's scan template), read as {@link #readBody} reads one. */
  static ScanInput parse(JsonObject o, String prefix, Instant now, Problem.Errors errors) {
    Object[] fields = new Object[Field.ALL.length];
    for (Field f : Field.ALL) {
      Object v = o.getValue(f.wire);
      fields[f.ordinal()] = v instanceof JsonObject || v instanceof JsonArray ? STRUCTURE : v;
    }
    return scan(fields, prefix, now, errors);
  }

  /**
   * A photo's scan part (a scan object without its code) as a tree, held to the rule {@link #readBody} holds a scan
   * object to: a known field named twice is an error under {@code prefix} (the tree keeps only the last value, and a
   * gateway that read the first would have checked another scan than the one stored). Null when the text is not one
   * JSON object.
   */
  static JsonObject readTemplate(String json, String prefix, Problem.Errors errors) {
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      readScanFields(p, new Object[Field.ALL.length], prefix, errors);
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        return null;
      }
      return new JsonObject(json);
    } catch (IOException | io.vertx.core.json.DecodeException e) {
      return null;
    }
  }

  /** Reads one scan object; the parser stands on its START_OBJECT. */
  private static ScanInput readScan(JsonParser p, String prefix, Instant now, Problem.Errors errors)
      throws IOException {
    Object[] fields = new Object[Field.ALL.length];
    readScanFields(p, fields, prefix, errors);
    return scan(fields, prefix, now, errors);
  }

  /** Stores an object's known fields in {@code fields} up to its END_OBJECT; the parser stands on its START_OBJECT. */
  private static void readScanFields(JsonParser p, Object[] fields, String prefix, Problem.Errors errors)
      throws IOException {
    int seen = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      seen = store(p, fields, seen, name, p.nextToken(), prefix, errors);
    }
  }

  /**
   * Keeps a known field's raw value and skips the rest; a known field named twice in one object is an error (JSON
   * leaves it to the reader, and a proxy that read the first value would have checked another scan than this one),
   * and so is a known one misspelt: "Type" or "scanned_at" judged a return as a sale, an offline upload as of now.
   * {@code seen} has a bit per field read so far; returns it with this one's.
   */
  private static int store(JsonParser p, Object[] fields, int seen, String name, JsonToken value, String prefix,
                           Problem.Errors errors) throws IOException {
    Field f = Field.of(name);
    if (f == null) {
      Fields.misspelt(prefix, name, Field.NAMES, errors);
      p.skipChildren();
      return seen;
    }
    int bit = 1 << f.ordinal();
    if ((seen & bit) != 0) {
      errors.add(prefix + name, "is given twice");
    }
    fields[f.ordinal()] = switch (value) {
      case VALUE_STRING -> p.getText();
      case VALUE_NUMBER_INT -> p.getNumberValue();
      case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> {
        p.skipChildren();
        yield STRUCTURE;
      }
    };
    return seen | bit;
  }

  /**
   * A scan object's fields, checked. Structural errors (a missing required field, a wrong type, an unknown enum) are
   * collected under {@code prefix}; a code that is present but not a valid trace code is not an error here: it is
   * stored as a REJECTED scan so investigators see what was sent.
   */
  private static ScanInput scan(Object[] o, String prefix, Instant now, Problem.Errors errors) {
    // No length limit for the code: its length is the parser's to judge (TOO_LONG, REJECTED and kept). A limit here
    // made one garbled code, a till's scanner sending many codes without a line end, a 400 for its whole batch.
    String code = text(o, Field.CODE, prefix, true, Integer.MAX_VALUE, errors);
    String siteId = text(o, Field.SITE_ID, prefix, true, Fields.MAX_SITE_ID, errors);
    String documentNo = text(o, Field.DOCUMENT_NO, prefix, true, MAX_TEXT, errors);
    EventType type = EventType.SALE;
    String typeText = text(o, Field.TYPE, prefix, false, 20, errors);
    if (typeText != null) {
      type = AsciiCase.constantNamed(EventType.class, typeText);
      if (type == null) {
        errors.add(prefix + "type", "must be one of SALE, RETURN, RECEIVE, DESTROY");
      }
    }
    int lineNo = integer(o, Field.LINE_NO, prefix, 1, 1, 1_000_000, errors);
    int quantity = integer(o, Field.QUANTITY, prefix, 1, 1, 1_000_000, errors);
    boolean split = bool(o, Field.SPLIT, prefix, errors);
    Instant scannedAt = now;
    String at = text(o, Field.SCANNED_AT, prefix, false, 64, errors);
    if (at != null) {
      try {
        scannedAt = Fields.wholeMicrosecond(Fields.isoTime(at).toInstant());
      } catch (DateTimeParseException e) {
        errors.add(prefix + "scannedAt", Fields.notIsoTime(at, "2026-11-22T10:15:30+08:00"));
      }
    }
    String billedDrug = text(o, Field.BILLED_DRUG, prefix, false, MAX_TEXT, errors);
    String settlementId = text(o, Field.SETTLEMENT_ID, prefix, false, MAX_TEXT, errors);
    String deviceId = text(o, Field.DEVICE_ID, prefix, false, MAX_TEXT, errors);
    return new ScanInput(code, type, siteId, documentNo, lineNo, scannedAt, quantity, split, billedDrug,
        settlementId, deviceId);
  }

  private static String text(Object[] o, Field field, String prefix, boolean required, int max,
                             Problem.Errors errors) {
    Object v = o[field.ordinal()];
    if (v == null) {
      if (required) {
        errors.add(prefix + field.wire, "is required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      errors.add(prefix + field.wire, "must be a string");
      return null;
    }
    // A code that is only scanner noise (blank, a lone GS, a line end) is a misread, not a malformed request: it is
    // judged REJECTED (EMPTY) and kept as evidence like any invalid code, so one misread never refuses a whole batch.
    if (required && s.isBlank() && field != Field.CODE) {
      errors.add(prefix + field.wire, "must not be empty");
      return null;
    }
    if (s.length() > max) {
      errors.add(prefix + field.wire, "must be at most " + max + " characters");
      return null;
    }
    // Only spaces are trimmed: a control character must stay visible, so the scan is rejected for it instead of
    // being stored as a different document number.
    return field == Field.CODE ? s : Preparation.trimSpaces(s);
  }

  private static int integer(Object[] o, Field field, String prefix, int fallback, int min, int max,
                             Problem.Errors errors) {
    Object v = o[field.ordinal()];
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Number n) || !Fields.whole(n)) {
      errors.add(prefix + field.wire, "must be a whole number");
      return fallback;
    }
    long l = n.longValue();
    if (l < min || l > max || n.doubleValue() != l) {
      errors.add(prefix + field.wire, "must be between " + min + " and " + max);
      return fallback;
    }
    return (int) l;
  }

  private static boolean bool(Object[] o, Field field, String prefix, Problem.Errors errors) {
    Object v = o[field.ordinal()];
    if (v == null) {
      return false;
    }
    if (!(v instanceof Boolean b)) {
      errors.add(prefix + field.wire, "must be true or false");
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

  /**
   * The 200 answer of POST /api/v1/scans, written token by token into one buffer (the same fields as
   * {@link #result}, without building a JSON tree per scan).
   */
  static Buffer writeResults(List<ScanResult> results) {
    Buffer out = Buffer.buffer(64 + results.size() * 120);
    try (JsonGenerator g = JSON.createGenerator(new OutputStream() {
      @Override
      public void write(int b) {
        out.appendByte((byte) b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        out.appendBytes(b, off, len);
      }
    })) {
      g.writeStartObject();
      g.writeArrayFieldStart("results");
      for (ScanResult r : results) {
        g.writeStartObject();
        g.writeFieldName(INDEX);
        g.writeNumber(r.index());
        g.writeFieldName(STATUS);
        g.writeString(STATUSES[r.status().ordinal()]);
        if (r.canonical() != null) {
          g.writeFieldName(CANONICAL);
          g.writeString(r.canonical());
          g.writeFieldName(PRODUCT);
          g.writeString(r.product());
        }
        switch (r.status()) {
          case REJECTED -> g.writeStringField("error", r.error());
          case REPLAYED -> {
            g.writeFieldName("original");
            if (r.original() == null) {
              g.writeNull();
            } else {
              g.writeStartObject();
              g.writeStringField("status", r.original().status().name());
              writeFindings(g, r.original().anomalies());
              g.writeEndObject();
            }
          }
          default -> writeFindings(g, r.anomalies());
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing JSON into memory cannot fail", e);
    }
    return out;
  }

  private static void writeFindings(JsonGenerator g, List<ScanResult.Finding> findings) throws IOException {
    g.writeFieldName(ANOMALIES);
    g.writeStartArray();
    for (ScanResult.Finding f : findings) {
      g.writeStartObject();
      g.writeStringField("type", f.type());
      g.writeStringField("suspicion", f.suspicion());
      g.writeStringField("level", f.level());
      g.writeStringField("detail", f.detail());
      ScanResult.Conflict c = f.conflictsWith();
      if (c != null) {
        g.writeObjectFieldStart("conflictsWith");
        g.writeStringField("siteId", c.siteId());
        g.writeStringField("documentNo", c.documentNo());
        g.writeStringField("scannedAt", c.scannedAt() == null ? null : c.scannedAt().toString());
        g.writeEndObject();
      }
      g.writeEndObject();
    }
    g.writeEndArray();
  }
}
