package com.tracesentinel.rules;

import static com.tracesentinel.rules.AnomalyType.*;
import static com.tracesentinel.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import com.tracesentinel.reference.ReferenceData;
import java.time.Duration;
import java.time.LocalDate;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Seeded random sequences: the ladder never throws and its counters stay sound whatever the order of events. */
class LadderPropertyTest {

  private static final int EVENTS = 10_000;
  private static final int CODES = 5;
  private static final int[] SITE_REFS = {SZ1.ref(), SZ2.ref(), SZ3.ref(), GZ.ref(), BJ.ref(), NOREGION.ref(),
      UNKNOWN_SITE};
  private static final String[] PRODUCT_KEYS = {PACK10, PACK10, PACK10, BOX, BOX, NODRUG, UNKNOWN};

  /** What one code's history truly was, kept by the test beside the ladder's compact state. */
  private static final class Model {
    CodeState state = CodeState.NEW;
    long clock = T0;
    final Set<Integer> saleSites = new HashSet<>();
    /**
     * Sales not returned, by site: a RETURN may undo only a sale at its own site. Not checked once a split sale was
     * returned: the returned split sale stays the anchor of the box's other split sales (README, "A return of one of
     * several open sales"), wherever they were.
     */
    final Map<Integer, Integer> openBySite = new HashMap<>();
    boolean splitReturned;
    boolean undone;
    int eventsSinceDestroy;
  }

  private static final Map<AnomalyType, Suspicion[]> SUSPICIONS = Map.of(
      DOUBLE_SCAN, new Suspicion[] {Suspicion.OPERATOR_ERROR},
      REPEAT_SALE, new Suspicion[] {Suspicion.SUBSTITUTED, Suspicion.DIVERTED, Suspicion.COUNTERFEIT},
      RECEIVED_AFTER_SALE, new Suspicion[] {Suspicion.DIVERTED},
      PRODUCT_MISMATCH, new Suspicion[] {Suspicion.SUBSTITUTED},
      SPLIT_OVERSOLD, new Suspicion[] {Suspicion.SUBSTITUTED},
      SPLIT_ACROSS_SITES, new Suspicion[] {Suspicion.DIVERTED},
      SOLD_AFTER_DESTROY, new Suspicion[] {Suspicion.COUNTERFEIT},
      EXPIRED, new Suspicion[] {Suspicion.QUALITY},
      UNKNOWN_PRODUCT, new Suspicion[] {Suspicion.COUNTERFEIT},
      RETURN_MISMATCH, new Suspicion[] {Suspicion.IRREGULAR});

  private static final Set<AnomalyType> WARNINGS = EnumSet.of(DOUBLE_SCAN, UNKNOWN_PRODUCT);
  private static final Set<AnomalyType> NEVER_CONFLICT = EnumSet.of(PRODUCT_MISMATCH, EXPIRED, UNKNOWN_PRODUCT);
  private static final Set<AnomalyType> ALWAYS_CONFLICT =
      EnumSet.of(DOUBLE_SCAN, REPEAT_SALE, RECEIVED_AFTER_SALE, SPLIT_ACROSS_SITES, SOLD_AFTER_DESTROY);

  @Test
  void tenThousandRandomEventsNeverThrowNeverGoNegativeAndCountSaleSitesSoundly() {
    Random rnd = new Random(20260101L);
    Ladder ladder = new Ladder(LadderSettings.DEFAULTS);
    Model[] codes = new Model[CODES];
    for (int i = 0; i < CODES; i++) {
      codes[i] = new Model();
    }
    Map<AnomalyType, Integer> seen = new EnumMap<>(AnomalyType.class);

    for (int n = 0; n < EVENTS; n++) {
      int slot = rnd.nextInt(CODES);
      Model m = codes[slot];
      if (m.state.destroyed() && ++m.eventsSinceDestroy > 30) {
        m = codes[slot] = new Model();   // a new box takes the slot, so destroy does not end the run
      }
      ScanFacts scan = randomScan(rnd, m);
      ReferenceData ref = rnd.nextInt(10) == 0 ? NO_CATALOGUE : REF;
      CodeState before = m.state;
      String where = "event " + n + " code " + slot + ": " + scan + " on " + before;

      Verdict v = assertDoesNotThrow(() -> ladder.judge(before, scan, ref), where);
      if (n % 97 == 0) {
        assertEquals(v, ladder.judge(before, scan, ref), "pure: " + where);
      }
      checkVerdict(v, before, scan, where);
      v.anomalies().forEach(a -> seen.merge(a.type(), 1, Integer::sum));

      // the model: sites where a sale was applied, and whether any sale was ever undone
      List<AnomalyType> types = v.anomalies().stream().map(Anomaly::type).toList();
      if (scan.type() == EventType.SALE && !before.destroyed() && !types.contains(DOUBLE_SCAN)) {
        m.saleSites.add(scan.siteRef());
        m.openBySite.merge(scan.siteRef(), 1, Integer::sum);
      }
      if (scan.type() == EventType.RETURN && !types.contains(RETURN_MISMATCH)) {
        m.undone = true;
        assertTrue(m.splitReturned || m.openBySite.getOrDefault(scan.siteRef(), 0) > 0,
            "a return undid another site's sale: " + where);
        m.openBySite.merge(scan.siteRef(), -1, Integer::sum);
        m.splitReturned |= before.lastSaleSplit() || before.prevOpenSaleSplit();
      }
      ScanRef prevOpen = v.next().prevOpenSale();
      assertTrue(prevOpen == null || prevOpen.siteRef() == v.next().prevSaleSite() && (m.splitReturned
          || m.openBySite.getOrDefault(prevOpen.siteRef(), 0) > 0), "the open sale before is not open: " + where);
      m.state = v.next().withScanRecorded(scan.hashCode());

      int counted = Math.min(3, m.state.distinctSaleSites());
      int truth = Math.min(3, m.saleSites.size());
      assertTrue(counted <= truth, "distinctSaleSites over-counts below 3: " + where + " -> " + m.state
          + " true sites " + m.saleSites);
      if (!m.undone) {
        assertEquals(truth, counted, "without returns distinctSaleSites is exact up to 3: " + where + " -> "
            + m.state + " true sites " + m.saleSites);
      }
    }
    // LATE_DELETION is raised by an NHSA deletion of an upload, never by judging a scan.
    assertEquals(EnumSet.complementOf(EnumSet.of(AnomalyType.LATE_DELETION)), seen.keySet(),
        "the random run reaches every row of the ladder: " + seen);
  }

