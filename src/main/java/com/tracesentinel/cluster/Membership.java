package com.tracesentinel.cluster;

import com.tracesentinel.code.CodeKey;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership of the cluster's Kafka consumer group. The group's topic has one Kafka partition per code
 * partition and carries no records: Kafka's group protocol is used only to decide, among the live nodes, which node
 * owns which partition (cooperative sticky assignment: a rebalance moves only the partitions that must move). Runs
 * its own thread, which polls and, from the poll, calls the {@link Listener}.
 *
 * <p>Kafka tells a member that it lost its partitions only once it reaches the group again. A node cut off from the
 * brokers therefore watches the answers to its heartbeats ({@link HeartbeatWatch}): when none came for a session
 * timeout less one heartbeat interval, the group may evict it within that interval, and the listener hears
 * {@link Listener#cutOff} before the group can have given its partitions to another node. The database's epoch check
 * on every commit is what makes a late stop safe all the same: a node that judged on stores nothing.
 */
final class Membership implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

  /** Called on the membership thread, in Kafka's order; each call returns before the next poll. */
  interface Listener {
    void assigned(Set<Integer> parts);

    /** Given away in a rebalance: stop judging them before returning (the next owner waits for that). */
    void revoked(Set<Integer> parts);

    /** Taken away while this node was out of the group: someone else may own them already. */
    void lost(Set<Integer> parts);

    /**
     * The group has answered no heartbeat of this node for a session timeout less one heartbeat interval: it may give
     * this node's partitions away at any moment now. True when that closed partitions: once heartbeats are answered
     * again, {@link #reopen} hears which of them the group still gives this node.
     */
    boolean cutOff();

    /**
     * After a cut-off, heartbeats are answered again (a coordinator broker failed over, say) and the group still gives
     * this node these partitions: no other node was given them meanwhile. Those the cut-off closed open again.
     */
    void reopen(Set<Integer> owned);
  }

  private final ClusterSettings settings;
  private final Listener listener;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;
  private volatile boolean stopping;
  private volatile boolean paused;
  private volatile boolean rejoin;
  private boolean cut;
  private boolean reopenWhenHealed;
  private long reopenAt;
  private final long settleNanos;
  private final HeartbeatWatch heartbeats;
  private ConsumerRebalanceListener rebalanceListener;

  Membership(ClusterSettings settings, Listener listener) {
    this.settings = settings;
    this.listener = listener;
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId(settings));
    p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) settings.sessionTimeout().toMillis());
    Duration heartbeatInterval = Duration.ofMillis(Math.max(100, settings.sessionTimeout().toMillis() / 4));
    this.heartbeats = new HeartbeatWatch(settings.sessionTimeout(), heartbeatInterval, System.nanoTime());
    // After a heal, long enough for a heartbeat answer that says this member was evicted to reach a poll (which then
    // reports the partitions lost) before this node opens what the group still gives it.
    this.settleNanos = heartbeatInterval.toNanos() + 500_000_000L;
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) heartbeatInterval.toMillis());
    // The poll loop does nothing else, so a missed poll means a stuck node: let the group notice within 3 sessions.
    p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) settings.sessionTimeout().toMillis() * 3);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) settings.sessionTimeout().toMillis());
    // While a coordinator broker fails over, the client's back-off between tries grows to a second by default: the
    // node would find the new coordinator up to that long after it is there, and judge nothing meanwhile.
    p.put(ConsumerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 250);
    p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 250);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    this.consumer = new KafkaConsumer<>(p);
    this.thread = new Thread(this, "cluster-membership");
    thread.setDaemon(true);
  }

  /**
   * Creates the ownership topic when it is missing (one Kafka partition per code partition, replicated up to 3 times)
   * and refuses a topic with another partition count: the code-to-partition mapping would not match.
   */
  static void ensureTopic(ClusterSettings settings) throws Exception {
    ensureTopic(settings, Duration.ofSeconds(30));
  }

  /** {@link #ensureTopic(ClusterSettings)} waiting {@code brokerWait} for a first broker to answer. */
  static void ensureTopic(ClusterSettings settings, Duration brokerWait) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) brokerWait.toMillis());
    // The client refuses an API timeout below its request timeout (30 s by default).
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(30_000, brokerWait.toMillis()));
    try (Admin admin = Admin.create(p)) {
      Collection<Node> nodes;
      try {
        nodes = admin.describeCluster().nodes().get(brokerWait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
        // Whichever wait ran out first, ours (its message is null: the start ended with "tracesentinel: null") or
        // the client's ("Timed out waiting for a node assignment"), the start names the setting to check.
        if (e instanceof ExecutionException && !(e.getCause() instanceof TimeoutException)) {
          throw e;
        }
        throw new IllegalStateException("no Kafka broker answered within " + brokerWait.toSeconds()
            + " s at TRACESENTINEL_KAFKA_BOOTSTRAP=" + settings.bootstrap(), e);
      }
      int brokers = nodes.size();
      requireSessionInRange(admin, settings, nodes);
      short replicas = (short) Math.min(3, Math.max(1, brokers));
      try {
        admin.createTopics(List.of(new NewTopic(settings.topic(), CodeKey.PARTITIONS, replicas)))
            .all().get(30, TimeUnit.SECONDS);
        LOG.info("Created the ownership topic {} ({} partitions, {} replicas)", settings.topic(), CodeKey.PARTITIONS,
            replicas);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
      TopicDescription topic = describeOnceKnown(admin, settings.topic());
      if (topic.partitions().size() != CodeKey.PARTITIONS) {
        throw new IllegalStateException("the Kafka topic " + settings.topic() + " has " + topic.partitions().size()
            + " partitions; the service maps codes onto " + CodeKey.PARTITIONS + ". Delete it (it holds no data) or "
            + "choose another TRACESENTINEL_CLUSTER_NAME");
      }
      requireNodeIdFree(admin, settings);
    }
  }

  /**
   * The broker answering may learn of a topic a moment after its controller created it (KRaft applies the record
   * asynchronously): a node that found the topic created by a node started beside it, or that created it itself, was
   * told "This server does not host this topic-partition" and its start failed (seen once in a CI run).
   */
  private static TopicDescription describeOnceKnown(Admin admin, String topic) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /**
   * Two nodes started with one TRACESENTINEL_NODE_ID (a copied configuration) both became ready, though the partition
   * owners table, which names an owner by its node id, cannot tell them apart. A member of the group under this
   * node's client id is waited for (a node killed a moment ago stays a member until its session times out) and then
   * refused.
   */
  private static void requireNodeIdFree(Admin admin, ClusterSettings settings) throws Exception {
    String clientId = clientId(settings);
    long deadline = System.nanoTime() + settings.sessionTimeout().plusSeconds(1).toNanos();
    while (true) {
      org.apache.kafka.clients.admin.ConsumerGroupDescription group;
      try {
        group = admin.describeConsumerGroups(List.of(settings.groupId())).describedGroups()
            .get(settings.groupId()).get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
          return; // the cluster's first node
        }
        throw e;
      }
      var holder = group.members().stream().filter(m -> m.clientId().equals(clientId)).findFirst();
      if (holder.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("TRACESENTINEL_NODE_ID=" + settings.nodeId() + " is the name of a running "
            + "node of cluster " + settings.name() + " (at " + holder.get().host() + "): give each node its own");
      }
      Thread.sleep(250);
    }
  }

  private static String clientId(ClusterSettings settings) {
    return "tracesentinel-" + settings.nodeId();
  }

  /**
   * The brokers refuse to let a member join whose session timeout is outside their range, and the client then tries
   * again every half second for ever: the node never became ready and logged two lines each time. Refused here, at
   * start, naming both settings; not checked when the brokers' configuration cannot be read (no permission, say).
   */
  private static void requireSessionInRange(Admin admin, ClusterSettings settings, Collection<Node> nodes)
      throws InterruptedException {
    if (nodes.isEmpty()) {
      return;
    }
    ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, nodes.iterator().next().idString());
    Config config;
    try {
      config = admin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS).get(broker);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.info("The Kafka brokers' session timeout range could not be read ({}): not checked", e.toString());
      return;
    }
    long session = settings.sessionTimeout().toMillis();
    ConfigEntry min = config == null ? null : config.get("group.min.session.timeout.ms");
    ConfigEntry max = config == null ? null : config.get("group.max.session.timeout.ms");
    if (min != null && min.value() != null && session < Long.parseLong(min.value())) {
      throw new IllegalArgumentException("TRACESENTINEL_CLUSTER_SESSION_MS=" + session + " is below the Kafka "
          + "brokers' group.min.session.timeout.ms=" + min.value() + ": the group would never let this node join");
    }
    if (max != null && max.value() != null && session > Long.parseLong(max.value())) {
      throw new IllegalArgumentException("TRACESENTINEL_CLUSTER_SESSION_MS=" + session + " is above the Kafka "
          + "brokers' group.max.session.timeout.ms=" + max.value() + ": the group would never let this node join");
    }
  }

  void start() {
    rebalanceListener = new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        heartbeats.heard(System.nanoTime()); // a sync just completed: the coordinator has heard this member
        if (!partitions.isEmpty()) {
          listener.assigned(parts(partitions));
        }
      }

      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        heartbeats.heard(System.nanoTime());
        if (!partitions.isEmpty()) {
          listener.revoked(parts(partitions));
        }
      }

      @Override
      public void onPartitionsLost(Collection<TopicPartition> partitions) {
        heartbeats.heard(System.nanoTime()); // it knows it is out and is joining again: nothing left to cut off
        if (!partitions.isEmpty()) {
          listener.lost(parts(partitions));
        }
      }
    };
    consumer.subscribe(List.of(settings.topic()), rebalanceListener);
    thread.start();
  }

  @Override
  public void run() {
    while (!stopping) {
      try {
        if (paused) {
          Thread.sleep(50);
          continue;
        }
        if (rejoin) {
          rejoin = false;
          // Leave and join again: whatever Kafka thinks this node owns is handed over afresh, through the listener.
          consumer.unsubscribe();
          consumer.subscribe(List.of(settings.topic()), rebalanceListener);
        }
        consumer.poll(Duration.ofMillis(200));
        watchHeartbeats();
        if (reopenAt != 0 && !cut && System.nanoTime() - reopenAt >= 0) {
          reopenAt = 0;
          reopenWhenHealed = false;
          listener.reopen(parts(consumer.assignment()));
        }
      } catch (WakeupException e) {
        // close() woke the poll
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("Cluster membership poll failed (retrying): {}", e.toString());
        ClusterNode.sleep(500);
      }
    }
    try {
      // Leaving the group revokes this node's partitions through the listener first: they move at once, not after a
      // session timeout.
      consumer.close(Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      LOG.warn("Leaving the cluster group: {}", e.toString());
    }
  }

  /**
   * A member whose join is pending at the coordinator is not evicted, but it cannot tell that from a join that never
   * arrived: a rebalance slower than the limit cuts it off needlessly. That costs a rebuild of its partitions, never
   * a first sale judged twice.
   */
  private void watchHeartbeats() {
    long now = System.nanoTime();
    boolean nowCut = heartbeats.silent(now, coordinatorMetric("heartbeat-total"),
        coordinatorMetric("heartbeat-response-time-max"));
    if (nowCut == cut) {
      return;
    }
    cut = nowCut;
    if (nowCut) {
      reopenAt = 0;
      // Before its first assignment, or while it rejoins with nothing open, a slow join is nothing to warn about.
      if (listener.cutOff()) {
        reopenWhenHealed = true;
        LOG.warn("No heartbeat answered by the cluster group for {} s (limit {} ms): this node stopped judging its "
            + "partitions", String.format("%.1f", heartbeats.silentSeconds(now)), heartbeats.limit().toMillis());
      } else {
        LOG.debug("No heartbeat answered by the cluster group for {} s, with no partition open",
            String.format("%.1f", heartbeats.silentSeconds(now)));
      }
    } else if (reopenWhenHealed) {
      // Not a rejoin: leaving and joining again would make the whole group rebalance and hand this node's partitions
      // to others, each rebuilding them; staying a member keeps what the group still gives this node.
      LOG.warn("Heartbeats are answered by the cluster group again: this node takes back what the group still gives "
          + "it");
      reopenAt = now + settleNanos;
    }
  }

  /** Leaves the group and joins it again on the next poll (after this node found itself fenced). */
  void rejoin() {
    rejoin = true;
  }

  /** A metric of the consumer's group coordination (NaN when Kafka has no value yet). */
  private double coordinatorMetric(String name) {
    for (Map.Entry<MetricName, ? extends Metric> m : consumer.metrics().entrySet()) {
      if (m.getKey().name().equals(name) && m.getKey().group().equals("consumer-coordinator-metrics")) {
        Object v = m.getValue().metricValue();
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
      }
    }
    return Double.NaN;
  }

  /** Tests: stops polling (and watching heartbeats) without leaving the group, as a stuck process would. */
  void pause(boolean pause) {
    paused = pause;
  }

  private static Set<Integer> parts(Collection<TopicPartition> partitions) {
    Set<Integer> out = new TreeSet<>();
    for (TopicPartition tp : partitions) {
      out.add(tp.partition());
    }
    return out;
  }

  @Override
  public void close() throws InterruptedException {
    stopping = true;
    consumer.wakeup();
    thread.join(15_000);
  }
}
