// The load, the watch and the checks of load-tests/cluster/run.sh: batched scans spread over the cluster's nodes with
// every answer recorded, a watch of every node's partitions, a re-send of the batches that were not answered 200, and
// the check of all answers against PostgreSQL. A single-file program on the service's jar (PostgreSQL driver, Vert.x
// JSON, Kafka's Admin client):
//   load     OUT SECONDS CLIENTS NODES           batched load; OUT gets every answer (format below)
//   watch    OUT NODES                           every node's /health/cluster every 200 ms, a line per change, until
//                                                SIGTERM
//   kafka    BOOTSTRAP GROUP                     prints "coordinator=ID controller=ID" (the group's coordinator broker)
//   resend   ANSWERS NODES DB_URL                every batch not answered 200 is sent once more (answers appended)
//   check    ANSWERS DB_URL                      answers against PostgreSQL; last line "RESULT key=value..."
//   handover TIMELINE EVENTS                     per fault: how long until every partition was READY again
//   forward  BIND_HOST TARGET_HOST PORT...       TCP relay BIND_HOST:PORT -> TARGET_HOST:PORT for each port, until
//                                                SIGTERM (NETNS=1: the way between a namespace and the loopback)
// NODES is a comma-separated list of the nodes' HTTP host:port (node 1 first). Answer lines:
//   T,loadStartMs,plannedEndMs,lastAnswerMs
//   R,doc,node,httpStatus|none,startMs,endMs,phase        one per request (phase load or resend; none: no answer)
//   S,doc,line,code,site,scanStatus                        one per scan of a request answered 200
//   Q,doc,code:site;code:site;...                          the scans of a request not answered 200 (for the re-send)
// CPU_LOG (env), when set, gets "MODE CPU_MS" appended when the program exits.
import com.tracesentinel.history.DatabaseUrl;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.*;
import java.net.*;
import java.net.http.*;
import java.nio.file.*;
import java.sql.*;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

