package com.tracesentinel.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.history.DatabaseUrl;
import com.tracesentinel.history.EmbeddedDatabase;
import com.tracesentinel.history.Migrations;
import com.tracesentinel.support.KafkaBroker;
import com.tracesentinel.support.Scratch;
import com.tracesentinel.support.ServiceProcess;
import com.tracesentinel.support.TestDatabase;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A node whose Kafka or PostgreSQL cannot take it says so at start, naming the setting to change. */
@Tag("slow")
class ClusterStartupTest {
  /**
   * One broker for the class (each test names its own cluster): a broker's start is a JVM of its own and the most
   * CPU any test here spends: one a test made this class one of the suite's slowest.
   */
  private static KafkaBroker broker;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    broker.close();
  }

  @Test
  void noBrokerAtTheBootstrapAddressIsNamedWithItsVariable() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    String bootstrap = "127.0.0.1:" + closed;
    ClusterSettings settings = new ClusterSettings(bootstrap, "nobroker", "n1", "http://127.0.0.1:1",
        "a-test-cluster-secret", Duration.ofSeconds(3));
    Exception e = assertThrows(Exception.class, () -> Membership.ensureTopic(settings, Duration.ofSeconds(2)));
    String message = String.valueOf(e.getMessage()); // what Main prints when the cause has no message
    assertTrue(message.contains("TRACESENTINEL_KAFKA_BOOTSTRAP=" + bootstrap), message);
  }

  @Test
  void aNodeIdInUseByALiveMemberStopsTheStart() throws Exception {
    ClusterSettings n1 = new ClusterSettings(broker.bootstrap(), "dupid", "n1", "http://127.0.0.1:1",
        "a-test-cluster-secret", Duration.ofMillis(1000));
    Membership.ensureTopic(n1); // nobody of that name yet
    java.util.Properties p = new java.util.Properties();
    p.put("bootstrap.servers", broker.bootstrap());
    p.put("group.id", n1.groupId());
    p.put("client.id", "tracesentinel-n1"); // what a running node n1 is in the group
    p.put("session.timeout.ms", "1000");
    p.put("heartbeat.interval.ms", "250");
    p.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    p.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    try (var running = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(p)) {
      running.subscribe(java.util.List.of(n1.topic()));
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (running.assignment().isEmpty() && System.nanoTime() < deadline) {
        running.poll(Duration.ofMillis(100));
      }
      assertTrue(!running.assignment().isEmpty(), "the stand-in node never joined");
      Exception e = assertThrows(IllegalStateException.class, () -> Membership.ensureTopic(n1));
      assertTrue(e.getMessage().startsWith("TRACESENTINEL_NODE_ID=n1 is the name of a running node of cluster dupid"),
          e.getMessage());
      Membership.ensureTopic(new ClusterSettings(broker.bootstrap(), "dupid", "n2", "http://127.0.0.1:1",
          "a-test-cluster-secret", Duration.ofMillis(1000))); // another name: no refusal
    }
    Membership.ensureTopic(n1); // the member left when it closed
  }

  /**
   * Two nodes of a new cluster started together: the second found the topic existing and asked for its description
   * before the broker knew it, and its start failed with "This server does not host this topic-partition".
   */
  @Test
  void nodesOfANewClusterStartedTogetherAllStart() throws Exception {
    java.util.concurrent.ExecutorService starts = java.util.concurrent.Executors.newFixedThreadPool(3);
    try {
      for (int cluster = 0; cluster < 12; cluster++) {
        java.util.List<java.util.concurrent.Future<?>> nodes = new java.util.ArrayList<>();
        for (int node = 0; node < 3; node++) {
          ClusterSettings settings = new ClusterSettings(broker.bootstrap(), "together" + cluster, "n" + node,
              "http://127.0.0.1:1", "a-test-cluster-secret", Duration.ofMillis(1000));
          nodes.add(starts.submit(() -> {
            Membership.ensureTopic(settings);
            return null;
          }));
        }
        for (java.util.concurrent.Future<?> n : nodes) {
          n.get(60, java.util.concurrent.TimeUnit.SECONDS); // throws what the start threw
        }
      }
    } finally {
      starts.shutdownNow();
    }
  }

  @Test
  void aSessionTimeoutTheBrokersRefuseStopsTheStart() throws Exception {
    // the broker's group.min.session.timeout.ms=1000
    ClusterSettings settings = new ClusterSettings(broker.bootstrap(), "shortsession", "n1", "http://127.0.0.1:1",
        "a-test-cluster-secret", Duration.ofMillis(500));
    Exception e = assertThrows(IllegalArgumentException.class, () -> Membership.ensureTopic(settings));
    assertTrue(e.getMessage().contains("TRACESENTINEL_CLUSTER_SESSION_MS=500"), e.getMessage());
    assertTrue(e.getMessage().contains("group.min.session.timeout.ms=1000"), e.getMessage());
    Membership.ensureTopic(new ClusterSettings(broker.bootstrap(), "shortsession", "n1", "http://127.0.0.1:1",
        "a-test-cluster-secret", Duration.ofMillis(1000))); // within the range: no refusal
  }

  /**
   * PostgreSQL frozen (SIGSTOP) as a node starts, while it reads the partition owners (held there by a lock, then
   * frozen): that read, outside the steps a start watches, failed after its connection's own 10 s with the driver's
   * "The connection attempt failed.", naming neither the database nor the step. It now waits and gives up as a
   * single node's start does (ProcessFaultsTest), after the liveness grace (3 s here), naming both.
   */
  @Test
  void aNodeWhoseDatabaseFreezesAsItReadsThePartitionOwnersSaysSoAndGivesUp() throws Exception {
    Path pg = Scratch.dir("tracesentinel-frozen-pg").resolve("pg");
    try (EmbeddedDatabase db = EmbeddedDatabase.start(pg)) {
      DatabaseUrl url = db.url("postgres");
      Migrations.apply(url);
      ServiceProcess node = ServiceProcess.unlaunched(Map.of("TRACESENTINEL_DB_URL", "postgresql://" + url.user()
          + ":" + url.password() + "@" + url.host() + ":" + url.port() + "/" + url.database(),
          "TRACESENTINEL_KAFKA_BOOTSTRAP", broker.bootstrap(), "TRACESENTINEL_CLUSTER_NAME", "frozen",
          "TRACESENTINEL_CLUSTER_SECRET", "a-test-cluster-secret", "TRACESENTINEL_CLUSTER_SESSION_MS", "3000",
          "TRACESENTINEL_LIVENESS_GRACE_SECONDS", "3"));
      try (node; var lock = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password())) {
        lock.setAutoCommit(false);
        lock.createStatement().execute("LOCK TABLE partition_owners IN ACCESS EXCLUSIVE MODE");
        node.launchUnready();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (TestDatabase.count(url, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            + "AND application_name LIKE 'tracesentinel-%-owners'") == 0) {
          assertTrue(System.nanoTime() < deadline && node.alive(), "the start read the owners:\n" + node.log());
          Thread.sleep(10);
        }
        ServiceProcess.whileFrozen(ServiceProcess.postgresProcesses(pg),
            () -> assertTrue(node.process().waitFor(40, TimeUnit.SECONDS), "it stopped, frozen:\n" + node.log()));
        String log = node.log();
        assertEquals(1, node.process().exitValue(), log);
        assertTrue(log.contains("The start waits for the database " + url.redacted()), log);
        assertTrue(log.contains("tracesentinel: the start gave up: the database has not answered for"), log);
        assertTrue(log.contains("limit TRACESENTINEL_LIVENESS_GRACE_SECONDS=3) while the partition owners are being "
            + "read"), log);
      }
    }
  }
}
