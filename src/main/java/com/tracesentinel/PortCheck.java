package com.tracesentinel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * The HTTP port is tried before anything else starts: a port in use is found in milliseconds and named with the
 * variable that moves it, instead of surfacing as a bare BindException after the database has been started.
 */
final class PortCheck {
  private PortCheck() {}

  /**
   * The port to listen on: {@code port} once found free, or for 0 ("any free port") one the system chooses now.
   * Port 0 cannot be left to the HTTP server: each of its event-loop instances would bind a different random port,
   * and the port printed and told to clients would be 0.
   */
  static int requireFree(String host, int port) {
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new IllegalStateException("TRACESENTINEL_HOST=" + host + " is not an address or host name known here");
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true); // as the HTTP server does: a socket left in TIME_WAIT is no obstacle
      probe.bind(address);
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("port " + port + " on " + host + " is not free (" + e.getMessage() + "): stop "
          + "the program using it (another TraceSentinel?), or choose another port with TRACESENTINEL_PORT");
    }
  }
}