  private static ScanFacts randomScan(Random rnd, Model m) {
    int t = rnd.nextInt(100);
    EventType type = t < 55 ? EventType.SALE : t < 80 ? EventType.RETURN : t < 98 ? EventType.RECEIVE
        : EventType.DESTROY;
    // time: mostly forward, by seconds to days; sometimes back-dated by up to two days
    long step = switch (rnd.nextInt(4)) {
      case 0 -> rnd.nextInt(30);
      case 1 -> rnd.nextInt(20 * 60);
      case 2 -> rnd.nextInt(2 * 86_400);
      default -> rnd.nextInt(12 * 86_400);
    };
    long at;
    if (rnd.nextInt(10) == 0) {
      at = m.clock - rnd.nextInt(2 * 86_400);
    } else {
      m.clock += step;
      at = m.clock;
    }
    // sites: often the last sale's site (repeats, returns), else any, including unknown ones
    int site = m.state.lastSale() != null && rnd.nextInt(2) == 0 ? m.state.lastSale().siteRef()
        : SITE_REFS[rnd.nextInt(SITE_REFS.length)];
    String product = PRODUCT_KEYS[rnd.nextInt(PRODUCT_KEYS.length)];
    boolean split = rnd.nextInt(5) < 2;
    int quantity = rnd.nextInt(14) - 1;
    LocalDate expiry = rnd.nextInt(4) == 0 ? LocalDate.of(2026, 11, 1).plusDays(rnd.nextInt(60)) : null;
    String billed = switch (rnd.nextInt(5)) {
      case 0 -> PACK10_DRUG;
      case 1 -> BOX_DRUG.toLowerCase();
      case 2 -> "XZ99";
      default -> null;
    };
    return new ScanFacts(type, product, expiry, site, at, quantity, split, billed, rnd.nextBoolean(), 0);
  }

