package com.tracesentinel.rules;

/**
 * Packs a {@link CodeState} into the ledger's fixed 33-byte value: with the 16-byte key and Chronicle's per-entry
 * checksum and hash slots, about 64 bytes a code (one more byte makes it 65: Chronicle's chunks grow with the
 * value). Little-endian, no versioning beyond the layout below: a layout
 * change means a new ledger file (the ledger's format marker makes the service rebuild it).
 *
 * <pre>
 *  0  flags        1  bit0 has lastSale, bit1 lastSaleSplit, bit2 lastSaleReimbursed, bit3 destroyed,
 *                     bit4 lastSaleReturned, bit5 has prevOpenSale, bit6 prevOpenSaleSplit
 *  1  distinct     1  distinct sale sites, saturating at 255
 *  2  scanCount    1  saturating at 255: what reads it asks only "one scan?", "more than the 4 remembered?" and
 *                     "255 or more?" (Ladder.HISTORY_ASKED_BELOW_SCANS)
 *  3  saleCount    2  saturating at 65535
 *  5  soldUnits    3  saturating at 16,777,215 smallest units
 *  8  lastSaleSite 3  site ref (16.7 million sites; NHSA has about 930,000 institutions)
 * 11  prevSaleSite 3
 * 14  lastSaleAt   4  unsigned epoch seconds (1970..2106)
 * 18  recentKeys   7  four 14-bit fingerprints
 * 25  changedAt    4  unsigned epoch seconds of the last ledger write: what an unclean restart re-checks
 * 29  prevOpenAt   4  unsigned epoch seconds of prevOpenSale (its site is prevSaleSite)
 * </pre>
 */
public final class StateCodec {
  public static final int BYTES = 33;
  /** The most site refs the layout holds. */
  public static final int MAX_SITE_REF = 0xFF_FFFF;

  private static final int F_LAST_SALE = 1;
  private static final int F_SPLIT = 2;
  private static final int F_REIMBURSED = 4;
  private static final int F_DESTROYED = 8;
  private static final int F_RETURNED = 16;
  private static final int F_PREV_OPEN = 32;
  private static final int F_PREV_SPLIT = 64;

  private StateCodec() {}

  /** Times are stored as unsigned 32-bit epoch seconds: anything outside 1970..2106 is refused, never wrapped. */
  static int seconds(long epochSeconds, String field) {
    if (epochSeconds < 0 || epochSeconds > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException(field + " " + epochSeconds + " is outside the ledger's 1970..2106 range");
    }
    return (int) epochSeconds;
  }

  private static int siteRef(int ref, String field) {
    if (ref < 0 || ref > MAX_SITE_REF) {
      throw new IllegalArgumentException(field + " " + ref + " does not fit the ledger's 3-byte site ref");
    }
    return ref;
  }

  public static void encode(CodeState s, long changedAt, byte[] out) {
    int flags = (s.lastSale() != null ? F_LAST_SALE : 0) | (s.lastSaleSplit() ? F_SPLIT : 0)
        | (s.lastSaleReimbursed() ? F_REIMBURSED : 0) | (s.destroyed() ? F_DESTROYED : 0)
        | (s.lastSaleReturned() && s.lastSale() != null ? F_RETURNED : 0)
        | (s.prevOpenSale() != null ? F_PREV_OPEN : 0) | (s.prevOpenSaleSplit() ? F_PREV_SPLIT : 0);
    if (s.prevOpenSale() != null && s.prevOpenSale().siteRef() != s.prevSaleSite()) {
      throw new IllegalArgumentException("prevOpenSale.siteRef " + s.prevOpenSale().siteRef()
          + " is not prevSaleSite " + s.prevSaleSite() + ": the layout keeps one site for both");
    }
    out[0] = (byte) flags;
    out[1] = (byte) Math.min(255, Math.max(0, s.distinctSaleSites()));
    out[2] = (byte) Math.min(0xFF, Math.max(0, s.scanCount()));
    put(out, 3, 2, Math.min(0xFFFF, Math.max(0, s.saleCount())));
    put(out, 5, 3, Math.min(0xFF_FFFF, Math.max(0, s.soldUnits())));
    put(out, 8, 3, s.lastSale() == null ? 0 : siteRef(s.lastSale().siteRef(), "lastSale.siteRef"));
    put(out, 11, 3, siteRef(s.prevSaleSite(), "prevSaleSite"));
    put(out, 14, 4, s.lastSale() == null ? 0 : seconds(s.lastSale().at(), "lastSale.at"));
    put(out, 18, 7, s.recentKeys());
    put(out, 25, 4, seconds(changedAt, "changedAt"));
    put(out, 29, 4, s.prevOpenSale() == null ? 0 : seconds(s.prevOpenSale().at(), "prevOpenSale.at"));
  }

  public static byte[] encode(CodeState s, long changedAt) {
    byte[] out = new byte[BYTES];
    encode(s, changedAt, out);
    return out;
  }

  /**
   * What the layout keeps of a state, its counts saturated: what a ledger entry holds of the state a replay of the
   * history gives, and so what it is compared with (a code scanned 256 times and more is no mismatch).
   */
  public static CodeState stored(CodeState s) {
    return decode(encode(s, 0));
  }

  public static CodeState decode(byte[] in) {
    int flags = in[0] & 0xFF;
    ScanRef lastSale = (flags & F_LAST_SALE) != 0
        ? new ScanRef((int) get(in, 8, 3), get(in, 14, 4)) : null;
    int prevSaleSite = (int) get(in, 11, 3);
    ScanRef prevOpenSale = (flags & F_PREV_OPEN) != 0 ? new ScanRef(prevSaleSite, get(in, 29, 4)) : null;
    long keys = recentKeys(in);
    return new CodeState(in[2] & 0xFF, (int) get(in, 3, 2), (int) get(in, 5, 3), in[1] & 0xFF, lastSale,
        (flags & F_SPLIT) != 0, (flags & F_REIMBURSED) != 0, prevSaleSite, (flags & F_DESTROYED) != 0, keys,
        (flags & F_RETURNED) != 0 && lastSale != null, prevOpenSale, (flags & F_PREV_SPLIT) != 0);
  }

  /** The state's scan count, read without decoding the rest (the judge's re-send check on every scan). */
  public static int scanCount(byte[] in) {
    return in[2] & 0xFF;
  }

  /** The packed fingerprints of the last four scans' idempotency keys, read without decoding the rest. */
  public static long recentKeys(byte[] in) {
    return get(in, 18, 7);
  }

  public static long changedAt(byte[] in) {
    return get(in, 25, 4);
  }

  private static void put(byte[] b, int at, int bytes, long v) {
    for (int i = 0; i < bytes; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }

  private static long get(byte[] b, int at, int bytes) {
    long v = 0;
    for (int i = bytes - 1; i >= 0; i--) {
      v = (v << 8) | (b[at + i] & 0xFF);
    }
    return v;
  }
}
