package com.tracesentinel.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceData;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Sites, products, a Map-backed ReferenceData and scan builders shared by the ladder tests. */
final class Fixtures {
  private Fixtures() {}

  /** 2026-11-20T02:11:00Z, the example time of the API contract. */
  static final long T0 = Instant.parse("2026-11-20T02:11:00Z").getEpochSecond();
  static final long MIN = 60;
  static final long HOUR = 3_600;
  static final long DAY = 86_400;

  // Shenzhen (4403): three sites in one city
  static final Site SZ1 = site(1, "P44030500077", "440305");
  static final Site SZ2 = site(2, "P44030600001", "440306");
  static final Site SZ3 = site(3, "P44030700002", "440307");
  // Guangzhou (4401), same province, another city
  static final Site GZ = site(4, "P44010600003", "440106");
  // Beijing (1101)
  static final Site BJ = site(5, "P11010100004", "110101");
  // a registered site whose region code is missing
  static final Site NOREGION = new Site(6, "P00000000006", "no region", SiteKind.CLINIC, null, null);
  /** A site ref the register does not know. */
  static final int UNKNOWN_SITE = 99;

  /** Whole box, never split. */
  static final String BOX = "8690123";
  /** Box of 10 tablets, sold split. */
  static final String PACK10 = "8690456";
  /** Known product without an insurance drug code. */
  static final String NODRUG = "8690789";
  /** Catalogue entry with a nonsense pack size. */
  static final String ZEROPACK = "8690999";
  /** Not in the catalogue. */
  static final String UNKNOWN = "0690123";

  static final String BOX_DRUG = "XN01AAA001";
  static final String PACK10_DRUG = "XC09CAA002";

  static final Map<String, Product> PRODUCTS = Map.of(
      BOX, new Product(BOX, BOX_DRUG, "amlodipine", "Norvasc", "5 mg x 7", "Pfizer", 1),
      PACK10, new Product(PACK10, PACK10_DRUG, "valsartan", "Diovan", "80 mg x 10", "Novartis", 10),
      NODRUG, new Product(NODRUG, null, "vitamin C", "VC", "100 mg x 100", "Local", 1),
      ZEROPACK, new Product(ZEROPACK, "XZ00", "broken", "broken", "?", "?", 0));

  static final Map<Integer, Site> SITES = Map.of(
      SZ1.ref(), SZ1, SZ2.ref(), SZ2, SZ3.ref(), SZ3, GZ.ref(), GZ, BJ.ref(), BJ, NOREGION.ref(), NOREGION);

  /** Catalogue and site register in memory; the catalogue counts as loaded when it has a product. */
  record TestRef(Map<String, Product> products, Map<Integer, Site> sites) implements ReferenceData {
    TestRef {
      products = new HashMap<>(products);
      sites = new HashMap<>(sites);
    }

    @Override
    public Product product(String productKey) {
      return products.get(productKey);
    }

    @Override
    public Site site(int siteRef) {
      return sites.get(siteRef);
    }

    @Override
    public boolean catalogLoaded() {
      return !products.isEmpty();
    }
  }

  /** Catalogue loaded, all sites registered. */
  static final TestRef REF = new TestRef(PRODUCTS, SITES);
  /** No catalogue (nothing registered yet), sites known. */
  static final TestRef NO_CATALOGUE = new TestRef(Map.of(), SITES);

  static Site site(int ref, String id, String region) {
    return new Site(ref, id, "pharmacy " + id, SiteKind.PHARMACY, region, "region " + region);
  }

  /** A scan under construction; every setter returns a new value. */
  record Scan(EventType type, String productKey, LocalDate expiry, int siteRef, long at, int quantity, boolean split,
              String billedDrug, boolean reimbursed) {
    Scan product(String key) {
      return new Scan(type, key, expiry, siteRef, at, quantity, split, billedDrug, reimbursed);
    }

    Scan expiry(LocalDate date) {
      return new Scan(type, productKey, date, siteRef, at, quantity, split, billedDrug, reimbursed);
    }

    Scan expiry(String date) {
      return expiry(LocalDate.parse(date));
    }

    Scan billed(String drug) {
      return new Scan(type, productKey, expiry, siteRef, at, quantity, split, drug, reimbursed);
    }

    Scan settled() {
      return new Scan(type, productKey, expiry, siteRef, at, quantity, split, billedDrug, true);
    }

    Scan quantity(int q) {
      return new Scan(type, productKey, expiry, siteRef, at, q, split, billedDrug, reimbursed);
    }

    /** As a live scan or a stored one from before pack sizes were kept: the ladder reads the catalogue's. */
    ScanFacts facts() {
      return new ScanFacts(type, productKey, expiry, siteRef, at, quantity, split, billedDrug, reimbursed, 0);
    }
  }

