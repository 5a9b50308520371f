package com.tracesentinel.rules;

/**
 * Packs a {@link CodeState} into the ledger's fixed 31-byte value: with the 16-byte key and Chronicle's per-entry
 * checksum and hash slots, about 62 bytes a code. Little-endian, no versioning beyond the layout below: a layout
 * change means a new ledger file (the ledger's format marker makes the service rebuild it).
 *
 * <pre>
 *  0  flags        1  bit0 has lastSale, bit1 lastSaleSplit, bit2 lastSaleReimbursed, bit3 destroyed,
 *                     bit4 lastSaleReturned
 *  1  distinct     1  distinct sale sites, saturating at 255
 *  2  scanCount    2  saturating at 65535
 *  4  saleCount    2  saturating at 65535
 *  6  soldUnits    3  saturating at 16,777,215 smallest units
 *  9  lastSaleSite 3  site ref (16.7 million sites; NHSA has about 930,000 institutions)
 * 12  prevSaleSite 3
 * 15  lastSaleAt   4  unsigned epoch seconds (1970..2106)
 * 19  recentKeys   8
 * 27  changedAt    4  unsigned epoch seconds of the last ledger write: what an unclean restart re-checks
 * </pre>
 */
public final class StateCodec {
  public static final int BYTES = 31;
  /** The most site refs the layout holds. */
  public static final int MAX_SITE_REF = 0xFF_FFFF;

  private static final int F_LAST_SALE = 1;
  private static final int F_SPLIT = 2;
  private static final int F_REIMBURSED = 4;
  private static final int F_DESTROYED = 8;
  private static final int F_RETURNED = 16;

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
        | (s.lastSaleReturned() && s.lastSale() != null ? F_RETURNED : 0);
    out[0] = (byte) flags;
    out[1] = (byte) Math.min(255, Math.max(0, s.distinctSaleSites()));
    put(out, 2, 2, Math.min(0xFFFF, Math.max(0, s.scanCount())));
    put(out, 4, 2, Math.min(0xFFFF, Math.max(0, s.saleCount())));
    put(out, 6, 3, Math.min(0xFF_FFFF, Math.max(0, s.soldUnits())));
    put(out, 9, 3, s.lastSale() == null ? 0 : siteRef(s.lastSale().siteRef(), "lastSale.siteRef"));
    put(out, 12, 3, siteRef(s.prevSaleSite(), "prevSaleSite"));
    put(out, 15, 4, s.lastSale() == null ? 0 : seconds(s.lastSale().at(), "lastSale.at"));
    for (int i = 0; i < 8; i++) {
      out[19 + i] = (byte) (s.recentKeys() >>> (8 * i));
    }
    put(out, 27, 4, seconds(changedAt, "changedAt"));
  }

  public static byte[] encode(CodeState s, long changedAt) {
    byte[] out = new byte[BYTES];
    encode(s, changedAt, out);
    return out;
  }

  public static CodeState decode(byte[] in) {
    int flags = in[0] & 0xFF;
    ScanRef lastSale = (flags & F_LAST_SALE) != 0
        ? new ScanRef((int) get(in, 9, 3), get(in, 15, 4)) : null;
    long keys = recentKeys(in);
    return new CodeState((int) get(in, 2, 2), (int) get(in, 4, 2), (int) get(in, 6, 3), in[1] & 0xFF, lastSale,
        (flags & F_SPLIT) != 0, (flags & F_REIMBURSED) != 0, (int) get(in, 12, 3), (flags & F_DESTROYED) != 0, keys,
        (flags & F_RETURNED) != 0 && lastSale != null);
  }

  /** The state's scan count, read without decoding the rest (the judge's re-send check on every scan). */
  public static int scanCount(byte[] in) {
    return (int) get(in, 2, 2);
  }

  /** The packed fingerprints of the last four scans' idempotency keys, read without decoding the rest. */
  public static long recentKeys(byte[] in) {
    long keys = 0;
    for (int i = 7; i >= 0; i--) {
      keys = (keys << 8) | (in[19 + i] & 0xFF);
    }
    return keys;
  }

  public static long changedAt(byte[] in) {
    return get(in, 27, 4);
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
