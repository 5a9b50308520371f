package com.tracesentinel.ingest;

import com.tracesentinel.code.TraceCode;
import com.tracesentinel.code.CodeKey;
import com.tracesentinel.reference.Site;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.EventType;
import com.tracesentinel.rules.ScanFacts;
import java.time.LocalDate;

/**
 * One scan as judging needs it: whose state it moves ({@code codeKey}), which re-send it would be ({@code idem}) and
 * the facts the ladder reads. Live judging builds it from a request ({@link #of}), every replay from a stored row
 * ({@link #stored}); both then go through the one function {@link Judging#apply}, so the two cannot drift apart.
 *
 * @param codeKey the ledger key of the canonical code (16 bytes)
 * @param idem    the first 16 bytes of the SHA-256 of the idempotency key: the history's unique key per code
 */
public record ScanEvent(byte[] codeKey, byte[] idem, ScanFacts facts) {

  /** {@code packSize}: the catalogue's for the code's product now, 1 when it is not in the catalogue. */
  public static ScanEvent of(ScanInput in, TraceCode code, Site site, int packSize) {
    return new ScanEvent(CodeKey.of(code.canonical()), CodeKey.sha256Prefix(in.idempotencyKey(code.canonical())),
        new ScanFacts(in.type(), code.productKey(), code.expiry(), site.ref(), in.scannedAt().getEpochSecond(),
            in.quantity(), in.split(), in.billedDrug(), in.settlementId() != null, packSize));
  }

  /**
   * A stored, judged scan's row, column by column (reimbursed: the row has a settlement id; packSize 0 for a row
   * stored before pack sizes were kept).
   */
  public static ScanEvent stored(byte[] codeKey, byte[] idem, EventType type, String product, LocalDate expiry,
                                 int siteRef, long at, int quantity, boolean split, String billedDrug,
                                 boolean reimbursed, int packSize) {
    return new ScanEvent(codeKey, idem, new ScanFacts(type, product, expiry, siteRef, at, quantity, split, billedDrug,
        reimbursed, packSize));
  }

  /** 14 bits of the idempotency key, remembered in the code's state to rule out most re-sends without I/O. */
  public int fingerprint() {
    return (((idem[0] & 0xFF) << 8) | (idem[1] & 0xFF)) & CodeState.FINGERPRINT_MASK;
  }
}
