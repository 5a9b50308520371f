package com.tracesentinel;

import com.tracesentinel.http.Services;
import com.tracesentinel.config.Config;
import com.tracesentinel.auth.ApiKeys;
import com.tracesentinel.cluster.ClusterNode;
import com.tracesentinel.cluster.ClusterRouter;
import com.tracesentinel.code.CodeKey;
import com.tracesentinel.history.DatabaseFailures;
import com.tracesentinel.history.DatabaseSupervisor;
import com.tracesentinel.history.DatabaseUrl;
import com.tracesentinel.history.EmbeddedDatabase;
import com.tracesentinel.history.KeyRepository;
import com.tracesentinel.history.LookupQueries;
import com.tracesentinel.history.Migrations;
import com.tracesentinel.history.OwnerTable;
import com.tracesentinel.history.PostgresHistory;
import com.tracesentinel.history.PostgresImportCheckpoints;
import com.tracesentinel.history.ReferenceRepository;
import com.tracesentinel.http.ApiServer;
import com.tracesentinel.imaging.DecoderSettings;
import com.tracesentinel.imaging.ImageDecoder;
import com.tracesentinel.ingest.CodeStates;
import com.tracesentinel.ingest.DatabaseHealth;
import com.tracesentinel.ingest.HistoryUnavailable;
import com.tracesentinel.ingest.Partitions;
import com.tracesentinel.ingest.Preparation;
import com.tracesentinel.ingest.ScanIntake;
import com.tracesentinel.investigate.Investigations;
import com.tracesentinel.ingest.IngestMetrics;
import com.tracesentinel.ingest.LedgerAudit;
import com.tracesentinel.ingest.LedgerRecovery;
import com.tracesentinel.ingest.LookupService;
import com.tracesentinel.ingest.ScanIds;
import com.tracesentinel.ingest.ScanService;
import com.tracesentinel.ledger.CodeLedger;
import com.tracesentinel.nhsa.ImportCheckpoints;
import com.tracesentinel.ledger.LedgerMetrics;
import com.tracesentinel.metrics.Histograms;
import com.tracesentinel.metrics.RequestsInFlight;
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
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.transport.Transport;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole service, started in dependency order and stopped in reverse: the data directory's lock, the database
 * (embedded unless configured) and its schema, metrics and Vert.x, reference data, the ledger (checked, and rebuilt
 * or reconciled from the history when it must be), the ingest core, HTTP.
 */
