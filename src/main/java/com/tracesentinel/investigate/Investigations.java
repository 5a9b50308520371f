package com.tracesentinel.investigate;

import com.tracesentinel.config.Config;
import com.tracesentinel.history.AnomalyQueries;
import com.tracesentinel.history.CaseStore;
import com.tracesentinel.history.RejectedQueries;
import com.tracesentinel.history.RingStore;
import com.tracesentinel.ingest.CodeStates;
import com.tracesentinel.reference.ReferenceStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What investigators work with beyond the anomaly list: the anomaly feed (live streams, the webhook), the ring index
 * and its queries, and cases. Built and started once per service, before HTTP; stopped before the pool closes.
 */
public final class Investigations {
  private final Config.Alerts settings;
  private final AnomalyQueries queries;
  private final AnomalyFeed feed;
  private final RingIndexer indexer;
  private final Rings rings;
  private final CaseStore cases;
  private final RejectedQueries rejected;
  private final Timelines timelines;
  private final AlertWebhook webhook;
  private final AtomicInteger streams = new AtomicInteger();
  private final java.util.concurrent.ConcurrentHashMap<String, Integer> streamsByKey =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicInteger exports = new AtomicInteger();
  private final java.util.ArrayDeque<Runnable> streamReadsWaiting = new java.util.ArrayDeque<>();
  private int streamReads; // guarded by streamReadsWaiting
  private final Counter streamEvents;
  private final Counter streamResyncs;

  private Investigations(Vertx vertx, Pool pool, ReferenceStore reference, CodeStates states,
                         Timelines.StoredLookups lookups, Config.Alerts settings, MeterRegistry registry) {
    this.settings = settings;
    this.queries = new AnomalyQueries(pool);
    this.feed = new AnomalyFeed(vertx, queries);
    RingStore ringStore = new RingStore(pool);
    this.indexer = new RingIndexer(vertx, ringStore, registry);
    this.rings = new Rings(ringStore, reference);
    this.cases = new CaseStore(pool);
    this.rejected = new RejectedQueries(pool);
    this.timelines = new Timelines(vertx, queries, states, lookups);
    this.webhook = settings.webhook() == null ? null
        : new AlertWebhook(vertx, settings.webhook(), settings.webhookSecret(), registry);
    Gauge.builder("tracesentinel.stream.clients", streams, AtomicInteger::get)
        .description("Open anomaly streams (GET /api/v1/anomalies/stream)").register(registry);
    this.streamEvents = Counter.builder("tracesentinel.stream.events")
        .description("Anomaly events written to streams, replays included").register(registry);
    this.streamResyncs = Counter.builder("tracesentinel.stream.resyncs")
        .description("Stream reconnections too far behind to replay: told to re-sync").register(registry);
  }

  /**
   * @param states  the codes' ledger states, as the public look-up reads them
   * @param lookups where the public look-ups are counted
   */
  public static Future<Investigations> start(Vertx vertx, Pool pool, ReferenceStore reference, CodeStates states,
                                             Timelines.StoredLookups lookups, Config.Alerts settings,
                                             MeterRegistry registry) {
    Investigations i = new Investigations(vertx, pool, reference, states, lookups, settings, registry);
    if (i.webhook != null) {
      i.feed.listen(i.webhook);
    }
    i.indexer.start();
    return i.feed.start().map(i);
  }

  public Config.Alerts settings() {
    return settings;
  }

  public AnomalyQueries queries() {
    return queries;
  }

  public AnomalyFeed feed() {
    return feed;
  }

  public Rings rings() {
    return rings;
  }

  public CaseStore cases() {
    return cases;
  }

  /** Scans refused for their code or data, which investigators list apart from the anomalies. */
  public RejectedQueries rejected() {
    return rejected;
  }

  public Timelines timelines() {
    return timelines;
  }

  /**
   * Counts an open stream of a key (and {@link #streamClosed} its end) for tracesentinel_stream_clients; counts nothing
   * when {@code max} are open already, or {@code maxPerKey} of that key: the limit was one count over every
   * key, so one investigator's script could take every stream and lock the others out. One step each: streams open on
   * every event loop at once, and a count read, then raised, let concurrent opens past the limit.
   */
  public StreamOpening streamOpened(String keyId, int max, int maxPerKey) {
    boolean[] ofKey = {false};
    streamsByKey.compute(keyId, (k, open) -> {
      int n = open == null ? 0 : open;
      ofKey[0] = n < maxPerKey;
      return ofKey[0] ? Integer.valueOf(n + 1) : open;
    });
    if (!ofKey[0]) {
      return StreamOpening.KEY_AT_LIMIT;
    }
    if (streams.getAndUpdate(open -> open < max ? open + 1 : open) >= max) {
      streamClosedOf(keyId);
      return StreamOpening.ALL_AT_LIMIT;
    }
    return StreamOpening.OPENED;
  }

  public enum StreamOpening { OPENED, KEY_AT_LIMIT, ALL_AT_LIMIT }

  public void streamClosed(String keyId) {
    streams.decrementAndGet();
    streamClosedOf(keyId);
  }

  private void streamClosedOf(String keyId) {
    streamsByKey.computeIfPresent(keyId, (k, open) -> open <= 1 ? null : open - 1); // keys long gone leave nothing
  }

  /**
   * Counts a CSV export in flight (and {@link #exportEnded} its end): each holds a pooled connection for as long as
   * its client takes to read it. False, counting nothing, when {@code max} are in flight already.
   */
  public boolean exportStarted(int max) {
    if (exports.incrementAndGet() > max) {
      exports.decrementAndGet();
      return false;
    }
    return true;
  }

  public void exportEnded() {
    exports.decrementAndGet();
  }

  /**
   * Runs {@code read} once fewer than {@code max} streams' reads of the anomalies are under way, in the order asked;
   * {@link #streamReadDone} ends it. Streams reconnecting at once (a restart, a network blip) each took a pooled
   * connection for their count and their replay's pages: 300 took the pool until their own reads, the lists and the
   * starts waited out the pool's 5 s and were 503s with the database up.
   */
  public void whenStreamMayRead(int max, Runnable read) {
    synchronized (streamReadsWaiting) {
      if (streamReads >= max) {
        streamReadsWaiting.add(read);
        return;
      }
      streamReads++;
    }
    read.run();
  }

  public void streamReadDone() {
    Runnable next;
    synchronized (streamReadsWaiting) {
      next = streamReadsWaiting.poll();
      if (next == null) {
        streamReads--;
      }
    }
    if (next != null) {
      next.run(); // its place passes on
    }
  }

  public void streamEvents(int n) {
    streamEvents.increment(n);
  }

  public void streamResynced() {
    streamResyncs.increment();
  }

  public void close() {
    feed.stop();
    indexer.stop();
    if (webhook != null) {
      webhook.stop();
    }
  }
}
