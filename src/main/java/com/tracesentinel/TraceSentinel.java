package com.tracesentinel;

import com.tracesentinel.auth.ApiKeys;
import com.tracesentinel.history.DatabaseUrl;
import com.tracesentinel.history.EmbeddedDatabase;
import com.tracesentinel.history.HistoryStore;
import com.tracesentinel.history.KeyRepository;
import com.tracesentinel.history.Migrations;
import com.tracesentinel.history.ReferenceRepository;
import com.tracesentinel.history.ScanHistorySource;
import com.tracesentinel.http.ApiServer;
import com.tracesentinel.ingest.IngestMetrics;
import com.tracesentinel.ingest.IngestPipeline;
import com.tracesentinel.ingest.ScanIds;
import com.tracesentinel.ledger.CodeLedger;
import com.tracesentinel.ledger.LedgerMetrics;
import com.tracesentinel.ledger.LedgerReplay;
import com.tracesentinel.metrics.ScanMetrics;
import com.tracesentinel.reference.ReferenceStore;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsOptions;
import com.tracesentinel.metrics.Histograms;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole service, started in dependency order and stopped in reverse: database (embedded unless configured),
 * migrations, Vert.x, reference data, the ledger (reconciled after an unclean stop), the ingest pipeline, HTTP.
 */
