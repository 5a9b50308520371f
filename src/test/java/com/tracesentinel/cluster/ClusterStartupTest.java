package com.tracesentinel.cluster;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A node that cannot reach Kafka at start says where it looked, not "null". */
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
    Exception e = assertThrows(Exception.class, () -> Membership.ensureTopic(settings));
    String message = String.valueOf(e.getMessage()); // what Main prints when the cause has no message
    assertTrue(message.contains("TRACESENTINEL_KAFKA_BOOTSTRAP=" + bootstrap), message);
  }
}
