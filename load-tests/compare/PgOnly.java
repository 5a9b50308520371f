// The PostgreSQL-only design TraceSentinel is measured against: a codes table with a unique key, upserted, plus a
// history row per scan, both in one transaction per BATCH scans, CLIENTS clients; on the same embedded PostgreSQL
// (binaries and settings: fsync and synchronous_commit on) as the service. No service layer.
//   java -cp target/tracesentinel.jar load-tests/compare/PgOnly.java DATA_DIR SECONDS CLIENTS BATCH WARMUP_SECONDS \
//     [SERIALS=random|sequential]
// Codes are 20 digits; with random serials (the default, as load-tests/compare/scans.lua's) each client's last 10
// digits are a bijection of its counter scattered over their range, so the codes' unique index is written all over
// rather than only at its right edge.
// Prints: stored_scans N seconds S pg_ticks T client_ticks C
import com.tracesentinel.history.DatabaseUrl;
import com.tracesentinel.history.EmbeddedDatabase;
import java.nio.file.*;
import java.sql.*;
import java.time.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

public class PgOnly {
  public static void main(String[] a) throws Exception {
    Path dir = Path.of(a[0]);
    int seconds = Integer.parseInt(a[1]);
    int clients = Integer.parseInt(a[2]);
    int batch = Integer.parseInt(a[3]);
    int warmup = Integer.parseInt(a[4]);
    boolean random = a.length < 6 || a[5].equals("random");
    try (EmbeddedDatabase db = EmbeddedDatabase.start(dir.resolve("pg"))) {
      DatabaseUrl url = db.url("postgres");
      try (Connection c = connect(url); Statement st = c.createStatement()) {
        st.execute("CREATE TABLE IF NOT EXISTS codes (code text PRIMARY KEY, sales int NOT NULL, last_site text, "
            + "last_at timestamptz)");
        st.execute("CREATE TABLE IF NOT EXISTS history (id bigserial PRIMARY KEY, code text NOT NULL, "
            + "site_id text NOT NULL, document_no text NOT NULL, line_no int NOT NULL, scanned_at timestamptz NOT NULL,"
            + " first_sale boolean NOT NULL)");
      }
      long pgPid = Long.parseLong(Files.readAllLines(dir.resolve("pg").resolve("postmaster.pid")).get(0).trim());
      load(url, warmup, clients, batch, "w", random);
      Thread.sleep(1_000); // the warm-up's backends are reaped, so they count before the start, not after it
      long startTicks = ticks(pgPid, true);
      long startClient = ticks(ProcessHandle.current().pid(), false);
      long t0 = System.nanoTime();
      long stored = load(url, seconds, clients, batch, "m", random);
      double secs = (System.nanoTime() - t0) / 1e9;
      // The clients' backends have just exited: once reaped, their CPU is in the postmaster's children's time.
      Thread.sleep(1_000);
      System.out.printf("stored_scans %d seconds %.2f pg_ticks %d client_ticks %d%n", stored, secs,
          ticks(pgPid, true) - startTicks, ticks(ProcessHandle.current().pid(), false) - startClient);
    }
  }

  /** CLIENTS clients writing batches for SECONDS; returns the scans committed. */
  static long load(DatabaseUrl url, int seconds, int clients, int batch, String tag, boolean random)
      throws Exception {
      AtomicLong stored = new AtomicLong();
      long until = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < clients; t++) {
        int client = t;
        done.add(pool.submit(() -> {
          try (Connection c = connect(url)) {
            c.setAutoCommit(false);
            PreparedStatement upsert = c.prepareStatement("INSERT INTO codes (code, sales, last_site, last_at) "
                + "SELECT u.code, 1, u.site, now() FROM unnest(?::text[], ?::text[]) AS u(code, site) "
                + "ON CONFLICT (code) DO UPDATE SET sales = codes.sales + 1, last_site = excluded.last_site, "
                + "last_at = excluded.last_at RETURNING (xmax = 0) AS first_sale");
            PreparedStatement history = c.prepareStatement("INSERT INTO history (code, site_id, document_no, line_no,"
                + " scanned_at, first_sale) SELECT u.code, u.site, u.doc, u.line, now(), u.first FROM "
                + "unnest(?::text[], ?::text[], ?::text[], ?::int[], ?::bool[]) AS u(code, site, doc, line, first)");
            long n = 0;
            while (System.nanoTime() < until) {
              String[] codes = new String[batch];
              String[] sites = new String[batch];
              String[] docs = new String[batch];
              Integer[] lines = new Integer[batch];
              for (int i = 0; i < batch; i++) {
                // 48271 is prime to 10^10: a bijection of the counter, so codes never repeat
                long serial = random ? n * 48_271L % 10_000_000_000L : n;
                n++;
                codes[i] = String.format("8600001%s%02d%010d", tag, client, serial);
                sites[i] = "LOAD001";
                docs[i] = "P" + client + "-" + n;
                lines[i] = i + 1;
              }
              upsert.setArray(1, c.createArrayOf("text", codes));
              upsert.setArray(2, c.createArrayOf("text", sites));
              Boolean[] first = new Boolean[batch];
              int k = 0;
              try (ResultSet rs = upsert.executeQuery()) {
                while (rs.next()) {
                  first[k++] = rs.getBoolean(1);
                }
              }
              history.setArray(1, c.createArrayOf("text", codes));
              history.setArray(2, c.createArrayOf("text", sites));
              history.setArray(3, c.createArrayOf("text", docs));
              history.setArray(4, c.createArrayOf("int4", lines));
              history.setArray(5, c.createArrayOf("bool", first));
              history.executeUpdate();
              c.commit();
              stored.addAndGet(batch);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
      return stored.get();
  }

  static Connection connect(DatabaseUrl url) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", url.user());
    p.setProperty("password", url.password());
    return DriverManager.getConnection(url.jdbcUrl(), p);
  }

  /**
   * utime + stime of a process, in 1/100 s; with children, also of its live child processes and of the children it
   * has reaped (the backends of closed connections: counted only through the postmaster's cutime and cstime).
   */
  static long ticks(long pid, boolean children) throws Exception {
    long total = stat(pid, children);
    if (children) {
      for (ProcessHandle h : ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(List.of())) {
        total += stat(h.pid(), false);
      }
    }
    return total;
  }

  static long stat(long pid, boolean reaped) {
    try {
      String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      long own = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return reaped ? own + Long.parseLong(f[13]) + Long.parseLong(f[14]) : own;
    } catch (Exception e) {
      return 0;
    }
  }
}
