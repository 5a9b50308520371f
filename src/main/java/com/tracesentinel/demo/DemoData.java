package com.tracesentinel.demo;

import com.tracesentinel.http.Services;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import com.tracesentinel.rules.EventType;
import io.vertx.core.Future;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A demo catalogue, a few dozen sites in four cities, and a simulated day of scans with the patterns
 * investigators look for: cloned codes in two cities, hospital-to-pharmacy diversion, a pharmacy rescanning the
 * same boxes, billed-drug substitution, split packs sold past their size, expired stock, and a ring of five
 * pharmacies in Guangzhou and Shenzhen selling each other's codes (a pool of {@link #RING_CODES}). Everything goes
 * through the real pipeline, so the verdicts are the ladder's own. Deterministic (seeded), idempotent to re-run:
 * a second run replays the same scans and they come back REPLAYED.
 */
public final class DemoData {
  public static final List<Product> PRODUCTS = List.of(
      new Product("8100001", "XC10AAA057A001010100383", "阿托伐他汀钙片 Atorvastatin calcium", "立普妥 Lipitor",
          "20mg×7片", "辉瑞制药 Pfizer", 7),
      new Product("8100002", "XA02BCA211A001010100432", "奥美拉唑肠溶胶囊 Omeprazole", "洛赛克 Losec",
          "20mg×14粒", "阿斯利康 AstraZeneca", 14),
      new Product("8100003", "XJ01CAA040A001010100112", "阿莫西林胶囊 Amoxicillin", "阿莫仙 Amoxil",
          "0.25g×24粒", "珠海联邦制药 United Labs", 24),
      new Product("8100004", "XA10BAA115A001010100099", "盐酸二甲双胍片 Metformin", "格华止 Glucophage",
          "0.5g×20片", "中美施贵宝 Sino-American Squibb", 20),
      new Product("06901234567892", "XN02BEA013A001010100567", "对乙酰氨基酚片 Paracetamol", "泰诺林 Tylenol",
          "0.5g×10片", "上海强生制药 Shanghai Johnson & Johnson", 10),
      new Product("06901234567908", "XR05CBA022A001010100031", "氨溴索口服溶液 Ambroxol", "沐舒坦 Mucosolvan",
          "100ml", "勃林格殷格翰 Boehringer Ingelheim", 1));

  private static final String[][] CITIES = {
      {"440305", "深圳市南山区 Shenzhen Nanshan"}, {"440106", "广州市天河区 Guangzhou Tianhe"},
      {"110105", "北京市朝阳区 Beijing Chaoyang"}, {"310115", "上海市浦东新区 Shanghai Pudong"}};

  /** The ring: pharmacies passing a pool of codes around, each code sold at three of them in turn, 2 h apart. */
  public static final List<String> RING_SITES = List.of("P44010600002", "P44010600004", "P44010600005",
      "P44030500004", "P44030500006");
  public static final int RING_CODES = 30;
  /** The ring's codes start with this (product 8100004, serials 7,700,000 on). */
  public static final String RING_CODE_PREFIX = "81000040000007700";

  /** A box of the ordinary trade: received by a pharmacy, then sold there once (public look-up: ONE_SALE). */
  public static final String SOLD_ONCE;
  /** A cloned code: sold in Shenzhen, then in Beijing 90 minutes later (REPEAT_SALE, COUNTERFEIT; MULTIPLE_SALES). */
  public static final String FLAGGED = cn20(0, 100_000);
  /** The sample photo in the repository (README, Public look-up) shows the flagged box's trace code. */
  public static final String SAMPLE_PHOTO = "docs/sample-box.jpg";

  static {
    String suffix = String.format("%013d", 7_000_000L);
    SOLD_ONCE = simulatedDay(Instant.EPOCH).stream().map(ScanInput::code).filter(c -> c.endsWith(suffix))
        .findFirst().orElseThrow();
  }

  private DemoData() {}

  /**
   * {@link #load}, then an investigator key for the console, and what to try next as text ready to paste: the key,
   * a code sold once, a flagged code, the two pages.
   */
  public static Future<String> loadAndTell(Services services, PrintStream out) {
    return load(services, out).compose(scans -> services.keys()
        .issue(com.tracesentinel.auth.Role.INVESTIGATOR, null, "demo investigator")
        .map(key -> tell(scans, key, "http://localhost:" + services.config().port())));
  }