public class ClusterLoad {
  static final String KEY = System.getenv().getOrDefault("KEY", "cluster-test-admin");
  static final int BATCH = Integer.parseInt(System.getenv().getOrDefault("BATCH", "100"));
  static final int SITES = 20;
  static final String PRODUCT = "8960001";
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  public static void main(String[] args) throws Exception {
    String cpuLog = System.getenv("CPU_LOG");
    if (cpuLog != null) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        long ms = ProcessHandle.current().info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
        try {
          Files.writeString(Path.of(cpuLog), args[0] + " " + ms + "\n", StandardOpenOption.CREATE,
              StandardOpenOption.APPEND);
        } catch (IOException ignored) {
          // only a figure for the report
        }
      }));
    }
    switch (args[0]) {
      case "load" -> load(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), nodes(args[4]));
      case "watch" -> watch(Path.of(args[1]), nodes(args[2]));
      case "kafka" -> kafka(args[1], args[2]);
      case "resend" -> resend(Path.of(args[1]), nodes(args[2]), DatabaseUrl.parse(args[3]));
      case "check" -> check(Path.of(args[1]), DatabaseUrl.parse(args[2]));
      case "handover" -> handover(Path.of(args[1]), Path.of(args[2]));
      case "forward" -> forward(args[1], args[2], Arrays.copyOfRange(args, 3, args.length));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  /** Progress lines carry run.sh's clock (seconds since T_START, its start) when it gives one. */
  static final long T_START = Long.parseLong(System.getenv().getOrDefault("T_START",
      Long.toString(System.currentTimeMillis())));

  static String clock() {
    return String.format("[%6.1fs]", (System.currentTimeMillis() - T_START) / 1000.0);
  }

  static String[] nodes(String list) {
    return list.split(",");
  }

  static String code(long n) {
    return String.format("%s%013d", PRODUCT, n);
  }

  // ---- load ---------------------------------------------------------------------------------------------------------

  record Answer(int http, JsonArray results) {}

  static Answer post(String node, String body, Duration timeout) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + node + "/api/v1/scans")).timeout(timeout).header("Authorization", "Bearer " + KEY)
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonArray results = null;
      if (r.statusCode() == 200) {
        results = new JsonObject(r.body()).getJsonArray("results");
      }
      return new Answer(r.statusCode(), results);
    } catch (IOException | InterruptedException e) {
      return new Answer(-1, null);
    }
  }

  static String body(String doc, List<String[]> scans) {
    StringBuilder b = new StringBuilder("{\"scans\":[");
    for (int i = 0; i < scans.size(); i++) {
      b.append(i == 0 ? "" : ",").append("{\"code\":\"").append(scans.get(i)[0]).append("\",\"siteId\":\"")
          .append(scans.get(i)[1]).append("\",\"documentNo\":\"").append(doc).append("\",\"lineNo\":").append(i + 1)
          .append("}");
    }
    return b.append("]}").toString();
  }

  /** Records a request's answer: R, then S per scan (200) or Q with the scans (anything else). */
  static List<String> record(String doc, int node, Answer a, long start, long end, String phase,
                             List<String[]> scans) {
    List<String> out = new ArrayList<>(scans.size() + 1);
    out.add("R," + doc + "," + node + "," + (a.http() < 0 ? "none" : Integer.toString(a.http())) + "," + start + ","
        + end + "," + phase);
    if (a.http() == 200) {
      for (int i = 0; i < scans.size(); i++) {
        JsonObject r = a.results().getJsonObject(i);
        String canonical = r.getString("canonical");
        out.add("S," + doc + "," + (i + 1) + "," + scans.get(i)[0] + "," + scans.get(i)[1] + "," + r.getString("status")
            + (canonical != null && !canonical.equals(scans.get(i)[0]) ? ",canonical=" + canonical : ""));
      }
    } else {
      StringBuilder q = new StringBuilder("Q," + doc + ",");
      for (int i = 0; i < scans.size(); i++) {
        q.append(i == 0 ? "" : ";").append(scans.get(i)[0]).append(':').append(scans.get(i)[1]);
      }
      out.add(q.toString());
    }
    return out;
  }

  static void load(Path out, int seconds, int clients, String[] ports) throws Exception {
    // RATE: batches a second per client (0: each client sends its next batch as soon as it has an answer).
    double rate = Double.parseDouble(System.getenv().getOrDefault("RATE", "0"));
    long periodNanos = rate > 0 ? (long) (1e9 / rate) : 0;
    long run = System.currentTimeMillis() % 100_000;
    long startMs = System.currentTimeMillis();
    long until = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    List<String> lines = new ArrayList<>();
    AtomicLong codes = new AtomicLong();
    AtomicLongArray ok = new AtomicLongArray(ports.length);
    AtomicLongArray refused = new AtomicLongArray(ports.length);
    AtomicLongArray lost = new AtomicLongArray(ports.length);
    AtomicLongArray other = new AtomicLongArray(ports.length);
    AtomicLong okScans = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      threads.add(started(false, () -> {
        long next = System.nanoTime() + periodNanos * client / clients;
        for (int n = 0; System.nanoTime() < until; n++) {
          if (periodNanos > 0) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
              pause(wait / 1_000_000);
            }
            next = Math.max(next + periodNanos, System.nanoTime()); // no burst to catch up after a stall
            if (System.nanoTime() >= until) {
              break;
            }
          }
          int node = (client + n) % ports.length;
          String doc = "C" + run + "-" + client + "-" + n;
          List<String[]> scans = new ArrayList<>(BATCH);
          for (int i = 0; i < BATCH; i++) {
            long k = codes.incrementAndGet();
            // 1 scan in 10 sells an earlier code again, at another site than its first sale: a repeat sale the
            // code's owner must judge against the first, wherever that first was judged.
            if (i % 10 == 9 && k > 1000) {
              scans.add(new String[] {code(k - 1000), "CL" + ((k - 1000 + 7) % SITES)});
            } else {
              scans.add(new String[] {code(k), "CL" + (k % SITES)});
            }
          }
          long t = System.currentTimeMillis();
          Answer a = post(ports[node], body(doc, scans), Duration.ofSeconds(40));
          List<String> rec = record(doc, node + 1, a, t, System.currentTimeMillis(), "load", scans);
          synchronized (lines) {
            lines.addAll(rec); // a request's lines together: the check reads S lines as the last R line's
          }
          switch (a.http()) {
            case 200 -> {
              ok.incrementAndGet(node);
              okScans.addAndGet(BATCH);
            }
            case 503 -> refused.incrementAndGet(node);
            case -1 -> lost.incrementAndGet(node);
            default -> other.incrementAndGet(node);
          }
          if (a.http() != 200) {
            pause(200); // a client told to come back shortly does not hammer the cluster
          }
        }
      }));
    }
    Thread reporter = started(true, () -> {
      while (true) {
        pause(5_000);
        if (Thread.currentThread().isInterrupted()) {
          return;
        }
        System.out.printf("%s load t=%2ds: answered 200 %s (%d scans), 503 %s, no answer %s, other %s%n", clock(),
            (System.currentTimeMillis() - startMs) / 1000, ok, okScans.get(), refused, lost, other);
      }
    });
    for (Thread t : threads) {
      t.join();
    }
    reporter.interrupt();
    List<String> all = new ArrayList<>();
    // The planned end: a request still waiting for its answer then (a node cut off) does not stretch the stall.
    all.add("T," + startMs + "," + (startMs + seconds * 1000L) + "," + System.currentTimeMillis());
    synchronized (lines) {
      all.addAll(lines);
    }
    Files.write(out, all);
    System.out.printf("%s load done: answered 200 %s (%d scans), 503 %s, no answer %s, other %s (per node)%n",
        clock(), ok, okScans.get(), refused, lost, other);
  }

  static Thread started(boolean daemon, Runnable r) {
    Thread t = new Thread(r);
    t.setDaemon(daemon);
    t.start();
    return t;
  }

  static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- watch --------------------------------------------------------------------------------------------------------

  /** READY partitions of a node, or null when it does not answer. */
  static Set<Integer> ready(String node) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + node + "/health/cluster")).timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return null;
      }
      Set<Integer> out = new TreeSet<>();
      JsonArray parts = new JsonObject(r.body()).getJsonArray("partitions");
      for (int i = 0; i < parts.size(); i++) {
        if ("READY".equals(parts.getJsonObject(i).getString("here"))) {
          out.add(parts.getJsonObject(i).getInteger("partition"));
        }
      }
      return out;
    } catch (IOException | InterruptedException | RuntimeException e) {
      return null;
    }
  }

  static void watch(Path out, String[] ports) throws Exception {
    String last = "";
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
      while (true) {
        long t = System.currentTimeMillis();
        List<Set<Integer>> views = new ArrayList<>();
        for (String node : ports) {
          views.add(ready(node));
        }
        t = System.currentTimeMillis(); // the state as of the poll's end: a fault is never seen before it happened
        Set<Integer> union = new TreeSet<>();
        int sum = 0;
        StringBuilder counts = new StringBuilder();
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < views.size(); i++) {
          Set<Integer> v = views.get(i);
          counts.append(v == null ? -1 : v.size()).append(',');
          shown.append(i == 0 ? "" : " ").append("n").append(i + 1).append('=').append(v == null ? "down" : v.size());
          if (v != null) {
            union.addAll(v);
            sum += v.size();
          }
        }
        String state = counts.toString() + union.size() + "," + sum;
        if (!state.equals(last)) {
          last = state;
          w.println(t + "," + state);
          w.flush();
          System.out.printf("%s watch: READY %s: %d of 32 partitions served%s%n", clock(), shown,
              union.size(), sum > union.size() ? " (" + (sum - union.size()) + " READY on two nodes!)" : "");
        }
        Thread.sleep(Math.max(0, 200 - (System.currentTimeMillis() - t)));
      }
    }
  }

  // ---- kafka --------------------------------------------------------------------------------------------------------

  static void kafka(String bootstrap, String group) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(p)) {
      var g = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
      int controller = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
      System.out.println("coordinator=" + g.coordinator().id() + " controller=" + controller + " members="
          + g.members().size());
    }
  }

  // ---- resend -------------------------------------------------------------------------------------------------------

  static Connection connect(DatabaseUrl db) throws SQLException {
    return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
  }

  /** The stored line numbers of each of these documents. */
  static Map<String, Set<Integer>> storedLines(DatabaseUrl db, Collection<String> docs) throws SQLException {
    Map<String, Set<Integer>> out = new HashMap<>();
    try (Connection c = connect(db);
         PreparedStatement st = c.prepareStatement("SELECT document_no, line_no FROM scans WHERE document_no = ANY(?)")) {
      st.setArray(1, c.createArrayOf("text", docs.toArray()));
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          out.computeIfAbsent(rs.getString(1), k -> new TreeSet<>()).add(rs.getInt(2));
        }
      }
    }
    return out;
  }

  static void resend(Path answers, String[] ports, DatabaseUrl db) throws Exception {
    Map<String, String> status = new HashMap<>();
    Map<String, List<String[]>> batches = new LinkedHashMap<>();
    for (String line : Files.readAllLines(answers)) {
      String[] f = line.split(",");
      if (f[0].equals("R")) {
        status.put(f[1], f[3]);
      } else if (f[0].equals("Q")) {
        List<String[]> scans = new ArrayList<>();
        for (String s : f[2].split(";")) {
          scans.add(s.split(":"));
        }
        batches.put(f[1], scans);
      }
    }
    Map<String, Set<Integer>> before = storedLines(db, batches.keySet());
    List<String> lines = new ArrayList<>();
    Map<String, Integer> byStatus = new TreeMap<>();
    int notOk = 0;
    int partly = 0;
    int whole = 0;
    long storedScans = 0;
    long replayedAsExpected = 0;
    long wrongReplays = 0;
    int n = 0;
    // Four at a time, like the load's clients; each batch once, to the nodes in turn.
    ExecutorService senders = Executors.newFixedThreadPool(4);
    Map<String, Future<Answer>> replies = new HashMap<>();
    Map<String, Long> sentAt = new HashMap<>();
    Map<String, Integer> sentTo = new HashMap<>();
    for (Map.Entry<String, List<String[]>> b : batches.entrySet()) {
      int node = n++ % ports.length;
      String body = body(b.getKey(), b.getValue());
      sentTo.put(b.getKey(), node);
      replies.put(b.getKey(), senders.submit(() -> {
        synchronized (sentAt) {
          sentAt.put(b.getKey(), System.currentTimeMillis());
        }
        return post(ports[node], body, Duration.ofSeconds(40));
      }));
    }
    senders.shutdown();
    for (Map.Entry<String, List<String[]>> b : batches.entrySet()) {
      String doc = b.getKey();
      List<String[]> scans = b.getValue();
      Set<Integer> stored = before.getOrDefault(doc, Set.of());
      byStatus.merge(status.get(doc), 1, Integer::sum);
      if (stored.size() == scans.size()) {
        whole++;
      } else if (!stored.isEmpty()) {
        partly++;
      }
      storedScans += stored.size();
      int node = sentTo.get(doc);
      Answer a = replies.get(doc).get();
      long t;
      synchronized (sentAt) {
        t = sentAt.get(doc);
      }
      lines.addAll(record(doc, node + 1, a, t, System.currentTimeMillis(), "resend", scans));
      if (a.http() != 200) {
        notOk++;
        System.out.println("resend " + doc + " to node " + (node + 1) + ": HTTP " + a.http());
        continue;
      }
      for (int i = 0; i < scans.size(); i++) {
        boolean replayed = "REPLAYED".equals(a.results().getJsonObject(i).getString("status"));
        boolean wasStored = stored.contains(i + 1);
        if (replayed && wasStored) {
          replayedAsExpected++;
        } else if (replayed != wasStored) {
          wrongReplays++;
          System.out.println("resend " + doc + " line " + (i + 1) + ": " + (wasStored ? "stored before, answered "
              : "not stored before, answered ") + a.results().getJsonObject(i).getString("status"));
        }
      }
    }
    Files.write(answers, lines, StandardOpenOption.APPEND);
    System.out.printf("resent %d batches not answered 200 during the load (first answers %s): %d were partly stored "
            + "(split batches), %d whole; %d of their scans were stored and came back REPLAYED %d, wrongly (not) "
            + "REPLAYED %d; re-sends not answered 200: %d%n", batches.size(), byStatus, partly, whole, storedScans,
        replayedAsExpected, wrongReplays, notOk);
    System.out.println("RESEND batches=" + batches.size() + " failed=" + notOk + " wrongReplays=" + wrongReplays);
  }

  // ---- check --------------------------------------------------------------------------------------------------------

  record Row(String canonical, String status) {}

  static void check(Path answers, DatabaseUrl db) throws Exception {
    Map<String, List<Row>> rows = new HashMap<>();
    long twice;
    List<String> twiceCodes = new ArrayList<>();
    try (Connection c = connect(db); Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT document_no, line_no, canonical, status FROM scans "
          + "WHERE document_no LIKE 'C%'")) {
        while (rs.next()) {
          rows.computeIfAbsent(rs.getString(1) + "#" + rs.getInt(2), k -> new ArrayList<>(1))
              .add(new Row(rs.getString(3), rs.getString(4)));
        }
      }
      try (ResultSet rs = st.executeQuery("SELECT canonical FROM scans WHERE status = 'ACCEPTED' "
          + "GROUP BY canonical HAVING count(*) > 1")) {
        while (rs.next()) {
          twiceCodes.add(rs.getString(1));
        }
      }
      twice = twiceCodes.size();
    }
    long loadStart = 0;
    long loadEnd = 0;
    long acked = 0;
    long ackedInLoad = 0;
    long lost = 0;
    long duplicated = 0;
    long statusDiffers = 0;
    long wrongCode = 0;
    long rejected = 0;
    Map<String, Long> scanStatus = new TreeMap<>();
    Map<String, Long> requests = new TreeMap<>();
    Map<String, String> firstAccepted = new HashMap<>();
    long acceptedTwiceInAnswers = 0;
    List<Long> okTimes = new ArrayList<>();
    List<String> examples = new ArrayList<>();
    String phase = "load";
    for (String line : Files.readAllLines(answers)) {
      String[] f = line.split(",");
      switch (f[0]) {
        case "T" -> {
          loadStart = Long.parseLong(f[1]);
          loadEnd = Long.parseLong(f[2]);
        }
        case "R" -> {
          phase = f[6];
          requests.merge(f[6] + " " + f[3], 1L, Long::sum);
          if (f[3].equals("200") && f[6].equals("load")) {
            okTimes.add(Long.parseLong(f[5]));
          }
        }
        case "S" -> {
          acked++;
          String doc = f[1];
          String status = f[5];
          scanStatus.merge(status, 1L, Long::sum);
          if (phase.equals("load")) {
            ackedInLoad++;
          }
          if (f.length > 6) {
            wrongCode++;
          }
          if (status.equals("REJECTED")) {
            rejected++;
          }
          if (status.equals("ACCEPTED") && firstAccepted.put(f[3], doc + "#" + f[2]) != null) {
            acceptedTwiceInAnswers++;
          }
          List<Row> stored = rows.getOrDefault(doc + "#" + f[2], List.of());
          if (stored.isEmpty()) {
            lost++;
            if (examples.size() < 5) {
              examples.add("lost " + doc + " line " + f[2] + " (" + f[3] + ", answered " + status + ")");
            }
          } else if (stored.size() > 1) {
            duplicated++;
            if (examples.size() < 5) {
              examples.add("stored " + stored.size() + " times: " + doc + " line " + f[2]);
            }
          } else {
            Row r = stored.get(0);
            if (!r.canonical().equals(f[3])) {
              wrongCode++;
            }
            if (!status.equals("REPLAYED") && !status.equals(r.status())) {
              statusDiffers++;
              if (examples.size() < 5) {
                examples.add(doc + " line " + f[2] + " answered " + status + ", stored " + r.status());
              }
            }
          }
        }
        default -> { }
      }
    }
    // The longest times during the load in which no request was answered 200 by any node.
    Collections.sort(okTimes);
    List<long[]> gaps = new ArrayList<>();
    long prev = loadStart;
    for (long t : okTimes) {
      if (t > loadEnd) {
        break;
      }
      gaps.add(new long[] {t - prev, prev});
      prev = Math.max(prev, t);
    }
    gaps.add(new long[] {loadEnd - prev, prev});
    gaps.sort((a, b) -> Long.compare(b[0], a[0]));
    long stall = gaps.get(0)[0];
    StringBuilder longest = new StringBuilder();
    for (int i = 0; i < Math.min(3, gaps.size()); i++) {
      longest.append(i == 0 ? "" : ", ").append(String.format("%.1f s from t=%.1f s", gaps.get(i)[0] / 1000.0,
          (gaps.get(i)[1] - loadStart) / 1000.0));
    }
    System.out.println("requests by phase and answer: " + requests);
    System.out.println("scans answered 200 by status: " + scanStatus + " (REJECTED " + rejected + ")");
    System.out.printf("stored twice %d, answered status differs from the stored one %d, other code stored %d, "
            + "codes answered ACCEPTED twice %d, codes stored ACCEPTED twice %d%s%n", duplicated, statusDiffers,
        wrongCode, acceptedTwiceInAnswers, twice, twiceCodes.isEmpty() ? "" : " " + twiceCodes.subList(0,
            Math.min(5, twiceCodes.size())));
    System.out.println("longest stalls (no request answered 200 by any node): " + longest);
    for (String e : examples) {
      System.out.println("  e.g. " + e);
    }
    System.out.printf("RESULT acked=%d ackedInLoad=%d lost=%d twice=%d duplicated=%d statusDiffers=%d stall=%.1f%n",
        acked, ackedInLoad, lost, twice, duplicated, statusDiffers, stall / 1000.0);
  }

  // ---- forward ----------------------------------------------------------------------------------------------------

  static void forward(String bindHost, String targetHost, String[] ports) throws Exception {
    for (String p : ports) {
      int port = Integer.parseInt(p);
      ServerSocket server = new ServerSocket();
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(bindHost, port), 256);
      started(false, () -> {
        while (true) {
          Socket in;
          try {
            in = server.accept();
          } catch (IOException e) {
            return;
          }
          started(true, () -> relay(in, targetHost, port));
        }
      });
    }
    System.out.println("forwarding " + bindHost + " -> " + targetHost + " on ports " + String.join(",", ports));
  }

  static void relay(Socket in, String targetHost, int port) {
    Socket out = new Socket();
    try {
      out.connect(new InetSocketAddress(targetHost, port), 2_000);
      in.setTcpNoDelay(true);
      out.setTcpNoDelay(true);
    } catch (IOException e) {
      closeQuietly(in);
      closeQuietly(out);
      return;
    }
    AtomicInteger ended = new AtomicInteger();
    started(true, () -> pump(in, out, ended));
    pump(out, in, ended);
  }

  /** Copies until EOF (then half-closes the other side; both closed once both ways ended) or an error (both closed). */
  static void pump(Socket from, Socket to, AtomicInteger ended) {
    byte[] buf = new byte[65536];
    try {
      InputStream i = from.getInputStream();
      OutputStream o = to.getOutputStream();
      for (int n; (n = i.read(buf)) >= 0; ) {
        o.write(buf, 0, n);
      }
      to.shutdownOutput();
      if (ended.incrementAndGet() < 2) {
        return;
      }
    } catch (IOException e) {
      // one way broke: the whole connection goes
    }
    closeQuietly(from);
    closeQuietly(to);
  }

  static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  // ---- handover -----------------------------------------------------------------------------------------------------

  record State(long t, int[] counts, int union, int sum) {
    boolean full() {
      return union == 32 && sum == 32;
    }
  }

  static void handover(Path timeline, Path events) throws Exception {
    List<State> states = new ArrayList<>();
    for (String line : Files.readAllLines(timeline)) {
      String[] f = line.split(",");
      int nodes = f.length - 3;
      int[] counts = new int[nodes];
      for (int i = 0; i < nodes; i++) {
        counts[i] = Integer.parseInt(f[1 + i]);
      }
      states.add(new State(Long.parseLong(f[0]), counts, Integer.parseInt(f[f.length - 2]),
          Integer.parseInt(f[f.length - 1])));
    }
    List<String[]> evs = new ArrayList<>();
    for (String line : Files.readAllLines(events)) {
      evs.add(line.split(",", 3));
    }
    for (int e = 0; e < evs.size(); e++) {
      long at = Long.parseLong(evs.get(e)[0]);
      String kind = evs.get(e)[1];
      String label = evs.get(e)[2];
      long next = e + 1 < evs.size() ? Long.parseLong(evs.get(e + 1)[0]) : Long.MAX_VALUE;
      // The first state seen after the fault, before the next one, in which some partition was not READY on exactly
      // one node (a dip still going on from an earlier fault does not count); then the first state after it in which
      // all were again (even if the next fault came first).
      long dipped = -1;
      long back = -1;
      for (int i = 0; i < states.size() && back < 0; i++) {
        State s = states.get(i);
        if (dipped < 0) {
          if (s.t() >= at && s.t() < next && !s.full()) {
            dipped = s.t();
          }
        } else if (s.full()) {
          back = s.t();
        }
      }
      String what = switch (kind) {
        case "node-kill" -> "handover after SIGKILL of " + label;
        case "node-restart" -> "rejoin after restart of " + label;
        case "broker-kill" -> "after SIGKILL of " + label;
        case "broker-restart" -> "after restart of " + label;
        case "link-cut" -> "after cutting the link of " + label;
        case "link-heal" -> "after healing the link of " + label;
        default -> kind + " " + label;
      };
      if (dipped < 0) {
        System.out.printf("HANDOVER %s: every partition stayed READY on exactly one node%n", what);
      } else if (back < 0) {
        System.out.printf("HANDOVER %s: partitions not all READY again by the end of the watch (from +%.1f s)%n",
            what, (dipped - at) / 1000.0);
      } else {
        System.out.printf("HANDOVER %s: all 32 partitions READY again %.1f s after it (not all READY from +%.1f s)%s%n",
            what, (back - at) / 1000.0, (dipped - at) / 1000.0, back > next ? "; the next fault came before" : "");
      }
    }
  }
}
