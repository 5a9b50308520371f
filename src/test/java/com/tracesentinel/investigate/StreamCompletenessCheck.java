package com.tracesentinel.investigate;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Does every stream get every anomaly committed after its start? (load-tests/stream/complete.sh runs it against a
 * service it started; not a unit test.) Opens S streams at once and waits for each one's head, whose id-only event
 * says where that stream starts; then posts B requests of 500 cross-city re-sales (500 REPEAT_SALE anomalies each)
 * while R of the streams drop their connection and come back with Last-Event-ID, as a browser does, and L more
 * streams open mid-batch. Then it reads the anomalies table and compares, per stream, the ids it got with every id
 * after its start. A client that counts a stream from its request rather than from its head sees anomalies committed
 * before the start as "missing": this one counts from the head.
 *
 * <p>Raw sockets, one thread a stream: each event is timed and attributed to its connection, with nothing pooled or
 * buffered by an HTTP library in between.
 */
public final class StreamCompletenessCheck {
  private static final Pattern KEY = Pattern.compile("\"key\"\\s*:\\s*\"([^\"]+)\"");
  private static final int PER_REQUEST = 500;
  private static final int STREAMS_A_KEY = 100;

  private StreamCompletenessCheck() {}

  /** One client's view of one stream, across its reconnections. */
  static final class Stream implements Runnable {
    final int n;
    final String host;
    final int port;
    final String key;
    final long openedNanos = System.nanoTime();
    final CountDownLatch headed = new CountDownLatch(1);
    volatile long start = -1;
    volatile long headNanos;
    volatile int firstStatus;
    volatile String firstError = "";
    final List<Long> ids = new ArrayList<>();
    volatile String lastEventId;
    volatile int connections;
    volatile int resyncs;
    volatile boolean reconnect;
    volatile boolean stop;
    volatile String lastFailure = "";
    /** How each connection ended, in order. */
    final List<String> ends = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile Socket socket;

    Stream(int n, String host, int port, String key) {
      this.n = n;
      this.host = host;
      this.port = port;
      this.key = key;
    }

    @Override
    public void run() {
      while (!stop) {
        long began = System.nanoTime();
        try {
          connect();
          ends.add(reconnect ? "dropped" : stop ? "closed" : "ended by the service" + after(began));
        } catch (IOException | RuntimeException e) {
          ends.add(reconnect ? "dropped" : stop ? "closed" : e + after(began));
          if (!reconnect && !stop) {
            lastFailure = e.toString();
          }
        }
        if (start < 0) {
          headed.countDown(); // a stream that never started is reported, not retried
          return;
        }
        if (stop) {
          return;
        }
        reconnect = false;
        sleep(ThreadLocalRandom.current().nextInt(50, 500)); // EventSource waits its retry; shorter, for more overlap
      }
    }

    private static String after(long began) {
      return String.format(Locale.ROOT, " after %.1f s", (System.nanoTime() - began) / 1e9);
    }

    /** Ends the current connection; the stream comes back with Last-Event-ID. */
    void drop() throws IOException {
      reconnect = true;
      Socket s = socket;
      if (s != null) {
        s.close();
      }
    }

    void close() throws IOException {
      stop = true;
      Socket s = socket;
      if (s != null) {
        s.close();
      }
    }

    synchronized List<Long> received() {
      return new ArrayList<>(ids);
    }

    synchronized long lastReceived() {
      return ids.isEmpty() ? start : ids.get(ids.size() - 1);
    }

