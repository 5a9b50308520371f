package com.tracesentinel.rules;

import com.tracesentinel.code.AsciiCase;
import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceData;
import com.tracesentinel.reference.Site;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The anomaly ladder (README, "Domain rules") as a pure function: (state of one code, one scan, reference data) to
 * (next state, anomalies). Plain Java: no I/O, no clock, no shared mutable state, so it is safe to call from any
 * thread and trivially replayable. It never sees rejected scans or replays, and does not count scans: the caller
 * applies {@link CodeState#withScanRecorded(int)} to {@link Verdict#next()} afterwards.
 *
 * <h2>Time</h2>
 * The only time is {@link ScanFacts#at()}, the scan's own time. Windows compare the two scans' own times, so a
 * back-dated scan is judged by when it happened: the double-scan and clone windows use the absolute difference
 * (a scan dated before the earlier one is as close to it as one dated after), the return window needs the return
 * at or after the sale and at most the window later. Edges: double scan and return are inclusive
 * ({@code Δ ≤ window}), the clone window is exclusive ("less than 24 h apart"). Differences saturate instead of
 * overflowing, so absurd times give big differences, never exceptions. The sale applied last becomes
 * {@code lastSale} even when it is back-dated before the previous one ("latest" is the ledger's order of
 * arrival).
 *
 * <h2>Units</h2>
 * packSize is the one the scan was judged with ({@link ScanFacts#packSize}: the catalogue's then, kept in the
 * history), or for a stored scan from before that was kept, the catalogue's now when the product is known (at least
 * 1), else 1. SPLIT_OVERSOLD still needs the product in today's catalogue (it is an anomaly, not state). A whole-box SALE sells
 * packSize units; a split (拆零) SALE sells {@code quantity} units, at least 1 (a missing quantity still sells
 * something). A RETURN of a split sale gives back {@code quantity} (at least 1), of a whole-box sale packSize.
 *
 * <h2>Independent checks</h2>
 * They look at the scan alone, add to whatever the ladder row raised, and conflict with no earlier scan:
 * PRODUCT_MISMATCH (SALE billed as another drug than the catalogue's; trimmed, case-insensitive; a blank
 * billed or catalogue drug code counts as absent), EXPIRED (SALE or RECEIVE whose printed expiry is before the
 * scan's date in China, UTC+8) and UNKNOWN_PRODUCT (SALE, RECEIVE or RETURN of a product key missing from a loaded
 * catalogue; an empty catalogue proves nothing). A DESTROY is never flagged: destroying an expired or unknown
 * box is exactly what should happen to it.
 *
 * <h2>The ladder rows</h2>
 * <ul>
 *   <li>DESTROY makes the code terminal; the destroy scan becomes {@code lastSale}, the anchor later scans
 *   conflict with. A second DESTROY changes nothing.</li>
 *   <li>SALE or RECEIVE of a destroyed code: SOLD_AFTER_DESTROY (COUNTERFEIT). A SALE still adds to saleCount and
 *   soldUnits, as evidence of how often the dead code is used, but the destroy stays the anchor. A RETURN of a
 *   destroyed code is a RETURN_MISMATCH: there is no sale left to undo.</li>
 *   <li>Split SALE when there is no open sale or the last sale was split: split sales of one box at one site are
 *   legitimate until they add up to more than the pack size (SPLIT_OVERSOLD, only when the pack size is known
 *   from the catalogue) and a split sale at another site than the open one is SPLIT_ACROSS_SITES. Both can be
 *   raised by one scan. A split sale after a whole-box sale is a repeat: the box was already gone.</li>
 *   <li>Any other SALE with an open sale is a repeat. At the same site within the double-scan window it is
 *   DOUBLE_SCAN (OPERATOR_ERROR, warning) and changes nothing, being the same sale scanned twice, unless it sells a
 *   whole box that split sales have not sold up to its pack size (the rules' double scan is of a fully sold code).
 *   The ladder does not see documents, so the same document with another line number is a double scan too (the rules
 *   say "different document"; idempotency already absorbs the exact re-send of the same line). Later at the same site it is
 *   REPEAT_SALE (SUBSTITUTED: rescanned to bill other goods). At another site it is REPEAT_SALE (DIVERTED),
 *   raised to COUNTERFEIT when the code now has sales at {@code counterfeitSiteCount} sites or more, or the two
 *   sites are in different cities (first 4 digits of the region code; an unknown site is never "different")
 *   less than the clone window apart: no box travels between cities that fast through a resale.</li>
 *   <li>RETURN undoes the open sale when it is at the same site, at or after it and within the return window;
 *   otherwise RETURN_MISMATCH (IRREGULAR) and nothing changes. A RETURN at the site of the sale before the latest
 *   one's site, while that sale is open ({@code prevOpenSale}), is judged against that sale the same way and undoes
 *   it, the latest sale staying open: the rules undo "the latest open sale of that code at the same site", and
 *   judged against the latest sale alone a copied code sold in Beijing and then in Shenzhen could not be returned in
 *   Beijing (until 2026-12-05). A RETURN at a site where the state holds no open sale, of a code with more open sales
 *   than it holds ({@link #asksHistory}), is judged the same way against the latest open sale at its site that the
 *   history holds ({@link OpenSale}), which the caller reads for it; none there is a RETURN_MISMATCH as before, and so
 *   is such a RETURN of a code with 255 applied scans or more ({@link #HISTORY_ASKED_BELOW_SCANS}). When
 *   the last sale is undone the code has no open
 *   sale and can be sold again without an anomaly. When sales stay open and the returned sale stands for them, a whole
 *   box returned while fewer units than a box holds stay sold leaves split sales open: the anchor stands for split
 *   sales, so the rest of the box may be split-sold. When a whole-box sale is undone and sales stay open (repeats)
 *   that were not all at its site ({@code prevSaleSite} set), and the one left is not {@code prevOpenSale} (which
 *   becomes the open sale again), the slot no longer knows the latest open sale:
 *   {@code lastSaleReturned} is set, lastSale kept for counting sites. Keeping the returned sale as the anchor let
 *   a second RETURN at its site undo another site's sale, so that a copied code could erase its own trail. Then a
 *   SALE is judged against {@code prevOpenSale}, while the state has it, as against the open sale, and a RECEIVE is a
 *   RECEIVED_AFTER_SALE naming it (until 2026-12-05 both named no sale, and a sale at its site was DIVERTED, not
 *   "at the same site, later"). Without it a SALE is a REPEAT_SALE (DIVERTED, or COUNTERFEIT by the site count) and a
 *   RECEIVE a RECEIVED_AFTER_SALE, conflicting with no known scan (the code's history has them). A RETURN, but at
 *   prevOpenSale's site, is a RETURN_MISMATCH.</li>
 *   <li>RECEIVE of a code with an open sale is RECEIVED_AFTER_SALE (DIVERTED: a dispensed box back in stock),
 *   unless it is dated before the code's only open sale. A RECEIVE never changes the state.</li>
 * </ul>
 * Anomaly order: the ladder row(s) first, then PRODUCT_MISMATCH, EXPIRED, UNKNOWN_PRODUCT.
 *
 * <h2>Counting sale sites in a fixed-size slot</h2>
 * The state keeps only the last sale's site and the distinct site before it ({@code prevSaleSite}), yet
 * {@code distinctSaleSites} is exact up to 3. A sale adds one when its site is neither of those two. Sites are
 * remembered in order of change, so until a third distinct site has sold, the last two distinct sites are all the
 * sites there have been: a site that is not among them is new. Once three or more have sold, an increment for a
 * site not among the last two (A, B, C, A) may count an old site again, but the count is already at least 3 and
 * stays so, which is all the COUNTERFEIT rule ({@code counterfeitSiteCount} ≤ 3) asks. Going back and forth between
 * two sites (A, B, A, B) never adds. The count is capped at 255. When a RETURN undoes the code's last open sale
 * the count drops by one (the site has no sale left) while {@code prevSaleSite} is kept, so selling again at that
 * earlier site is not counted as new.
 *
 * <h2>Robustness</h2>
 * {@link #judge} never throws: a null state is {@link CodeState#NEW}, a null reference is an empty catalogue and
 * site register, a null scan or event type changes nothing, counters saturate, times outside {@link Instant}'s
 * range are printed as epoch seconds.
 */
public final class Ladder {

  private static final int MAX_SITES = 255;

  private final LadderSettings settings;
  private final Window doubleScan;
  private final Window returns;
  private final Window clone;

  public Ladder(LadderSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.doubleScan = new Window(Objects.requireNonNull(settings.doubleScanWindow(), "doubleScanWindow"));
    this.returns = new Window(Objects.requireNonNull(settings.returnWindow(), "returnWindow"));
    this.clone = new Window(Objects.requireNonNull(settings.cloneWindow(), "cloneWindow"));
  }

  public LadderSettings settings() {
    return settings;
  }

  /** state is CodeState.NEW for a code never seen. Never throws for any input combination. */
  public Verdict judge(CodeState state, ScanFacts scan, ReferenceData ref) {
    return judge(state, scan, ref, null);
  }

  /**
   * As {@link #judge(CodeState, ScanFacts, ReferenceData)}, for a scan {@link #asksHistory} sends to the history:
   * {@code atSite} is the latest open sale at the scan's site the history holds, or null when it holds none.
   */
  public Verdict judge(CodeState state, ScanFacts scan, ReferenceData ref, OpenSale atSite) {
    CodeState s = state == null ? CodeState.NEW : state;
    if (scan == null || scan.type() == null) {
      return new Verdict(s, List.of());
    }
    Ctx c = new Ctx(s, scan, ref == null ? EmptyReference.INSTANCE : ref);
    List<Anomaly> out = new ArrayList<>(3);
    CodeState next = switch (scan.type()) {
      case DESTROY -> destroy(c);
      case SALE -> sale(c, out);
      case RETURN -> giveBack(c, atSite, out);
      case RECEIVE -> receive(c, out);
    };
    independentChecks(c, out);
    return new Verdict(next, List.copyOf(out));
  }

  // ---- ladder rows ----------------------------------------------------------------------------------------------

  private static CodeState destroy(Ctx c) {
    CodeState s = c.state;
    if (s.destroyed()) {
      return s;
    }
    return new CodeState(s.scanCount(), s.saleCount(), s.soldUnits(), s.distinctSaleSites(),
        new ScanRef(c.scan.siteRef(), c.scan.at()), s.lastSaleSplit(), s.lastSaleReimbursed(), s.prevSaleSite(), true,
        s.recentKeys());
  }

  private CodeState sale(Ctx c, List<Anomaly> out) {
    CodeState s = c.state;
    ScanFacts scan = c.scan;
    int units = scan.split() ? Math.max(1, scan.quantity()) : c.packSize;

    if (s.destroyed()) {
      out.add(new Anomaly(AnomalyType.SOLD_AFTER_DESTROY, Suspicion.COUNTERFEIT, Level.ALERT,
          "destroyed " + where(c.ref, s.lastSale()), s.lastSale()));
      return new CodeState(s.scanCount(), inc(s.saleCount()), add(s.soldUnits(), units), s.distinctSaleSites(),
          s.lastSale(), s.lastSaleSplit(), s.lastSaleReimbursed(), s.prevSaleSite(), true, s.recentKeys());
    }

    ScanRef open = c.open;
    boolean openSplit = s.lastSaleSplit();
    if (s.openSalesUnknown() && s.prevOpenSale() != null) {
      // The latest open sale is not known, but the site before's is: the one the state can name, so the sale is judged
      // against it as against a known open sale (the rules have every anomaly name the scan it conflicts with).
      open = s.prevOpenSale();
      openSplit = s.prevOpenSaleSplit();
    } else if (s.openSalesUnknown()) {
      CodeState next = applySale(s, scan, units);
      boolean counterfeit = next.distinctSaleSites() >= settings.counterfeitSiteCount();
      out.add(new Anomaly(AnomalyType.REPEAT_SALE, counterfeit ? Suspicion.COUNTERFEIT : Suspicion.DIVERTED,
          Level.ALERT, openSalesUnknown(s) + (counterfeit ? "; now sold at " + next.distinctSaleSites()
              + " or more sites" : ""), null));
      return next;
    }
    if (scan.split() && (open == null || openSplit)) {
      if (open != null && open.siteRef() != scan.siteRef()) {
        out.add(new Anomaly(AnomalyType.SPLIT_ACROSS_SITES, Suspicion.DIVERTED, Level.ALERT,
            "split-sold " + where(c.ref, open), open));
      }
      long reached = (long) s.soldUnits() + units;
      if (c.product != null && reached > c.packSize) {
        out.add(new Anomaly(AnomalyType.SPLIT_OVERSOLD, Suspicion.SUBSTITUTED, Level.ALERT,
            "split sales reach " + reached + " of " + c.packSize + " units", open));
      }
      return applySale(s, scan, units);
    }

    if (open == null) {
      return applySale(s, scan, units);
    }

    long apart = absDiff(scan.at(), open.at());
    if (open.siteRef() == scan.siteRef()) {
      // A double scan is of a fully sold code: a whole box sold while split sales left part of it unsold is another
      // sale (counted as a double scan, its units went uncounted and the box could be split-sold whole once more).
      boolean fullySold = !openSplit || s.soldUnits() >= c.packSize;
      if (fullySold && doubleScan.contains(apart)) {
        out.add(new Anomaly(AnomalyType.DOUBLE_SCAN, Suspicion.OPERATOR_ERROR, Level.WARNING,
            "sold " + where(c.ref, open), open));
        return s;
      }
      out.add(new Anomaly(AnomalyType.REPEAT_SALE, Suspicion.SUBSTITUTED, Level.ALERT,
          "sold " + where(c.ref, open), open));
      return applySale(s, scan, units);
    }

    CodeState next = applySale(s, scan, units);
    String detail = "sold " + where(c.ref, open);
    Suspicion suspicion = Suspicion.DIVERTED;
    if (next.distinctSaleSites() >= settings.counterfeitSiteCount()) {
      suspicion = Suspicion.COUNTERFEIT;
      detail += "; now sold at " + next.distinctSaleSites() + " or more sites";
    } else if (clone.strictlyContains(apart) && differentCities(c.ref, open.siteRef(), scan.siteRef())) {
      suspicion = Suspicion.COUNTERFEIT;
      detail += "; another city, " + human(apart) + " apart";
    }
    out.add(new Anomaly(AnomalyType.REPEAT_SALE, suspicion, Level.ALERT, detail, open));
    return next;
  }

  /**
   * A code with this many applied scans (where the ledger's counter saturates) is never replayed for a RETURN: the
   * replay reads and steps through every stored scan of the code on the judging thread, which every other scan then
   * waits for (a second and more at 10,000 scans). Such a code is a copied one; a RETURN the state cannot match there
   * is a RETURN_MISMATCH, which keeps its trail in sight rather than undoing a sale deep in its history. Live judging
   * and every replay read the same state, so both judge it alike.
   */
  public static final int HISTORY_ASKED_BELOW_SCANS = 255;

  /**
   * A RETURN the state has no open sale at its site for, of a code with more open sales than the state holds: the
   * sale it undoes may be one of those, which only the history names. Rare (a code sold at three sites, or twice at
   * the site before), so the history is read for it alone.
   */
  public static boolean asksHistory(CodeState s, ScanFacts scan) {
    return openSaleMayBeInHistory(s, scan) && s.scanCount() < HISTORY_ASKED_BELOW_SCANS;
  }

  private static boolean openSaleMayBeInHistory(CodeState s, ScanFacts scan) {
    if (s == null || scan == null || scan.type() != EventType.RETURN || s.destroyed()) {
      return false;
    }
    int held = (s.hasOpenSale() ? 1 : 0) + (s.prevOpenSale() != null ? 1 : 0);
    boolean heldHere = s.hasOpenSale() && s.lastSale().siteRef() == scan.siteRef()
        || s.prevOpenSale() != null && s.prevOpenSale().siteRef() == scan.siteRef();
    return s.saleCount() > held && !heldHere;
  }

  private CodeState giveBack(Ctx c, OpenSale atSite, List<Anomaly> out) {
    CodeState s = c.state;
    ScanFacts scan = c.scan;
    if (s.destroyed()) {
      out.add(new Anomaly(AnomalyType.RETURN_MISMATCH, Suspicion.IRREGULAR, Level.ALERT,
          "nothing to return: destroyed " + where(c.ref, s.lastSale()), s.lastSale()));
      return s;
    }
    ScanRef prev = s.prevOpenSale();
    if (prev != null && prev.siteRef() == scan.siteRef()) {
      return giveBackOther(c, new OpenSale(prev, s.prevOpenSaleSplit()), true, out);
    }
    if (atSite != null && asksHistory(s, scan)) {
      return giveBackOther(c, atSite, false, out);
    }
    if (openSaleMayBeInHistory(s, scan) && !asksHistory(s, scan)) {
      out.add(new Anomaly(AnomalyType.RETURN_MISMATCH, Suspicion.IRREGULAR, Level.ALERT, "which open sale this "
          + "returns is not looked up: the code has " + HISTORY_ASKED_BELOW_SCANS + " scans or more"
          + (c.open == null ? "" : "; the open sale the state holds was sold " + where(c.ref, c.open)), c.open));
      return s;
    }
    ScanRef open = c.open;
    String problem = null;
    if (s.openSalesUnknown()) {
      problem = "which open sale this returns is not known: " + openSalesUnknown(s);
    } else if (open == null) {
      problem = "no open sale to return";
    } else if (open.siteRef() != scan.siteRef()) {
      problem = "the open sale is at another site: sold " + where(c.ref, open);
    } else {
      problem = outsideTheWindow(c, open);
    }
    if (problem != null) {
      out.add(new Anomaly(AnomalyType.RETURN_MISMATCH, Suspicion.IRREGULAR, Level.ALERT, problem, open));
      return s;
    }

    int saleCount = s.saleCount() - 1;
    int units = s.lastSaleSplit() ? Math.max(1, scan.quantity()) : c.packSize;
    int soldUnits = Math.max(0, s.soldUnits() - units);
    if (saleCount == 1 && !s.lastSaleSplit() && s.prevOpenSale() != null) {
      // The one sale left open is the previous site's: it is the open sale again, with a known site and time, and the
      // returned sale's site is the site before it (the two latest sites, as counting them asks).
      return new CodeState(s.scanCount(), 1, soldUnits, s.distinctSaleSites(), s.prevOpenSale(),
          s.prevOpenSaleSplit(), false, s.lastSale().siteRef(), false, s.recentKeys());
    }
    if (saleCount > 0 && !s.lastSaleSplit() && s.prevSaleSite() != 0) {
      return new CodeState(s.scanCount(), saleCount, soldUnits, s.distinctSaleSites(), s.lastSale(), false, false,
          s.prevSaleSite(), false, s.recentKeys(), true, s.prevOpenSale(), s.prevOpenSaleSplit());
    }
    if (saleCount > 0) {
      // Split sales of one box, or every sale at this site: the returned sale still stands for the open ones. A whole
      // box returned while fewer units than a box holds stay sold leaves split sales of it open, whose box may still be
      // split-sold up to its pack size: the anchor stands for split sales.
      return new CodeState(s.scanCount(), saleCount, soldUnits, s.distinctSaleSites(), s.lastSale(),
          s.lastSaleSplit() || soldUnits < c.packSize, s.lastSaleReimbursed(), s.prevSaleSite(), false,
          s.recentKeys(), false, s.prevOpenSale(), s.prevOpenSaleSplit());
    }
    return noSaleLeft(s);
  }

  /**
   * A RETURN undoing an open sale other than the latest: the one at the site before ({@code prevOpenSale}, which it
   * no longer holds after), or the latest at its site that only the history holds (see {@link #asksHistory}). The
   * latest sale stays as it is.
   */
  private CodeState giveBackOther(Ctx c, OpenSale sale, boolean isPrevOpenSale, List<Anomaly> out) {
    CodeState s = c.state;
    String problem = outsideTheWindow(c, sale.sale());
    if (problem != null) {
      out.add(new Anomaly(AnomalyType.RETURN_MISMATCH, Suspicion.IRREGULAR, Level.ALERT, problem, sale.sale()));
      return s;
    }
    int saleCount = s.saleCount() - 1;
    if (saleCount <= 0) {
      return noSaleLeft(s);
    }
    int units = sale.split() ? Math.max(1, c.scan.quantity()) : c.packSize;
    return new CodeState(s.scanCount(), saleCount, Math.max(0, s.soldUnits() - units), s.distinctSaleSites(),
        s.lastSale(), s.lastSaleSplit(), s.lastSaleReimbursed(), s.prevSaleSite(), false, s.recentKeys(),
        s.lastSaleReturned(), isPrevOpenSale ? null : s.prevOpenSale(), !isPrevOpenSale && s.prevOpenSaleSplit());
  }

  /** Why a RETURN at the sale's own site cannot undo it (dated before it, or past the window), or null. */
  private String outsideTheWindow(Ctx c, ScanRef sale) {
    long after = diff(c.scan.at(), sale.at());
    if (after < 0) {
      return "return dated " + human(-after) + " before the sale: sold " + where(c.ref, sale);
    }
    if (!returns.contains(after)) {
      return "returned " + human(after) + " after the sale, past the " + human(returns.seconds)
          + " window: sold " + where(c.ref, sale);
    }
    return null;
  }

  /** The code's last open sale was returned: the site has no sale left, the one before is kept for counting. */
  private static CodeState noSaleLeft(CodeState s) {
    return new CodeState(s.scanCount(), 0, 0, Math.max(0, s.distinctSaleSites() - 1), null, false, false,
        s.prevSaleSite(), false, s.recentKeys());
  }

  private static CodeState receive(Ctx c, List<Anomaly> out) {
    CodeState s = c.state;
    if (s.destroyed()) {
      out.add(new Anomaly(AnomalyType.SOLD_AFTER_DESTROY, Suspicion.COUNTERFEIT, Level.ALERT,
          "destroyed " + where(c.ref, s.lastSale()), s.lastSale()));
    } else if (c.open != null && (s.saleCount() > 1 || c.scan.at() >= c.open.at())) {
      // A receipt dated before the code's one open sale, as an offline stock system uploads it late, took the box into
      // stock before it was sold, not back after; with several open sales only the latest's time is known.
      out.add(new Anomaly(AnomalyType.RECEIVED_AFTER_SALE, Suspicion.DIVERTED, Level.ALERT,
          "sold " + where(c.ref, c.open), c.open));
    } else if (s.openSalesUnknown()) {
      out.add(new Anomaly(AnomalyType.RECEIVED_AFTER_SALE, Suspicion.DIVERTED, Level.ALERT, openSalesUnknown(s),
          s.prevOpenSale()));
    }
    return s;
  }

  /** Records a sale as the code's latest open sale (see the class comment on counting sites). */
  private static CodeState applySale(CodeState s, ScanFacts scan, int units) {
    int site = scan.siteRef();
    ScanRef previous = s.lastSale();
    int previousSite = previous == null ? 0 : previous.siteRef();
    boolean newSite = (previous == null || site != previousSite) && site != s.prevSaleSite();
    int distinct = newSite ? Math.min(MAX_SITES, Math.max(0, s.distinctSaleSites()) + 1) : s.distinctSaleSites();
    if (previous == null) {
      return new CodeState(s.scanCount(), inc(s.saleCount()), add(s.soldUnits(), units), distinct,
          new ScanRef(site, scan.at()), scan.split(), scan.reimbursed(), s.prevSaleSite(), false, s.recentKeys());
    }
    boolean moved = site != previousSite;
    // The sale this one follows at another site stays open beside it (unless a RETURN undid it): a RETURN there must
    // still find it. At the same site, the earlier site's open sale, if any, is still the one before.
    ScanRef prevOpenSale = moved ? (s.hasOpenSale() ? previous : null) : s.prevOpenSale();
    boolean prevOpenSaleSplit = moved ? s.hasOpenSale() && s.lastSaleSplit() : s.prevOpenSaleSplit();
    return new CodeState(s.scanCount(), inc(s.saleCount()), add(s.soldUnits(), units), distinct,
        new ScanRef(site, scan.at()), scan.split(), scan.reimbursed(), moved ? previousSite : s.prevSaleSite(), false,
        s.recentKeys(), false, prevOpenSale, prevOpenSaleSplit);
  }

  // ---- independent checks ---------------------------------------------------------------------------------------

  private static void independentChecks(Ctx c, List<Anomaly> out) {
    ScanFacts scan = c.scan;
    EventType type = scan.type();
    if (type == EventType.SALE && c.product != null) {
      String billed = blankToNull(scan.billedDrug());
      String catalogue = blankToNull(c.product.drugCode());
      if (billed != null && catalogue != null && !AsciiCase.equalsIgnoringCase(billed, catalogue)) {
        out.add(new Anomaly(AnomalyType.PRODUCT_MISMATCH, Suspicion.SUBSTITUTED, Level.ALERT,
            "billed as " + billed + ", catalogue says " + catalogue, null));
      }
    }
    if ((type == EventType.SALE || type == EventType.RECEIVE) && scan.expiry() != null
        && scan.expiry().toEpochDay() < chinaDay(scan.at())) {
      out.add(new Anomaly(AnomalyType.EXPIRED, Suspicion.QUALITY, Level.ALERT, "expired " + scan.expiry(), null));
    }
    if (type != EventType.DESTROY && c.product == null && c.ref.catalogLoaded()) {
      out.add(new Anomaly(AnomalyType.UNKNOWN_PRODUCT, Suspicion.COUNTERFEIT, Level.WARNING,
          "product " + scan.productKey() + " not in the catalogue", null));
    }
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  private static String openSalesUnknown(CodeState s) {
    return s.saleCount() + (s.saleCount() == 1 ? " sale" : " sales") + " not returned, the latest not known since a "
        + "return undid another (see the code's history)";
  }

  /** Seconds China's one time zone (Asia/Shanghai, no daylight saving since 1991) is ahead of UTC. */
  private static final long CHINA_OFFSET = 8 * 3_600L;

  /**
   * The epoch day of a scan in China, where the box was sold and its printed expiry is read: by the UTC date, a box
   * sold from 00:00 to 08:00 Beijing time on the day after its expiry was not expired yet. Overflow-free for any at.
   */
  static long chinaDay(long at) {
    return Math.floorDiv(at, 86_400L) + (Math.floorMod(at, 86_400L) >= 86_400L - CHINA_OFFSET ? 1 : 0);
  }

  /** What one judgement needs, looked up once. */
  private static final class Ctx {
    final CodeState state;
    final ScanFacts scan;
    final ReferenceData ref;
    final Product product;
    final int packSize;
    /** The open sale, or null. */
    final ScanRef open;

    Ctx(CodeState state, ScanFacts scan, ReferenceData ref) {
      this.state = state;
      this.scan = scan;
      this.ref = ref;
      this.product = scan.productKey() == null ? null : ref.product(scan.productKey());
      this.packSize = scan.packSize() > 0 ? scan.packSize() : product == null ? 1 : Math.max(1, product.packSize());
      this.open = state.hasOpenSale() ? state.lastSale() : null;
    }
  }

  /** A window of whole seconds compared with a Duration that may have a fraction. */
  private static final class Window {
    final long seconds;
    final boolean fraction;

    Window(Duration d) {
      this.seconds = d.getSeconds();
      this.fraction = d.getNano() != 0;
    }

    /** apart ≤ window. */
    boolean contains(long apart) {
      return apart <= seconds;
    }

    /** apart &lt; window. */
    boolean strictlyContains(long apart) {
      return apart < seconds || (apart == seconds && fraction);
    }
  }

  private enum EmptyReference implements ReferenceData {
    INSTANCE;

    @Override
    public Product product(String productKey) {
      return null;
    }

    @Override
    public Site site(int siteRef) {
      return null;
    }

    @Override
    public boolean catalogLoaded() {
      return false;
    }
  }

  private static boolean differentCities(ReferenceData ref, int siteA, int siteB) {
    String a = city(ref.site(siteA));
    String b = city(ref.site(siteB));
    return a != null && b != null && !a.equals(b);
  }

  private static String city(Site site) {
    if (site == null || site.regionCode() == null || site.regionCode().isBlank()) {
      return null;
    }
    return site.city();
  }

  /** "at P44030500077 on 2026-11-20T02:11:00Z". */
  static String where(ReferenceData ref, ScanRef at) {
    if (at == null) {
      return "at an unknown site";
    }
    Site site = ref.site(at.siteRef());
    String id = site == null || site.siteId() == null || site.siteId().isBlank()
        ? "site #" + at.siteRef() : site.siteId();
    return "at " + id + " on " + instant(at.at());
  }

  static String instant(long epochSecond) {
    if (epochSecond < Instant.MIN.getEpochSecond() || epochSecond > Instant.MAX.getEpochSecond()) {
      return "epoch second " + epochSecond;
    }
    return Instant.ofEpochSecond(epochSecond).toString();
  }

  /** "10 d 0 h 0 min 1 s", "2 h 30 min", "45 s": leading and trailing zero parts left out. */
  public static String human(long seconds) {
    if (seconds < 0) {
      return seconds + " s";
    }
    long[] parts = {seconds / 86_400, seconds % 86_400 / 3_600, seconds % 3_600 / 60, seconds % 60};
    String[] units = {" d", " h", " min", " s"};
    int first = 0;
    while (first < 3 && parts[first] == 0) {
      first++;
    }
    int last = 3;
    while (last > first && parts[last] == 0) {
      last--;
    }
    StringBuilder b = new StringBuilder();
    for (int i = first; i <= last; i++) {
      b.append(i > first ? " " : "").append(parts[i]).append(units[i]);
    }
    return b.toString();
  }

  private static String blankToNull(String s) {
    if (s == null) {
      return null;
    }
    String t = s.trim();
    return t.isEmpty() ? null : t;
  }

  /** a − b, saturated. */
  static long diff(long a, long b) {
    long d = a - b;
    if (((a ^ b) & (a ^ d)) < 0) {
      return a > b ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return d;
  }

  /** |a − b|, saturated. */
  static long absDiff(long a, long b) {
    long d = diff(a, b);
    return d == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(d);
  }

  private static int inc(int n) {
    return n == Integer.MAX_VALUE ? n : Math.max(0, n) + 1;
  }

  private static int add(int n, int units) {
    long sum = (long) Math.max(0, n) + Math.max(0, units);
    return sum > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) sum;
  }
}