  static String tell(int scans, com.tracesentinel.auth.ApiKeys.IssuedKey investigatorKey, String base) {
    String n = System.lineSeparator();
    return n + "Demo ready: " + PRODUCTS.size() + " products, " + sites().size() + " sites, " + scans
        + " scans over the last 24 hours. Paste into a shell, or open:" + n
        + "  export INVESTIGATOR_KEY=" + investigatorKey.key() + "   # sign in to the console with it" + n
        // with its id, as the generated admin key: no answer names the id of the key the demo issued, so it could
        // not be revoked through DELETE /api/v1/keys/{id}
        + "  # Its id, to revoke it: DELETE /api/v1/keys/" + investigatorKey.id() + n
        + "  export SOLD_ONCE=" + SOLD_ONCE + "   # a box sold once: ONE_SALE" + n
        + "  export FLAGGED=" + FLAGGED + "     # sold in Shenzhen, then Beijing 90 min later: MULTIPLE_SALES" + n
        + "  " + base + "/verify?code=" + FLAGGED + n
        + "  " + base + "/console/" + n
        + "  (a photo of the flagged box: " + SAMPLE_PHOTO + "; README, \"Public look-up\")" + n;
  }

  public static List<Site> sites() {
    List<Site> sites = new ArrayList<>();
    for (int c = 0; c < CITIES.length; c++) {
      for (int i = 1; i <= 7; i++) {
        SiteKind kind = i == 1 ? SiteKind.HOSPITAL : i == 7 ? SiteKind.CLINIC : SiteKind.PHARMACY;
        String id = (kind == SiteKind.HOSPITAL ? "H" : "P") + CITIES[c][0] + String.format("%05d", i);
        String name = switch (kind) {
          case HOSPITAL -> "人民医院 People's Hospital #" + (c + 1);
          case CLINIC -> "社区卫生服务中心 Community Clinic #" + (c + 1);
          case PHARMACY -> "大药房 Pharmacy #" + (c + 1) + "-" + i;
        };
        sites.add(new Site(0, id, name, kind, CITIES[c][0], CITIES[c][1]));
      }
    }
    return sites;
  }

  /** Loads the catalogue and sites, then replays the simulated day; the future completes when all is stored. */
  public static Future<Integer> load(Services services, PrintStream out) {
    return services.referenceRepository().upsertProducts(PRODUCTS)
        .compose(n -> services.referenceRepository().upsertSites(sites()))
        .compose(stored -> replayDay(services, out));
  }