    private void connect() throws IOException {
      try (Socket s = new Socket()) {
        socket = s;
        if (stop) {
          return;
        }
        s.connect(new InetSocketAddress(host, port), 10_000);
        connections++;
        StringBuilder req = new StringBuilder("GET /api/v1/anomalies/stream HTTP/1.1\r\nHost: ").append(host)
            .append(':').append(port).append("\r\nAccept: text/event-stream\r\nAuthorization: Bearer ").append(key)
            .append("\r\n");
        if (lastEventId != null) {
          req.append("Last-Event-ID: ").append(lastEventId).append("\r\n");
        }
        OutputStream out = s.getOutputStream();
        out.write(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = new BufferedInputStream(s.getInputStream());
        String status = line(in);
        if (status == null) {
          throw new IOException("closed before the status line");
        }
        int code = Integer.parseInt(status.split(" ")[1]);
        boolean chunked = false;
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
          if (h.toLowerCase(Locale.ROOT).startsWith("transfer-encoding:") && h.toLowerCase(Locale.ROOT).contains(
              "chunked")) {
            chunked = true;
          }
        }
        if (start < 0) {
          firstStatus = code;
        }
        if (code != 200) {
          if (start < 0) {
            firstError = status;
          }
          throw new IOException("answered " + status);
        }
        events(chunked ? new Chunked(in) : in);
      }
    }

    /** Parses as EventSource does: fields until a blank line; an id-only event sets the last event id. */
    private void events(InputStream in) throws IOException {
      String id = null;
      String type = "";
      boolean data = false;
      for (String l = line(in); l != null; l = line(in)) {
        if (l.isEmpty()) {
          if (id != null) {
            lastEventId = id;
            if (start < 0) {
              start = Long.parseLong(id); // the head's id-only event: where this stream starts
              headNanos = System.nanoTime();
              headed.countDown();
            } else if (type.equals("resync")) {
              resyncs++;
            } else if (data) {
              synchronized (this) {
                ids.add(Long.parseLong(id));
              }
            }
          }
          id = null;
          type = "";
          data = false;
        } else if (l.startsWith("id:")) {
          id = l.substring(3).trim();
        } else if (l.startsWith("event:")) {
          type = l.substring(6).trim();
        } else if (l.startsWith("data:")) {
          data = true;
        }
      }
    }
  }

  /** The body of a chunked answer. */
  static final class Chunked extends InputStream {
    private final InputStream in;
    private long left;

    Chunked(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      if (left == 0) {
        if (!nextChunk()) {
          return -1;
        }
      }
      int b = in.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    private boolean nextChunk() throws IOException {
      String size = line(in);
      if (size != null && size.isEmpty()) {
        size = line(in); // the CRLF after the previous chunk's data
      }
      if (size == null) {
        return false;
      }
      int semi = size.indexOf(';');
      left = Long.parseLong(semi < 0 ? size.trim() : size.substring(0, semi).trim(), 16);
      return left > 0;
    }
  }

  static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(128);
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Arguments: base URL, admin key, JDBC URL, database user, password, streams, requests of 500 anomalies,
   * reconnections during them, streams opened during them.
   */
  public static void main(String[] args) throws Exception {
    URI base = URI.create(args[0]);
    String admin = args[1];
    String jdbc = args[2];
    String dbUser = args[3];
    String dbPassword = args[4];
    int streams = Integer.parseInt(args[5]);
    int requests = Integer.parseInt(args[6]);
    int reconnections = Integer.parseInt(args[7]);
    int late = Integer.parseInt(args[8]);
    HttpClient http = HttpClient.newBuilder().build();
    send(http, base, "PUT", "/api/v1/sites", admin, """
        [{"siteId":"P44030500001","name":"Shenzhen 1","kind":"PHARMACY","regionCode":"440305","regionName":"s"},
         {"siteId":"P11010500001","name":"Beijing 1","kind":"PHARMACY","regionCode":"110105","regionName":"b"}]""");
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < (streams + late + STREAMS_A_KEY - 1) / STREAMS_A_KEY; i++) {
      Matcher m = KEY.matcher(send(http, base, "POST", "/api/v1/keys", admin, "{\"role\":\"investigator\"}"));
      if (!m.find()) {
        throw new IllegalStateException("no key in the answer");
      }
      keys.add(m.group(1));
    }
    List<Stream> all = new ArrayList<>();
    ExecutorService threads = Executors.newCachedThreadPool(StreamCompletenessCheck::daemon);
    long t0 = System.nanoTime();
    for (int i = 0; i < streams; i++) {
      Stream s = new Stream(i, base.getHost(), base.getPort(), keys.get(i / STREAMS_A_KEY));
      all.add(s);
      threads.submit(s);
    }
    for (Stream s : all) {
      if (!s.headed.await(60, TimeUnit.SECONDS)) {
        System.out.println("stream " + s.n + ": no head in 60 s");
      }
    }
    double headsIn = (System.nanoTime() - t0) / 1e9;
    long maxHead = all.stream().mapToLong(s -> s.start < 0 ? 0 : s.headNanos - s.openedNanos).max().orElse(0);
    System.out.printf(Locale.ROOT, "%d streams opened at once: %d started (heads within %.1f s, slowest %.1f s); "
            + "first answers %s%n", streams, all.stream().filter(s -> s.start >= 0).count(), headsIn, maxHead / 1e9,
        statuses(all));

