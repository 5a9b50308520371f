package com.tracesentinel.rules;

/**
 * What the ledger remembers about one box, small enough to fit a fixed-size off-heap slot (see {@link StateCodec}).
 * Everything older lives in the history; public look-up counts are kept apart from it.
 *
 * @param scanCount         scans applied to this code (all types; REPLAYED and REJECTED never count)
 * @param saleCount         SALE events not undone by a RETURN (a DOUBLE_SCAN is not a new sale)
 * @param soldUnits         smallest units sold and not returned (a whole-box sale counts the pack size)
 * @param distinctSaleSites sites with a sale; exact up to 3, which is all the COUNTERFEIT rule asks
 * @param lastSale          the latest open sale, or, once destroyed, the DESTROY scan; null when none. With
 *                          {@code lastSaleReturned}: the latest sale, which a RETURN undid (kept for its site)
 * @param lastSaleSplit     the latest sale was a split-pack (拆零) sale
 * @param lastSaleReimbursed the latest sale carried an insurance settlement
 * @param prevSaleSite      the sale site before lastSale's site (0 when none): with lastSale the "last sites"
 * @param destroyed         terminal: the box was destroyed or recalled
 * @param recentKeys        16-bit fingerprints of the idempotency keys of the last 4 scans, packed (see ledger)
 * @param lastSaleReturned  a RETURN undid lastSale while sales at other sites stay open: which of those is the
 *                          latest, and where, the slot does not say (see {@link #openSalesUnknown})
 */
public record CodeState(
    int scanCount,
    int saleCount,
    int soldUnits,
    int distinctSaleSites,
    ScanRef lastSale,
    boolean lastSaleSplit,
    boolean lastSaleReimbursed,
    int prevSaleSite,
    boolean destroyed,
    long recentKeys,
    boolean lastSaleReturned) {

  public static final CodeState NEW = new CodeState(0, 0, 0, 0, null, false, false, 0, false, 0);

  /** A state whose last sale, if any, is open (or the destroy anchor). */
  public CodeState(int scanCount, int saleCount, int soldUnits, int distinctSaleSites, ScanRef lastSale,
                   boolean lastSaleSplit, boolean lastSaleReimbursed, int prevSaleSite, boolean destroyed,
                   long recentKeys) {
    this(scanCount, saleCount, soldUnits, distinctSaleSites, lastSale, lastSaleSplit, lastSaleReimbursed, prevSaleSite,
        destroyed, recentKeys, false);
  }

  public boolean hasOpenSale() {
    return saleCount > 0 && lastSale != null && !destroyed && !lastSaleReturned;
  }

  /** Sales are open, but which is the latest, and where, the slot does not say (a RETURN undid the one it knew). */
  public boolean openSalesUnknown() {
    return saleCount > 0 && lastSaleReturned && !destroyed;
  }

  /** Counts one more applied scan and remembers its idempotency fingerprint (oldest of four is dropped). */
  public CodeState withScanRecorded(int keyFingerprint) {
    long keys = (recentKeys << 16) | (keyFingerprint & 0xFFFFL);
    return new CodeState(scanCount == Integer.MAX_VALUE ? scanCount : scanCount + 1, saleCount, soldUnits,
        distinctSaleSites, lastSale, lastSaleSplit, lastSaleReimbursed, prevSaleSite, destroyed, keys,
        lastSaleReturned);
  }
}
