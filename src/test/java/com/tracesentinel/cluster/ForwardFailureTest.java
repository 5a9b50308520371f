package com.tracesentinel.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.ingest.ScanResult;
import com.tracesentinel.ingest.ScanService;
import com.tracesentinel.ingest.Voiding;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a forwarded part's failure promises. A 503 says nothing was stored, so it is given only when the part was
 * never sent (no connection, or none free for half the deadline) or the owner said so; an owner that read the part and
 * then went silent or answered 500 may have stored it: 504. The failures come from the router's own exchange, over a
 * real Vert.x client against real sockets.
 */
class ForwardFailureTest {
  private final Vertx vertx = Vertx.vertx();
  private final HttpClient client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2_000));
  private static final String OWNER = "node-2";

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Posts to url as the router forwards, and returns how the router words the failure. */
  private RuntimeException forwardTo(String url, long timeoutMillis) {
    return forwardTo(client, url, timeoutMillis).join();
  }

  private CompletableFuture<RuntimeException> forwardTo(HttpClient client, String url, long timeoutMillis) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url + "/internal/v1/scans");
    return ClusterRouter.exchange(vertx, client, OWNER, options, timeoutMillis, Buffer.buffer("{\"scans\":[]}"),
            ClusterRouter.SCANS, ClusterRouter.answerLimit(1)).toCompletionStage()
        .toCompletableFuture().handle((reply, e) -> {
          assertTrue(e != null, "answered " + reply);
          return (RuntimeException) (e instanceof CompletionException ? e.getCause() : e);
        });
  }

  private String listening(NetServer server) throws Exception {
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return "http://127.0.0.1:" + server.actualPort();
  }

  @Test
  void aNodeNobodyListensAtNeverGotThePart() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RuntimeException r = forwardTo("http://127.0.0.1:" + port, 5_000);
    assertInstanceOf(ScanService.Unavailable.class, r, r.toString());
    assertTrue(r.getMessage().contains("not stored"), r.getMessage());
  }

  @Test
  void aNodeThatReadThePartAndDiedMayHaveStoredIt() throws Exception {
    // As a SIGKILLed owner after its commit: the connection is cut once the request has arrived.
    NetServer server = vertx.createNetServer().connectHandler(socket -> socket.handler(b -> socket.close()));
    RuntimeException r = forwardTo(listening(server), 5_000);
    assertInstanceOf(ScanService.OutcomeUnknown.class, r, r.toString());
    assertTrue(r.getMessage().contains("REPLAYED"), r.getMessage());
  }

  @Test
  void aNodeThatReadThePartAndFroze() throws Exception {
    // As a SIGSTOPped owner: it never answers.
    NetServer server = vertx.createNetServer().connectHandler(socket -> socket.handler(b -> { }));
    RuntimeException r = forwardTo(listening(server), 300);
    assertInstanceOf(ScanService.OutcomeUnknown.class, r, r.toString());
  }

  @Test
  void aPartThatWaitedOutTheDeadlineForAPooledConnectionWasNeverSent() throws Exception {
    // The owner took the first part on the pool's only connection and answers it a byte at a time, never finishing
    // within the queued part's wait (the first part's deadline is 30 s).
    List<NetSocket> sockets = new CopyOnWriteArrayList<>();
    // It answers once the part has arrived: an answer written as the connection opened could reach the client before
    // its request was written, which the client took as a broken connection (no connection to it could be made).
    NetServer server = vertx.createNetServer().connectHandler(socket -> {
      sockets.add(socket);
      java.util.concurrent.atomic.AtomicBoolean answering = new java.util.concurrent.atomic.AtomicBoolean();
      socket.handler(b -> {
        if (answering.compareAndSet(false, true)) {
          socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
          long trickle = vertx.setPeriodic(100, id -> socket.write("1\r\n \r\n"));
          socket.closeHandler(v -> vertx.cancelTimer(trickle));
        }
      });
    });
    String url = listening(server);
    HttpClient onePooled = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(1));
    CompletableFuture<RuntimeException> taken = forwardTo(onePooled, url, 30_000);
    RuntimeException queued = forwardTo(onePooled, url, 1_000).get(20, TimeUnit.SECONDS);
    assertInstanceOf(ScanService.Unavailable.class, queued, queued.toString());
    assertTrue(queued.getMessage().contains("never sent") && queued.getMessage().contains("send the request again"),
        queued.getMessage());
    assertEquals(1, sockets.size(), "the queued part never reached the owner");
    sockets.get(0).close();
    RuntimeException cut = taken.get(20, TimeUnit.SECONDS);
    assertInstanceOf(ScanService.OutcomeUnknown.class, cut, cut.toString());
    assertTrue(cut.getMessage().contains("broke before its answer"), cut.getMessage());
  }

  /**
   * The answer's head stopped the request's timer: an owner stalled in the middle of its body, or sending it a byte at
   * a time, held the part (and one of the pool's connections) until the connection's idle timeout, 60 s.
   */
  @Test
  void anOwnerThatStallsInTheMiddleOfItsAnswerIsA504BeforeTheIdleTimeout() throws Exception {
    NetServer stalled =
        vertx.createNetServer().connectHandler(socket -> socket.handler(b -> socket.write(HALF_AN_ANSWER)));
    NetServer trickling = vertx.createNetServer().connectHandler(socket -> socket.handler(b -> {
      socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
      long trickle = vertx.setPeriodic(100, id -> socket.write("1\r\n \r\n"));
      socket.closeHandler(v -> vertx.cancelTimer(trickle));
    }));
    for (NetServer owner : List.of(stalled, trickling)) {
      RuntimeException r = forwardTo(client, listening(owner), 300).get(30, TimeUnit.SECONDS);
      assertInstanceOf(ScanService.OutcomeUnknown.class, r, r.toString());
      assertTrue(r.getMessage().contains("did not answer within 1 s") && r.getMessage().contains("REPLAYED"),
          r.getMessage());
    }
  }

  /**
   * An owner's answer is read to a bound set by the part's size: one that kept sending (a fault, or a node that is not
   * this build's) filled the forwarding node's heap, every byte held until the end.
   */
  @Test
  void anAnswerLongerThanAnyAnswerToThePartIsA504AndNotReadToItsEnd() throws Exception {
    java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
    CompletableFuture<Void> closed = new CompletableFuture<>();
    Buffer megabyte = Buffer.buffer(new byte[1 << 20]);
    NetServer endless = vertx.createNetServer().connectHandler(socket -> {
      socket.closeHandler(v -> closed.complete(null));
      socket.handler(b -> {
        if (written.getAndIncrement() == 0) {
          socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n");
          vertx.setPeriodic(1, id -> {
            if (closed.isDone()) {
              vertx.cancelTimer(id);
            } else if (!socket.writeQueueFull()) {
              socket.write(megabyte);
              written.addAndGet(megabyte.length());
            }
          });
        }
      });
    });
    RuntimeException r = forwardTo(client, listening(endless), 30_000).get(20, TimeUnit.SECONDS);
    assertInstanceOf(ScanService.OutcomeUnknown.class, r, r.toString());
    assertTrue(r.getMessage().contains("more than " + ClusterRouter.answerLimit(1) + " bytes")
        && r.getMessage().contains("REPLAYED"), r.getMessage());
    closed.get(10, TimeUnit.SECONDS); // the connection is dropped, not drained
    assertTrue(written.get() < 1L << 30, written.get() + " bytes written before the connection was dropped");
  }

  /**
   * An owner's 200 says the part is stored; an answer that cannot be read as its results leaves the verdicts unknown,
   * a 504. Read as any other failure it became "a node of the cluster did not answer; this part was not stored", a 503.
   */
  @Test
  void aStoredPartWhoseAnswerCannotBeReadIsA504NotA503() {
    ClusterRouter.Target owner = new ClusterRouter.Target(OWNER, "http://127.0.0.1:1");
    Buffer oneResult = ClusterWire.results(List.of(new ScanResult(0, com.tracesentinel.ingest.ScanStatus.ACCEPTED,
        "81000012345678901234", null, List.of(), null, null)));
    assertEquals(1, ClusterRouter.results(owner, new ClusterRouter.Reply(200, oneResult), 1).size());
    for (Buffer unreadable : List.of(Buffer.buffer("{\"res"), Buffer.buffer("[]"), oneResult,
        Buffer.buffer("[[5,\"ACCEPTED\",null,null,[],null,null]]"))) {
      int scans = unreadable == oneResult ? 2 : 1;
      CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
          () -> ClusterRouter.results(owner, new ClusterRouter.Reply(200, unreadable), scans));
      assertInstanceOf(ScanService.OutcomeUnknown.class, e.getCause(), unreadable.toString());
      RuntimeException answer = ClusterRouter.partly(List.of(CompletableFuture.failedFuture(e)), e);
      assertInstanceOf(ScanService.OutcomeUnknown.class, answer, answer.getMessage());
      assertTrue(answer.getMessage().contains("stored that part"), answer.getMessage());
    }
  }

  private static final String HALF_AN_ANSWER =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"res";

  /**
   * A part that waited for the pool's only connection and was then sent waited its deadline again, from the sending;
   * with its owner stalling in the middle of the answer, until the idle timeout.
   */
  @Test
  void aPartThatWaitedForAConnectionAndWasSentHasOneDeadlineToItsAnswersEnd() throws Exception {
    List<NetSocket> sockets = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> firstArrived = new CompletableFuture<>();
    NetServer server = vertx.createNetServer().connectHandler(socket -> {
      boolean first = sockets.isEmpty();
      sockets.add(socket);
      socket.handler(b -> {
        if (first) {
          firstArrived.complete(null); // and never answered: it holds the pool's only connection
        } else {
          socket.write(HALF_AN_ANSWER);
        }
      });
    });
    String url = listening(server);
    HttpClient onePooled = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(1));
    CompletableFuture<RuntimeException> taken = forwardTo(onePooled, url, 30_000);
    firstArrived.get(20, TimeUnit.SECONDS);
    CompletableFuture<RuntimeException> queued = forwardTo(onePooled, url, 2_000);
    sockets.get(0).close();
    RuntimeException r = queued.get(30, TimeUnit.SECONDS);
    assertInstanceOf(ScanService.OutcomeUnknown.class, r, r.toString());
    assertTrue(r.getMessage().contains("did not answer within 2 s"), r.getMessage());
    assertEquals(2, sockets.size(), "the queued part was sent, on a connection of its own");
    assertInstanceOf(ScanService.OutcomeUnknown.class, taken.get(20, TimeUnit.SECONDS));
  }

  /**
   * A connection kept idle is closed by this node before its owner's idle timeout: a part written onto it as the
   * owner closed it was a 504 though the owner never read it.
   */
  @Test
  void anIdleConnectionToAnOwnerIsClosedBeforeTheOwnersIdleTimeout() throws Exception {
    CompletableFuture<Void> closed = new CompletableFuture<>();
    HttpServer owner = vertx.createHttpServer().connectionHandler(c -> c.closeHandler(v -> closed.complete(null)))
        .requestHandler(r -> r.response().end("{\"results\":[]}"));
    owner.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    String url = "http://127.0.0.1:" + owner.actualPort();
    HttpClient forwarding = ClusterRouter.forwardingClient(vertx, Duration.ofSeconds(2));
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url + "/internal/v1/scans");
    ClusterRouter.Reply reply = ClusterRouter.exchange(vertx, forwarding, OWNER, options, 5_000, Buffer.buffer("{}"),
        ClusterRouter.SCANS, ClusterRouter.answerLimit(1)).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    assertEquals(200, reply.status());
    closed.get(30, TimeUnit.SECONDS); // the owner, whose idle timeout is 2 s here, never closes it itself
  }

  /** Nor the owner's URL, the cluster's internal address: a client is told which node by its id. */
  @Test
  void noAnswerNamesAJavaClassOrTheOwnersAddress() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    NetServer frozen = vertx.createNetServer().connectHandler(socket -> socket.handler(b -> { }));
    List<RuntimeException> failures = List.of(forwardTo("http://127.0.0.1:" + port, 5_000),
        forwardTo(listening(frozen), 300));
    for (RuntimeException r : failures) {
      assertFalse(r.getMessage().matches(".*[A-Za-z]+(Exception|Error).*"), r.getMessage());
      assertTrue(r.getMessage().contains("(" + OWNER + ")") && !r.getMessage().contains("127.0.0.1"), r.getMessage());
    }
  }

  @Test
  void aPartWhoseFateIsNotKnownDecidesTheAnswerWhicheverFailedFirst() {
    CompletableFuture<List<ScanResult>> refused =
        CompletableFuture.failedFuture(new ScanService.Unavailable("not stored"));
    CompletableFuture<List<ScanResult>> silent =
        CompletableFuture.failedFuture(new ScanService.OutcomeUnknown("not known"));
    CompletableFuture<List<ScanResult>> stored =
        CompletableFuture.completedFuture(List.of());
    RuntimeException r = ClusterRouter.partly(List.of(refused, silent, stored),
        new CompletionException(new ScanService.Unavailable("not stored")));
    assertInstanceOf(ScanService.OutcomeUnknown.class, r, r.toString());
    assertTrue(r.getMessage().contains("were stored"), r.getMessage());
    // two sentences: "...not stored Other parts..." ran them together
    assertTrue(r.getMessage().startsWith("not known. Other parts of the request"), r.getMessage());
    assertInstanceOf(ScanService.Unavailable.class, ClusterRouter.partly(List.of(refused, stored),
        new CompletionException(new ScanService.Unavailable("not stored"))));
  }

  @Test
  void aRefusalSaysWhetherOtherPartsWereStoredEvenThroughAReRoutedPart() {
    CompletableFuture<List<ScanResult>> refused =
        CompletableFuture.failedFuture(new ScanService.Unavailable("not stored"));
    CompletableFuture<List<ScanResult>> stored = CompletableFuture.completedFuture(List.of());
    // A part re-routed after a 421 that was split again, and one of whose own parts was stored.
    CompletableFuture<List<ScanResult>> reRouted =
        CompletableFuture.failedFuture(new ScanService.Unavailable("not stored, others were", true));
    CompletionException first = new CompletionException(new ScanService.Unavailable("not stored"));
    assertTrue(!((ScanService.Unavailable) ClusterRouter.partly(List.of(refused), first)).partlyStored());
    assertTrue(((ScanService.Unavailable) ClusterRouter.partly(List.of(refused, stored), first)).partlyStored());
    assertTrue(((ScanService.Unavailable) ClusterRouter.partly(List.of(refused, reRouted), first)).partlyStored());
    assertTrue(((ScanService.DataRefused) ClusterRouter.partly(List.of(stored, CompletableFuture.failedFuture(
        new ScanService.DataRefused("refused"))), new CompletionException(new ScanService.DataRefused("refused"))))
        .partlyStored());
  }

  @Test
  void aDeletionWithAPartWhoseFateIsNotKnownIsNotA503() {
    CompletableFuture<Voiding.Result> refused = CompletableFuture.failedFuture(new ScanService.Unavailable("no"));
    CompletableFuture<Voiding.Result> silent = CompletableFuture.failedFuture(new ScanService.OutcomeUnknown("?"));
    RuntimeException r = ClusterRouter.partly(List.of(refused, silent),
        new CompletionException(new ScanService.Unavailable("no")), " again");
    assertInstanceOf(ScanService.OutcomeUnknown.class, r, r.toString());
    assertTrue(r.getMessage().endsWith(" again"), r.getMessage());
  }

  @Test
  void theOwnersOwnAnswersKeepTheirMeaning() {
    Buffer detail = Buffer.buffer("{\"detail\":\"d\"}");
    assertInstanceOf(ScanService.Unavailable.class, answered(503, detail));
    assertInstanceOf(ScanService.DataRefused.class, answered(422, detail));
    assertInstanceOf(ScanService.Unavailable.class, answered(401, detail), "refused before judging: nothing stored");
    RuntimeException secret = answered(403,
        Buffer.buffer("{\"detail\":\"internal routes answer the cluster's own nodes only\"}"));
    assertInstanceOf(ScanService.Unavailable.class, secret, "refused before judging: nothing stored");
    assertTrue(secret.getMessage().contains("TRACESENTINEL_CLUSTER_SECRET"), "which setting differs: " + secret);
    assertInstanceOf(ScanService.OutcomeUnknown.class, answered(500, detail), "a 500 may be 'stored, answer lost'");
    assertInstanceOf(ScanService.OutcomeUnknown.class, answered(502, Buffer.buffer("not json")));
  }

  private static RuntimeException answered(int status, Buffer body) {
    return ClusterRouter.failureOf(new ClusterRouter.Reply(status, body), ClusterRouter.SCANS);
  }
}
