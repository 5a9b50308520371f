// Batched load that records every answer, and the check of those answers against PostgreSQL.
// Runs as a single-file program on the service's jar (which carries the PostgreSQL driver):
//   java -cp target/tracesentinel.jar load-tests/faults/FaultLoad.java load  PORT SECONDS CLIENTS OUT [nul|resend|retry
//     |mix]
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
// "mix" sends over codes shared by 5 sites in 3 cities instead of new codes (see Mix): re-sales and receipts of a
// shared pool, sales at three sites then a RETURN at the first (one the code's state cannot match: the judge reads
// the history), NHSA 3505A/3506A uploads and 3507 deletions of earlier uploads, and the re-senders as in "resend".
// OUT then also holds each request's expected row count and each deletion's answer, for "check".
import java.io.*;
import java.net.*;
import java.net.http.*;
import java.nio.file.*;
import java.sql.*;
import java.time.*;
import java.time.format.DateTimeFormatter;
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
    boolean mix = extra.equals("mix");
    for (int c = 0; c < clients; c++) {
      int client = c;
      threads.add(started(mix ? new Mix(http, port, run, client, until, lines, acked) : () -> {
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
    if (extra.equals("resend") || mix) {
      for (int r = 0; r < RESENDERS; r++) {
        threads.add(started(() -> {
          while (System.nanoTime() < until) {
            String[] sent; // documentNo, body[, path, expected rows]
            synchronized (acked) {
              sent = acked.isEmpty() ? null : acked.get(ThreadLocalRandom.current().nextInt(acked.size()));
            }
            if (sent == null) {
              pause(10);
              continue;
            }
            long t = System.nanoTime();
            Answer a = post(http, sent.length > 2 ? URI.create("http://127.0.0.1:" + port + sent[2]) : uri, sent[1],
                ANSWER_TIMEOUT);
            int replayed = a.body().split("\"status\":\"REPLAYED\"", -1).length - 1;
            lines.add("resend," + sent[0] + "," + a.status() + "," + (System.nanoTime() - t) / 1_000_000 + ","
                + replayed + (sent.length > 2 ? "," + sent[3] : ""));
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

  static final int POOL = 2_000;
  static final int SITES = 5; // FL0..FL4: regions 440300, 440401, 440502, 440303, 440404, three cities
  static final AtomicLong FRESH = new AtomicLong(POOL);
  static final DateTimeFormatter CHINA = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
      .withZone(ZoneOffset.ofHours(8));

  /**
   * One client of the mixed load. Of every 5 requests: 2 batches of the shared pool's codes (sales, 1 in 10 a
   * receipt, 1 in 10 a return, at random sites: codes sold elsewhere sold again), 2 batches of chains (25 codes each of
   * four groups: a group is sold at its site A, then B, then C, then returned at A, one step a request, a step done
   * again after a 503, so the return meets a state holding B's and C's sales only), and 1 NHSA message: in turn a 3505A
   * that is later deleted, a 3505A that is kept (and re-sent), a 3506A returning the kept one's codes, a 3507 of the
   * oldest deletable upload answered 200. Re-sent: the batches and the kept uploads (a deleted upload sent again is
   * stored again, by design).
   */
  record Mix(HttpClient http, int port, long runId, int client, long until, Queue<String> lines, List<String[]> acked)
      implements Runnable {
    @Override
    public void run() {
      Deque<String[]> deletable = new ArrayDeque<>(); // site, batch, of uploads answered 200
      String[] kept = null; // site, documentNo, codes of the last kept upload answered 200
      int chain = 0;
      for (int n = 0; System.nanoTime() < until; n++) {
        String doc = "F" + runId + "-" + client + "-" + n;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (n % 5 == 4) {
          switch (n / 5 % 4) {
            case 0, 1 -> {
              boolean keep = n / 5 % 4 == 1;
              String site = "FL" + random.nextInt(SITES);
              String batch = "FB" + runId + "-" + client + "-" + n;
              // Distinct: a box listed twice on one receipt is stored once (README "NHSA intake").
              Set<String> codes = new LinkedHashSet<>();
              for (int i = 0; codes.size() < 20; i++) {
                codes.add(code(i % 2 == 0 ? random.nextInt(POOL) : FRESH.getAndIncrement()));
              }
              String status = send("/api/v1/nhsa/3505A", doc, nhsa("3505A", site, doc, batch, null, List.copyOf(codes)),
                  codes.size(), keep);
              if (status.equals("200")) {
                if (keep) {
                  kept = new String[] {site, doc, String.join(" ", codes)};
                } else {
                  deletable.add(new String[] {site, batch});
                }
              }
            }
            case 2 -> {
              if (kept != null) {
                List<String> codes = List.of(kept[2].split(" "));
                send("/api/v1/nhsa/3506A", doc, nhsa("3506A", kept[0], doc, "FB" + runId + "-" + client + "-" + n,
                    kept[1], codes), codes.size(), true);
                kept = null;
              }
            }
            default -> {
              String[] upload = deletable.peek();
              if (upload != null) {
                long t = System.nanoTime();
                Answer a = post(http, URI.create("http://127.0.0.1:" + port + "/api/v1/nhsa/3507"),
                    "{\"infno\":\"3507\",\"msgid\":\"" + doc + "\",\"fixmedins_code\":\"" + upload[0]
                        + "\",\"input\":{\"data\":{\"fixmedins_bchno\":\"" + upload[1]
                        + "\",\"inv_data_type\":\"4\"}}}", ANSWER_TIMEOUT);
                String status = nhsaStatus(a);
                lines.add("del," + upload[0] + "," + upload[1] + "," + status + ","
                    + (System.nanoTime() - t) / 1_000_000);
                if (status.equals("200")) {
                  deletable.poll();
                } else {
                  pause(100);
                }
              }
            }
          }
          continue;
        }
        StringBuilder body = new StringBuilder("{\"scans\":[");
        if (n % 5 < 2) {
          for (int i = 0; i < BATCH; i++) {
            String type = i % 10 == 7 ? "RECEIVE" : i % 10 == 3 ? "RETURN" : "SALE";
            scan(body, i, code(random.nextInt(POOL)), type, random.nextInt(SITES), doc);
          }
        } else {
          // Group g's codes are chain numbers g * 25 .. g * 25 + 24 of this client; step s of group chain - s.
          for (int i = 0; i < BATCH; i++) {
            int step = i / 25;
            int group = chain - step;
            if (group < 0) {
              scan(body, i, code(FRESH.getAndIncrement()), "SALE", group & 3, doc);
              continue;
            }
            String c = code(POOL + 1_000_000L * (client + 1) + group * 25L + i % 25);
            scan(body, i, c, step == 3 ? "RETURN" : "SALE", (group + (step == 3 ? 0 : step)) % SITES, doc);
          }
        }
        body.append("]}");
        String status = send("/api/v1/scans", doc, body.toString(), BATCH, true);
        if (n % 5 >= 2 && !status.equals("503")) {
          chain++;
        }
      }
    }

    String code(long index) {
      return String.format("8960001%013d", (runId % 1_000_000) * 10_000_000L + index);
    }

    static void scan(StringBuilder body, int i, String code, String type, int site, String doc) {
      body.append(i == 0 ? "" : ",").append("{\"code\":\"").append(code).append("\",\"type\":\"").append(type)
          .append("\",\"siteId\":\"FL").append(site).append("\",\"documentNo\":\"").append(doc)
          .append("\",\"lineNo\":").append(i + 1).append("}");
    }

    /** A 3505A or 3506A of one line a code, all of document {@code doc} and upload {@code batch}. */
    static String nhsa(String infno, String site, String doc, String batch, String sale, List<String> codes) {
      String at = CHINA.format(Instant.now());
      StringBuilder b = new StringBuilder("{\"infno\":\"" + infno + "\",\"msgid\":\"" + doc
          + "\",\"fixmedins_code\":\"" + site + "\",\"input\":{\"selinfoDetail\":[");
      for (int i = 0; i < codes.size(); i++) {
        b.append(i == 0 ? "" : ",").append("{\"rtal_docno\":\"").append(doc).append("\",\"fixmedins_bchno\":\"")
            .append(batch).append("\",\"sel_retn_time\":\"").append(at)
            .append("\",\"trdn_flag\":\"0\",\"sel_retn_cnt\":1,\"drug_trac_codg\":\"").append(codes.get(i))
            .append(sale == null ? "\"}" : "\",\"medins_prod_sel_no\":\"" + sale + "\"}");
      }
      return b.append("]}}").toString();
    }

    /** Posts a request of {@code rows} scans, records its answer, offers it to the re-senders when answered 200. */
    String send(String path, String doc, String body, int rows, boolean resend) {
      long t = System.nanoTime();
      Answer a = post(http, URI.create("http://127.0.0.1:" + port + path), body, ANSWER_TIMEOUT);
      String status = path.startsWith("/api/v1/nhsa/") ? nhsaStatus(a) : a.status();
      lines.add(doc + "," + status + "," + (System.nanoTime() - t) / 1_000_000 + "," + rows);
      if (status.equals("200") && resend) {
        acked.add(new String[] {doc, body, path, Integer.toString(rows)});
      } else if (!status.equals("200")) {
        pause(100); // a client honouring Retry-After backs off
      }
      return status;
    }
  }

  /** An NHSA answer's HTTP status, or "unread" for a 200 whose infcode is not 0 (the message was not read). */
  static String nhsaStatus(Answer a) {
    return a.status().equals("200") && !a.body().contains("\"infcode\":0") ? "unread" : a.status();
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

  /**
   * Compares the recorded answers with what PostgreSQL holds; prints the counts on one line. A request's rows are
   * those of its documentNo (a deletion leaves them, voided); a mixed load's deletions are checked by their upload's
   * rows: voided all when a deletion of it was answered 200, none when every one was refused (and none of an upload
   * no deletion named). Such a departure counts as lost or refused-but-stored.
   */
  static void check(Path dataDir, Path answers) throws Exception {
    Map<String, Long> stored = new HashMap<>();
    Map<String, long[]> uploads = new HashMap<>(); // site,batch: rows, voided
    try (Connection c = database(dataDir); Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery(
          "SELECT document_no, count(*) FROM scans WHERE document_no LIKE 'F%' GROUP BY 1")) {
        while (rs.next()) {
          stored.put(rs.getString(1), rs.getLong(2));
        }
      }
      try (ResultSet rs = st.executeQuery("SELECT site_id, upload_batch, count(*), count(voided_at) FROM scans"
          + " WHERE upload_batch LIKE 'FB%' GROUP BY 1, 2")) {
        while (rs.next()) {
          uploads.put(rs.getString(1) + "," + rs.getString(2), new long[] {rs.getLong(3), rs.getLong(4)});
        }
      }
    }
    Map<String, Integer> expected = new HashMap<>();
    Map<String, Set<String>> deletions = new HashMap<>(); // site,batch: the statuses of its deletions
    long unread = 0;
    Map<String, Long> others = new TreeMap<>(); // status: requests the service found wrong (a fault of the load)
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
      if (f[0].equals("del")) {
        deletions.computeIfAbsent(f[1] + "," + f[2], k -> new HashSet<>()).add(f[3]);
        slowest = Math.max(slowest, Long.parseLong(f[4]));
        continue;
      }
      if (f[0].equals("resend")) {
        resends++;
        slowest = Math.max(slowest, Long.parseLong(f[3]));
        switch (f[2]) {
          case "200" -> {
            if (Integer.parseInt(f[4]) == (f.length > 5 ? Integer.parseInt(f[5]) : BATCH)) {
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
      int want = f.length > 3 ? Integer.parseInt(f[3]) : BATCH;
      expected.put(f[0], want);
      switch (f[1]) {
        case "200" -> {
          acked++;
          if (rows != want) {
            lost++;
          }
        }
        case "503", "unread" -> {
          if (f[1].equals("unread")) {
            unread++;
          } else {
            refused++;
          }
          slowestRefusal = Math.max(slowestRefusal, Long.parseLong(f[2]));
          if (rows != 0) {
            refusedButStored++;
          }
        }
        default -> {
          if (f[1].startsWith("4")) {
            others.merge(f[1], 1L, Long::sum);
          } else {
            unanswered++;
          }
        }
      }
    }
    long storedTwice = stored.entrySet().stream()
        .filter(e -> e.getValue() > expected.getOrDefault(e.getKey(), BATCH)).count();
    long deleted = 0, deletedNotVoided = 0, refusedButVoided = 0, voidedUnasked = 0;
    for (Map.Entry<String, long[]> upload : uploads.entrySet()) {
      Set<String> asked = deletions.getOrDefault(upload.getKey(), Set.of());
      long rows = upload.getValue()[0], voided = upload.getValue()[1];
      if (asked.contains("200")) {
        deleted++;
        deletedNotVoided += voided == rows ? 0 : 1;
      } else if (asked.isEmpty()) {
        voidedUnasked += voided == 0 ? 0 : 1;
      } else if (!asked.contains("lost")) {
        refusedButVoided += voided == 0 ? 0 : 1;
      }
    }
    lost += deletedNotVoided + voidedUnasked;
    refusedButStored += refusedButVoided;
    System.out.printf("acked %d, lost %d, refused %d, refused-but-stored %d, unanswered %d (connection lost),"
        + " NUL requests refused %d, slowest 503 %d ms, slowest answer %d ms%s%n", acked, lost, refused,
        refusedButStored, unanswered, nulRefused, slowestRefusal, slowest,
        (unread + uploads.size() + deletions.size() == 0 ? ""
            : String.format("; NHSA messages not read %d; uploads deleted (a 3507 answered 200) %d, of them not"
                + " voided whole %d; uploads whose every deletion was refused but voided %d; uploads voided that no"
                + " deletion named %d", unread, deleted, deletedNotVoided, refusedButVoided, voidedUnasked))
        + (others.isEmpty() ? "" : "; refused as wrong " + others)
        + (resends == 0 ? ""
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
