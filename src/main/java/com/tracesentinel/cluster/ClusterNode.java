package com.tracesentinel.cluster;

import com.tracesentinel.code.AsciiCase;
import com.tracesentinel.code.CodeKey;
import com.tracesentinel.history.DatabaseUrl;
import com.tracesentinel.history.OwnerTable;
import com.tracesentinel.ingest.LedgerRecovery;
import com.tracesentinel.ingest.Partitions;
import com.tracesentinel.ingest.ScanService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of a cluster: which code partitions it owns and whether it may judge them now. Kafka's group decides who
 * should own a partition ({@link Membership}); this class takes it in the database (a new epoch, which fences the
 * previous owner's commits), rebuilds the partition's ledger entries from the history, and only then opens it to the
 * judge. A partition given away is closed to the judge at once, inside Kafka's callback, before the group hands it
 * to the next owner; its entries are emptied afterwards.
 *
 * <p>Per partition: {@code NONE → TAKING → REBUILDING → READY → NONE}. Every change bumps the partition's generation,
 * so a takeover or rebuild overtaken by a newer assignment gives up instead of opening a partition it lost. The
 * database work runs on one worker thread, in order (reopening paused partitions, a mere read, on a second one).
 *
 * <p>A node cut off from the group (or told it lost partitions while out of it) cannot know whether another node was
 * given them, so it stops judging them at once, but it keeps their entries: {@code READY → PAUSED}. When the group
 * gives them back and the database still names this node their owner at the same epoch, no other node can have
 * written for them (every commit checks owner and epoch), so the entries are still exact and the partition opens
 * again without a takeover or a rebuild: {@code PAUSED → READY}. Otherwise it is taken over and rebuilt like any
 * other; a paused partition the database shows under another owner is emptied.
 */
public final class ClusterNode implements Partitions, PartitionOwners, Membership.Listener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
  private static final long LOCK_TIMEOUT_MS = 2_000;

  public enum Phase { NONE, TAKING, REBUILDING, READY, PAUSED }

  /** A partition as this node holds it. */
  public record Hold(Phase phase, long epoch, long generation) {}

  /** A partition's owner as the database last said, for routing. */
  public record Owner(String node, String url, long epoch) {}

  private final ClusterSettings settings;
  private final OwnerTable table;
  private final AtomicReferenceArray<Hold> holds = new AtomicReferenceArray<>(CodeKey.PARTITIONS);
  private final AtomicLong generations = new AtomicLong();
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> daemon(r, "cluster-worker"));
  /** Reopens paused partitions: a read of the owners, kept off the worker, which may be busy emptying partitions. */
  private final ExecutorService resumer = Executors.newSingleThreadExecutor(r -> daemon(r, "cluster-resumer"));
  private final ScheduledExecutorService refresher =
      Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "cluster-owners"));
  private volatile Map<Integer, Owner> owners = Map.of();
  /**
   * Between a cut-off and the reopen that follows it: a takeover or rebuild that finishes meanwhile lands PAUSED, not
   * READY. Written under {@code this} together with that landing, so a reopen never misses a partition landing; read
   * without it by readiness.
   */
  private volatile boolean cut;
  /** Generations of paused partitions the group gave back, while the resumer checks them: the refresher leaves those. */
  private final Set<Long> resumingGenerations = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean firstAssignmentDone;
  private final AtomicLong rebuildScans = new AtomicLong();
  private Membership membership;
  private ScanService scans;
  private LedgerRecovery recovery;
  private Counter takeovers;
  private Counter fences;
  private Timer rebuilds;

  public ClusterNode(ClusterSettings settings, DatabaseUrl db) {
    this.settings = settings;
    this.table = new OwnerTable(db, settings.nodeId());
    for (int p = 0; p < CodeKey.PARTITIONS; p++) {
      holds.set(p, new Hold(Phase.NONE, -1, 0));
    }
  }

  /**
   * Checks the group's topic; {@link #followOwners} then reads the owners, and {@link #join} joins the group. The
   * ledger must hold no partition's entries yet.
   */
  public void start(ScanService scans, LedgerRecovery recovery, MeterRegistry registry) throws Exception {
    this.scans = scans;
    this.recovery = recovery;
    bindMetrics(registry);
    Membership.ensureTopic(settings);
  }

  /**
   * Reads the owners, then again every second. Apart from {@link #start}, so that the start can watch this read like
   * its other steps on the database and try it again (Kafka is not asked twice).
   */
  public void followOwners() throws Exception {
    refreshOwners();
    refresher.scheduleWithFixedDelay(this::refreshOwnersQuietly, 1, 1, TimeUnit.SECONDS);
  }

  /**
   * Once this node's HTTP port is open: checks that TRACESENTINEL_NODE_URL reaches this node, then joins the group;
   * partitions come in as Kafka assigns them.
   */
  public void join() throws Exception {
    requireOwnUrl();
    membership = new Membership(settings, this);
    membership.start();
  }

  /**
   * A node started with another node's address (a copied configuration) joined, took its share of the partitions and
   * looked healthy, while the others sent that share's scans to the other node, which answered 421, and their clients
   * 503 without end. Refused at start when the address answers as another node; an address this node cannot reach
   * itself (a NAT without hairpin, say) is only logged.
   */
  private void requireOwnUrl() throws InterruptedException {
    String answeredBy;
    try {
      java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newBuilder()
          .connectTimeout(java.time.Duration.ofSeconds(5)).build()
          .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(settings.url() + ClusterRouter.NODE_PATH))
              .header(ClusterRouter.SECRET_HEADER, settings.secret()).timeout(java.time.Duration.ofSeconds(5)).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      answeredBy = r.statusCode() == 200 ? new io.vertx.core.json.JsonObject(r.body()).getString("node") : null;
      if (answeredBy == null) {
        LOG.warn("TRACESENTINEL_NODE_URL={} answered {} to this node's check: the other nodes must reach this node "
            + "there", settings.url(), r.statusCode());
        return;
      }
    } catch (java.io.IOException | RuntimeException e) {
      LOG.warn("TRACESENTINEL_NODE_URL={} could not be reached from this node ({}): the other nodes must reach it there",
          settings.url(), e.toString());
      return;
    }
    if (!answeredBy.equals(settings.nodeId())) {
      throw new IllegalStateException("TRACESENTINEL_NODE_URL=" + settings.url() + " reaches node " + answeredBy
          + ", not this node (" + settings.nodeId() + "): the other nodes would send this node's scans there; give "
          + "each node the address it listens on");
    }
  }

  @Override
  public ClusterSettings settings() {
    return settings;
  }

  // ---- what the judge and the committer ask --------------------------------------------------------------------

  @Override
  public boolean judges(int part) {
    return holds.get(part).phase() == Phase.READY;
  }

  @Override
  public long judgingEpoch(int part) {
    Hold h = holds.get(part);
    return h.phase() == Phase.READY ? h.epoch() : -1;
  }

  @Override
  public void fenced(Set<Integer> parts) {
    fences.increment(parts.size());
    LOG.warn("Partitions {} were taken over by another node: this node stops judging them and rejoins the group",
        parts);
    close(parts, "fenced");
    membership.rejoin();
  }

  // ---- what Kafka says (membership thread) -----------------------------------------------------------------------

  @Override
  public void assigned(Set<Integer> parts) {
    Map<Integer, Long> taking = new HashMap<>();
    Map<Integer, Hold> resuming = new HashMap<>();
    for (int p : parts) {
      long g = generations.incrementAndGet();
      Hold before = holds.get(p);
      if (before.phase() == Phase.PAUSED) {
        Hold paused = new Hold(Phase.PAUSED, before.epoch(), g);
        resumingGenerations.add(g);
        holds.set(p, paused);
        resuming.put(p, paused);
      } else {
        holds.set(p, new Hold(Phase.TAKING, -1, g));
        taking.put(p, g);
      }
    }
    if (!resuming.isEmpty()) {
      LOG.info("Assigned partitions {} this node paused: opening them again if no other node took them meanwhile",
          new TreeSet<>(resuming.keySet()));
      resumer.execute(() -> resume(resuming));
    }
    if (!taking.isEmpty()) {
      LOG.info("Assigned partitions {}: taking them over", new TreeSet<>(taking.keySet()));
      worker.execute(() -> takeOver(taking));
    }
  }

  @Override
  public void revoked(Set<Integer> parts) {
    LOG.info("Partitions {} move to another node: no longer judged here", parts);
    close(parts, "revoked");
  }

  @Override
  public void lost(Set<Integer> parts) {
    LOG.warn("Partitions {} were lost while this node was out of the group: no longer judged here", parts);
    pause(parts, "lost", true);
  }

  /**
   * Stops judging everything; a takeover or rebuild under way goes on (it judges nothing) and lands PAUSED, so that a
   * partition being rebuilt when a coordinator broker fails is not rebuilt a second time after the reopen.
   */
  @Override
  public synchronized boolean cutOff() {
    Set<Integer> open = new TreeSet<>();
    for (int p = 0; p < CodeKey.PARTITIONS; p++) {
      if (holds.get(p).phase() != Phase.NONE) {
        open.add(p);
      }
    }
    if (!open.isEmpty()) {
      cut = true;
    }
    pause(open, "cut off from the group", false);
    return !open.isEmpty();
  }

  @Override
  public void reopen(Set<Integer> owned) {
    Set<Integer> closed = new TreeSet<>();
    synchronized (this) {
      cut = false;
      for (int p : owned) {
        Phase phase = holds.get(p).phase();
        if (phase == Phase.NONE || phase == Phase.PAUSED) {
          closed.add(p);
        }
      }
    }
    if (closed.isEmpty()) {
      return;
    }
    LOG.info("The group still gives this node partitions {} it stopped judging when cut off: opening them again",
        closed);
    assigned(closed);
  }

  /**
   * Stops judging these partitions now. Those open keep their entries and their epoch (PAUSED); a takeover or rebuild
   * still under way is abandoned when {@code abandonUnfinished} (the group gave the partition away).
   */
  private void pause(Set<Integer> parts, String why, boolean abandonUnfinished) {
    Set<Integer> paused = new TreeSet<>();
    Set<Integer> unfinished = new TreeSet<>();
    for (int p : parts) {
      while (true) {
        Hold h = holds.get(p);
        if (h.phase() == Phase.READY) {
          if (holds.compareAndSet(p, h, new Hold(Phase.PAUSED, h.epoch(), generations.incrementAndGet()))) {
            paused.add(p);
            break;
          }
        } else {
          if (abandonUnfinished && (h.phase() == Phase.TAKING || h.phase() == Phase.REBUILDING)) {
            unfinished.add(p);
          }
          break;
        }
      }
    }
    if (!paused.isEmpty()) {
      LOG.info("Partitions {} paused ({}): not judged here until the group gives them back; their entries are kept",
          paused, why);
    }
    if (!unfinished.isEmpty()) {
      close(unfinished, why);
    }
  }

  /**
   * Resumer: opens paused partitions again when the database still names this node their owner at the epoch they were
   * paused at; the others go to the worker, to be taken over afresh.
   */
  private void resume(Map<Integer, Hold> resuming) {
    try {
      resumeChecked(resuming);
    } finally {
      resuming.values().forEach(h -> resumingGenerations.remove(h.generation()));
    }
  }

  private void resumeChecked(Map<Integer, Hold> resuming) {
    Map<Integer, Owner> now = null;
    long delay = 100;
    while (now == null && !stillHeld(resuming).isEmpty()) {
      try {
        now = readOwners();
      } catch (Exception ex) {
        LOG.warn("Reading the partition owners to resume {} failed (retrying in {} ms): {}", resuming.keySet(), delay,
            ex.toString());
        sleep(delay);
        delay = Math.min(5_000, delay * 2);
      }
    }
    if (now == null) {
      return;
    }
    Set<Integer> opened = new TreeSet<>();
    Map<Integer, Long> taking = new HashMap<>();
    synchronized (this) { // cut off again meanwhile: they stay PAUSED, and the next reopen brings them back here
      for (Map.Entry<Integer, Hold> e : resuming.entrySet()) {
        int p = e.getKey();
        Hold paused = e.getValue();
        Owner o = now.get(p);
        boolean untouched = o != null && o.node().equals(settings.nodeId()) && o.epoch() == paused.epoch();
        if (untouched && !cut
            && holds.compareAndSet(p, paused, new Hold(Phase.READY, paused.epoch(), paused.generation()))) {
          opened.add(p);
        } else if (!untouched && holds.compareAndSet(p, paused, new Hold(Phase.TAKING, -1, paused.generation()))) {
          taking.put(p, paused.generation());
        }
      }
    }
    if (!opened.isEmpty()) {
      LOG.info("Partitions {} open again, no rebuild: no other node took them while they were paused", opened);
    }
    if (!taking.isEmpty()) {
      LOG.info("Partitions {} changed hands while paused here: taking them over and rebuilding them", taking.keySet());
      worker.execute(() -> takeOver(taking));
    }
  }

  private Set<Integer> stillHeld(Map<Integer, Hold> expected) {
    Set<Integer> out = new TreeSet<>();
    expected.forEach((p, h) -> {
      if (holds.get(p) == h) {
        out.add(p);
      }
    });
    return out;
  }

  /** Closes the partitions to the judge now; gives them back in the database and empties them on the worker. */
  private void close(Set<Integer> parts, String why) {
    close(parts, null, why);
  }

  /** As {@link #close(Set, String)}; with {@code expected}, only the partitions still held exactly so. */
  private void close(Set<Integer> parts, Map<Integer, Hold> expected, String why) {
    Map<Integer, Long> released = new HashMap<>();
    Map<Integer, Long> gens = new HashMap<>();
    for (int p : parts) {
      long g = generations.incrementAndGet();
      Hold none = new Hold(Phase.NONE, -1, g);
      Hold before;
      if (expected == null) {
        before = holds.getAndSet(p, none);
      } else if (holds.compareAndSet(p, expected.get(p), none)) {
        before = expected.get(p);
      } else {
        continue; // given back meanwhile: the resumer decides
      }
      gens.put(p, g);
      if (before.epoch() >= 0) {
        released.put(p, before.epoch());
      }
    }
    worker.execute(() -> {
      released.forEach((p, epoch) -> releaseQuietly(p, epoch, why));
      Set<Integer> empty = stillAt(gens);
      if (!empty.isEmpty()) {
        try {
          scans.dropPartitions(empty).get(30, TimeUnit.SECONDS);
          long removed = recovery.removePartitions(stillAt(gens));
          LOG.info("Partitions {} closed ({}): {} ledger entries removed", empty, why, removed);
        } catch (Exception ex) {
          LOG.warn("Emptying partitions {}: {}", empty, ex.toString());
        }
      }
      refreshOwnersQuietly();
    });
  }

  private void releaseQuietly(int part, long epoch, String why) {
    try {
      table.release(part, epoch, LOCK_TIMEOUT_MS);
    } catch (Exception ex) {
      // The next owner's takeover raises the epoch anyway; giving it back early only saves it a wait.
      LOG.info("Could not give partition {} back ({}): {}", part, why, ex.toString());
    }
  }

  /** Worker: the database takeover, then the rebuild, then the partitions open to the judge. */
  private void takeOver(Map<Integer, Long> taking) {
    Map<Integer, Long> epochs = new HashMap<>();
    long delay = 100;
    // One transaction for all of them: a rejoining node takes about a third of the partitions, and one UPDATE and
    // commit each cost it more than a second under load.
    for (Set<Integer> wanted = stillAt(taking); !wanted.isEmpty(); wanted = stillAt(taking)) {
      try {
        epochs.putAll(table.takeOver(wanted, settings.url(), LOCK_TIMEOUT_MS));
        takeovers.increment(wanted.size());
        break;
      } catch (Exception ex) {
        LOG.warn("Taking partitions {} over failed (retrying in {} ms): {}", wanted, delay, ex.toString());
        sleep(delay);
        delay = Math.min(5_000, delay * 2);
      }
    }
    Map<Integer, Long> rebuilding = new HashMap<>();
    for (Map.Entry<Integer, Long> e : epochs.entrySet()) {
      int p = e.getKey();
      long g = taking.get(p);
      Hold h = holds.get(p);
      if (h.generation() == g && holds.compareAndSet(p, h, new Hold(Phase.REBUILDING, e.getValue(), g))) {
        rebuilding.put(p, g);
      } else {
        releaseQuietly(p, e.getValue(), "taken over after it had moved on");
      }
    }
    rebuild(rebuilding, epochs);
    refreshOwnersQuietly();
  }

  private void rebuild(Map<Integer, Long> rebuilding, Map<Integer, Long> epochs) {
    Set<Integer> parts = stillAt(rebuilding);
    if (parts.isEmpty()) {
      firstAssignmentDone = true;
      return;
    }
    long started = System.nanoTime();
    long[] scansBefore = {rebuildScans.get()};
    long delay = 100;
    while (true) {
      try {
        scans.dropPartitions(parts).get(30, TimeUnit.SECONDS);
        long codes = recovery.rebuildPartitions(parts, n -> rebuildScans.set(scansBefore[0] + n));
        scans.idsAboveCommitted(); // the partitions' last owner may have run with a clock ahead of this node's
        long took = System.nanoTime() - started;
        rebuilds.record(took, TimeUnit.NANOSECONDS);
        Set<Integer> landed = new TreeSet<>();
        Phase landing;
        synchronized (this) {
          landing = cut ? Phase.PAUSED : Phase.READY;
          for (int p : parts) {
            long g = rebuilding.get(p);
            Hold h = holds.get(p);
            if (h.generation() == g && holds.compareAndSet(p, h, new Hold(landing, epochs.get(p), g))) {
              landed.add(p);
            }
          }
        }
        LOG.info("Partitions {} rebuilt from the history in {} ms ({} codes, {} scans) and {}: epochs {}", landed,
            took / 1_000_000, codes, rebuildScans.get() - scansBefore[0],
            landing == Phase.READY ? "open" : "paused (this node is cut off from the group)", epochs);
        firstAssignmentDone = true;
        return;
      } catch (Exception ex) {
        if (stillAt(rebuilding).isEmpty()) {
          return;
        }
        LOG.warn("Rebuilding partitions {} failed (retrying in {} ms): {}", parts, delay, ex.toString());
        sleep(delay);
        delay = Math.min(5_000, delay * 2);
      }
    }
  }

  private Set<Integer> stillAt(Map<Integer, Long> gens) {
    Set<Integer> out = new TreeSet<>();
    gens.forEach((p, g) -> {
      if (holds.get(p).generation() == g) {
        out.add(p);
      }
    });
    return out;
  }

  // ---- routing ----------------------------------------------------------------------------------------------------

  /** The partition's owner as the database said at most a second ago, or null when it has none. */
  @Override
  public Owner ownerOf(int part) {
    return owners.get(part);
  }

  /** Reads the owners again now (after a request reached a node that no longer owned its partition). */
  @Override
  public void refreshOwnersSoon() {
    refresher.execute(this::refreshOwnersQuietly);
  }

  private void refreshOwnersQuietly() {
    try {
      refreshOwners();
    } catch (Exception e) {
      LOG.debug("Reading the partition owners: {}", e.toString());
    }
  }

  /** Reads the owners again; empties paused partitions another node took meanwhile (unless being given back). */
  private void refreshOwners() throws Exception {
    Map<Integer, Owner> next = readOwners();
    Map<Integer, Hold> takenWhilePaused = new HashMap<>();
    next.forEach((p, o) -> {
      Hold h = holds.get(p);
      if (h.phase() == Phase.PAUSED && !resumingGenerations.contains(h.generation())
          && (!o.node().equals(settings.nodeId()) || o.epoch() != h.epoch())) {
        takenWhilePaused.put(p, h);
      }
    });
    if (!takenWhilePaused.isEmpty()) {
      close(takenWhilePaused.keySet(), takenWhilePaused, "another node took them while they were paused here");
    }
  }

  private Map<Integer, Owner> readOwners() throws Exception {
    Map<Integer, Owner> next = new HashMap<>();
    for (OwnerTable.Owner o : table.owners()) {
      if (o.node() != null) {
        next.put(o.part(), new Owner(o.node(), o.url(), o.epoch()));
      }
    }
    owners = Map.copyOf(next);
    return owners;
  }

  /**
   * Null when this node serves requests; else why not: it has not joined and rebuilt its first partitions yet, or it
   * judges none now. A node cut off from Kafka pauses every partition and answers every scan of them 503, and a load
   * balancer reading readiness kept sending it traffic: the count of partitions it judges says so at no cost.
   */
  public String notReady() {
    if (!firstAssignmentDone) {
      return "joining the cluster and rebuilding this node's first partitions";
    }
    if (count(Phase.READY) > 0) {
      return null;
    }
    return cut ? "cut off from Kafka (TRACESENTINEL_KAFKA_BOOTSTRAP=" + settings.bootstrap() + "): the cluster group "
        + "answers no heartbeat of this node, so it judges none of its partitions until it does"
        : "judging no partition: those the cluster group gives this node are being taken over and rebuilt";
  }

  /**
   * This node's ledger compared with the history, partition by partition, for those it judges: a partition that
   * changed hands while it was being read is left out of the report (its entries were moving). Blocking; meaningful
   * while no scan moves.
   */
  public Verified verify() throws Exception {
    Set<Integer> checked = new TreeSet<>();
    long codes = 0;
    long scanned = 0;
    long mismatched = 0;
    long missing = 0;
    long extra = 0;
    for (int p = 0; p < CodeKey.PARTITIONS; p++) {
      Hold before = holds.get(p);
      if (before.phase() != Phase.READY) {
        continue;
      }
      LedgerRecovery.Report r = recovery.verifyPartitions(Set.of(p),
          new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), 0);
      if (holds.get(p) != before) {
        continue;
      }
      checked.add(p);
      codes += r.codes();
      scanned += r.scans();
      mismatched += r.mismatched();
      missing += r.missing();
      extra += r.extra();
    }
    return new Verified(checked, codes, scanned, mismatched, missing, extra);
  }

  /** What {@link #verify} found over the partitions it checked. */
  public record Verified(Set<Integer> partitions, long codes, long scans, long mismatched, long missing, long extra) {
    public boolean clean() {
      return mismatched == 0 && missing == 0 && extra == 0;
    }
  }

  /** Scans replayed into this node's ledger by partition rebuilds since it started (the rebuild's progress). */
  public long rebuildScans() {
    return rebuildScans.get();
  }

  /** Every partition: this node's hold, and its owner as last read. */
  public List<Map<String, Object>> status() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int p = 0; p < CodeKey.PARTITIONS; p++) {
      Hold h = holds.get(p);
      Owner o = owners.get(p);
      Map<String, Object> row = new java.util.LinkedHashMap<>();
      row.put("partition", p);
      row.put("here", h.phase().name());
      row.put("owner", o == null ? null : o.node());
      row.put("epoch", o == null ? null : o.epoch());
      out.add(row);
    }
    return out;
  }

  private void bindMetrics(MeterRegistry registry) {
    for (Phase phase : Phase.values()) {
      if (phase != Phase.NONE) {
        Gauge.builder("tracesentinel.cluster.partitions", () -> count(phase))
            .tag("phase", AsciiCase.lower(phase.name())).description("code partitions this node holds, by phase")
            .register(registry);
      }
    }
    takeovers = Counter.builder("tracesentinel.cluster.takeovers").description("partitions taken over (epoch raised)")
        .register(registry);
    fences = Counter.builder("tracesentinel.cluster.fenced")
        .description("partitions found taken over by another node at a commit").register(registry);
    rebuilds = Timer.builder("tracesentinel.cluster.rebuild").description("rebuilds of newly owned partitions")
        .register(registry);
    Gauge.builder("tracesentinel.cluster.rebuild.scans", rebuildScans::get)
        .description("scans replayed into this node's ledger by partition rebuilds since start").register(registry);
  }

  private long count(Phase phase) {
    long n = 0;
    for (int p = 0; p < CodeKey.PARTITIONS; p++) {
      if (holds.get(p).phase() == phase) {
        n++;
      }
    }
    return n;
  }

  /** Tests: the membership thread stops (no poll, no heartbeat check) as in a stuck process; Kafka's own stays. */
  void pauseMembership(boolean pause) {
    membership.pause(pause);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** A back-off pause on the cluster's own threads: an interrupt (shutdown) ends it early and stays set. */
  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Leaves the group (its partitions move at once), then stops the worker. */
  @Override
  public void close() throws InterruptedException {
    if (membership != null) {
      membership.close();
    }
    refresher.shutdownNow();
    resumer.shutdownNow();
    worker.shutdown();
    worker.awaitTermination(15, TimeUnit.SECONDS);
  }
}