  private static Future<Integer> replayDay(Services services, PrintStream out) {
    List<ScanInput> day = simulatedDay(Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(24)));
    List<List<ScanInput>> requests = new ArrayList<>();
    for (int i = 0; i < day.size(); i += 200) {
      requests.add(day.subList(i, Math.min(day.size(), i + 200)));
    }
    Future<Integer> chain = Future.succeededFuture(0);
    for (int r = 0; r < requests.size(); r++) {
      List<ScanInput> request = requests.get(r);
      int done = Math.min(day.size(), (r + 1) * 200);
      chain = chain.compose(sum -> {
        return Future.fromCompletionStage(services.intake().ingest(request, Instant.now())).map(results -> {
          progress(out, done, day.size());
          return sum + request.size();
        });
      });
    }
    return chain.onSuccess(n -> out.println());
  }

  private static void progress(PrintStream out, int done, int total) {
    int filled = 40 * done / total;
    out.printf("\rDemo day: [%s%s] %d/%d scans", "#".repeat(filled), " ".repeat(40 - filled), done, total);
    out.flush();
  }

  /** The day's scans in time order. */
  static List<ScanInput> simulatedDay(Instant start) {
    Random random = new Random(20261122);
    List<Site> sites = sites();
    List<Site> pharmacies = sites.stream().filter(s -> s.kind() != SiteKind.HOSPITAL).toList();
    List<Site> hospitals = sites.stream().filter(s -> s.kind() == SiteKind.HOSPITAL).toList();
    List<ScanInput> scans = new ArrayList<>();
    int doc = 0;
    // Ordinary trade: each box received by one pharmacy, then sold there once.
    for (int i = 0; i < 3000; i++) {
      Site site = pharmacies.get(random.nextInt(pharmacies.size()));
      String code = cn20(random.nextInt(4), i);
      Instant received = start.plusSeconds(random.nextInt(6 * 3600));
      scans.add(scan(code, EventType.RECEIVE, site, "IN-" + (doc++), received, 1, false, null));
      scans.add(scan(code, EventType.SALE, site, "R-" + (doc++), received.plusSeconds(3600 + random.nextInt(14 * 3600)),
          1, false, i % 3 == 0 ? "S-" + i : null));
    }
    // Cloned codes: the same code sold in two cities within hours.
    for (int i = 0; i < 12; i++) {
      String code = cn20(0, 100_000 + i);
      Instant t = start.plusSeconds(8 * 3600 + i * 600L);
      scans.add(scan(code, EventType.SALE, pharmacies.get(i % 6), "R-" + (doc++), t, 1, false, "S-c" + i));
      scans.add(scan(code, EventType.SALE, pharmacies.get(12 + i % 6), "R-" + (doc++), t.plusSeconds(5400), 1, false,
          "S-c" + i + "b"));
    }
    // Diversion (回流): dispensed by a hospital, then sold again by a pharmacy in the same city.
    for (int i = 0; i < 10; i++) {
      Site hospital = hospitals.get(i % hospitals.size());
      Site pharmacy = sites.get(sites.indexOf(hospital) + 2);
      String code = cn20(1, 200_000 + i);
      Instant t = start.plusSeconds(9 * 3600 + i * 900L);
      scans.add(scan(code, EventType.SALE, hospital, "H-" + (doc++), t, 1, false, "S-h" + i));
      scans.add(scan(code, EventType.RECEIVE, pharmacy, "IN-" + (doc++), t.plusSeconds(4 * 3600), 1, false, null));
      scans.add(scan(code, EventType.SALE, pharmacy, "R-" + (doc++), t.plusSeconds(6 * 3600), 1, false, "S-h" + i + "b"));
    }
    // Substitution (串换): one pharmacy rescans the same boxes hours later to bill other goods.
    Site rescanner = pharmacies.get(3);
    for (int i = 0; i < 8; i++) {
      String code = cn20(2, 300_000 + i);
      Instant t = start.plusSeconds(10 * 3600 + i * 300L);
      scans.add(scan(code, EventType.SALE, rescanner, "R-" + (doc++), t, 1, false, "S-s" + i));
      scans.add(scan(code, EventType.SALE, rescanner, "R-" + (doc++), t.plusSeconds(5 * 3600), 1, false, "S-s" + i + "b"));
    }
    // Billed as another drug than the box is.
    for (int i = 0; i < 6; i++) {
      scans.add(scan(cn20(3, 400_000 + i), EventType.SALE, pharmacies.get(8), "R-" + (doc++),
          start.plusSeconds(11 * 3600 + i * 60L), 1, false, "S-b" + i, "XA02BCA211A001010100432"));
    }
    // Split packs (拆零): a 24-capsule box sold in parts, past its size.
    for (int i = 0; i < 4; i++) {
      String code = cn20(2, 500_000 + i);
      Site site = pharmacies.get(10 + i);
      for (int part = 0; part < 3; part++) {
        scans.add(scan(code, EventType.SALE, site, "R-" + (doc++), start.plusSeconds(12 * 3600 + part * 1800L + i),
            10, true, null));
      }
    }
    // Double scans at the till: an operator's slip, a warning only.
    for (int i = 0; i < 5; i++) {
      String code = cn20(3, 600_000 + i);
      Instant t = start.plusSeconds(13 * 3600 + i * 120L);
      scans.add(scan(code, EventType.SALE, pharmacies.get(5), "R-" + (doc++), t, 1, false, null));
      scans.add(scan(code, EventType.SALE, pharmacies.get(5), "R-" + (doc++), t.plusSeconds(20), 1, false, null));
    }
    // A ring: five pharmacies in two cities reuse a pool of codes, each sold at three of them in turn.
    List<Site> ring = RING_SITES.stream().map(id -> sites.stream().filter(s -> s.siteId().equals(id)).findFirst()
        .orElseThrow()).toList();
    for (int i = 0; i < RING_CODES; i++) {
      String code = cn20(3, 700_000 + i);
      Instant t = start.plusSeconds(2 * 3600 + i * 1200L);
      for (int k = 0; k < 3; k++) {
        scans.add(scan(code, EventType.SALE, ring.get((i + k) % ring.size()), "R-" + (doc++), t.plusSeconds(k * 7200L),
            1, false, "S-r" + i + "-" + k));
      }
    }
    scans.sort((a, b) -> a.scannedAt().compareTo(b.scannedAt()));
    return scans;
  }

  private static String cn20(int product, int serial) {
    return PRODUCTS.get(product).productKey() + String.format("%013d", 7_000_000L + serial);
  }

  private static ScanInput scan(String code, EventType type, Site site, String doc, Instant at, int quantity,
                                boolean split, String settlement) {
    return scan(code, type, site, doc, at, quantity, split, settlement, null);
  }

  private static ScanInput scan(String code, EventType type, Site site, String doc, Instant at, int quantity,
                                boolean split, String settlement, String billedDrug) {
    String billed = billedDrug;
    if (billed == null && type == EventType.SALE) {
      billed = PRODUCTS.stream().filter(p -> code.startsWith(p.productKey())).findFirst()
          .map(Product::drugCode).orElse(null);
    }
    return new ScanInput(code, type, site.siteId(), doc, 1, at, quantity, split, billed, settlement,
        "DEMO-POS");
  }
}
