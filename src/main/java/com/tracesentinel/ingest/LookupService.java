package com.tracesentinel.ingest;

import com.tracesentinel.code.CodeFamily;
import com.tracesentinel.code.CodeKey;
import com.tracesentinel.code.InvalidReason;
import com.tracesentinel.code.ParseResult;
import com.tracesentinel.code.TraceCode;
import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceData;
import com.tracesentinel.reference.Site;
import com.tracesentinel.rules.CodeState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The public look-up ("has this box been sold before?"): NHSA's four outcomes from the code's ledger state, the
 * product from the catalogue, and the latest sales that still count. A code sold once is answered from memory (its
 * state holds that sale); only a code with several sales reads the history. Look-ups are counted apart from the
 * code's state (per day and outcome, and per code) and never travel through the judge.
 */
public final class LookupService {
  public static final ZoneId CHINA = ZoneId.of("Asia/Shanghai");
  /** Sales shown at most. */
  public static final int RECENT_SALES = 3;
  /**
   * A code scanned this often (a copied one) shows the open sales its state holds, not the history's: finding its
   * latest sales reads every stored scan of the code, and each double scan's sale again, for every look-up (43 ms of
   * the database at 10,000 stored scans, half of them double scans, shared box), and a copied code is the one the
   * public keeps looking up.
   */
  static final int HISTORY_READ_BELOW_SCANS = 64;

  public enum Outcome { NO_SALE_RECORD, ONE_SALE, MULTIPLE_SALES, INVALID_CODE }

  /** One sale as the public may see it: when, and the site's name and region; never a patient or a document. */
  public record RecentSale(Instant at, String siteName, String regionName) {}

  /**
   * @param code      null for a code that does not parse (INVALID_CODE)
   * @param reason    for INVALID_CODE: the rule the code breaks, and {@code detail} how
   * @param splitSale split-pack sales of one box at one site, within its pack size: still one sale
   * @param updatedAt every scan that arrived before this time is in the answer
   */
  public record Answer(Outcome outcome, TraceCode code, InvalidReason reason, String detail, Product product,
                       int saleCount, List<RecentSale> recentSales, Instant updatedAt, boolean splitSale,
                       boolean destroyed) {}

  /** The history as the look-up reads it. */
  public interface SalesHistory {
    /**
     * A code's latest sales that still count (returned and double-scanned ones left out), newest first. Fails with
     * {@link HistoryUnavailable} when the database cannot serve now; any other failure is a fault of the service.
     */
    CompletableFuture<List<RecentSale>> recentSales(byte[] codeKey, int limit);
  }

  /** Where look-ups are counted: in memory, stored every few seconds. */
  public interface Counts {
    void count(LocalDate day, Outcome outcome);

    /** One look-up of a code the ledger knows (a code never scanned gets no row). */
    void countCode(byte[] codeKey);
  }

  /** Where the look-up reads a product registered elsewhere that it does not know yet (on a cluster's other node). */
  public interface Catalogue {
    Catalogue LOCAL = productKey -> CompletableFuture.completedFuture(null);

    /** Completes once the product, if registered, is known here; never fails (an unknown product is answered so). */
    CompletableFuture<Void> catchUp(String productKey);
  }

  private final CodeStates states;
  private final ReferenceData reference;
  private final Catalogue catalogue;
  private final SalesHistory history;
  private final Counts counts;
  private final Supplier<Instant> settledBefore;
  private final Duration deadline;
  private final Map<Outcome, Counter> meters = new EnumMap<>(Outcome.class);

  /**
   * @param deadline how long a look-up may wait for the code's state and sales: PostgreSQL cancels a statement that
   *                 waits on a lock (the pool's statement_timeout), but a paused database answers nothing at all, and a
   *                 code sold more than once waited until the idle timeout closed the connection
   */
  public LookupService(CodeStates states, ReferenceData reference, Catalogue catalogue, SalesHistory history,
                       Counts counts, Supplier<Instant> settledBefore, Duration deadline, MeterRegistry registry) {
    this.states = states;
    this.reference = reference;
    this.catalogue = catalogue;
    this.history = history;
    this.counts = counts;
    this.settledBefore = settledBefore;
    this.deadline = deadline;
    for (Outcome o : Outcome.values()) {
      meters.put(o, Counter.builder("tracesentinel.lookups").tag("outcome", o.name())
          .description("public look-ups answered, by outcome").register(registry));
    }
  }

