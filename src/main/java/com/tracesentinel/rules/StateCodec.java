package com.tracesentinel.rules;

import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.ScanRef;

/**
 * Packs a {@link CodeState} into the ledger's fixed 42-byte value. Little-endian, no versioning beyond the layout
 * below: a layout change means a new ledger file (rebuild-ledger).
 *
 * <pre>
 *  0  flags        1  bit0 has lastSale, bit1 lastSaleSplit, bit2 lastSaleReimbursed, bit3 destroyed
 *  1  distinct     1  distinct sale sites, saturating at 255
 *  2  scanCount    2  saturating at 65535
 *  4  saleCount    2  saturating at 65535
 *  6  soldUnits    4
 * 10  lookups      4
 * 14  lastSaleSite 4
 * 18  lastSaleAt   4  unsigned epoch seconds (good until 2106)
 * 22  prevSaleSite 4
 * 26  firstSaleAt  4  unsigned epoch seconds
 * 30  recentKeys   8
 * 38  changedAt    4  unsigned epoch seconds of the last ledger write: what an unclean restart re-checks
 * </pre>
 */
public final class StateCodec {
  public static final int BYTES = 42;

  private static final int F_LAST_SALE = 1;
  private static final int F_SPLIT = 2;
  private static final int F_REIMBURSED = 4;
  private static final int F_DESTROYED = 8;

  private StateCodec() {}

  /** Times are stored as unsigned 32-bit epoch seconds: anything outside 1970..2106 is refused, never wrapped. */
  static int seconds(long epochSeconds, String field) {
    if (epochSeconds < 0 || epochSeconds > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException(field + " " + epochSeconds + " is outside the ledger's 1970..2106 range");
    }
    return (int) epochSeconds;
  }

  public static void encode(CodeState s, long changedAt, byte[] out) {
    int flags = (s.lastSale() != null ? F_LAST_SALE : 0) | (s.lastSaleSplit() ? F_SPLIT : 0)
        | (s.lastSaleReimbursed() ? F_REIMBURSED : 0) | (s.destroyed() ? F_DESTROYED : 0);
    out[0] = (byte) flags;
    out[1] = (byte) Math.min(255, Math.max(0, s.distinctSaleSites()));
    putShort(out, 2, saturate16(s.scanCount()));
    putShort(out, 4, saturate16(s.saleCount()));
    putInt(out, 6, s.soldUnits());
    putInt(out, 10, s.lookups());
    putInt(out, 14, s.lastSale() == null ? 0 : s.lastSale().siteRef());
    putInt(out, 18, s.lastSale() == null ? 0 : seconds(s.lastSale().at(), "lastSale.at"));
    putInt(out, 22, s.prevSaleSite());
    putInt(out, 26, seconds(s.firstSaleAt(), "firstSaleAt"));
    putLong(out, 30, s.recentKeys());
    putInt(out, 38, seconds(changedAt, "changedAt"));
  }

  public static byte[] encode(CodeState s, long changedAt) {
    byte[] out = new byte[BYTES];
    encode(s, changedAt, out);
    return out;
  }

  public static CodeState decode(byte[] in) {
    int flags = in[0] & 0xFF;
    ScanRef lastSale = (flags & F_LAST_SALE) != 0
        ? new ScanRef(getInt(in, 14), Integer.toUnsignedLong(getInt(in, 18))) : null;
    return new CodeState(
        getShort(in, 2),
        getShort(in, 4),
        getInt(in, 6),
        in[1] & 0xFF,
        lastSale,
        (flags & F_SPLIT) != 0,
        (flags & F_REIMBURSED) != 0,
        getInt(in, 22),
        Integer.toUnsignedLong(getInt(in, 26)),
        (flags & F_DESTROYED) != 0,
        getInt(in, 10),
        getLong(in, 30));
  }

  public static long changedAt(byte[] in) {
    return Integer.toUnsignedLong(getInt(in, 38));
  }

  private static int saturate16(int v) {
    return Math.min(0xFFFF, Math.max(0, v));
  }

  private static void putShort(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
  }

  private static int getShort(byte[] b, int at) {
    return (b[at] & 0xFF) | ((b[at + 1] & 0xFF) << 8);
  }

  private static void putInt(byte[] b, int at, int v) {
    for (int i = 0; i < 4; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }

  private static int getInt(byte[] b, int at) {
    int v = 0;
    for (int i = 3; i >= 0; i--) {
      v = (v << 8) | (b[at + i] & 0xFF);
    }
    return v;
  }

  private static void putLong(byte[] b, int at, long v) {
    for (int i = 0; i < 8; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }

  private static long getLong(byte[] b, int at) {
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (b[at + i] & 0xFF);
    }
    return v;
  }
}
