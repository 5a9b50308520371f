package com.tracesentinel.cluster;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.history.ReferenceRepository;
import com.tracesentinel.ingest.Preparation;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.ingest.ScanService;
import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import com.tracesentinel.rules.EventType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A part its owner refused with 421 (it no longer owns the partition) is routed once more, within what is left of the
 * request's deadline: with a fresh deadline for the second try a client waited up to twice the service's own.
 */
class ReRouteDeadlineTest {
  private static final long DEADLINE_MILLIS = 4_000;
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aPartReRoutedAfterA421HasWhatIsLeftOfTheRequestsDeadline() throws Exception {
    // The owner named by the owners this node read answers 421 late; the next try finds it again (the owners read
    // again still name it) and gets no answer at all.
    AtomicInteger requests = new AtomicInteger();
    HttpServer owner = vertx.createHttpServer().requestHandler(req -> {
      if (requests.incrementAndGet() == 1) {
        vertx.setTimer(2_000, id -> req.response().setStatusCode(ClusterRouter.NOT_OWNER).end("{}"));
      }
    });
    owner.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    String url = "http://127.0.0.1:" + owner.actualPort();
    PartitionOwners owners = new PartitionOwners() {
      @Override
      public boolean judges(int part) {
        return false;
      }

      @Override
      public ClusterNode.Owner ownerOf(int part) {
        return new ClusterNode.Owner("node-2", url, 1);
      }

      @Override
      public void refreshOwnersSoon() {
        // the owners stay as they are
      }

      @Override
      public ClusterSettings settings() {
        return new ClusterSettings("127.0.0.1:1", "deadline", "node-1", "http://127.0.0.1:1", "a-secret",
            Duration.ofSeconds(3));
      }
    };
    ReferenceStore reference = new ReferenceStore();
    reference.putSites(List.of(new Site(1, "S1", "A", SiteKind.PHARMACY, "440301", "r")));
    reference.putProducts(List.of(new Product("8600001", "D1", "g", null, null, null, 10)));
    // Every scan here is judged by another node: the local service and the database are never asked.
    ClusterRouter router = new ClusterRouter(vertx, owners, null, new Preparation(reference, Duration.ofDays(400)),
        new ReferenceRepository(null, reference, 1_000), new SimpleMeterRegistry(), DEADLINE_MILLIS,
        Duration.ofSeconds(10));
    ScanInput scan = new ScanInput("86000010000000000001", EventType.SALE, "S1", "D-1", 0, Instant.now(), 1, false,
        null, null, null, null, null);

    long began = System.nanoTime();
    Throwable failure = router.ingest(List.of(scan), Instant.now()).handle((r, e) -> e).get(30, TimeUnit.SECONDS);
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);

    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
        : failure;
    // Sent again with what was left (unanswered: whether it was stored is not known), or, on a box slow enough that
    // nothing was left, not sent again (so certainly not stored).
    if (requests.get() == 2) {
      assertInstanceOf(ScanService.OutcomeUnknown.class, cause, String.valueOf(cause));
    } else {
      assertInstanceOf(ScanService.Unavailable.class, cause, String.valueOf(cause));
      assertTrue(cause.getMessage().contains("ran out") && cause.getMessage().contains("never sent"),
          cause.getMessage());
    }
    // 2 s to the 421, 0.2 s before the second try, then what is left of 4 s: about 4 s in all. A fresh deadline
    // for the second try made it 6.2 s.
    assertTrue(tookMillis < DEADLINE_MILLIS + 1_200, "answered after " + tookMillis + " ms");
  }
}
