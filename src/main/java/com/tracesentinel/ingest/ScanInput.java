package com.tracesentinel.ingest;

import com.tracesentinel.rules.EventType;
import java.time.Instant;

/**
 * One scan as a client posted it, structurally valid (required fields present, types right), not yet judged.
 *
 * @param uploadBatch      the NHSA upload it came in ({@code fixmedins_bchno}): what a 3507 deletion names; null for
 *                         scans posted to /api/v1/scans
 * @param linkedDocumentNo for a RETURN from an NHSA 3506 upload, the sale it returns ({@code medins_prod_sel_no}), kept
 *                         for investigators; null otherwise
 */
public record ScanInput(String code, EventType type, String siteId, String documentNo, int lineNo, Instant scannedAt,
                        int quantity, boolean split, String billedDrug, String settlementId, String deviceId,
                        String uploadBatch, String linkedDocumentNo) {

  public ScanInput(String code, EventType type, String siteId, String documentNo, int lineNo, Instant scannedAt,
                   int quantity, boolean split, String billedDrug, String settlementId, String deviceId) {
    this(code, type, siteId, documentNo, lineNo, scannedAt, quantity, split, billedDrug, settlementId, deviceId, null,
        null);
  }

  /** The idempotency key of the domain rules, with the code as the client wrote it replaced by its canonical. */
  public String idempotencyKey(String canonical) {
    return idempotencyKey(siteId, documentNo, lineNo, canonical, type);
  }

  public static String idempotencyKey(String siteId, String documentNo, int lineNo, String canonical, EventType type) {
    return siteId + '\u001f' + documentNo + '\u001f' + lineNo + '\u001f' + canonical + '\u001f' + type;
  }
}