  private static void checkVerdict(Verdict v, CodeState before, ScanFacts scan, String where) {
    assertNotNull(v, where);
    CodeState s = v.next();
    assertNotNull(s, where);
    assertTrue(s.saleCount() >= 0 && s.soldUnits() >= 0 && s.distinctSaleSites() >= 0 && s.scanCount() >= 0,
        "negative counter: " + where + " -> " + s);
    assertTrue(s.distinctSaleSites() <= 255, where);
    assertTrue(!before.destroyed() || s.destroyed(), "destroyed is terminal: " + where);
    if (!s.destroyed()) {
      assertEquals(s.saleCount() == 0, s.lastSale() == null, "open sale iff sale count: " + where + " -> " + s);
      if (s.openSalesUnknown() && !before.openSalesUnknown()) {
        assertEquals(EventType.RETURN, scan.type(), "open sales lost by a " + scan.type() + ": " + where + " -> " + s);
        assertTrue(before.prevSaleSite() != 0 && !before.lastSaleSplit(), where + " -> " + s);
      }
      if (s.saleCount() == 0) {
        assertEquals(0, s.soldUnits(), "no sale, no units: " + where + " -> " + s);
      }
    } else {
      assertNotNull(s.lastSale(), "the destroy is the anchor: " + where);
    }
    List<Anomaly> list = v.anomalies();
    assertNotNull(list, where);
    try {
      list.add(null);
      fail("anomaly list is mutable: " + where);
    } catch (UnsupportedOperationException | NullPointerException expected) {
      // immutable
    }
    for (Anomaly a : list) {
      assertNotNull(a.type(), where);
      assertNotNull(a.detail(), where);
      assertFalse(a.detail().isBlank(), where);
      assertTrue(List.of(SUSPICIONS.get(a.type())).contains(a.suspicion()), a + " " + where);
      assertEquals(WARNINGS.contains(a.type()) ? Level.WARNING : Level.ALERT, a.level(), a + " " + where);
      if (NEVER_CONFLICT.contains(a.type())) {
        assertNull(a.conflictsWith(), a + " " + where);
      }
      if (ALWAYS_CONFLICT.contains(a.type()) && !before.openSalesUnknown()) {
        assertNotNull(a.conflictsWith(), a + " " + where);
      }
    }
    List<AnomalyType> types = list.stream().map(Anomaly::type).toList();
    if (types.contains(DOUBLE_SCAN) || types.contains(RETURN_MISMATCH) || scan.type() == EventType.RECEIVE) {
      assertEquals(before, s, "state unchanged: " + where);
    }
    // ladder rows first, then PRODUCT_MISMATCH, EXPIRED, UNKNOWN_PRODUCT
    List<AnomalyType> tail = List.of(PRODUCT_MISMATCH, EXPIRED, UNKNOWN_PRODUCT);
    int lastRank = -1;
    for (AnomalyType type : types) {
      int rank = tail.indexOf(type);
      assertTrue(rank == -1 ? lastRank == -1 : rank > lastRank, "order " + types + " " + where);
      lastRank = Math.max(lastRank, rank);
    }
  }

  @Test
  void inputsOfAnyShapeNeverThrow() {
    Random rnd = new Random(42L);
    long[] times = {Long.MIN_VALUE, Long.MIN_VALUE + 1, -1, 0, 1, T0, Long.MAX_VALUE - 1, Long.MAX_VALUE,
        -31557014167219200L, 31556889864403199L, 31556889864403200L};
    int[] ints = {Integer.MIN_VALUE, -1, 0, 1, 2, 3, 10, 255, 256, Integer.MAX_VALUE};
    int[] sites = {Integer.MIN_VALUE, -1, 0, 1, 2, 4, 5, 6, 99, Integer.MAX_VALUE};
    String[] products = {null, "", " ", BOX, PACK10, NODRUG, ZEROPACK, UNKNOWN};
    String[] billed = {null, "", "  ", BOX_DRUG, "x"};
    LocalDate[] expiries = {null, LocalDate.MIN, LocalDate.MAX, LocalDate.EPOCH, LocalDate.of(2026, 11, 20)};
    Duration[] durations = {Duration.ZERO, Duration.ofSeconds(-5), Duration.ofMillis(1500), Duration.ofDays(10),
        Duration.ofSeconds(Long.MAX_VALUE, 999_999_999), Duration.ofSeconds(Long.MIN_VALUE)};
    ReferenceData[] refs = {REF, NO_CATALOGUE, null};
    EventType[] typesOrNull = {null, EventType.SALE, EventType.RETURN, EventType.RECEIVE, EventType.DESTROY};

    for (int n = 0; n < EVENTS; n++) {
      LadderSettings settings = new LadderSettings(pick(rnd, durations), pick(rnd, durations), pick(rnd, durations),
          2 + rnd.nextInt(2));
      Ladder ladder = new Ladder(settings);
      ScanRef last = rnd.nextInt(3) == 0 ? null : new ScanRef(sites[rnd.nextInt(sites.length)],
          times[rnd.nextInt(times.length)]);
      CodeState state = rnd.nextInt(20) == 0 ? null : new CodeState(ints[rnd.nextInt(ints.length)],
          ints[rnd.nextInt(ints.length)], ints[rnd.nextInt(ints.length)], ints[rnd.nextInt(ints.length)], last,
          rnd.nextBoolean(), rnd.nextBoolean(), sites[rnd.nextInt(sites.length)],
          rnd.nextBoolean(), rnd.nextLong());
      ScanFacts scan = rnd.nextInt(50) == 0 ? null : new ScanFacts(pick(rnd, typesOrNull), pick(rnd, products),
          pick(rnd, expiries), sites[rnd.nextInt(sites.length)], times[rnd.nextInt(times.length)],
          ints[rnd.nextInt(ints.length)], rnd.nextBoolean(), pick(rnd, billed), rnd.nextBoolean(),
          ints[rnd.nextInt(ints.length)]);
      ReferenceData ref = pick(rnd, refs);
      Verdict v = assertDoesNotThrow(() -> ladder.judge(state, scan, ref), state + " " + scan + " " + settings);
      assertNotNull(v.next());
      assertNotNull(v.anomalies());
    }
  }

  private static <T> T pick(Random rnd, T[] values) {
    return values[rnd.nextInt(values.length)];
  }
}
