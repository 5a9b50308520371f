package com.tracesentinel.cluster;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.KafkaBroker;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A node whose Kafka cannot take it says so at start, naming the setting to change. */
@Tag("slow")
class ClusterStartupTest {

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
    try (KafkaBroker broker = KafkaBroker.start()) {
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
  }

  /**
   * Two nodes of a new cluster started together: the second found the topic existing and asked for its description
   * before the broker knew it, and its start failed with "This server does not host this topic-partition".
   */
  @Test
  void nodesOfANewClusterStartedTogetherAllStart() throws Exception {
    try (KafkaBroker broker = KafkaBroker.start()) {
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
  }

  @Test
  void aSessionTimeoutTheBrokersRefuseStopsTheStart() throws Exception {
    try (KafkaBroker broker = KafkaBroker.start()) { // group.min.session.timeout.ms=1000
      ClusterSettings settings = new ClusterSettings(broker.bootstrap(), "shortsession", "n1", "http://127.0.0.1:1",
          "a-test-cluster-secret", Duration.ofMillis(500));
      Exception e = assertThrows(IllegalArgumentException.class, () -> Membership.ensureTopic(settings));
      assertTrue(e.getMessage().contains("TRACESENTINEL_CLUSTER_SESSION_MS=500"), e.getMessage());
      assertTrue(e.getMessage().contains("group.min.session.timeout.ms=1000"), e.getMessage());
      Membership.ensureTopic(new ClusterSettings(broker.bootstrap(), "shortsession", "n1", "http://127.0.0.1:1",
          "a-test-cluster-secret", Duration.ofMillis(1000))); // within the range: no refusal
    }
  }
}
