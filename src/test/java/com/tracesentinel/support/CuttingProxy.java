package com.tracesentinel.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy in front of PostgreSQL that can cut the service's committing connection at the worst moment: just
 * after the COMMIT went through to PostgreSQL (the transaction commits, its answer is lost), or just before (it never
 * commits). Only connections whose start-up packet names {@code applicationName} are cut. For tests of the commit
 * whose outcome is in doubt; never used by the service. It can also {@link #freeze} every connection, as a SIGSTOPped
 * server does: connections are still accepted (the kernel does that), nothing is forwarded either way.
 */
public final class CuttingProxy implements AutoCloseable {
  public enum Cut { NONE, AFTER_COMMIT_SENT, BEFORE_COMMIT_SENT }

  private final ServerSocket server;
  private final String targetHost;
  private final int targetPort;
  private final byte[] applicationName;
  private final AtomicReference<Cut> armed = new AtomicReference<>(Cut.NONE);
  private volatile boolean closed;
  private volatile boolean frozen;
  private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();

  public CuttingProxy(String targetHost, int targetPort, String applicationName) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.applicationName = applicationName.getBytes(StandardCharsets.UTF_8);
    Thread acceptor = new Thread(this::accept, "cutting-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** The next COMMIT on a matching connection is cut this way (once). */
  public void arm(Cut cut) {
    armed.set(cut);
  }

  public boolean fired() {
    return armed.get() == Cut.NONE;
  }

  /** From now on nothing passes, on open connections and new ones, until {@link #thaw}. */
  public void freeze() {
    frozen = true;
  }

  public void thaw() {
    frozen = false;
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        accepted.incrementAndGet();
        Socket upstream = new Socket(targetHost, targetPort);
        // Per connection: [0] its start-up named the watched application, [1] answers to the client are dropped.
        boolean[] watched = {false, false};
        Thread up = new Thread(() -> pump(client, upstream, watched, true), "proxy-up");
        Thread down = new Thread(() -> pump(upstream, client, watched, false), "proxy-down");
        up.setDaemon(true);
        down.setDaemon(true);
        up.start();
        down.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, boolean[] watched, boolean clientToServer) {
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        while (frozen && !closed) {
          Thread.sleep(10);
        }
        if (clientToServer && contains(buf, n, applicationName)) {
          watched[0] = true;
        }
        if (clientToServer && watched[0] && isCommit(buf, n)) {
          Cut cut = armed.getAndSet(Cut.NONE);
          if (cut == Cut.AFTER_COMMIT_SENT) {
            watched[1] = true;
            out.write(buf, 0, n);
            out.flush();
            Thread.sleep(200); // PostgreSQL commits; its answer never comes back
            cut(from, to);
            return;
          }
          if (cut == Cut.BEFORE_COMMIT_SENT) {
            cut(from, to);
            return;
          }
        }
        if (!clientToServer && watched[1]) {
          continue;
        }
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // one side went away: the other follows
    } finally {
      cut(from, to);
    }
  }

  /**
   * The JDBC driver sends "COMMIT" as text at first, then (once it has prepared it as a named statement, like
   * {@code S_1}) only a Bind of that statement: both count.
   */
  private volatile byte[] commitStatement;

  private boolean isCommit(byte[] buf, int n) {
    int at = indexOf(buf, n, "COMMIT".getBytes(StandardCharsets.US_ASCII));
    if (at >= 0) {
      // Parse: 'P', length, statement name (NUL-terminated), query text: remember the name before "COMMIT".
      int nameEnd = at - 1;
      int nameStart = nameEnd;
      while (nameStart > 0 && buf[nameStart - 1] != 0 && buf[nameStart - 1] > ' ') {
        nameStart--;
      }
      if (nameEnd > nameStart && buf[nameEnd] == 0) {
        // In a Bind the name follows the (empty, NUL-terminated) portal name: look for NUL, name, NUL.
        byte[] needle = new byte[nameEnd - nameStart + 2];
        System.arraycopy(buf, nameStart, needle, 1, nameEnd - nameStart);
        commitStatement = needle;
      }
      return true;
    }
    byte[] named = commitStatement;
    return named != null && buf[0] == 'B' && indexOf(buf, n, named) >= 0;
  }

  private static void cut(Socket a, Socket b) {
    try {
      a.close();
    } catch (IOException ignored) {
      // already closed
    }
    try {
      b.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  private static boolean contains(byte[] buf, int n, byte[] needle) {
    return indexOf(buf, n, needle) >= 0;
  }

  private static int indexOf(byte[] buf, int n, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= n; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (buf[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
  }
}
