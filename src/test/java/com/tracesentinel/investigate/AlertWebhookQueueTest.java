package com.tracesentinel.investigate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tracesentinel.history.AnomalyQueries.AnomalyRow;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The webhook's queue is bounded: alerts beyond it are dropped and counted, never waited for. */
class AlertWebhookQueueTest {
  @Test
  void aFullQueueDropsAndCounts() throws Exception {
    Vertx vertx = Vertx.vertx();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    // port 9 (discard) on loopback: nothing listens, every attempt fails at once
    AlertWebhook webhook = new AlertWebhook(vertx, URI.create("http://127.0.0.1:9/"), "0123456789abcdef", registry,
        2, 60_000);
    try {
      List<AnomalyRow> batch = new ArrayList<>();
      for (int i = 1; i <= 7; i++) {
        batch.add(new AnomalyRow(i, Instant.now(), "REPEAT_SALE", "DIVERTED", i <= 5 ? "ALERT" : "WARNING", "C" + i,
            "P", "S", "440305", "d", null, null, null, "OPEN", null));
      }
      webhook.accept(batch);
      assertEquals(3.0, registry.get("tracesentinel.webhook.dropped").tag("reason", "queue_full").counter().count(),
          "five alerts (the warnings are not sent) into a queue of two");
    } finally {
      webhook.stop();
      vertx.close().await();
    }
  }
}
