// Batched load that records every answer, and the check of those answers against PostgreSQL.
// Runs as a single-file program on the service's jar (which carries the PostgreSQL driver):
//   java -cp target/tracesentinel.jar load-tests/faults/FaultLoad.java load  PORT SECONDS CLIENTS OUT [nul|resend|retry]
//   java -cp target/tracesentinel.jar load-tests/faults/FaultLoad.java check DATA_DIR OUT
//   java -cp target/tracesentinel.jar load-tests/faults/FaultLoad.java fresh PORT SECONDS
//   java -cp target/tracesentinel.jar load-tests/faults/FaultLoad.java idle  PORT CONNECTIONS SECONDS
//   java -cp target/tracesentinel.jar load-tests/faults/FaultLoad.java terminate DATA_DIR SECONDS
// OUT gets one line per request: documentNo, HTTP status (or "lost" when the connection failed), milliseconds.
// "resend" adds two clients that keep sending again batches already answered 200, as a till does that never saw
// its answer: each must come back 200 with every scan REPLAYED (or 503), never stored twice.
// "retry" makes the load's clients give up on an answer after 5 s and send the same batch again until it is answered
// 200 (at most 20 tries), as a till behind a short timeout does: a batch is recorded 200 once any try was, and each
// 200 after a try without an answer must have all its scans REPLAYED or none (the batch is stored whole or not at all).
import java.io.*;
import java.net.*;
import java.net.http.*;
import java.nio.file.*;
import java.sql.*;
import java.time.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

