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

  static void requireFree(String host, int port) {
    if (port == 0) {
      return; // any free port: nothing to check
    }
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new IllegalStateException("TRACESENTINEL_HOST=" + host + " is not an address or host name known here");
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true); // as the HTTP server does: a socket left in TIME_WAIT is no obstacle
      probe.bind(address);
    } catch (IOException e) {
      throw new IllegalStateException("port " + port + " on " + host + " is not free (" + e.getMessage() + "): stop "
          + "the program using it (another TraceSentinel?), or choose another port with TRACESENTINEL_PORT");
    }
  }
}
