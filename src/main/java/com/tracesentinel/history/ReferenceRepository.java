package com.tracesentinel.history;

import com.tracesentinel.code.ParseResult;
import com.tracesentinel.code.TraceCodes;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Sites and products in PostgreSQL, mirrored into the in-memory {@link ReferenceStore} the ladder reads. */
public final class ReferenceRepository {
  private final Pool pool;
  private final ReferenceStore store;
  private final long catchUpMillis;

  /**
   * @param catchUpMillis how long a request waits for the read {@link #catchUp} asked for (the stall limit): on a
   *     database frozen in the middle of a read, its callers and every one queued behind it waited as long as it stayed
   *     frozen, since a frozen server never runs its statement_timeout
   */
  public ReferenceRepository(Pool pool, ReferenceStore store, long catchUpMillis) {
    this.pool = pool;
    this.store = store;
    this.catchUpMillis = catchUpMillis;
  }

  /**
   * A caller of {@link #refresh}, answered on its own context as a query of its own would have been; {@code products}
   * the product keys it needs, or null for everything. A caller that stopped waiting was answered already.
   */
  private record Waiter(Context context, Promise<Void> promise, Set<String> products) {
    void answer(AsyncResult<Void> ar) {
      if (context == null) {
        settle(ar);
      } else {
        context.runOnContext(v -> settle(ar));
      }
    }

    private void settle(AsyncResult<Void> ar) {
      if (ar.succeeded()) {
        promise.tryComplete();
      } else {
        promise.tryFail(ar.cause());
      }
    }
  }

  private final Object refreshing = new Object();
  private boolean loading; // guarded by refreshing
  private List<Waiter> nextRound = new ArrayList<>(); // guarded by refreshing

  public ReferenceStore store() {
    return store;
  }

  /**
   * Reads the reference data again for a caller that needs what was registered before it asked (a cluster node
   * meeting a site it does not know yet, the periodic catch-up). Reads never overlap: callers arriving during one
   * share the next, started as it ends, because the running one may have read before their site was stored. Each such
   * request used to start its own two queries, so a client naming unknown sites in a loop put them all on the pool.
   */
  public Future<Void> refresh() {
    return refresh(null, 0);
  }

  /**
   * Before a cluster node judges or routes these scans: reads the reference data again when one names a site this
   * node does not know, else the products it does not know while it knows a catalogue. Registered through another
   * node a moment ago, they reach this one only with the next periodic read, 3 s later: a product's scans were stored
   * FLAGGED UNKNOWN_PRODUCT meanwhile. A round whose callers all named products reads those keys only, not the whole
   * catalogue: scans of a product the catalogue lacks cost one small read at a time, shared like a site's.
   */
  public Future<Void> catchUp(List<ScanInput> inputs) {
    Set<String> products = new HashSet<>();
    for (ScanInput in : inputs) {
      if (in.siteId() != null && store.siteById(in.siteId()) == null) {
        return refresh(null, catchUpMillis);
      }
      if (store.catalogLoaded() && TraceCodes.parse(in.code()) instanceof ParseResult.Valid v
          && store.product(v.code().productKey()) == null) {
        products.add(v.code().productKey());
      }
    }
    return products.isEmpty() ? Future.succeededFuture() : refresh(products, catchUpMillis);
  }

  /**
   * Before a cluster node answers a public look-up of a CN20 whose prefix it does not know: that product's key, read
   * as {@link #catchUp}'s are (in shared rounds, one read at a time), so a look-up of a product registered through
   * another node a moment ago is not answered UNKNOWN_PREFIX, nor a flood of unknown prefixes a flood of reads.
   */
  public Future<Void> catchUpProduct(String productKey) {
    return store.product(productKey) == null ? refresh(Set.of(productKey), catchUpMillis) : Future.succeededFuture();
  }

  /** {@code waitMillis} over 0: the caller stops waiting after that long, failed; the read goes on. */
  private Future<Void> refresh(Set<String> products, long waitMillis) {
    Promise<Void> promise = Promise.promise();
    Context context = Vertx.currentContext();
    if (waitMillis > 0 && context != null) {
      long timer = context.owner().setTimer(waitMillis, id -> promise.tryFail(new java.util.concurrent.TimeoutException(
          "the reference data was not read within " + waitMillis + " ms")));
      promise.future().onComplete(ar -> context.owner().cancelTimer(timer));
    }
    boolean start;
    synchronized (refreshing) {
      nextRound.add(new Waiter(context, promise, products));
      start = !loading;
      loading = true;
    }
    if (start) {
      loadRound();
    }
    return promise.future();
  }