public class FaultLoad {
  static final String KEY = System.getenv().getOrDefault("KEY", "fault-test-admin");
  static final int BATCH = 100;
  static final int RESENDERS = 2;

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "load" -> load(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
          Path.of(args[4]), args.length > 5 ? args[5] : "");
      case "fresh" -> fresh(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
      case "check" -> check(Path.of(args[1]), Path.of(args[2]));
      case "idle" -> idle(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      case "terminate" -> terminate(Path.of(args[1]), Integer.parseInt(args[2]));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  static void load(int port, int seconds, int clients, Path out, String extra) throws Exception {
    boolean retry = extra.equals("retry");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/scans");
    long run = System.currentTimeMillis() % 1_000_000_000L;
    long until = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
    AtomicLong codes = new AtomicLong();
    List<String[]> acked = Collections.synchronizedList(new ArrayList<>()); // documentNo, body
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      threads.add(started(() -> {
        for (int n = 0; System.nanoTime() < until; n++) {
          String doc = "F" + run + "-" + client + "-" + n;
          StringBuilder body = new StringBuilder("{\"scans\":[");
          for (int i = 0; i < BATCH; i++) {
            long code = codes.incrementAndGet();
            // 1 scan in 10 sells an earlier code again at another site: the ledger must agree on repeats too.
            long sold = i % 10 == 9 && code > 1000 ? code - 1000 : code;
            body.append(i == 0 ? "" : ",").append("{\"code\":\"")
                .append(String.format("8960001%013d", (run % 1_000_000) * 10_000_000L + sold))
                .append("\",\"siteId\":\"FL").append((client + i) % 20).append("\",\"documentNo\":\"").append(doc)
                .append("\",\"lineNo\":").append(i + 1).append("}");
          }
          body.append("]}");
          long t = System.nanoTime();
          String status = retry ? untilAnswered(http, uri, doc, body.toString(), lines)
              : post(http, uri, body.toString(), ANSWER_TIMEOUT).status();
          lines.add(doc + "," + status + "," + (System.nanoTime() - t) / 1_000_000);
          if (status.equals("200")) {
            acked.add(new String[] {doc, body.toString()});
          } else {
            pause(100); // a client honouring Retry-After backs off
          }
        }
      }));
    }
    if (extra.equals("resend")) {
      for (int r = 0; r < RESENDERS; r++) {
        threads.add(started(() -> {
          while (System.nanoTime() < until) {
            String[] sent;
            synchronized (acked) {
              sent = acked.isEmpty() ? null : acked.get(ThreadLocalRandom.current().nextInt(acked.size()));
            }
            if (sent == null) {
              pause(10);
              continue;
            }
            long t = System.nanoTime();
            Answer a = post(http, uri, sent[1], ANSWER_TIMEOUT);
            int replayed = a.body().split("\"status\":\"REPLAYED\"", -1).length - 1;
            lines.add("resend," + sent[0] + "," + a.status() + "," + (System.nanoTime() - t) / 1_000_000 + ","
                + replayed);
            if (!a.status().equals("200")) {
              pause(100);
            }
          }
        }));
      }
    }
    if (extra.equals("nul")) {
      threads.add(started(() -> {
        for (int n = 0; System.nanoTime() < until; n++) {
          String doc = "NUL" + run + "-" + n;
          String body = "{\"scans\":[{\"code\":\"89600019999999" + String.format("%06d", n % 1_000_000)
              + "\",\"siteId\":\"FL0\",\"documentNo\":\"" + doc + "\\u0000\",\"billedDrug\":\"X\\u0000Y\","
              + "\"deviceId\":\"\\u0000\"}]}";
          String status = post(http, uri, body, ANSWER_TIMEOUT).status();
          if (!status.equals("200")) {
            lines.add("nul-refused," + status);
          }
          try {
            Thread.sleep(50);
          } catch (InterruptedException e) {
            return;
          }
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    Files.write(out, lines);
  }

  static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static Thread started(Runnable r) {
    Thread t = new Thread(r);
    t.start();
    return t;
  }

  /**
   * Sends a batch again after a lost or refused answer until it is answered 200, as a till does; records each try
   * after an unanswered one (how many of its scans came back REPLAYED) and answers the batch's final status: 200 once
   * any try was, otherwise "lost" when any try went unanswered (it may be stored), otherwise the last status.
   */
  static String untilAnswered(HttpClient http, URI uri, String doc, String body, Queue<String> lines) {
    boolean unanswered = false;
    String status = "none";
    for (int attempt = 0; attempt < 20; attempt++) {
      Answer a = post(http, uri, body, RETRY_TIMEOUT);
      status = a.status();
      if (unanswered) {
        lines.add("retry," + doc + "," + status + "," + (a.body().split("\"status\":\"REPLAYED\"", -1).length - 1));
      }
      if (status.equals("200")) {
        return status;
      }
      unanswered |= status.equals("lost");
      pause(100);
    }
    return unanswered ? "lost" : status;
  }

  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);
  static final Duration RETRY_TIMEOUT = Duration.ofSeconds(5);

  record Answer(String status, String body) {}

  static Answer post(HttpClient http, URI uri, String body, Duration timeout) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(timeout)
          .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(Integer.toString(r.statusCode()), r.body());
    } catch (IOException | InterruptedException e) {
      return new Answer("lost", "");
    }
  }

  /** After a fault: how long until a batch of new codes is answered 200 (sent again every 100 ms, at most SECONDS). */
  static void fresh(int port, int seconds) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/scans");
    String doc = "P" + System.currentTimeMillis();
    StringBuilder body = new StringBuilder("{\"scans\":[");
    for (int i = 0; i < BATCH; i++) {
      body.append(i == 0 ? "" : ",").append("{\"code\":\"")
          .append(String.format("8960001%013d", 9_000_000_000_000L + System.currentTimeMillis() % 1_000_000_000L * 100 + i))
          .append("\",\"siteId\":\"FL0\",\"documentNo\":\"").append(doc).append("\",\"lineNo\":").append(i + 1)
          .append("}");
    }
    body.append("]}");
    long start = System.nanoTime();
    long until = start + Duration.ofSeconds(seconds).toNanos();
    String status = "none";
    while (System.nanoTime() < until
        && !(status = post(http, uri, body.toString(), ANSWER_TIMEOUT).status()).equals("200")) {
      pause(100);
    }
    System.out.println(status.equals("200")
        ? "a new batch answered 200 " + (System.nanoTime() - start) / 1_000_000 + " ms after the load"
        : "NO new batch answered 200 within " + seconds + " s after the load (last answer " + status + ")");
  }

  /** The service's embedded PostgreSQL, as its superuser. */
  static Connection database(Path dataDir) throws Exception {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", Files.readString(dataDir.resolve("pg.password")).trim());
    String port = Files.readAllLines(dataDir.resolve("pg").resolve("postmaster.pid")).get(3).trim();
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
  }

  /**
   * Ends every other client backend of the service's PostgreSQL (pg_terminate_backend) once a second for SECONDS:
   * connections lost mid-statement and mid-COMMIT while the server stays up, so the service reconnects at once.
   */
  static void terminate(Path dataDir, int seconds) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    int rounds = 0;
    long ended = 0;
    try (Connection c = database(dataDir); Statement st = c.createStatement()) {
      while (System.nanoTime() < until) {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM"
            + " pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'")) {
          rs.next();
          ended += rs.getLong(1);
        }
        rounds++;
        Thread.sleep(1000);
      }
    }
    System.out.printf("%d rounds, %d backends ended%n", rounds, ended);
  }

  /** Compares the recorded answers with what PostgreSQL holds; prints the counts on one line. */
  static void check(Path dataDir, Path answers) throws Exception {
    Map<String, Long> stored = new HashMap<>();
    try (Connection c = database(dataDir);
         Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT document_no, count(*) FROM scans WHERE document_no LIKE 'F%' GROUP BY 1")) {
      while (rs.next()) {
        stored.put(rs.getString(1), rs.getLong(2));
      }
    }
    long acked = 0, lost = 0, refused = 0, refusedButStored = 0, unanswered = 0, nulRefused = 0;
    long slowestRefusal = 0, slowest = 0;
    long resends = 0, resendsReplayed = 0, resendsNotReplayed = 0, resendsRefused = 0, resendsUnanswered = 0;
    long retries = 0, retriesReplayed = 0, retriesStoredNow = 0, retriesPartlyReplayed = 0;
    for (String line : Files.readAllLines(answers)) {
      String[] f = line.split(",");
      if (f[0].equals("nul-refused")) {
        nulRefused++;
        continue;
      }
      if (f[0].equals("retry")) {
        retries++;
        if (f[2].equals("200")) {
          int replayed = Integer.parseInt(f[3]);
          if (replayed == BATCH) {
            retriesReplayed++;
          } else if (replayed == 0) {
            retriesStoredNow++;
          } else {
            retriesPartlyReplayed++;
          }
        }
        continue;
      }
      if (f[0].equals("resend")) {
        resends++;
        slowest = Math.max(slowest, Long.parseLong(f[3]));
        switch (f[2]) {
          case "200" -> {
            if (Integer.parseInt(f[4]) == BATCH) {
              resendsReplayed++;
            } else {
              resendsNotReplayed++;
            }
          }
          case "503" -> resendsRefused++;
          default -> resendsUnanswered++;
        }
        continue;
      }
      slowest = Math.max(slowest, Long.parseLong(f[2]));
      long rows = stored.getOrDefault(f[0], 0L);
      switch (f[1]) {
        case "200" -> {
          acked++;
          if (rows != BATCH) {
            lost++;
          }
        }
        case "503" -> {
          refused++;
          slowestRefusal = Math.max(slowestRefusal, Long.parseLong(f[2]));
          if (rows != 0) {
            refusedButStored++;
          }
        }
        default -> unanswered++;
      }
    }
    long storedTwice = stored.values().stream().filter(rows -> rows > BATCH).count();
    System.out.printf("acked %d, lost %d, refused %d, refused-but-stored %d, unanswered %d (connection lost),"
        + " NUL requests refused %d, slowest 503 %d ms, slowest answer %d ms%s%n", acked, lost, refused,
        refusedButStored, unanswered, nulRefused, slowestRefusal, slowest, (resends == 0 ? ""
            : String.format("; re-sends %d: 200 all REPLAYED %d, 200 NOT all REPLAYED %d, 503 %d, unanswered %d,"
                + " documents stored more than once %d", resends, resendsReplayed, resendsNotReplayed,
                resendsRefused, resendsUnanswered, storedTwice))
        + (retries == 0 ? "" : String.format("; tries after an unanswered one %d: 200 all REPLAYED %d, 200 none"
            + " REPLAYED %d, 200 partly REPLAYED %d, documents stored more than once %d", retries, retriesReplayed,
            retriesStoredNow, retriesPartlyReplayed, storedTwice)));
  }

  /** Holds CONNECTIONS idle connections for SECONDS while timing /health/ready; prints the latencies. */
  static void idle(int port, int connections, int seconds) throws Exception {
    List<Socket> sockets = new ArrayList<>();
    int opened = 0;
    for (int i = 0; i < connections; i++) {
      try {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        sockets.add(s);
        opened++;
      } catch (IOException e) {
        break;
      }
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    List<Long> millis = new ArrayList<>();
    int failures = 0;
    long until = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    while (System.nanoTime() < until) {
      long t = System.nanoTime();
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
            + "/health/ready")).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          failures++;
        }
      } catch (IOException e) {
        failures++;
      }
      millis.add((System.nanoTime() - t) / 1_000_000);
      Thread.sleep(200);
    }
    Collections.sort(millis);
    int closedByServer = 0;
    for (Socket s : sockets) {
      s.setSoTimeout(1);
      try {
        if (s.getInputStream().read() < 0) {
          closedByServer++;
        }
      } catch (SocketTimeoutException stillOpen) {
        // held open
      } catch (IOException e) {
        closedByServer++;
      }
      s.close();
    }
    System.out.printf("idle connections %d opened (%d closed by the server since), /health/ready while held: %d calls,"
        + " %d failed, p50 %d ms, max %d ms%n", opened, closedByServer, millis.size(), failures,
        millis.get(millis.size() / 2), millis.get(millis.size() - 1));
  }
}
