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