    AtomicLong serial = new AtomicLong(System.currentTimeMillis() % 1_000_000L * 10_000_000L);
    Instant at = Instant.now().minus(3, ChronoUnit.HOURS);
    ExecutorService posters = Executors.newFixedThreadPool(2, StreamCompletenessCheck::daemon);
    List<Future<String>> posted = new ArrayList<>();
    long l0 = System.nanoTime();
    for (int r = 0; r < requests; r++) {
      posted.add(posters.submit(() -> {
        StringBuilder scans = new StringBuilder("{\"scans\":[");
        for (int i = 0; i < PER_REQUEST; i++) {
          long n = serial.getAndIncrement();
          String code = "8100001" + String.format(Locale.ROOT, "%013d", n);
          scans.append(i == 0 ? "" : ",").append("{\"code\":\"").append(code)
              .append("\",\"siteId\":\"P44030500001\",\"documentNo\":\"A").append(n).append("\",\"scannedAt\":\"")
              .append(at).append("\"},{\"code\":\"").append(code)
              .append("\",\"siteId\":\"P11010500001\",\"documentNo\":\"B").append(n).append("\",\"scannedAt\":\"")
              .append(at.plusSeconds(60)).append("\"}");
        }
        String body = scans.append("]}").toString();
        for (int attempt = 1; ; attempt++) {
          try {
            return send(http, base, "POST", "/api/v1/scans", admin, body);
          } catch (IllegalStateException e) {
            // a 503 stored nothing: the same request again, as a till would (its re-send of stored scans is REPLAYED)
            if (!e.getMessage().contains(": 503 ") || attempt == 10) {
              throw e;
            }
            System.out.println("a request was answered 503; sending it again");
            sleep(1_000);
          }
        }
      }));
    }
    // reconnections and late streams at random moments while the requests are under way
    List<Stream> lateStreams = new ArrayList<>();
    int dropped = 0;
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    while (!posted.stream().allMatch(Future::isDone) && (dropped < reconnections || lateStreams.size() < late)) {
      sleep(rnd.nextLong(1, 200));
      Stream s = all.get(rnd.nextInt(all.size()));
      if (dropped < reconnections && s.start >= 0) {
        s.drop();
        dropped++;
      }
      if (lateStreams.size() < late && rnd.nextInt(4) == 0) {
        int n = streams + lateStreams.size();
        Stream fresh = new Stream(n, base.getHost(), base.getPort(), keys.get(n / STREAMS_A_KEY));
        lateStreams.add(fresh);
        threads.submit(fresh);
      }
    }
    for (Future<String> f : posted) {
      f.get();
    }
    double loadSeconds = (System.nanoTime() - l0) / 1e9;
    posters.shutdown();
    for (Stream s : lateStreams) {
      s.headed.await(60, TimeUnit.SECONDS);
    }
    all.addAll(lateStreams);

