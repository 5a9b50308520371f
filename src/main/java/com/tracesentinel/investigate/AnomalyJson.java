package com.tracesentinel.investigate;

import com.tracesentinel.history.AnomalyQueries.AnomalyRow;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** An anomaly as the API shows it everywhere: the list, the stream, a case change, the webhook. */
public final class AnomalyJson {
  private AnomalyJson() {}

  public static JsonObject of(AnomalyRow a) {
    JsonObject conflict = a.conflictSiteId() == null && a.conflictAt() == null ? null : new JsonObject()
        .put("siteId", a.conflictSiteId()).put("documentNo", a.conflictDocumentNo()).put("scannedAt", str(a.conflictAt()));
    return new JsonObject().put("id", a.id()).put("type", a.type()).put("suspicion", a.suspicion())
        .put("level", a.level()).put("canonical", a.canonical()).put("product", a.product())
        .put("siteId", a.siteId()).put("region", a.region()).put("scannedAt", str(a.scannedAt()))
        .put("detail", a.detail()).put("conflictsWith", conflict).put("state", a.state())
        // when its scan was voided by a 3507 deletion of the upload it came in: the sale it flags was deleted
        .put("voidedAt", str(a.voidedAt()));
  }

  private static String str(Instant t) {
    return t == null ? null : t.toString();
  }
}
