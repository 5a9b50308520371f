package com.tracesentinel.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events client that parses as a browser's EventSource does: fields until a blank line, an
 * {@code id:} sets the last event id even when the event has no data (and is then not dispatched).
 */
public final class SseClient implements AutoCloseable {
  /** One dispatched event; {@code lastEventId} is the stream's last event id when it was dispatched. */
  public record Event(String lastEventId, String event, String data) {
    public long id() {
      return Long.parseLong(lastEventId);
    }
  }

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final InputStream body;
  private final int status;
  private final String contentType;
  private final String requestId;
  private final Thread reader;
  private volatile String lastEventId = "";
  private volatile boolean ended;

  private SseClient(HttpResponse<InputStream> response) {
    this.body = response.body();
    this.status = response.statusCode();
    this.contentType = response.headers().firstValue("Content-Type").orElse("");
    this.requestId = response.headers().firstValue("X-Request-Id").orElse("");
    this.reader = new Thread(this::read, "sse-client");
    reader.setDaemon(true);
    reader.start();
  }

  public static SseClient open(int port, String path, String key, String lastEventId) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Accept", "text/event-stream").header("Authorization", "Bearer " + key);
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    return new SseClient(http.send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream()));
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String idBuffer = lastEventId;
      String type = "";
      StringBuilder data = new StringBuilder();
      boolean hasData = false;
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.isEmpty()) {
          lastEventId = idBuffer;
          if (hasData) {
            events.add(new Event(lastEventId, type.isEmpty() ? "message" : type, data.toString()));
          }
          type = "";
          data.setLength(0);
          hasData = false;
          continue;
        }
        if (line.startsWith(":")) {
          continue;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
          value = value.substring(1);
        }
        switch (field) {
          case "id" -> idBuffer = value;
          case "event" -> type = value;
          case "data" -> {
            if (hasData) {
              data.append('\n');
            }
            data.append(value);
            hasData = true;
          }
          default -> { }
        }
      }
    } catch (IOException e) {
      // closed by us, or the server went away
    } finally {
      ended = true;
    }
  }

  public int status() {
    return status;
  }

  public String contentType() {
    return contentType;
  }

  /** The service's id of this request, as its access log line starts. */
  public String requestId() {
    return requestId;
  }

  /** The next event, or null after {@code millis}. */
  public Event next(long millis) throws InterruptedException {
    return events.poll(millis, TimeUnit.MILLISECONDS);
  }

  /** The last event id so far, as a browser would send it on reconnection. */
  public String lastEventId() {
    return lastEventId;
  }

  public boolean ended() {
    return ended;
  }

  /** Closes the connection and waits for the reader: every event dispatched before is then in {@link #next}. */
  @Override
  public void close() throws IOException {
    body.close();
    reader.interrupt();
    try {
      reader.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