public final class TraceSentinel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TraceSentinel.class);
  /** This service's name in its database connections' application_name (a cluster node uses its node id). */
  static final String WRITER = "local";

  private Config config; // its port resolved once at start when TRACESENTINEL_PORT=0
  private DataDirLock lock;
  private EmbeddedDatabase embedded;
  private DatabaseUrl db;
  private Vertx vertx;
  private Pool pool;
  private PrometheusMeterRegistry prometheus;
  private ReferenceStore reference;
  private ReferenceRepository referenceRepository;
  private PostgresHistory history;
  private CodeLedger ledger;
  private LedgerRecovery recovery;
  private ScanService scans;
  private ClusterNode cluster;
  private java.util.concurrent.ExecutorService stateReaders;
  private DatabaseSupervisor supervisor;
  private java.util.concurrent.ScheduledExecutorService auditor;
  private DatabaseHealth health;
  private Services services;
  private LookupQueries lookupCounts;
  private Investigations investigations;
  private ApiKeys.IssuedKey generatedAdminKey;
  private volatile String recovering;
  private volatile String held;
  private boolean closed;
  /** Cancelled first thing at close: a tick after Vert.x's workers stopped was an error with a stack trace. */
  private long checkpointTimer = -1;

  private TraceSentinel(Config config) {
    this.config = config;
  }

  /** Starts everything and returns once the HTTP port is open and the service is ready. */
  public static TraceSentinel start(Config config) throws Exception {
    return start(config, null);
  }

  /**
   * Starts everything, with {@code /health/ready} answering 503 for {@code holdReadiness} (when not null) until
   * {@link #releaseReadiness()}: {@code demo} loads its data first, so a script that waits for ready finds it there.
   */
  public static TraceSentinel start(Config config, String holdReadiness) throws Exception {
    TraceSentinel app = new TraceSentinel(config);
    app.held = holdReadiness;
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
   * whole history into it. Refused (nothing touched) while a service owns the data directory.
   */
  public static void rebuildLedger(Config config, PrintStream out) throws Exception {
    String instead = "a node rebuilds the partitions it is given, at every start";
    refuseInCluster(config, "rebuild-ledger", instead);
    CodeLedger.requireUsableRuntime(); // before the old ledger is deleted
    try (TraceSentinel app = new TraceSentinel(config)) {
      app.startDatabase();
      app.refuseClusterDatabase("rebuild-ledger would fill one node's ledger with every node's codes", instead);
      Path dir = config.ledgerDir();
      deleteLedgerFiles(dir);
      app.ledger = CodeLedger.open(dir, config.ledgerCapacity(), false);
      new LedgerRecovery(app.ledger, app.history, app.reference, config.ladder()).rebuild(out);
      app.ledger.writeCheckpoint(Instant.now().getEpochSecond());
      app.ledger.rebuilt();
    }
  }

  /**
   * {@code verify-ledger}: compares every ledger entry with the history and prints the differences. Refused while a
   * service owns the data directory. True when the ledger equals a rebuild from the history.
   */
  public static boolean verifyLedger(Config config, PrintStream out) throws Exception {
    String instead = "GET /health/cluster/verify of a running node checks its partitions";
    refuseInCluster(config, "verify-ledger", instead);
    CodeLedger.requireUsableRuntime();
    try (TraceSentinel app = new TraceSentinel(config)) {
      // A check must leave the directory as it was: the lock would create a missing one.
      if (Files.isDirectory(config.dataDir())) {
        app.lock = DataDirLock.acquire(config.dataDir()); // a running service's ledger is not for reading
      }
      // Opening such a ledger creates an empty one and a rebuild marker, and sets an older or damaged file aside
      // (deleting the oldest set aside): the next start does that anyway, and a check must change nothing.
      CodeLedger.Unusable unusable = CodeLedger.unusable(config.ledgerDir());
      if (unusable == CodeLedger.Unusable.MISSING) {
        out.println("There is no ledger file in " + config.ledgerDir() + ". Run rebuild-ledger, or start the service, "
            + "which builds it from the history.");
        return false;
      } else if (unusable != null) {
        out.println("The ledger in " + config.ledgerDir() + " cannot be verified: " + unusable.because() + "; nothing "
            + "was changed. Run rebuild-ledger, or start the service, which rebuilds it from the history.");
        return false;
      }
      // A new, empty embedded database has no history: every ledger code read as "without history", exit 1, and a
      // script that rebuilds on 1 emptied the ledger from it.
      if (config.dbUrl() == null && !EmbeddedDatabase.exists(config.embeddedDbDir())) {
        throw new IllegalStateException("there is no database to compare the ledger with: TRACESENTINEL_DB_URL is "
            + "unset and " + config.embeddedDbDir() + " holds no embedded one; set TRACESENTINEL_DB_URL to the "
            + "service's database (nothing was created)");
      }
      app.startDatabase(false);
      app.refuseClusterDatabase("verify-ledger would read every other node's codes as missing from this ledger",
          instead);
      app.ledger = CodeLedger.open(config.ledgerDir(), config.ledgerCapacity(), true);
      // Verifying does not change the ledger: it stays as clean or unclean as it was found, also when it fails.
      app.ledgerWasClean = app.ledger.opened() != CodeLedger.Opened.UNCLEAN;
      if (app.ledger.opened() == CodeLedger.Opened.REPLACED) {
        out.println("The ledger was unusable (" + app.ledger.openedBecause() + "). Run rebuild-ledger, or start the "
            + "service, which rebuilds it.");
        return false;
      }
      LedgerRecovery.Report report = new LedgerRecovery(app.ledger, app.history, app.reference, config.ladder())
          .verify(out, 50);
      out.printf("Checked %d codes (%d scans) in %.1f s: %d mismatched, %d missing from the ledger, %d in the ledger "
              + "without history%n", report.codes(), report.scans(), report.seconds(), report.mismatched(),
          report.missing(), report.extra());
      return report.clean();
    }
  }

  /**
   * A node's ledger holds only the partitions it owned, and is emptied at its next start: compared with the whole
   * history it reads as codes missing (verify-ledger), and filled from it, it holds every node's codes for nothing.
   */
  private static void refuseInCluster(Config config, String command, String instead) {
    if (config.cluster() != null) {
      throw new IllegalArgumentException(command + " works on one node's whole ledger and cannot run in cluster mode "
          + "(unset TRACESENTINEL_KAFKA_BOOTSTRAP); " + instead);
    }
  }

  /** Refuses, in one line, a database whose partitions a cluster's nodes ever took (its owners never cleared). */
  private void refuseClusterDatabase(String would, String instead) throws java.sql.SQLException {
    if (new OwnerTable(db, WRITER).everTaken()) {
      throw new IllegalStateException("TRACESENTINEL_DB_URL=" + db.redacted() + " holds a cluster's history (its "
          + "nodes took partitions in partition_owners): " + would + "; " + instead);
    }
  }

  /**
   * The ingest core without HTTP, for {@code import}: the data directory's lock (refused while a service owns it),
   * the database, the ledger (rebuilt or reconciled first when it must be, as at a start) and {@link #scans()}.
   * Close it to stop; the ledger is checkpointed every second meanwhile, like the service's.
   */
  public static TraceSentinel startCore(Config config) throws Exception {
    if (config.cluster() != null) {
      throw new IllegalArgumentException("import loads one node's data and cannot run in cluster mode (unset "
          + "TRACESENTINEL_KAFKA_BOOTSTRAP); a cluster takes the same messages on POST /api/v1/nhsa/{infno} of any node");
    }
    CodeLedger.requireUsableRuntime();
    TraceSentinel app = new TraceSentinel(config);
    try {
      app.startDatabase();
      app.startIngest().run();
      app.startCheckpoints();
    } catch (Exception | Error e) {
      app.close();
      throw e;
    }
    return app;
  }

  /**
   * False while an unclean stop's changes are not yet reconciled: a start whose reconcile failed (its PostgreSQL
   * killed) closed the ledger as clean, and the next start served the changes never stored as if they were.
   */
  private volatile boolean ledgerWasClean = true;

  private void startAll() throws Exception {
    long t0 = System.nanoTime();
    // The data directory first (a second service on it is told so), then the port, then the database: a port in
    // use is named in milliseconds, not after PostgreSQL has been started.
    lock = DataDirLock.acquire(config.dataDir());
    config = config.withPort(PortCheck.requireFree(config.host(), config.port()));
    CodeLedger.requireUsableRuntime();
    startDatabase();
    Runnable recover = startIngest();
    // In a cluster a key revoked on another node must stop working here too: checked keys are trusted for 5 s.
    ApiKeys keys = new ApiKeys(new KeyRepository(pool), config.adminKey(),
        config.cluster() == null ? null : java.time.Duration.ofSeconds(5));
    lookupCounts = new LookupQueries(pool);
    // Look-ups are counted in memory and stored every 10 s: millions a day cost a handful of upserts.
    vertx.setPeriodic(10_000, id -> lookupCounts.flush()
        .onFailure(err -> LOG.warn("Storing look-up counts (kept for the next try): {}", err.toString())));
    ScanIntake intake = scans;
    Preparation preparation = new Preparation(reference, config.oldestScan());
    CodeStates codeStates = CodeStates.of(scans);
    if (cluster != null) {
      cluster.start(scans, recovery, prometheus);
      // On connections of its own with a 10 s read limit: a frozen database failed the start then with the driver's
      // "The connection attempt failed.", naming neither the database nor the step.
      whileTheDatabaseAnswers("the partition owners are being read", true, () -> {
        cluster.followOwners();
        return null;
      });
      // A part whose owner froze after reading it waited a fixed 30 s for its 504, where a request answered here
      // gets its 503 or 504 within the database's limits; an owner alive answers within them too.
      intake = new ClusterRouter(vertx, cluster, scans, preparation, referenceRepository, prometheus,
          ApiServer.databaseDeadlineMillis((int) Math.max(config.dbTimeoutSeconds(),
              (config.dbStallMillis() + 999) / 1000)), config.http().idle());
      codeStates = clusterStates(codeStates);
      // Sites and products registered through another node arrive here within a few seconds.
      vertx.setPeriodic(3_000, id -> referenceRepository.refresh()
          .onFailure(err -> LOG.debug("Reading reference data again: {}", err.toString())));
    }
    codeStates = CodeStates.unless(codeStates, this::statesUnknownBecause);
    LookupService.Catalogue catalogue = cluster == null ? LookupService.Catalogue.LOCAL
        : productKey -> referenceRepository.catchUpProduct(productKey).toCompletionStage().toCompletableFuture()
            .exceptionally(e -> null);
    LookupService lookups = new LookupService(codeStates, reference, catalogue, lookupCounts, lookupCounts,
        scans::settledBefore, java.time.Duration.ofSeconds(config.dbTimeoutSeconds()), prometheus);
    CodeStates states = codeStates;
    // Watched as the steps before it: on a frozen database its read, on an open connection of the pool, held the
    // start silent for as long as the freeze. Not tried again: a feed that failed half-way has its indexer running.
    investigations = whileTheDatabaseAnswers("the investigators' anomaly feed is being started", false,
        () -> await(Investigations.start(vertx, pool, reference, states, lookupCounts::lookupsOf, config.alerts(),
            prometheus)));
    services = new Services(config, prometheus, reference, referenceRepository, scans, preparation, intake, lookups,
        keys, new ImageDecoder(DecoderSettings.defaults().withTimeBudget(config.decodeBudget())), this::notReady,
        this::notLive, investigations, cluster, new RequestsInFlight(prometheus));
    await(vertx.deployVerticle(() -> new ApiServer(services),
        new DeploymentOptions().setInstances(config.http().eventLoops())));
    if (cluster != null) {
      cluster.join(); // after the port opens: the node checks that its own URL leads to it
    }
    // Last of what can fail: a key stored by a start that then failed was never printed, and later starts, finding
    // an admin key, generated none (a node refused for its copied URL left a fresh install with no admin key).
    generatedAdminKey = whileTheDatabaseAnswers("the admin keys are being checked", false,
        () -> await(keys.bootstrap()));
    // The first decode on a cold JVM can spend its whole budget on class loading and JIT: pay that now.
    vertx.executeBlocking(() -> {
      services.imageDecoder().warmUp();
      return null;
    }, false);
    recover.run();
    startCheckpoints();
    startAudit();
    LOG.info("TraceSentinel ready in {} ms: http://{}:{}/ (data in {}, ledger {} codes / capacity {}{})",
        (System.nanoTime() - t0) / 1_000_000, Config.urlHost(config.host()), config.port(), config.dataDir(),
        ledger.size(), ledger.capacity(), cluster == null ? "" : ", cluster " + config.cluster().name() + " as node "
            + config.cluster().nodeId());
  }

  /**
   * In a cluster, a code of a partition another node owns is read from the history (the fold of its committed scans,
   * which is what the owner's ledger holds for them), on a small pool: a JDBC read per such look-up.
   */
  private CodeStates clusterStates(CodeStates local) {
    java.util.concurrent.ExecutorService readers = java.util.concurrent.Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "code-state-reader");
      t.setDaemon(true);
      return t;
    });
    stateReaders = readers;
    return key -> {
      if (cluster.judges(CodeKey.partitionOf(key))) {
        return local.stateOf(key);
      }
      return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return recovery.expected(java.util.List.of(key)).get(java.nio.ByteBuffer.wrap(key));
        } catch (Exception e) {
          // The history's own failure (JDBC's), which a retry may get past, as against a fault of the service.
          throw new java.util.concurrent.CompletionException(e instanceof java.sql.SQLException
              ? new HistoryUnavailable("the state of a code could not be read from the history", e) : e);
        }
      }, readers);
    };
  }

  private static void deleteLedgerFiles(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      try (var files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          if (f.getFileName().toString().startsWith("codes.")) {
            Files.delete(f);
          }
        }
      }
    }
  }

  /**
   * The ledger, its recovery and the scan service, paused while the ledger must first be rebuilt or reconciled
   * (live but not ready: health and metrics answer, scans get 503); and the database supervisor. Returns what
   * brings the ledger up to date and resumes the service (nothing to do when the ledger was clean).
   */
  private Runnable startIngest() throws Exception {
    if (config.cluster() != null) {
      // A node's ledger holds only the partitions it owns, rebuilt from the history as Kafka assigns them: whatever
      // an earlier run left in the file may be stale (another node judged those codes since).
      deleteLedgerFiles(config.ledgerDir());
      history.enableOwnershipFence();
      cluster = new ClusterNode(config.cluster(), db);
    } else {
      // A cluster's nodes fence one another's commits through partition_owners; a single node checks nothing there:
      // its scans (serve's, import's) landed beside theirs unfenced, judged against a ledger that lacks theirs.
      whileTheDatabaseAnswers("the database's partition owners are being read", true, () -> {
        refuseClusterDatabase("a start without TRACESENTINEL_KAFKA_BOOTSTRAP would write it unfenced beside them",
            "start this as a node of that cluster, or use another database");
        return null;
      });
    }
    ledger = CodeLedger.open(config.ledgerDir(), config.ledgerCapacity(), config.ledgerVerify());
    ledgerWasClean = ledger.opened() != CodeLedger.Opened.UNCLEAN;
    recovery = new LedgerRecovery(ledger, history, reference, config.ladder());
    LedgerMetrics.bind(prometheus, ledger, recovery::reconcileTotal, recovery::reconcileDone);
    scans = new ScanService(ledger, history, reference, config.ladder(), new ScanIds(), new IngestMetrics(prometheus),
        health, new ScanService.Settings(config.maxGroupScans(), config.maxPendingScans(), config.dbStallMillis(),
        config.oldestScan()), cluster == null ? Partitions.SINGLE_NODE : cluster);
    whileTheDatabaseAnswers("the highest stored scan ids are being read", true, () -> {
      scans.idsAboveCommitted();
      return null;
    });
    scans.ledgerTimeFrom(ledger.checkpoint());
    Runnable recover = cluster == null
        ? whileTheDatabaseAnswers("the history is being asked for stored scans", true, this::recoveryNeeded) : null;
    if (recover != null) {
      scans.pause(recovering);
    }
    return () -> {
      if (recover != null) {
        recoverWhileTheDatabaseAnswers(recover);
        recovering = null;
        scans.resume();
      }
    };
  }

  /**
   * Runs a start's rebuild or reconcile, given up once the database has not answered the supervisor's test commit
   * for the liveness grace: its reads have no time limit (a slow server is no failure), and a frozen one held the
   * start forever, readiness telling only the progress. Given up, the step is left marked for the next start.
   */
  private void recoverWhileTheDatabaseAnswers(Runnable recover) {
    try {
      // Not tried again: a rebuild or reconcile cut off half-way is for the next start, from its marker.
      whileTheDatabaseAnswers(recovering, false, () -> {
        recover.run();
        return null;
      });
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs a start's step on the database (migrations, reference data, the ledger's rebuild or reconcile) on a thread
   * of its own, given up once the database has not answered the supervisor's test commit for the liveness grace, a
   * WARN naming the step every 10 s meanwhile: a frozen server held the start silent as long as it stayed frozen, and
   * failed it after the thaw with the pool's "Timeout waiting for connection". A step that failed as the database
   * could not serve it is tried again ({@code again}) once it answers, within the same grace.
   */
  private <T> T whileTheDatabaseAnswers(String step, boolean again, java.util.concurrent.Callable<T> work)
      throws Exception {
    long firstFailure = 0;
    long nextWarning = 0; // over the tries: one WARN every 10 s
    while (true) {
      java.util.concurrent.FutureTask<T> task = new java.util.concurrent.FutureTask<>(work);
      Thread worker = new Thread(task, "start-step");
      worker.setDaemon(true); // left running only when the start gave up on it, and then it must hold nothing up
      worker.start();
      try {
        while (!awaited(task)) {
          nextWarning = waitedForTheDatabase(step, nextWarning, task);
        }
        return task.get();
      } catch (java.util.concurrent.ExecutionException e) {
        Throwable cause = e.getCause();
        if (!again || !DatabaseFailures.unavailable(cause)) {
          throw cause instanceof Exception x ? x : new IllegalStateException(cause);
        }
        firstFailure = firstFailure == 0 ? System.nanoTime() : firstFailure;
        long failingFor = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - firstFailure);
        // The supervisor's test commit under way tells within its own limit whether the database answers at all.
        for (int waited = 0; failingFor > config.livenessGrace().toSeconds() && health.downBecause() == null
            && waited <= config.dbTimeoutSeconds(); waited++) {
          Thread.sleep(1_000);
        }
        if (failingFor > config.livenessGrace().toSeconds() && health.downBecause() == null) {
          Throwable first = cause; // the wrappers' messages repeat it behind their class names
          while (first.getCause() != null) {
            first = first.getCause();
          }
          throw new IllegalStateException("the start gave up: the database " + db.redacted() + " could not serve it "
              + "for " + failingFor + " s (" + first.getMessage() + "; limit TRACESENTINEL_LIVENESS_GRACE_SECONDS="
              + config.livenessGrace().toSeconds() + ") while " + step + "; the next start does it again", cause);
        }
        do {
          Thread.sleep(1_000); // the supervisor's next test commit tells whether it answers
          nextWarning = waitedForTheDatabase(step, nextWarning, null);
        } while (health.downBecause() != null);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while " + step, e);
      }
    }
  }

  /**
   * One second of a start step's wait: a WARN every 10 s while the database does not answer, and the start given up
   * (the task's reads ended) once that has lasted the liveness grace. Returns when the next WARN is due.
   */
  private long waitedForTheDatabase(String step, long nextWarning, java.util.concurrent.FutureTask<?> task)
      throws InterruptedException {
    String down = health.downBecause();
    long downFor = down == null ? 0 : health.downFor().toSeconds();
    if (down == null) {
      return 0;
    }
    if (downFor > config.livenessGrace().toSeconds()) {
      // The reads end with a connection error; one still logging in fails within its own limit.
      for (int tries = 0; history != null && task != null && tries <= config.dbTimeoutSeconds() && !task.isDone();
          tries++) {
        history.abortReads();
        awaited(task);
      }
      throw new IllegalStateException("the start gave up: the database has not answered for " + downFor + " s ("
          + db.redacted() + ": " + down + "; limit TRACESENTINEL_LIVENESS_GRACE_SECONDS="
          + config.livenessGrace().toSeconds() + ") while " + step + "; the next start does it again");
    }
    if (downFor >= nextWarning) {
      LOG.warn("The start waits for the database {}, unanswered for {} s, while {}; it gives up after {} s "
          + "(TRACESENTINEL_LIVENESS_GRACE_SECONDS)", db.redacted(), downFor, step, config.livenessGrace().toSeconds());
      return downFor + 10;
    }
    return nextWarning;
  }

  /** Waits up to a second for the task; true once it is done (a failure is for its caller to take). */
  private static boolean awaited(java.util.concurrent.FutureTask<?> task) throws InterruptedException {
    try {
      task.get(1, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException notYetOrFailed) {
      // told by isDone
    }
    return task.isDone();
  }

  /**
   * The first checkpoint is written before the service is ready, then one every second: a ledger made or rebuilt at
   * this start has none yet, and a crash within its first second made the next start reconcile every code (since 0).
   */
  private void startCheckpoints() throws IOException {
    checkpointLedger();
    checkpointTimer = vertx.setPeriodic(1_000, id -> vertx.executeBlocking(() -> {
      checkpointLedger();
      return null;
    }, false));
  }

  /**
   * What the ledger needs before the service may judge against it, or null: a rebuild when it is new or was replaced
   * while the history holds scans (an empty ledger would let a sold box pass as new), a reconcile after an unclean
   * stop.
   */
  private Runnable recoveryNeeded() throws Exception {
    CodeLedger.Opened opened = ledger.opened();
    if ((opened == CodeLedger.Opened.NEW || opened == CodeLedger.Opened.REPLACED) && history.hasStoredScans()) {
      recovering = "the code ledger is being rebuilt from the history (" + ledger.openedBecause() + ")";
      return () -> {
        try {
          long started = System.nanoTime();
          recovery.rebuild(new PrintStream(OutputStream.nullOutputStream()));
          ledger.rebuilt();
          LOG.info("Ledger rebuilt from the history in {} ms: {} codes", (System.nanoTime() - started) / 1_000_000,
              ledger.size());
        } catch (Exception e) {
          throw new IllegalStateException("rebuilding the ledger from the history failed", e);
        }
      };
    }
    if (opened == CodeLedger.Opened.NEW || opened == CodeLedger.Opened.REPLACED) {
      ledger.rebuilt(); // nothing is stored yet: the empty ledger is the whole history
    }
    if (opened == CodeLedger.Opened.UNCLEAN) {
      recovering = "the code ledger is being reconciled with the history after an unclean stop";
      long since = ledger.checkpoint();
      return () -> {
        try {
          recovery.reconcile(since);
          ledgerWasClean = true;
        } catch (Exception e) {
          throw new IllegalStateException("reconciling the ledger with the history failed", e);
        }
      };
    }
    return null;
  }

  /**
   * Photo uploads cut off and Vert.x's copies of the web files are the running process's alone, and a kill -9 leaves
   * them behind: the lock says that process is gone. A till's photo (a sold box, its site and document) left in
   * {@code uploads} stayed there for good. Deleted before Vert.x starts, which would otherwise take {@code web-cache-1}.
   */
  private void deleteWhatAKilledProcessLeft() throws IOException {
    if (Files.isDirectory(config.uploadsDir())) {
      try (var files = Files.list(config.uploadsDir())) {
        for (Path f : (Iterable<Path>) files::iterator) {
          EmbeddedDatabase.deleteTree(f);
        }
      }
    }
    EmbeddedDatabase.deleteTree(config.webCacheDir());
  }

  /** Lock, database, schema, metrics registry, Vert.x, pool, reference data, the history adapter. */
  private void startDatabase() throws Exception {
    startDatabase(true);
  }

  /** {@code migrate} false: a database this build would upgrade is refused, as a check must change nothing. */
  private void startDatabase(boolean migrate) throws Exception {
    if (lock == null) {
      lock = DataDirLock.acquire(config.dataDir());
    }
    deleteWhatAKilledProcessLeft();
    db = openDatabase();
    if (migrate) {
      // Watched from here on: the start's steps wait on the database without a limit of their own.
      health = new DatabaseHealth();
      supervisor = new DatabaseSupervisor(db, embedded, health, config.dbTimeoutSeconds()).start();
      whileTheDatabaseAnswers("the database's schema is being migrated", true, () -> {
        Migrations.apply(db);
        return null;
      });
    } else {
      Migrations.requireCurrent(db);
    }

    prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    prometheus.config().commonTags("application", "tracesentinel").meterFilter(Histograms.forHttpServer())
        .meterFilter(com.tracesentinel.metrics.HttpRouteLabel.lastRoute())
        .meterFilter(com.tracesentinel.metrics.HttpMethodLabel.knownOnly())
        .meterFilter(RequestsInFlight.withoutVertxActiveRequests()).meterFilter(Histograms.withoutHttpBodySizes());
    if (config.cluster() != null) {
      prometheus.config().commonTags("node", config.cluster().nodeId()); // one dashboard, every node apart
    }
    new JvmMemoryMetrics().bindTo(prometheus);
    new JvmGcMetrics().bindTo(prometheus);
    new JvmThreadMetrics().bindTo(prometheus);
    new ClassLoaderMetrics().bindTo(prometheus);
    new ProcessorMetrics().bindTo(prometheus);
    new UptimeMetrics().bindTo(prometheus);
    vertx = Vertx.builder()
        .with(new VertxOptions()
            .setFileSystemOptions(new FileSystemOptions().setFileCacheDir(config.webCacheDir().toString())
                .setFileCacheDirAsExactPath(true))
            .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).addLabels(Label.HTTP_ROUTE)))
        .withMetrics(new MicrometerMetricsFactory(prometheus))
        .withTransport(socketTransport(config.http().transport()))
        .build();
    pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.dbPoolSize()).setMaxWaitQueueSize(1_000)
            .setConnectionTimeout(ApiServer.POOL_WAIT_SECONDS).setConnectionTimeoutUnit(TimeUnit.SECONDS))
        // The pool's queries have no deadline of their own: with a table they read or write locked (a table rewrite,
        // an operator's LOCK TABLE) every route waited until the lock went or the idle timeout closed the connection
        // unanswered. PostgreSQL cancels such a statement (SQLSTATE 57014, a 503) and rolls its transaction back, so a
        // write given up on is certainly not stored.
        .connectingTo(new PgConnectOptions().setHost(db.host()).setPort(db.port()).setDatabase(db.database())
            .setUser(db.user()).setPassword(db.password()).setPipeliningLimit(16)
            .addProperty("statement_timeout", config.dbTimeoutSeconds() + "s"))
        .using(vertx)
        .build();
    reference = new ReferenceStore();
    referenceRepository = new ReferenceRepository(pool, reference, config.dbStallMillis());
    if (supervisor != null) {
      whileTheDatabaseAnswers("the reference data is being loaded", true, () -> await(referenceRepository.load()));
    } else {
      await(referenceRepository.load());
    }
    history = new PostgresHistory(db, config.cluster() == null ? WRITER : config.cluster().nodeId(),
        config.dbTimeoutSeconds(), (int) Math.min(config.dbTimeoutSeconds(), (config.dbStallMillis() + 999) / 1000),
        reference::site);
  }

  /**
   * The transport asked for, or where it cannot load here (another OS, a kernel or a container's seccomp profile
   * without io_uring) the next of io_uring, epoll, java.nio: a missing native transport costs speed, never the start.
   */
  private static Transport socketTransport(String asked) {
    // Vert.x leaves a native transport's field null when its Netty classes are not on the class path.
    Transport[] order = {Transport.IO_URING, Transport.EPOLL, Transport.NIO};
    String[] names = {"io_uring", "epoll", "nio"};
    for (int i = List.of(names).indexOf(asked); i < order.length; i++) {
      if (order[i] != null && order[i].available()) {
        LOG.info("Sockets on {}", names[i]);
        return order[i];
      }
      LOG.warn("Sockets: {} is unavailable here ({})", names[i],
          order[i] == null ? "not on the class path" : String.valueOf(order[i].unavailabilityCause()));
    }
    return Transport.NIO;
  }

  private DatabaseUrl openDatabase() throws Exception {
    if (config.dbUrl() != null) {
      DatabaseUrl url = DatabaseUrl.parse(config.dbUrl());
      LOG.info("Using PostgreSQL at {}", url.redacted());
      requireReachable(url);
      return url;
    }
    embedded = EmbeddedDatabase.start(config.embeddedDbDir());
    return embedded.url("postgres");
  }

  /**
   * Flyway's own refusal of a database it cannot reach or log in to is a page of dashes, SQL states and repeated
   * text naming no variable: tried first here, that is one line naming TRACESENTINEL_DB_URL.
   */
  private static void requireReachable(DatabaseUrl url) {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("user", url.user());
    p.setProperty("password", url.password());
    p.setProperty("connectTimeout", "10");
    // A server that takes the connection and never answers the login (frozen, or another program on that port) held
    // the start silently for as long as it stayed so: connectTimeout covers the TCP connection only.
    p.setProperty("loginTimeout", "10");
    p.setProperty("socketTimeout", "10");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url.jdbcUrl(), p)) {
      // reachable, and the credentials work
    } catch (java.sql.SQLException e) {
      String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip();
      throw new IllegalStateException("TRACESENTINEL_DB_URL=" + url.redacted() + " cannot be used: " + why
          + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")"));
    }
  }

  /** The background audit: a sample of recently judged codes compared with the history every few seconds. */
  private void startAudit() {
    if (config.auditSeconds() == 0) {
      return;
    }
    LedgerAudit audit = new LedgerAudit(scans, recovery, prometheus,
        cluster == null ? part -> true : cluster::judges);
    auditor = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ledger-audit");
      t.setDaemon(true);
      return t;
    });
    auditor.scheduleWithFixedDelay(() -> {
      try {
        if (scans.admission() == null) {
          audit.runOnce(200);
        }
      } catch (Exception e) {
        LOG.debug("Ledger audit round skipped: {}", e.toString());
      }
    }, config.auditSeconds(), config.auditSeconds(), TimeUnit.SECONDS);
  }

  private int lastFillWarning;

  /** Every second: record how far the ledger is settled, and warn well before it fills. */
  private void checkpointLedger() throws IOException {
    Instant settled = scans.settledBefore();
    if (settled != null && recovering == null) {
      ledger.writeCheckpoint(settled.getEpochSecond() - 2);
    }
    int percent = (int) (ledger.fill() * 100);
    if (percent >= 80 && percent / 5 > lastFillWarning) {
      LOG.warn("The code ledger is {}% full ({} of {} codes): raise TRACESENTINEL_LEDGER_CAPACITY and run "
          + "rebuild-ledger before it refuses new codes", percent, ledger.size(), ledger.capacity());
    }
    lastFillWarning = percent / 5;
  }

  /**
   * Why the ledger's states cannot be told now, or null: the HTTP server opens before a start's rebuild or reconcile
   * ends (readiness reports its progress), and a look-up then read an empty or unsettled ledger, NO_SALE_RECORD for
   * a box the history holds sold.
   */
  private String statesUnknownBecause() {
    String r = recovering;
    return scans.stoppedBecause() != null
        ? "a code's state cannot be answered until the service has restarted after an internal fault"
        : r != null ? "a code's state cannot be answered while " + r : null;
  }

  private String notReady() {
    String r = recovering;
    if (r != null) {
      long total = recovery.reconcileTotal();
      String progress = total == 0 ? r : r + ": " + recovery.reconcileDone() + " of " + total + " done";
      String down = health.downBecause();
      return down == null ? progress : progress + "; waiting for the database, unanswered for "
          + health.downFor().toSeconds() + " s (" + down + "), the start gives up after "
          + config.livenessGrace().toSeconds() + " s";
    }
    String down = health.downBecause();
    String admission = scans.admission();
    String joining = cluster == null ? null : cluster.notReady();
    if (joining != null && down == null && admission == null) {
      return joining;
    }
    return down != null ? "the database is unavailable: " + down : admission != null ? admission : held;
  }

  /** Ends the hold {@link #start(Config, String)} put on readiness. */
  public void releaseReadiness() {
    held = null;
  }

  /** Called once the caller's shutdown hook, which closes this in order, is installed. */
  public void shutdownHookInstalled() {
    if (embedded != null) {
      embedded.handOverShutdown();
    }
  }

  private String notLive() {
    String stopped = scans.stoppedBecause();
    if (stopped != null) {
      return stopped;
    }
    String down = health.downBecause();
    if (down != null && health.downFor().compareTo(config.livenessGrace()) > 0) {
      return "the database has been unavailable for " + health.downFor().toSeconds() + " s (limit "
          + config.livenessGrace().toSeconds() + " s, TRACESENTINEL_LIVENESS_GRACE_SECONDS): " + down;
    }
    return null;
  }

  /** The look-up counts gathered in memory: stored now (tests; the service does it every 10 s). */
  public LookupQueries lookupCounts() {
    return lookupCounts;
  }

  public Services services() {
    return services;
  }

  /** The service's PostgreSQL pool (tests); HTTP is given the queries and stores built on it, never the pool. */
  public Pool pool() {
    return pool;
  }

  /** The code ledger itself (tests); the service reaches it through the ingest core's ports. */
  public CodeLedger ledger() {
    return ledger;
  }

  /** The ingest core (also without HTTP, after {@link #startCore}). */
  public ScanService scans() {
    return scans;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Where earlier imports got to (also without HTTP, after {@link #startCore}); blocking, for the import's thread. */
  public ImportCheckpoints importCheckpoints() {
    return new PostgresImportCheckpoints(pool);
  }

  /** The admin key generated at this start (a fresh install without TRACESENTINEL_ADMIN_KEY), or null. */
  public ApiKeys.IssuedKey generatedAdminKey() {
    return generatedAdminKey;
  }

  public static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  /**
   * Stops in reverse order. The ledger is closed as clean only when every judged request was settled (committed or
   * undone); otherwise the next start reconciles it.
   */
  @Override
  public synchronized void close() throws Exception {
    if (closed) {
      return;
    }
    closed = true;
    if (vertx != null && checkpointTimer >= 0) {
      vertx.cancelTimer(checkpointTimer);
    }
    if (vertx != null) {
      try {
        for (String id : vertx.deploymentIDs()) {
          await(vertx.undeploy(id));
        }
      } catch (Exception e) {
        LOG.warn("Undeploying HTTP: {}", e.toString());
      }
    }
    if (auditor != null) {
      auditor.shutdownNow();
    }
    if (lookupCounts != null) {
      try {
        await(lookupCounts.flush());
      } catch (Exception e) {
        LOG.warn("Storing the last look-up counts: {}", e.toString());
      }
    }
    if (investigations != null) {
      investigations.close();
    }
    if (cluster != null) {
      try {
        cluster.close(); // leaves the group: its partitions move to the other nodes now, not after a session timeout
      } catch (Exception e) {
        LOG.warn("Leaving the cluster: {}", e.toString());
      }
    }
    if (stateReaders != null) {
      stateReaders.shutdownNow();
    }
    boolean settled = true;
    if (scans != null) {
      settled = scans.stop();
    }
    if (supervisor != null) {
      supervisor.close();
    }
    if (ledger != null) {
      ledger.close(settled && ledgerWasClean);
    }
    if (history != null) {
      history.close();
    }
    // A connection still logging in to a frozen server holds the pool's and Vert.x's close: a failed start waited
    // two minutes for it.
    int closeSeconds = health != null && health.downBecause() != null ? 1 : 10;
    if (pool != null) {
      try {
        pool.close().toCompletionStage().toCompletableFuture().get(closeSeconds, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("Closing the database pool: {}", e.toString());
      }
    }
    if (vertx != null) {
      // What must be durable is closed by now. A Netty event loop that never finishes stopping (netty/netty#16716,
      // seen once in 4.2.13) must not hold the exit for two minutes and turn a finished import into a failure.
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(closeSeconds, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        LOG.warn("Vert.x's threads did not stop within {} s; stopping the rest without waiting for them",
            closeSeconds);
      }
    }
    if (embedded != null) {
      embedded.close();
    }
    if (lock != null) {
      lock.close();
    }
  }
}