  private void loadRound() {
    List<Waiter> round;
    synchronized (refreshing) {
      round = nextRound;
      nextRound = new ArrayList<>();
    }
    Set<String> products = new HashSet<>();
    boolean everything = false;
    for (Waiter w : round) {
      if (w.products() == null) {
        everything = true;
      } else {
        products.addAll(w.products());
      }
    }
    Future<Void> read;
    try {
      read = everything ? load() : loadProducts(products);
    } catch (RuntimeException e) {
      read = Future.failedFuture(e); // (a closed pool) still answers the round, or later callers would wait for ever
    }
    read.onComplete(ar -> {
      round.forEach(w -> w.answer(ar));
      boolean again;
      synchronized (refreshing) {
        again = !nextRound.isEmpty();
        loading = again;
      }
      if (again) {
        loadRound();
      }
    });
  }

  public Future<Void> load() {
    return pool.query(Sql.SELECT_SITES).execute()
        .map(rows -> {
          List<Site> sites = new ArrayList<>();
          rows.forEach(r -> sites.add(site(r)));
          store.putSites(sites);
          return null;
        })
        .compose(v -> pool.query(Sql.SELECT_PRODUCTS).execute())
        .map(this::putProducts);
  }

  private Future<Void> loadProducts(Set<String> keys) {
    // Most such reads find nothing (a product no one catalogued): the catalogue, copied whole by every put, is then
    // left as it is, or a stream of scans of an uncatalogued product would copy it once a round.
    return pool.preparedQuery(Sql.SELECT_PRODUCTS_NAMED).execute(Tuple.of(keys.toArray(String[]::new)))
        .map(rows -> rows.size() == 0 ? null : putProducts(rows));
  }

  private Void putProducts(RowSet<Row> rows) {
    List<Product> products = new ArrayList<>();
    rows.forEach(r -> products.add(product(r)));
    store.putProducts(products);
    return null;
  }

  /** Stores the sites, then publishes them (with their database refs) to the ladder. */
  public Future<List<Site>> upsertSites(List<Site> sites) {
    Tuple t = Tuple.of(
        sites.stream().map(Site::siteId).toArray(String[]::new),
        sites.stream().map(Site::name).toArray(String[]::new),
        sites.stream().map(s -> s.kind().name()).toArray(String[]::new),
        sites.stream().map(Site::regionCode).toArray(String[]::new),
        sites.stream().map(Site::regionName).toArray(String[]::new));
    return pool.preparedQuery(Sql.UPSERT_SITES).execute(t).map(rows -> {
      List<Site> stored = new ArrayList<>();
      rows.forEach(r -> stored.add(site(r)));
      store.putSites(stored);
      return stored;
    });
  }

  public Future<Integer> upsertProducts(List<Product> products) {
    return upsertProducts(products, Set.of());
  }

  /**
   * Stores the products, then publishes them as stored. One whose key is in {@code packSizeOmitted} was sent without
   * a pack size: it keeps the one stored (a new product is a pack of 1), where the 1 its row carries had reset a pack
   * of 24 whenever its names were corrected, and the pack size judges split sales.
   */
  public Future<Integer> upsertProducts(List<Product> products, Set<String> packSizeOmitted) {
    Tuple t = Tuple.of(
        products.stream().map(Product::productKey).toArray(String[]::new),
        products.stream().map(Product::drugCode).toArray(String[]::new),
        products.stream().map(Product::genericName).toArray(String[]::new),
        products.stream().map(Product::brandName).toArray(String[]::new),
        products.stream().map(Product::spec).toArray(String[]::new),
        products.stream().map(Product::manufacturer).toArray(String[]::new),
        products.stream().map(p -> packSizeOmitted.contains(p.productKey()) ? null : p.packSize())
            .toArray(Integer[]::new));
    return pool.preparedQuery(Sql.UPSERT_PRODUCTS).execute(t).map(rows -> {
      putProducts(rows);
      return rows.size();
    });
  }

  private static Product product(Row r) {
    return new Product(r.getString("product_key"), r.getString("drug_code"), r.getString("generic_name"),
        r.getString("brand_name"), r.getString("spec"), r.getString("manufacturer"), r.getInteger("pack_size"));
  }

  private static Site site(Row r) {
    return new Site(r.getInteger("ref"), r.getString("site_id"), r.getString("name"),
        SiteKind.valueOf(r.getString("kind")), r.getString("region_code"), r.getString("region_name"));
  }
}
