package com.tracesentinel.cluster;

import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.ingest.ScanResult;
import com.tracesentinel.ingest.ScanStatus;
import com.tracesentinel.ingest.Voiding;
import com.tracesentinel.rules.EventType;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What nodes send each other on the internal routes: scans already checked by the node that received them (every
 * field, the NHSA ones included, and the time they arrived), and the owner's results back, complete. Positional
 * arrays, not the public format: only two versions of this class ever talk, and they are built together.
 */
public final class ClusterWire {
  private ClusterWire() {}

  public static Buffer scans(List<ScanInput> inputs, Instant receivedAt) {
    JsonArray list = new JsonArray();
    for (ScanInput in : inputs) {
      list.add(new JsonArray().add(in.code()).add(in.type().name()).add(in.siteId()).add(in.documentNo())
          .add(in.lineNo()).add(in.scannedAt().toString()).add(in.quantity()).add(in.split()).add(in.billedDrug())
          .add(in.settlementId()).add(in.deviceId()).add(in.uploadBatch()).add(in.linkedDocumentNo()));
    }
    return new JsonObject().put("receivedAt", receivedAt.toString()).put("scans", list).toBuffer();
  }

  /** The scans of a {@link #scans} body; {@code receivedAt} gets the time they arrived at the first node. */
  public static List<ScanInput> readScans(Buffer body, Instant[] receivedAt) {
    JsonObject o = body.toJsonObject();
    receivedAt[0] = Instant.parse(o.getString("receivedAt"));
    List<ScanInput> out = new ArrayList<>();
    for (Object item : o.getJsonArray("scans")) {
      JsonArray a = (JsonArray) item;
      // What the public routes require: a scan without them would fail on the judge, not here.
      for (int required : new int[] {0, 2, 3, 5}) {
        java.util.Objects.requireNonNull(a.getString(required), "scan field " + required);
      }
      out.add(new ScanInput(a.getString(0), EventType.valueOf(a.getString(1)), a.getString(2), a.getString(3),
          a.getInteger(4), Instant.parse(a.getString(5)), a.getInteger(6), a.getBoolean(7), a.getString(8),
          a.getString(9), a.getString(10), a.getString(11), a.getString(12)));
    }
    return out;
  }

  public static Buffer results(List<ScanResult> results) {
    JsonArray list = new JsonArray();
    for (ScanResult r : results) {
      list.add(new JsonArray().add(r.index()).add(r.status().name()).add(r.canonical()).add(r.product())
          .add(findings(r.anomalies())).add(r.error())
          .add(r.original() == null ? null : new JsonArray().add(r.original().status().name())
              .add(findings(r.original().anomalies()))));
    }
    return list.toBuffer();
  }

  public static List<ScanResult> readResults(Buffer body) {
    List<ScanResult> out = new ArrayList<>();
    for (Object item : body.toJsonArray()) {
      JsonArray a = (JsonArray) item;
      JsonArray original = a.getJsonArray(6);
      out.add(new ScanResult(a.getInteger(0), ScanStatus.valueOf(a.getString(1)), a.getString(2), a.getString(3),
          readFindings(a.getJsonArray(4)), a.getString(5), original == null ? null
          : new ScanResult.Original(ScanStatus.valueOf(original.getString(0)), readFindings(original.getJsonArray(1)))));
    }
    return out;
  }

  public static Buffer voiding(String siteId, String uploadBatch, Set<Integer> parts, Instant receivedAt) {
    return new JsonObject().put("siteId", siteId).put("uploadBatch", uploadBatch)
        .put("parts", new JsonArray(new ArrayList<Object>(parts))).put("receivedAt", receivedAt.toString()).toBuffer();
  }

  /** A deletion as {@link #voiding} wrote it. */
  public record VoidRequest(String siteId, String uploadBatch, Set<Integer> parts, Instant receivedAt) {}

  public static VoidRequest readVoiding(Buffer body) {
    JsonObject o = body.toJsonObject();
    Set<Integer> parts = new TreeSet<>();
    for (Object p : o.getJsonArray("parts")) {
      parts.add(((Number) p).intValue());
    }
    return new VoidRequest(java.util.Objects.requireNonNull(o.getString("siteId"), "siteId"),
        java.util.Objects.requireNonNull(o.getString("uploadBatch"), "uploadBatch"), parts,
        Instant.parse(o.getString("receivedAt")));
  }

  public static Buffer voided(Voiding.Result r) {
    return new JsonObject().put("uploadBatch", r.uploadBatch()).put("scansVoided", r.scansVoided())
        .put("codesRederived", r.codesRederived()).put("lateDeletions", findings(r.lateDeletions())).toBuffer();
  }

  public static Voiding.Result readVoided(Buffer body) {
    JsonObject o = body.toJsonObject();
    return new Voiding.Result(o.getString("uploadBatch"), o.getInteger("scansVoided"), o.getInteger("codesRederived"),
        readFindings(o.getJsonArray("lateDeletions")));
  }

  private static JsonArray findings(List<ScanResult.Finding> findings) {
    JsonArray list = new JsonArray();
    for (ScanResult.Finding f : findings) {
      ScanResult.Conflict c = f.conflictsWith();
      list.add(new JsonArray().add(f.type()).add(f.suspicion()).add(f.level()).add(f.detail())
          .add(c == null ? null : new JsonArray().add(c.siteId()).add(c.documentNo())
              .add(c.scannedAt() == null ? null : c.scannedAt().toString())));
    }
    return list;
  }

  private static List<ScanResult.Finding> readFindings(JsonArray list) {
    List<ScanResult.Finding> out = new ArrayList<>();
    for (Object item : list) {
      JsonArray f = (JsonArray) item;
      JsonArray c = f.getJsonArray(4);
      out.add(new ScanResult.Finding(f.getString(0), f.getString(1), f.getString(2), f.getString(3), c == null ? null
          : new ScanResult.Conflict(c.getString(0), c.getString(1), c.getString(2) == null ? null
              : Instant.parse(c.getString(2)))));
    }
    return List.copyOf(out);
  }
}