public final class TraceSentinel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TraceSentinel.class);

  private final Config config;
  private EmbeddedDatabase embedded;
  private Vertx vertx;
  private Pool pool;
  private CodeLedger ledger;
  private IngestPipeline pipeline;
  private Services services;
  private String generatedAdminKey;
  private boolean closed;

  private TraceSentinel(Config config) {
    this.config = config;
  }

  /** Starts everything and returns once the HTTP port is open and the service is ready. */
  public static TraceSentinel start(Config config) throws Exception {
    TraceSentinel app = new TraceSentinel(config);
    try {
      app.startAll();
    } catch (Exception | Error e) {
      app.close();
      throw e;
    }
    return app;
  }

  /**
   * {@code rebuild-ledger}: replaces the ledger file with one sized for the configured capacity and replays the
   * whole history into it. The service must not be running on the same data directory.
   */
  public static void rebuildLedger(Config config, java.io.PrintStream out) throws Exception {
    try (TraceSentinel app = new TraceSentinel(config)) {
      app.startCore();
      java.nio.file.Path dir = config.ledgerDir();
      if (java.nio.file.Files.isDirectory(dir)) {
        try (var files = java.nio.file.Files.list(dir)) {
          for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
            java.nio.file.Files.delete(f);
          }
        }
      }
      app.ledger = CodeLedger.open(dir, config.ledgerCapacity());
      new LedgerReplay(app.ledger, new ScanHistorySource(app.db), app.reference, config.ladder()).rebuild(out);
      app.ledger.markReconciled();
    }
  }

  private DatabaseUrl db;
  private ReferenceStore reference;
  private ReferenceRepository referenceRepository;
  private HistoryStore history;
  private ScanIds ids;
  private PrometheusMeterRegistry prometheus;

  private void startAll() throws Exception {
    long t0 = System.nanoTime();
    startCore();
    ledger = CodeLedger.open(config.ledgerDir(), config.ledgerCapacity());
    LedgerReplay replay = new LedgerReplay(ledger, new ScanHistorySource(db), reference, config.ladder());
    new LedgerMetrics(ledger, replay).bindTo(prometheus);
    vertx.setPeriodic(1_000, id -> vertx.executeBlocking(() -> {
      checkpointLedger();
      return null;
    }, false));

    pipeline = new IngestPipeline(vertx, ledger, reference, config.ladder(), config.shards(),
        config.maxGroupScans(), history, history, new IngestMetrics(prometheus), ids);
    io.micrometer.core.instrument.Gauge.builder("tracesentinel.ingest.backlog", pipeline, IngestPipeline::backlog)
        .description("Requests in the ring between HTTP and the committer (1,024 means new requests get 503)")
        .register(prometheus);
    boolean reconcile = ledger.needsReconcile();
    if (reconcile) {
      // Live but not ready: health and metrics answer, scans get 503 until the ledger agrees with the history.
      pipeline.pause("the code ledger is being reconciled with the history after an unclean stop");
    }
    ApiKeys keys = new ApiKeys(new KeyRepository(pool), config.adminKey());
    services = new Services(config, prometheus, ledger, reference, referenceRepository, history, pipeline, keys,
        new ScanMetrics(prometheus), new com.tracesentinel.imaging.ImageDecoder(
            com.tracesentinel.imaging.DecoderSettings.defaults().withTimeBudget(config.decodeBudget())));
    generatedAdminKey = await(keys.bootstrap());

    int instances = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 8));
    await(vertx.deployVerticle(() -> new ApiServer(services), new DeploymentOptions().setInstances(instances)));
    // The first decode on a cold JVM can spend its whole budget on class loading and JIT: pay that now.
    vertx.executeBlocking(() -> {
      services.imageDecoder().warmUp();
      return null;
    }, false);
    if (reconcile) {
      replay.reconcile();
      pipeline.resume();
    }
    LOG.info("TraceSentinel ready in {} ms: http://{}:{}/ (data in {}, ledger {} codes / capacity {})",
        (System.nanoTime() - t0) / 1_000_000, config.host(), config.port(), config.dataDir(), ledger.size(),
        ledger.capacity());
  }

  /** Database, schema, metrics registry, Vert.x, pool, reference data, history: all but the ledger and HTTP. */
  private void startCore() throws Exception {
    db = openDatabase();
    Migrations.apply(db);

    prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    prometheus.config().commonTags("application", "tracesentinel")
        .meterFilter(Histograms.forHttpServer());
    new JvmMemoryMetrics().bindTo(prometheus);
    new JvmGcMetrics().bindTo(prometheus);
    new JvmThreadMetrics().bindTo(prometheus);
    new ClassLoaderMetrics().bindTo(prometheus);
    new ProcessorMetrics().bindTo(prometheus);
    new UptimeMetrics().bindTo(prometheus);
    vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
            .addLabels(Label.HTTP_ROUTE)))
        .withMetrics(new MicrometerMetricsFactory(prometheus))
        .build();

    pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.dbPoolSize()).setMaxWaitQueueSize(10_000)
            .setConnectionTimeout(10).setConnectionTimeoutUnit(TimeUnit.SECONDS))
        .connectingTo(new PgConnectOptions().setHost(db.host()).setPort(db.port()).setDatabase(db.database())
            .setUser(db.user()).setPassword(db.password()).setPipeliningLimit(16)
            .setReconnectAttempts(2).setReconnectInterval(500))
        .using(vertx)
        .build();

    reference = new ReferenceStore();
    referenceRepository = new ReferenceRepository(pool, reference);
    await(referenceRepository.load());
    ids = new ScanIds();
    history = new HistoryStore(pool, ids, reference::site);
    await(history.ensurePartitions(YearMonth.now(ZoneOffset.UTC)));
    vertx.setPeriodic(Duration.ofHours(6).toMillis(), id -> history.ensurePartitions(YearMonth.now(ZoneOffset.UTC)));

  }

  private int lastFillWarning;

  /** Every few seconds: record how far the ledger is settled, and warn well before it fills. */
  private void checkpointLedger() throws java.io.IOException {
    java.time.Instant settled = pipeline == null ? null : pipeline.settledBefore();
    if (settled != null) {
      ledger.writeCheckpoint(settled.getEpochSecond() - 2);
    }
    int percent = (int) (ledger.fill() * 100);
    if (percent >= 80 && percent / 5 > lastFillWarning) {
      LOG.warn("The code ledger is {}% full ({} of {} codes): raise TRACESENTINEL_LEDGER_CAPACITY and run "
          + "rebuild-ledger before it refuses new codes", percent, ledger.size(), ledger.capacity());
    }
    lastFillWarning = percent / 5;
  }

  private DatabaseUrl openDatabase() throws Exception {
    if (config.dbUrl() != null) {
      DatabaseUrl url = DatabaseUrl.parse(config.dbUrl());
      LOG.info("Using PostgreSQL at {}", url.redacted());
      return url;
    }
    embedded = EmbeddedDatabase.start(config.embeddedDbDir());
    return embedded.url("postgres");
  }

  public Services services() {
    return services;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The admin key generated at this start (a fresh install without TRACESENTINEL_ADMIN_KEY), or null. */
  public String generatedAdminKey() {
    return generatedAdminKey;
  }

  public static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  /** Stops in reverse order; the ledger is closed cleanly only after every accepted scan was committed. */
  @Override
  public synchronized void close() throws Exception {
    if (closed) {
      return;
    }
    closed = true;
    if (vertx != null) {
      try {
        for (String id : vertx.deploymentIDs()) {
          await(vertx.undeploy(id));
        }
      } catch (Exception e) {
        LOG.warn("Undeploying HTTP: {}", e.toString());
      }
    }
    if (pipeline != null) {
      pipeline.close();
    }
    if (ledger != null) {
      ledger.close();
    }
    if (pool != null) {
      try {
        await(pool.close());
      } catch (Exception e) {
        LOG.warn("Closing the database pool: {}", e.toString());
      }
    }
    if (vertx != null) {
      await(vertx.close());
    }
    if (embedded != null) {
      embedded.close();
    }
  }
}
