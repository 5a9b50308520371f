package com.tracesentinel.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, byte for byte: for what a well-behaved client library refuses to send (a broken
 * percent escape, half a request line, a body shorter than its Content-Length) and for watching when the server
 * closes the connection.
 */
final class RawHttp implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawHttp(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(15_000);
    socket.setTcpNoDelay(true);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  record Reply(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** One request on a new connection: {@code GET path} with the key, the answer read whole. */
  static Reply get(int port, String path, String key) throws IOException {
    try (RawHttp c = new RawHttp(port)) {
      c.send(request("GET", path, key, null));
      return c.read();
    }
  }

  static String request(String method, String path, String key, String extraHeaders) {
    return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + (key == null ? "" : "Authorization: Bearer " + key + "\r\n")
        + (extraHeaders == null ? "" : extraHeaders) + "\r\n";
  }

  /** Whether the server has sent something on this connection already (never waits). */
  boolean answered() throws IOException {
    return in.available() > 0;
  }

  void send(String text) throws IOException {
    send(text.getBytes(StandardCharsets.UTF_8));
  }

  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Reads one response: status line, headers, then a Content-Length or chunked body. */
  Reply read() throws IOException {
    Reply head = head();
    Map<String, String> headers = head.headers();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
        body.write(in.readNBytes(size));
        line();
      }
      line();
    } else if (headers.containsKey("content-length")) {
      body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
    }
    return new Reply(head.status(), headers, body.toString(StandardCharsets.UTF_8));
  }

  /** Reads a response's status line and headers only (an event stream's body never ends); its body is "". */
  Reply head() throws IOException {
    String status = line();
    if (status == null) {
      throw new IOException("the server closed the connection before answering");
    }
    Map<String, String> headers = new HashMap<>();
    for (String h = line(); h != null && !h.isEmpty(); h = line()) {
      int colon = h.indexOf(':');
      headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
    }
    return new Reply(Integer.parseInt(status.split(" ")[1]), headers, "");
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads what the server sends until it contains {@code text} (true) or the connection ends (false). */
  boolean readUntil(String text) throws IOException {
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    for (int c = in.read(); c >= 0; c = in.read()) {
      seen.write(c);
      if (seen.toString(StandardCharsets.UTF_8).endsWith(text)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Waits up to {@code millis} for the server to close the connection (end of stream or a reset), discarding
   * anything it sends meanwhile; false when the connection is still open then.
   */
  boolean closedWithin(long millis) throws IOException {
    long deadline = System.currentTimeMillis() + millis;
    try {
      while (System.currentTimeMillis() < deadline) {
        socket.setSoTimeout((int) Math.max(1, deadline - System.currentTimeMillis()));
        if (in.read() < 0) {
          return true;
        }
      }
      return false;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset by the server
    } finally {
      socket.setSoTimeout(15_000);
    }
  }

  /** Closes as a client that aborts does: with a reset (RST), not the orderly FIN of {@link #close}. */
  void reset() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
