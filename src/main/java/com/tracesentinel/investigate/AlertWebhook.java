package com.tracesentinel.investigate;

import com.tracesentinel.history.AnomalyQueries.AnomalyRow;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends ALERT-level anomalies to TRACESENTINEL_ALERT_WEBHOOK as they are committed. A listener of the
 * {@link AnomalyFeed}: it only offers alerts to a bounded queue (a full queue drops them, counted), so neither the
 * feed nor ingest ever waits for the receiver. One delivery is in flight at a time, in id order, up to
 * {@link #MAX_BATCH} alerts each:
 *
 * <pre>
 * POST {webhook}   Content-Type: application/json
 * X-TraceSentinel-Delivery:  a UUID, the same for every attempt of one delivery (deduplicate on it)
 * X-TraceSentinel-Timestamp: Unix seconds of this attempt
 * X-TraceSentinel-Signature: sha256=hex(HMAC-SHA256(secret, timestamp + "." + body))
 * {"deliveryId": "...", "alerts": [anomaly, ...]}
 * </pre>
 *
 * A connection failure, a time-out (10 s), 408, 429 or 5xx is tried again after 1, 2, 4, ... s (at most 60 s, with
 * jitter), {@link #MAX_ATTEMPTS} attempts in all; any other answer but 2xx, or the last failure, gives the delivery
 * up (counted). Nothing survives a restart: the webhook is for alerts raised while the service runs.
 */
public final class AlertWebhook implements Consumer<List<AnomalyRow>> {
  private static final Logger LOG = LoggerFactory.getLogger(AlertWebhook.class);
  public static final int CAPACITY = 10_000;
  public static final int MAX_BATCH = 100;
  public static final int MAX_ATTEMPTS = 8;
  static final long TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final URI target;
  private final byte[] secret;
  private final long firstBackoffMs;
  private final ArrayBlockingQueue<JsonObject> queue;
  private final HttpClient client;
  private final Context context;
  private final Counter delivered;
  private final Counter failedAttempts;
  private final Counter droppedFull;
  private final Counter droppedGaveUp;
  private boolean sending;
  private volatile boolean stopped;

  public AlertWebhook(Vertx vertx, URI target, String secret, MeterRegistry registry) {
    this(vertx, target, secret, registry, CAPACITY, 1_000);
  }

  AlertWebhook(Vertx vertx, URI target, String secret, MeterRegistry registry, int capacity, long firstBackoffMs) {
    this.vertx = vertx;
    this.target = target;
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    this.firstBackoffMs = firstBackoffMs;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) TIMEOUT_MS)
        .setKeepAlive(true).setMaxRedirects(0));
    this.context = vertx.getOrCreateContext();
    String what = "ALERT-level anomalies ";
    this.delivered = Counter.builder("tracesentinel.webhook.delivered").description(what + "the webhook accepted")
        .register(registry);
    this.failedAttempts = Counter.builder("tracesentinel.webhook.failures")
        .description("Webhook attempts that failed (refused, unreachable, timed out)").register(registry);
    this.droppedFull = Counter.builder("tracesentinel.webhook.dropped").tag("reason", "queue_full")
        .description(what + "not sent: the queue was full").register(registry);
    this.droppedGaveUp = Counter.builder("tracesentinel.webhook.dropped").tag("reason", "gave_up")
        .description(what + "not sent: every attempt failed, or the webhook refused them").register(registry);
    Gauge.builder("tracesentinel.webhook.queue", queue, ArrayBlockingQueue::size)
        .description(what + "waiting to be sent").register(registry);
  }

  /** From the feed: queues the batch's ALERTs (never waits), then makes sure a delivery is under way. */
  @Override
  public void accept(List<AnomalyRow> batch) {
    boolean any = false;
    for (AnomalyRow a : batch) {
      if ("ALERT".equals(a.level())) {
        if (queue.offer(AnomalyJson.of(a))) {
          any = true;
        } else {
          droppedFull.increment();
        }
      }
    }
    if (any) {
      context.runOnContext(v -> sendNext());
    }
  }

  private void sendNext() {
    if (sending || stopped || queue.isEmpty()) {
      return;
    }
    List<JsonObject> alerts = new ArrayList<>(MAX_BATCH);
    queue.drainTo(alerts, MAX_BATCH);
    String deliveryId = UUID.randomUUID().toString();
    Buffer body = new JsonObject().put("deliveryId", deliveryId).put("alerts", new JsonArray(new ArrayList<>(alerts)))
        .toBuffer();
    sending = true;
    attempt(deliveryId, body, alerts.size(), 1);
  }

  private void attempt(String deliveryId, Buffer body, int count, int n) {
    post(deliveryId, body).onComplete(ar -> {
      int status = ar.succeeded() ? ar.result() : 0;
      if (status >= 200 && status < 300) {
        delivered.increment(count);
        done();
        return;
      }
      failedAttempts.increment();
      boolean retryable = status == 0 || status == 408 || status == 429 || status >= 500;
      if (retryable && n < MAX_ATTEMPTS && !stopped) {
        long backoff = Math.min(60_000, firstBackoffMs << (n - 1));
        backoff += ThreadLocalRandom.current().nextLong(backoff / 5 + 1);
        vertx.setTimer(backoff, id -> attempt(deliveryId, body, count, n + 1));
        return;
      }
      LOG.warn("Alert webhook: gave up delivery {} of {} alerts after {} attempts ({})", deliveryId, count, n,
          ar.succeeded() ? "HTTP " + status : ar.cause().toString());
      droppedGaveUp.increment(count);
      done();
    });
  }

  private void done() {
    sending = false;
    sendNext();
  }

  /** One attempt: the response status, or a failure when there was none. */
  private Future<Integer> post(String deliveryId, Buffer body) {
    String timestamp = Long.toString(Instant.now().getEpochSecond());
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(target.toString())
        .setTimeout(TIMEOUT_MS)
        .putHeader("Content-Type", "application/json")
        .putHeader("User-Agent", "TraceSentinel-Webhook")
        .putHeader("X-TraceSentinel-Delivery", deliveryId)
        .putHeader("X-TraceSentinel-Timestamp", timestamp)
        .putHeader("X-TraceSentinel-Signature", "sha256=" + sign(secret, timestamp, body));
    return client.request(options).compose(req -> req.send(body)).compose(resp -> {
      resp.handler(ignored -> { }); // read and drop whatever the receiver says
      return resp.end().map(v -> resp.statusCode());
    });
  }

  /** hex(HMAC-SHA256(secret, timestamp + "." + body)): what a receiver recomputes to check a delivery. */
  public static String sign(byte[] secret, String timestamp, Buffer body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(mac.doFinal(body.getBytes()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public void stop() {
    stopped = true;
    client.close();
  }
}