  static Scan scan(EventType type, Site site, long at) {
    return scan(type, site.ref(), at);
  }

  static Scan scan(EventType type, int siteRef, long at) {
    return new Scan(type, BOX, null, siteRef, at, 1, false, null, false);
  }

  static Scan sale(Site site, long at) {
    return scan(EventType.SALE, site, at);
  }

  static Scan sale(int siteRef, long at) {
    return scan(EventType.SALE, siteRef, at);
  }

  /** A split sale of {@code quantity} tablets of the 10-tablet box. */
  static Scan split(Site site, long at, int quantity) {
    return new Scan(EventType.SALE, PACK10, null, site.ref(), at, quantity, true, null, false);
  }

  static Scan giveBack(Site site, long at) {
    return scan(EventType.RETURN, site, at);
  }

  /** A return of {@code quantity} tablets of the 10-tablet box. */
  static Scan giveBackSplit(Site site, long at, int quantity) {
    return new Scan(EventType.RETURN, PACK10, null, site.ref(), at, quantity, true, null, false);
  }

  static Scan receive(Site site, long at) {
    return scan(EventType.RECEIVE, site, at);
  }

  static Scan destroy(Site site, long at) {
    return scan(EventType.DESTROY, site, at);
  }

  /** Judges a sequence of scans of one code, threading the state as the caller does, from NEW. */
  static final class Chain {
    final Ladder ladder;
    final ReferenceData ref;
    CodeState state = CodeState.NEW;
    Verdict last;

    Chain(Ladder ladder, ReferenceData ref) {
      this.ladder = ladder;
      this.ref = ref;
    }

    Chain(ReferenceData ref) {
      this(new Ladder(LadderSettings.DEFAULTS), ref);
    }

    Chain() {
      this(REF);
    }

    /** Judges one scan, stores its verdict in {@link #last} and its next state (scan recorded) in {@link #state}. */
    Verdict then(Scan scan) {
      last = ladder.judge(state, scan.facts(), ref);
      state = last.next().withScanRecorded(scan.hashCode());
      return last;
    }

    /** Judges all scans; each but the last must be accepted without anomaly. Returns the last verdict. */
    Verdict cleanThen(Scan... scans) {
      for (int i = 0; i < scans.length - 1; i++) {
        Verdict v = then(scans[i]);
        assertEquals(List.of(), v.anomalies(), "setup scan " + i + " " + scans[i]);
      }
      return then(scans[scans.length - 1]);
    }
  }

  static List<AnomalyType> types(Verdict v) {
    return v.anomalies().stream().map(Anomaly::type).toList();
  }

  static void assertTypes(Verdict v, AnomalyType... expected) {
    assertEquals(Arrays.asList(expected), types(v), () -> "anomalies: " + v.anomalies());
  }

  /** The verdict raised exactly one anomaly with this type, suspicion and level; returns it. */
  static Anomaly assertOnly(Verdict v, AnomalyType type, Suspicion suspicion, Level level) {
    assertEquals(1, v.anomalies().size(), () -> "anomalies: " + v.anomalies());
    Anomaly a = v.anomalies().get(0);
    assertEquals(type, a.type(), a::toString);
    assertEquals(suspicion, a.suspicion(), a::toString);
    assertEquals(level, a.level(), a::toString);
    return a;
  }

  static ScanRef at(Site site, long at) {
    return new ScanRef(site.ref(), at);
  }

  /** CodeState with every component spelled out, for states no sequence of scans would reach. */
  static CodeState state(int saleCount, int soldUnits, int distinctSaleSites, ScanRef lastSale, boolean lastSaleSplit,
                         int prevSaleSite, boolean destroyed) {
    return new CodeState(0, saleCount, soldUnits, distinctSaleSites, lastSale, lastSaleSplit, false, prevSaleSite, destroyed, 0);
  }
}
