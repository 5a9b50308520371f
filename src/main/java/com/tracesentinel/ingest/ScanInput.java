package com.tracesentinel.ingest;

import com.tracesentinel.rules.EventType;
import java.time.Instant;

/** One scan as a client posted it, structurally valid (required fields present, types right), not yet judged. */
public record ScanInput(String code, EventType type, String siteId, String documentNo, int lineNo, Instant scannedAt,
                        int quantity, boolean split, String billedDrug, String settlementId, String deviceId) {

  /** The idempotency key of shared/spec/domain.md, with the code as the client wrote it replaced by its canonical. */
  public String idempotencyKey(String canonical) {
    return idempotencyKey(siteId, documentNo, lineNo, canonical, type);
  }

  public static String idempotencyKey(String siteId, String documentNo, int lineNo, String canonical, EventType type) {
    return siteId + '\u001f' + documentNo + '\u001f' + lineNo + '\u001f' + canonical + '\u001f' + type;
  }

  /** 16 bits of an idempotency key, remembered in the code's state to rule out most re-sends without I/O. */
  public static int fingerprint(String idempotencyKey) {
    return idempotencyKey.hashCode() & 0xFFFF;
  }
}