    TreeMap<Long, Boolean> table = new TreeMap<>();
    long min = all.stream().filter(s -> s.start >= 0).mapToLong(s -> s.start).min().orElse(0);
    try (Connection c = DriverManager.getConnection(jdbc, dbUser, dbPassword);
         PreparedStatement st = c.prepareStatement("SELECT id FROM anomalies WHERE id > ? ORDER BY id")) {
      st.setLong(1, min);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          table.put(rs.getLong(1), Boolean.TRUE);
        }
      }
    }
    long newest = table.isEmpty() ? min : table.lastKey();
    System.out.printf(Locale.ROOT, "%d requests of %d re-sales committed in %.1f s; %d reconnections with "
            + "Last-Event-ID, %d streams opened meanwhile; the table holds %d anomalies after the oldest start %d%n",
        requests, PER_REQUEST, loadSeconds, dropped, lateStreams.size(), table.size(), min);
    long waitUntil = System.currentTimeMillis() + 60_000;
    for (Stream s : all) {
      while (s.start >= 0 && s.lastReceived() < newest && System.currentTimeMillis() < waitUntil) {
        sleep(20);
      }
    }
    for (Stream s : all) {
      s.close();
    }
    threads.shutdown();
    threads.awaitTermination(10, TimeUnit.SECONDS);

    int complete = 0;
    int incomplete = 0;
    int none = 0;
    long expectedAll = 0;
    long missingAll = 0;
    for (Stream s : all) {
      if (s.start < 0) {
        continue;
      }
      List<Long> got = s.received();
      long expected = table.tailMap(s.start, false).size();
      expectedAll += expected;
      long previous = s.start;
      int disorder = 0;
      java.util.Set<Long> seen = new java.util.HashSet<>();
      int duplicates = 0;
      for (long id : got) {
        if (id <= previous) {
          disorder++;
        }
        previous = id;
        if (!seen.add(id)) {
          duplicates++;
        }
      }
      List<Long> missing = new ArrayList<>();
      for (long id : table.tailMap(s.start, false).keySet()) {
        if (!seen.contains(id)) {
          missing.add(id);
        }
      }
      int foreign = 0;
      for (long id : seen) {
        if (id <= s.start || !table.containsKey(id)) {
          foreign++;
        }
      }
      missingAll += missing.size();
      if (got.isEmpty() && expected > 0) {
        none++;
      }
      if (missing.isEmpty() && duplicates == 0 && disorder == 0 && foreign == 0 && s.resyncs == 0) {
        complete++;
      } else {
        incomplete++;
        System.out.printf(Locale.ROOT, "stream %d (start %d, %d connections, %d resyncs): got %d of %d, %d missing"
                + " (first %s, last %s), %d duplicates, %d out of order, %d not expected; connections ended: %s%n", s.n,
            s.start, s.connections, s.resyncs, got.size(), expected, missing.size(),
            missing.isEmpty() ? "-" : missing.get(0), missing.isEmpty() ? "-" : missing.get(missing.size() - 1),
            duplicates, disorder, foreign, s.ends);
      }
    }
    Map<String, Integer> endings = new TreeMap<>();
    for (Stream s : all) {
      for (String end : List.copyOf(s.ends)) {
        endings.merge(end.replaceAll(" after [0-9.]+ s$", ""), 1, Integer::sum);
      }
    }
    System.out.println("connections ended: " + endings);
    long started = all.stream().filter(s -> s.start >= 0).count();
    System.out.printf(Locale.ROOT, "RESULT %d streams started (%d not: %s) over %d connections; %d got every "
            + "anomaly after their start once and in order, %d did not (%d got none); %d of %d expected events "
            + "missing%n", started, all.size() - started, statuses(all.stream().filter(s -> s.start < 0).toList()),
        all.stream().mapToInt(s -> s.connections).sum(), complete, incomplete, none, missingAll, expectedAll);
  }

  /** Nothing left running keeps the check from ending when it fails. */
  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r);
    t.setDaemon(true);
    return t;
  }

  private static Map<String, Integer> statuses(List<Stream> streams) {
    Map<String, Integer> counts = new TreeMap<>();
    for (Stream s : streams) {
      String k = s.firstStatus == 0 ? "none (" + s.lastFailure + ")" : Integer.toString(s.firstStatus);
      counts.merge(k, 1, Integer::sum);
    }
    return counts;
  }

  private static String send(HttpClient http, URI base, String method, String path, String key, String body)
      throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization",
            "Bearer " + key).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }
}
