package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.LogCapture;
import com.tracesentinel.support.SseClient;
import com.tracesentinel.support.SseClient.Event;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GET /api/v1/anomalies/stream on the real service while scans arrive: every anomaly once, in id order, across a
 * reconnection with Last-Event-ID in the middle of the load; filters; the replay window and its resync event.
 */
@Tag("slow")
class StreamApiTest {
  private static final int WINDOW = 2_000;
  private static final AtomicInteger SERIAL = new AtomicInteger();
  private static TestService svc;
  private static String investigator;

  @BeforeAll
  static void start() throws Exception {
    // the database timeout past a stream's own wait for the anomaly ids' lock (about 10 s), so that its answer is seen
    svc = TestService.start(Map.of("TRACESENTINEL_STREAM_REPLAY", Integer.toString(WINDOW),
        "TRACESENTINEL_DB_TIMEOUT_SECONDS", "30"));
    svc.sites("P44030500001", "440305", "P11010500001", "110105");
    investigator = svc.key("investigator", null);
    // more than the replay window before any stream opens
    for (int i = 0; i < 5; i++) {
      repeatSales(480, false);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  /** One request: n codes each sold in Shenzhen then in Beijing (n REPEAT_SALE alerts), or at one till twice. */
  private static void repeatSales(int n, boolean doubleScans) {
    Instant t = Instant.now().minus(2, ChronoUnit.HOURS);
    JsonArray scans = new JsonArray();
    for (int i = 0; i < n; i++) {
      String code = "8100001" + String.format("%013d", 1_000_000L + SERIAL.getAndIncrement());
      scans.add(new JsonObject().put("code", code).put("siteId", "P44030500001").put("documentNo", "A" + code)
          .put("scannedAt", t.plusSeconds(i).toString()));
      scans.add(new JsonObject().put("code", code).put("siteId", doubleScans ? "P44030500001" : "P11010500001")
          .put("documentNo", "B" + code).put("scannedAt", t.plusSeconds(i + (doubleScans ? 5 : 3600)).toString()));
    }
    Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans));
    assertEquals(200, r.status(), r.body());
  }

  private static List<Long> anomalyIds(String where) throws Exception {
    List<Long> ids = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(svc.db().jdbcUrl(), svc.db().user(), svc.db().password());
         Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT id FROM anomalies WHERE " + where + " ORDER BY id")) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    }
    return ids;
  }

  /** Reads events until {@code until} of them or the time is up; every one must be an anomaly. */
  private static List<Event> read(SseClient client, List<Event> into, int until, long millis) throws Exception {
    long deadline = System.currentTimeMillis() + millis;
    while (into.size() < until && System.currentTimeMillis() < deadline) {
      Event e = client.next(100);
      if (e != null) {
        assertEquals("message", e.event(), e.data());
        JsonObject a = new JsonObject(e.data());
        assertEquals(e.id(), a.getLong("id"), "id: is the anomaly's id");
        assertEquals("OPEN", a.getString("state"));
        into.add(e);
      }
    }
    return into;
  }

