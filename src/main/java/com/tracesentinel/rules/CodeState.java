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
 * @param recentKeys        {@link #FINGERPRINT_BITS}-bit fingerprints of the idempotency keys of the last 4 scans,
 *                          packed (see ledger)
 * @param lastSaleReturned  a RETURN undid lastSale while sales at other sites stay open: which of those is the
 *                          latest, and where, the slot does not say (see {@link #openSalesUnknown})
 * @param prevOpenSale      the latest sale at prevSaleSite while it is still open, else null: a RETURN there undoes
 *                          it (the rules let a return undo the latest open sale at its own site, not only the code's
 *                          latest sale); its site is always prevSaleSite
 * @param prevOpenSaleSplit prevOpenSale was a split-pack sale (a return of it gives back its quantity)
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
    boolean lastSaleReturned,
    ScanRef prevOpenSale,
    boolean prevOpenSaleSplit) {

  public static final CodeState NEW = new CodeState(0, 0, 0, 0, null, false, false, 0, false, 0);

  /** Bits of an idempotency key kept per remembered scan: four of them fit the ledger's 7 bytes (StateCodec). */
  public static final int FINGERPRINT_BITS = 14;
  public static final int FINGERPRINT_MASK = (1 << FINGERPRINT_BITS) - 1;
  private static final long RECENT_KEYS_MASK = (1L << (4 * FINGERPRINT_BITS)) - 1;

  /** A state without an open sale at prevSaleSite. */
  public CodeState(int scanCount, int saleCount, int soldUnits, int distinctSaleSites, ScanRef lastSale,
                   boolean lastSaleSplit, boolean lastSaleReimbursed, int prevSaleSite, boolean destroyed,
                   long recentKeys, boolean lastSaleReturned) {
    this(scanCount, saleCount, soldUnits, distinctSaleSites, lastSale, lastSaleSplit, lastSaleReimbursed, prevSaleSite,
        destroyed, recentKeys, lastSaleReturned, null, false);
  }

  /** A state whose last sale, if any, is open (or the destroy anchor), and no open sale at prevSaleSite. */
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
    long keys = ((recentKeys << FINGERPRINT_BITS) | (keyFingerprint & FINGERPRINT_MASK)) & RECENT_KEYS_MASK;
    return new CodeState(scanCount == Integer.MAX_VALUE ? scanCount : scanCount + 1, saleCount, soldUnits,
        distinctSaleSites, lastSale, lastSaleSplit, lastSaleReimbursed, prevSaleSite, destroyed, keys,
        lastSaleReturned, prevOpenSale, prevOpenSaleSplit);
  }
}