  public CompletableFuture<Answer> lookUp(ParseResult parsed) {
    Instant updatedAt = updatedAt();
    if (parsed instanceof ParseResult.Invalid invalid) {
      counted(Outcome.INVALID_CODE);
      return CompletableFuture.completedFuture(new Answer(Outcome.INVALID_CODE, null, invalid.reason(),
          invalid.message(), null, 0, List.of(), updatedAt, false, false));
    }
    TraceCode code = ((ParseResult.Valid) parsed).code();
    byte[] key = CodeKey.of(code.canonical());
    return states.stateOf(key).thenCompose(state -> answer(code, key, state, updatedAt))
        .orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(failure -> {
          // A stage after the code's state wraps that state's own failure: the caller gets the typed one.
          Throwable err = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
          return CompletableFuture.failedFuture(err instanceof TimeoutException
              ? new HistoryUnavailable("the history did not answer within " + deadline.toSeconds() + " s", err) : err);
        });
  }

  private CompletableFuture<Answer> answer(TraceCode code, byte[] key, CodeState state, Instant updatedAt) {
    if (state == null && reference.catalogLoaded() && reference.product(code.productKey()) == null) {
      // A product registered through another cluster node reaches this one with its next periodic read, up to 3 s
      // later: a CN20 of it was answered UNKNOWN_PREFIX meanwhile, while a scan of it was judged by its product.
      return catalogue.catchUp(code.productKey()).thenCompose(read -> answerKnown(code, key, state, updatedAt));
    }
    return answerKnown(code, key, state, updatedAt);
  }

  /** The answer from the catalogue as this node knows it now. */
  private CompletableFuture<Answer> answerKnown(TraceCode code, byte[] key, CodeState state, Instant updatedAt) {
    Product product = reference.product(code.productKey());
    if (state == null && product == null && code.family() == CodeFamily.CN20 && reference.catalogLoaded()) {
      // "A known 7-digit prefix (when the catalog is loaded)" is the rules' only check of a CN20 the public can make:
      // told NO_SALE_RECORD ("retry later"), a buyer of a box with a made-up code was reassured. A code already
      // scanned keeps its answer: its sales are what the buyer needs to see.
      counted(Outcome.INVALID_CODE);
      return CompletableFuture.completedFuture(new Answer(Outcome.INVALID_CODE, code, InvalidReason.UNKNOWN_PREFIX,
          "the product prefix " + code.productKey() + " is not in the catalogue", null, 0, List.of(), updatedAt, false,
          false));
    }
    if (state != null) {
      counts.countCode(key);
    }
    int saleCount = state == null ? 0 : Math.max(0, state.saleCount());
    boolean splitOneBox = saleCount > 1 && state.lastSaleSplit() && state.distinctSaleSites() <= 1
        && product != null && state.soldUnits() <= product.packSize();
    Outcome outcome = saleCount == 0 ? Outcome.NO_SALE_RECORD
        : saleCount == 1 || splitOneBox ? Outcome.ONE_SALE : Outcome.MULTIPLE_SALES;
    boolean destroyed = state != null && state.destroyed();
    counted(outcome);
    CompletableFuture<List<RecentSale>> sales;
    if (saleCount == 0) {
      sales = CompletableFuture.completedFuture(List.of());
    } else if (saleCount == 1 && state.lastSale() != null && state.scanCount() == 1
        || state.scanCount() >= HISTORY_READ_BELOW_SCANS) {
      // A code scanned once, sold: that sale is the code's state itself, no history read for the common answer. After
      // more scans the state's last sale may be one a return undid, the open one an earlier sale: the history says,
      // unless the code was scanned too often for a read of it a look-up.
      sales = CompletableFuture.completedFuture(salesTheStateHolds(state));
    } else {
      sales = history.recentSales(key, RECENT_SALES);
    }
    return sales.thenApply(list -> new Answer(outcome, code, null, null, product, saleCount, list, updatedAt,
        splitOneBox, destroyed));
  }

  /** The open sales the code's state holds (its latest, and the site before's while open), newest first. */
  private List<RecentSale> salesTheStateHolds(CodeState state) {
    List<com.tracesentinel.rules.ScanRef> held = new java.util.ArrayList<>(2);
    if (state.hasOpenSale()) {
      held.add(state.lastSale());
    }
    if (state.prevOpenSale() != null) {
      held.add(state.prevOpenSale());
    }
    held.sort(java.util.Comparator.comparingLong(com.tracesentinel.rules.ScanRef::at).reversed());
    return held.stream().map(sale -> {
      Site site = reference.site(sale.siteRef());
      return new RecentSale(Instant.ofEpochSecond(sale.at()), site == null ? null : site.name(),
          site == null ? null : site.regionName());
    }).toList();
  }

  private void counted(Outcome outcome) {
    meters.get(outcome).increment();
    counts.count(LocalDate.now(CHINA), outcome);
  }

  private Instant updatedAt() {
    Instant settled = settledBefore.get();
    return (settled == null ? Instant.now() : settled).truncatedTo(ChronoUnit.SECONDS);
  }
}
