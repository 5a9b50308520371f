package com.tracesentinel.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.KafkaBroker;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The internal routes (what one node forwards to another) as a client that is not a node meets them: they listen on
 * the public port, so whatever reaches the API reaches them too.
 */
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InternalRoutesTest {
  private static final String SECRET = "a-test-cluster-secret";
  private KafkaBroker broker;
  private TestService node;

  @BeforeAll
  void start() throws Exception {
    broker = KafkaBroker.start();
    node = TestService.start(Map.of("TRACESENTINEL_KAFKA_BOOTSTRAP", broker.bootstrap(),
        "TRACESENTINEL_CLUSTER_NAME", "internal", "TRACESENTINEL_CLUSTER_SECRET", SECRET,
        "TRACESENTINEL_CLUSTER_SESSION_MS", "3000"));
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  /** Sends a request head announcing a body of {@code length} bytes, none of it, and reads the status line. */
  private String headOnly(String path, String secretHeader, long length) throws Exception {
    return send(path, secretHeader, length, "");
  }

  /** Sends a request head announcing a body of {@code length} bytes and then {@code body}; reads the status line. */
  private String send(String path, String secretHeader, long length, String body) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), node.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + secretHeader
          + "Content-Length: " + length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
        line.append((char) c);
      }
      return line.toString();
    }
  }

  @Test
  void aCallerWithoutTheSecretIsRefusedBeforeItsBodyIsRead() throws Exception {
    // The body was buffered (up to 4 MiB a request) before the secret was looked at: anyone reaching the public port
    // could make a node hold 4 MiB per open connection, and a missing body held the answer for the body deadline.
    for (String header : new String[] {"", ClusterRouter.SECRET_HEADER + ": wrong\r\n"}) {
      for (String path : new String[] {"/internal/v1/scans", "/internal/v1/void"}) {
        long started = System.nanoTime();
        String status = headOnly(path, header, 4_000_000);
        long ms = (System.nanoTime() - started) / 1_000_000;
        assertTrue(status.startsWith("HTTP/1.1 403"), path + " [" + header.strip() + "]: " + status);
        assertTrue(ms < 5_000, "answered without waiting for the body: " + ms + " ms");
      }
    }
    String empty = "{\"receivedAt\":\"2026-12-03T00:00:00Z\",\"scans\":[]}";
    String status = send("/internal/v1/scans", ClusterRouter.SECRET_HEADER + ": " + SECRET + "\r\n", empty.length(),
        empty);
    assertTrue(status.startsWith("HTTP/1.1 200"), "a node's own part is still read: " + status);
  }

  @Test
  void aBodyNoNodeWritesIsA400NotA500() throws Exception {
    // The sending node reads an owner's 500 as "that part may be stored" and answers its client 504; nothing was.
    String secret = ClusterRouter.SECRET_HEADER + ": " + SECRET + "\r\n";
    String[] scans = {"", "x", "{}", "[]", "{\"receivedAt\":\"x\",\"scans\":[]}",
        "{\"receivedAt\":\"2026-12-03T00:00:00Z\"}", "{\"receivedAt\":\"2026-12-03T00:00:00Z\",\"scans\":[1]}",
        "{\"receivedAt\":\"2026-12-03T00:00:00Z\",\"scans\":[[\"83000000000000000001\",\"NOPE\"]]}",
        "{\"receivedAt\":\"2026-12-03T00:00:00Z\",\"scans\":[[null,\"SALE\",\"S1\",\"D1\",1,"
            + "\"2026-12-03T00:00:00Z\",1,false,null,null,null,null,null]]}"};
    for (String body : scans) {
      String status = send("/internal/v1/scans", secret, body.getBytes(StandardCharsets.UTF_8).length, body);
      assertTrue(status.startsWith("HTTP/1.1 400"), body + ": " + status);
    }
    String[] voids = {"{}", "{\"siteId\":\"S1\",\"uploadBatch\":\"B\",\"parts\":[99],\"receivedAt\":\"2026-12-03T00:00:00Z\"}",
        "{\"siteId\":\"S1\",\"uploadBatch\":\"B\",\"parts\":[\"a\"],\"receivedAt\":\"2026-12-03T00:00:00Z\"}",
        "{\"siteId\":\"S1\",\"uploadBatch\":\"B\",\"parts\":[-2],\"receivedAt\":\"2026-12-03T00:00:00Z\"}"};
    for (String body : voids) {
      String status = send("/internal/v1/void", secret, body.length(), body);
      assertTrue(status.startsWith("HTTP/1.1 400"), body + ": " + status);
    }
  }

  @Test
  void theClusterHealthRoutesAnswerHeadAsTheirGet() throws Exception {
    // A monitor probing with HEAD got 405, whose Allow header said "GET, HEAD".
    for (String path : new String[] {"/health/cluster", "/health/cluster/verify"}) {
      Response head = node.send(node.request(path, null)
          .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build());
      assertEquals(200, head.status(), path + ": " + head.body());
      assertEquals(node.get(path, null).contentType(), head.contentType(), path);
      assertEquals("", head.body(), path);
    }
  }
}