  @Test
  void aReconnectionDuringLoadResumesWithoutGapOrDuplicate() throws Exception {
    SseClient first = SseClient.open(svc.port(), "/api/v1/anomalies/stream", investigator, null);
    assertEquals(200, first.status());
    assertTrue(first.contentType().startsWith("text/event-stream"), first.contentType());
    long deadline = System.currentTimeMillis() + 5_000;
    while (first.lastEventId().isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    long start = Long.parseLong(first.lastEventId());
    assertEquals(anomalyIds("true").get(anomalyIds("true").size() - 1), start, "a new stream starts at the newest");

    // 1,000 anomalies before the client goes away, 1,000 while it is away, 1,000 after it is back: paced so that what
    // it missed stays inside the replay window however fast this machine commits (free-running, a slow reader on a
    // busy CI box fell more than the window behind and was rightly told to resync).
    java.util.concurrent.CountDownLatch away = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch missed = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch back = new java.util.concurrent.CountDownLatch(1);
    Thread load = new Thread(() -> {
      try {
        for (java.util.concurrent.CountDownLatch gate : List.of(away, back)) {
          for (int i = 0; i < 10; i++) {
            repeatSales(100, false);
          }
          if (gate == back) {
            missed.countDown();
          }
          gate.await();
        }
        for (int i = 0; i < 10; i++) {
          repeatSales(100, false);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    load.start();
    List<Event> before = read(first, new ArrayList<>(), 800, 60_000);
    assertEquals(800, before.size());
    first.close();
    read(first, before, Integer.MAX_VALUE, 200); // what the client had parsed when it went away
    String resumeFrom = first.lastEventId();
    away.countDown(); // anomalies keep coming while the client is away
    assertTrue(missed.await(60, java.util.concurrent.TimeUnit.SECONDS));
    SseClient second = SseClient.open(svc.port(), "/api/v1/anomalies/stream", investigator, resumeFrom);
    back.countDown();
    load.join(120_000);
    long expectedCount = anomalyIds("id > " + start).size();
    List<Event> after = read(second, new ArrayList<>(), (int) (expectedCount - before.size()), 60_000);
    second.close();

    List<Long> got = new ArrayList<>();
    before.forEach(e -> got.add(e.id()));
    after.forEach(e -> got.add(e.id()));
    assertEquals(Long.parseLong(resumeFrom), before.get(before.size() - 1).id());
    assertEquals(anomalyIds("id > " + start), got, "every anomaly once, in id order");
    assertEquals(3_000, got.size());
    SseClient.Event extra = second.next(300);
    assertEquals(null, extra, "nothing more");
  }

  /**
   * A stream outlives the body deadline (TRACESENTINEL_HTTP_BODY_SECONDS): its GET has no body, yet the connection
   * guard saw its request as still arriving and closed every stream when the deadline passed (30 s by default), so
   * each client lost its stream twice a minute and all of them reconnected at once.
   */
  @Test
  void aStreamOutlivesTheBodyDeadline() throws Exception {
    try (TestService own = TestService.start(Map.of("TRACESENTINEL_HTTP_BODY_SECONDS", "1"))) {
      own.sites("P44030500001", "440305", "P11010500001", "110105");
      String key = own.key("investigator", null);
      // a plain HTTP/1.1 GET, as curl and browsers send it (Java's HttpClient asks for an h2c upgrade, which the
      // guard saw through)
      try (RawHttp client = new RawHttp(own.port())) {
        client.send(RawHttp.request("GET", "/api/v1/anomalies/stream", key, null));
        assertEquals(200, client.head().status());
        Thread.sleep(3_000); // past the deadline and the guard's next sweep (every 0.5 s)
        String code = "81000019999999900001";
        Instant t = Instant.now().minus(2, ChronoUnit.HOURS);
        Response r = own.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", new JsonArray()
            .add(new JsonObject().put("code", code).put("siteId", "P44030500001").put("documentNo", "A1")
                .put("scannedAt", t.toString()))
            .add(new JsonObject().put("code", code).put("siteId", "P11010500001").put("documentNo", "B1")
                .put("scannedAt", t.plusSeconds(3600).toString()))));
        assertEquals(200, r.status(), r.body());
        assertTrue(client.readUntil("\"type\":\"REPEAT_SALE\""), "the anomaly reached the stream opened 3 s before");
      }
    }
  }

  /** "Each request ends with one line from the tracesentinel.access logger": a stream its client closed had none. */
  @Test
  void aStreamItsClientClosedHasItsAccessLogLine() throws Exception {
    try (LogCapture log = LogCapture.of("tracesentinel.access")) {
      String id;
      try (SseClient client = SseClient.open(svc.port(), "/api/v1/anomalies/stream?level=ALERT", investigator, null)) {
        assertEquals(200, client.status()); // the head comes with the stream's first (id-only) event
        id = client.requestId();
      }
      // Its own line: another test's stream, closed as this one opened, is logged here too
      long deadline = System.currentTimeMillis() + 5_000;
      while (streamLines(log, id).isEmpty() && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      List<String> lines = streamLines(log, id);
      assertEquals(1, lines.size(), log.lines().toString());
      assertTrue(lines.get(0).contains(" GET /api/v1/anomalies/stream 200 "), lines.get(0));
    }
  }

  /** The same for a client that left while its stream's start was still being read: its session closed unlogged. */
  @Test
  void aStreamItsClientLeftBeforeItStartedHasItsAccessLogLine() throws Exception {
    try (LogCapture log = LogCapture.of("tracesentinel.access");
         Connection writer = DriverManager.getConnection(svc.db().jdbcUrl(), svc.db().user(), svc.db().password());
         Statement st = writer.createStatement()) {
      // a writer still committing (it holds the anomaly ids' lock shared) keeps the stream's start unread
      writer.setAutoCommit(false);
      st.execute("SELECT pg_advisory_xact_lock_shared(" + 0x5453_4149L + ")");
      try (RawHttp c = new RawHttp(svc.port())) {
        c.send(RawHttp.request("GET", "/api/v1/anomalies/stream", investigator, null));
        Thread.sleep(500);
      }
      Thread.sleep(200);
      writer.rollback();
      long deadline = System.currentTimeMillis() + 5_000;
      while (streamLines(log).isEmpty() && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(1, streamLines(log).size(), log.lines().toString());
    }
  }

  private static List<String> streamLines(LogCapture log) {
    return log.lines().stream().filter(l -> l.contains("/anomalies/stream")).toList();
  }

  private static List<String> streamLines(LogCapture log, String requestId) {
    return streamLines(log).stream().filter(l -> l.contains(requestId + " ")).toList();
  }

  @Test
  void aFilteredStreamCarriesOnlyMatchingAnomalies() throws Exception {
    long from = anomalyIds("true").get(anomalyIds("true").size() - 1);
    // the list's own query, page size and all (api.md counts limit and cursor among its filters)
    try (SseClient warnings = SseClient.open(svc.port(), "/api/v1/anomalies/stream?level=WARNING&region=44&limit=100",
        investigator, Long.toString(from))) {
      repeatSales(50, false);
      repeatSales(20, true);
      repeatSales(50, false);
      List<Long> expected = anomalyIds("id > " + from + " AND level = 'WARNING' AND region LIKE '44%'");
      assertEquals(20, expected.size());
      List<Event> got = read(warnings, new ArrayList<>(), expected.size(), 30_000);
      assertEquals(expected, got.stream().map(Event::id).toList());
      for (Event e : got) {
        assertEquals("DOUBLE_SCAN", new JsonObject(e.data()).getString("type"));
      }
      assertEquals(null, warnings.next(500));
    }
  }

  @Test
  void whatTheClientCausesOnceItHasItsAnswerReachesIt() throws Exception {
    long before = anomalyIds("true").get(anomalyIds("true").size() - 1);
    java.util.concurrent.CompletableFuture<SseClient> opening = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return SseClient.open(svc.port(), "/api/v1/anomalies/stream", investigator, null);
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
    // the client makes anomalies as soon as it has its 200 (a test, a console that reloads its list then)
    java.util.concurrent.CompletableFuture<Void> caused = opening.thenRun(() -> repeatSales(10, false));
    // a writer still committing (it holds the anomaly ids' lock shared) keeps the new stream's start unread a while
    try (Connection writer = DriverManager.getConnection(svc.db().jdbcUrl(), svc.db().user(), svc.db().password());
         Statement st = writer.createStatement()) {
      writer.setAutoCommit(false);
      st.execute("SELECT pg_advisory_xact_lock_shared(" + 0x5453_4149L + ")");
      Thread.sleep(1_000);
      writer.rollback();
    }
    caused.get(60, java.util.concurrent.TimeUnit.SECONDS);
    try (SseClient client = opening.get()) {
      List<Long> expected = anomalyIds("id > " + before);
      assertEquals(10, expected.size());
      List<Event> got = read(client, new ArrayList<>(), expected.size(), 10_000);
      assertEquals(expected, got.stream().map(Event::id).toList(), "every anomaly committed after the 200");
    }
  }

  @Test
  void aStreamWhoseStartCannotBeReadIs503() throws Exception {
    // a writer that never ends (a frozen cluster node) holds the anomaly ids' lock shared: the start cannot be read
    try (Connection writer = DriverManager.getConnection(svc.db().jdbcUrl(), svc.db().user(), svc.db().password());
         Statement st = writer.createStatement()) {
      writer.setAutoCommit(false);
      st.execute("SELECT pg_advisory_xact_lock_shared(" + 0x5453_4149L + ")");
      try (SseClient client = SseClient.open(svc.port(), "/api/v1/anomalies/stream", investigator, null)) {
        assertEquals(503, client.status());
        assertTrue(client.contentType().startsWith("application/problem+json"), client.contentType());
      } finally {
        writer.rollback();
      }
    }
  }

  @Test
  void tooFarBehindTheClientIsToldToResync() throws Exception {
    long newest = anomalyIds("true").get(anomalyIds("true").size() - 1);
    assertTrue(TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies") > WINDOW);
    for (String behind : List.of("1", "0", "999999999999")) {
      try (SseClient client = SseClient.open(svc.port(), "/api/v1/anomalies/stream", investigator, behind)) {
        Event resync = client.next(10_000);
        assertNotNull(resync, behind);
        assertEquals("resync", resync.event());
        JsonObject data = new JsonObject(resync.data());
        assertTrue(data.getLong("resumeFrom") >= newest, resync.data());
        assertEquals(WINDOW, data.getInteger("replayWindow"));
        assertEquals(data.getLong("resumeFrom"), resync.id(), "a reconnection after this resumes from there");
      }
    }
    // within the window: exactly what came after
    long within = newest - 10;
    List<Long> expected = anomalyIds("id > " + within);
    try (SseClient client = SseClient.open(svc.port(), "/api/v1/anomalies/stream", investigator,
        Long.toString(within))) {
      List<Event> got = read(client, new ArrayList<>(), expected.size(), 10_000);
      assertEquals(expected, got.stream().map(Event::id).toList());
    }
  }

  /**
   * A reconnection replays what was committed long ago without waiting for the writers committing now: it read a
   * settled id of its own (the anomaly ids' lock, exclusively) for every page, so 300 clients reconnecting at once
   * queued the scans' commits behind them and held the pool until starts and lists were 503s.
   */
  @Test
  void aReplayDoesNotWaitForAWriterStillCommitting() throws Exception {
    List<Long> all = anomalyIds("true");
    com.tracesentinel.investigate.AnomalyFeed feed = svc.app().services().investigations().feed();
    long deadline = System.currentTimeMillis() + 5_000;
    while (feed.position() < all.get(all.size() - 1) && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    long resumeFrom = all.get(all.size() - 1 - 2 * AnomalyStream.REPLAY_PAGE);
    List<Long> expected = anomalyIds("id > " + resumeFrom);
    try (Connection writer = DriverManager.getConnection(svc.db().jdbcUrl(), svc.db().user(), svc.db().password());
         Statement st = writer.createStatement()) {
      writer.setAutoCommit(false);
      st.execute("SELECT pg_advisory_xact_lock_shared(" + 0x5453_4149L + ")");
      try (SseClient client = SseClient.open(svc.port(), "/api/v1/anomalies/stream", investigator,
          Long.toString(resumeFrom))) {
        assertEquals(200, client.status());
        List<Event> got = read(client, new ArrayList<>(), expected.size(), 3_000);
        assertEquals(expected, got.stream().map(Event::id).toList(), "replayed while a writer still commits");
      } finally {
        writer.rollback();
      }
    }
  }

  /**
   * Streams opening at once share one read of their start: each read its own, taking the writers' lock exclusively
   * and holding a pooled connection while it waited, so 300 opening at once held the pool until a third of them, and
   * the lists asked for meanwhile, were 503s. Here a writer still committing keeps the start unread while they open.
   */
  @Test
  void streamsOpeningAtOnceLeaveThePoolToTheList() throws Exception {
    List<String> keys = List.of(investigator, svc.key("investigator", null), svc.key("investigator", null));
    List<RawHttp> clients = new ArrayList<>();
    try (Connection writer = DriverManager.getConnection(svc.db().jdbcUrl(), svc.db().user(), svc.db().password());
         Statement st = writer.createStatement()) {
      writer.setAutoCommit(false);
      st.execute("SELECT pg_advisory_xact_lock_shared(" + 0x5453_4149L + ")");
      Response list;
      try {
        for (int i = 0; i < 300; i++) {
          RawHttp c = new RawHttp(svc.port());
          clients.add(c);
          c.send(RawHttp.request("GET", "/api/v1/anomalies/stream", keys.get(i % keys.size()), null));
        }
        Thread.sleep(500);
        list = svc.get("/api/v1/anomalies?limit=1", investigator);
      } finally {
        writer.rollback();
      }
      assertEquals(200, list.status(), list.body());
      for (RawHttp c : clients) {
        assertEquals(200, c.head().status());
      }
    } finally {
      closeAll(clients);
    }
  }

  /**
   * Streams reconnecting at once read in turn, a quarter of the pool at a time: each took a pooled connection for its
   * count and its replay's pages, and with the anomalies slow to read (here locked) every other read waited out the
   * pool and was a 503 with the database up. Each stream still gets its replay once the anomalies can be read.
   */
  @Test
  void streamsReconnectingAtOnceLeaveThePoolToOtherReads() throws Exception {
    List<Long> all = anomalyIds("true");
    long resumeFrom = all.get(all.size() - 11);
    List<RawHttp> clients = new ArrayList<>();
    try (Connection locker = DriverManager.getConnection(svc.db().jdbcUrl(), svc.db().user(), svc.db().password());
         Statement st = locker.createStatement()) {
      locker.setAutoCommit(false);
      st.execute("LOCK TABLE anomalies IN ACCESS EXCLUSIVE MODE");
      Response other;
      try {
        for (int i = 0; i < 20; i++) {
          RawHttp c = new RawHttp(svc.port());
          clients.add(c);
          c.send(RawHttp.request("GET", "/api/v1/anomalies/stream", investigator,
              "Last-Event-ID: " + resumeFrom + "\r\n"));
        }
        // the feed's own read and the streams' first turns
        TestDatabase.awaitBlockedBy(svc.db(), locker, 3);
        other = svc.get("/api/v1/scans/rejected?limit=1", investigator);
      } finally {
        locker.rollback();
      }
      assertEquals(200, other.status(), other.body());
      for (RawHttp c : clients) {
        assertEquals(200, c.head().status());
      }
    } finally {
      closeAll(clients);
    }
  }

  /**
   * One key's streams stop at their own limit, short of everyone's: one count over every key let one investigator's
   * script take every stream and lock the others out. A stream closed gives its key its place back.
   */
  @Test
  void oneKeyCannotTakeEveryStream() throws Exception {
    String script = svc.key("investigator", null);
    List<RawHttp> clients = new ArrayList<>();
    try {
      for (int i = 0; i < AnomalyStream.MAX_STREAMS_A_KEY; i++) {
        RawHttp c = new RawHttp(svc.port());
        clients.add(c);
        c.send(RawHttp.request("GET", "/api/v1/anomalies/stream", script, null));
      }
      for (RawHttp c : clients) {
        assertEquals(200, c.head().status());
      }
      try (SseClient more = SseClient.open(svc.port(), "/api/v1/anomalies/stream", script, null)) {
        assertEquals(429, more.status());
        assertTrue(more.contentType().startsWith("application/problem+json"), more.contentType());
      }
      try (SseClient other = SseClient.open(svc.port(), "/api/v1/anomalies/stream", investigator, null)) {
        assertEquals(200, other.status(), "another key's stream");
      }
      clients.remove(0).close();
      long deadline = System.currentTimeMillis() + 5_000;
      int status;
      do {
        try (SseClient again = SseClient.open(svc.port(), "/api/v1/anomalies/stream", script, null)) {
          status = again.status();
        }
      } while (status == 429 && System.currentTimeMillis() < deadline);
      assertEquals(200, status, "a closed stream gives its key its place back");
    } finally {
      closeAll(clients);
    }
  }

  @Test
  void badInputAndKeys() throws Exception {
    for (String bad : List.of("-1", "abc", "1.5", "12345678901234567890")) {
      try (SseClient client = SseClient.open(svc.port(), "/api/v1/anomalies/stream", investigator, bad)) {
        assertEquals(400, client.status(), bad);
        assertTrue(client.contentType().startsWith("application/problem+json"));
      }
    }
    for (String query : List.of("type=NOPE", "region=4a", "from=now", "state=CLOSED", "siteId=%00")) {
      try (SseClient client = SseClient.open(svc.port(), "/api/v1/anomalies/stream?" + query, investigator, null)) {
        assertEquals(400, client.status(), query);
      }
    }
    assertEquals(401, svc.get("/api/v1/anomalies/stream", null).status());
    String scanner = svc.key("scanner", "P44030500001");
    try (SseClient client = SseClient.open(svc.port(), "/api/v1/anomalies/stream", scanner, null)) {
      assertEquals(403, client.status());
    }
    try (SseClient admin = SseClient.open(svc.port(), "/api/v1/anomalies/stream", TestService.ADMIN_KEY, null)) {
      assertEquals(200, admin.status());
    }
  }

  @Test
  void aClientGoneBeforeItsKeyWasCheckedLeavesNoStreamOpen() throws Exception {
    // a key's first request reads it from the database: these clients have left before the answer is there
    for (int i = 0; i < 20; i++) {
      String key = svc.key("investigator", null);
      try (RawHttp c = new RawHttp(svc.port())) {
        c.send(RawHttp.request("GET", "/api/v1/anomalies/stream", key, null));
      }
    }
    long deadline = System.currentTimeMillis() + 5_000;
    double open = openStreams();
    while (open > 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
      open = openStreams();
    }
    assertEquals(0.0, open, "streams of clients that left stay counted against the limit of "
        + AnomalyStream.MAX_STREAMS);
  }

  /**
   * The limit holds over every event loop: the count was read, then raised, so that streams opened at once on several
   * event loops went past it. Here a limit of 2 on a server of 4 event loops, with 12 clients opening at once.
   */
  @Test
  void streamsOpenedAtOnceNeverPassTheLimit() throws Exception {
    int limit = 2;
    Services services = svc.app().services();
    io.vertx.core.Vertx vertx = svc.app().vertx();
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    String deployment = vertx.deployVerticle(() -> new io.vertx.core.VerticleBase() {
      @Override
      public io.vertx.core.Future<?> start() {
        io.vertx.ext.web.Router router = io.vertx.ext.web.Router.router(vertx);
        router.route().handler(RequestLog.handler(services.requestsInFlight()));
        new AnomalyStream(vertx, services.investigations(), limit, 2).mount(router,
            new Auth(vertx, services));
        router.route().failureHandler(ApiServer::problem);
        return vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1");
      }
    }, new io.vertx.core.DeploymentOptions().setInstances(4)).await();
    try {
      for (int round = 0; round < 30; round++) {
        List<RawHttp> clients = new ArrayList<>();
        try {
          for (int i = 0; i < 12; i++) {
            clients.add(new RawHttp(port));
          }
          java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
          List<java.util.concurrent.Future<Integer>> statuses = new ArrayList<>();
          java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(12);
          try {
            for (RawHttp c : clients) {
              statuses.add(threads.submit(() -> {
                go.await();
                c.send(RawHttp.request("GET", "/api/v1/anomalies/stream", TestService.ADMIN_KEY, null));
                return c.head().status();
              }));
            }
            go.countDown();
            int opened = 0;
            for (java.util.concurrent.Future<Integer> status : statuses) {
              opened += status.get() == 200 ? 1 : 0;
            }
            assertTrue(opened <= limit, "round " + round + ": " + opened + " streams open at once, the limit " + limit);
          } finally {
            threads.shutdown();
          }
        } finally {
          closeAll(clients);
        }
        assertEquals(0.0, openStreams(), "round " + round + ": closed streams still counted");
      }
    } finally {
      vertx.undeploy(deployment).await();
    }
  }

  /** Closes the clients, then waits (5 s at most) until their streams are no longer counted. */
  private static void closeAll(List<RawHttp> clients) throws Exception {
    for (RawHttp c : clients) {
      c.close();
    }
    long deadline = System.currentTimeMillis() + 5_000;
    while (openStreams() > 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
  }

  /** tracesentinel_stream_clients as /metrics shows it. */
  private static double openStreams() {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^tracesentinel_stream_clients\\{[^}]*} (\\S+)$")
        .matcher(svc.get("/metrics", null).body());
    assertTrue(m.find(), "no tracesentinel_stream_clients in /metrics");
    return Double.parseDouble(m.group(1));
  }

  @Test
  void revokingTheKeyEndsItsOpenStream() throws Exception {
    io.vertx.core.json.JsonObject created = svc.post("/api/v1/keys", TestService.ADMIN_KEY,
        new io.vertx.core.json.JsonObject().put("role", "investigator")).json();
    try (SseClient client = SseClient.open(svc.port(), "/api/v1/anomalies/stream", created.getString("key"), null)) {
      assertEquals(200, client.status());
      assertEquals(204, svc.delete("/api/v1/keys/" + created.getString("id"), TestService.ADMIN_KEY).status());
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(
          AnomalyStream.KEY_CHECK_MS * 3);
      while (!client.ended() && System.nanoTime() < deadline) {
        client.next(100);
      }
      assertTrue(client.ended(), "the revoked key's stream is still open after " + AnomalyStream.KEY_CHECK_MS * 3
          + " ms");
    }
  }
}
