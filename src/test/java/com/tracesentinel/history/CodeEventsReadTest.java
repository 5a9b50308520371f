package com.tracesentinel.history;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PreparedQuery;
import io.vertx.sqlclient.RowSet;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A code's events list at most MAX_CODE_SCANS scans, and the anomalies read for them are those scans' only: a cloned
 * code with hundreds of thousands of anomalies was read whole into memory for every look at its timeline.
 */
@Tag("slow")
class CodeEventsReadTest {
  private static final String CODE = "8100001" + String.format("%013d", 9_100_000L);
  private static TestService svc;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
    svc.sites("P44030500001", "440305", "P11010500001", "110105");
    Instant t = Instant.now().minus(3, ChronoUnit.HOURS);
    JsonArray scans = new JsonArray()
        .add(new JsonObject().put("code", CODE).put("siteId", "P44030500001").put("documentNo", "A")
            .put("scannedAt", t.toString()))
        .add(new JsonObject().put("code", CODE).put("siteId", "P11010500001").put("documentNo", "B")
            .put("scannedAt", t.plusSeconds(60).toString()));
    assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans)).status());
    // anomalies of the code that no listed scan carries (as of scans past the listed ones)
    TestDatabase.execute(svc.db(), """
        INSERT INTO anomalies (scan_id, scanned_at, type, suspicion, level, code_key, canonical, product, site_id,
                               region, detail)
        SELECT 8000000000000000000 + g, a.scanned_at, a.type, a.suspicion, a.level, a.code_key, a.canonical,
               a.product, a.site_id, a.region, a.detail
        FROM (SELECT * FROM anomalies WHERE canonical = '%s' LIMIT 1) a, generate_series(1, 3000) g
        """.formatted(CODE));
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  @Test
  void onlyTheListedScansAnomaliesAreRead() throws Exception {
    Map<String, Integer> rowsRead = new ConcurrentHashMap<>();
    AnomalyQueries queries = new AnomalyQueries(counting(svc.app().pool(), rowsRead));
    List<AnomalyQueries.CodeScan> scans = queries.codeScans(CodeKey.of(CODE)).toCompletionStage()
        .toCompletableFuture().get(30, TimeUnit.SECONDS).list();
    assertEquals(2, scans.size());
    assertEquals(0, scans.get(0).anomalies().size());
    assertEquals(1, scans.get(1).anomalies().size());
    assertEquals("REPEAT_SALE", scans.get(1).anomalies().get(0).type());
    int read = rowsRead.getOrDefault(Sql.CODE_ANOMALIES, -1);
    assertTrue(read >= 0, "the anomalies were read with Sql.CODE_ANOMALIES");
    assertEquals(1, read, "anomalies read for a timeline of 2 scans");
  }

  @Test
  void truncatedSaysOnlyWhetherScansWereLeftOut() {
    String code = "8100001" + String.format("%013d", 9_200_000L);
    assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("code", code)
        .put("siteId", "P44030500001").put("documentNo", "R0").put("type", "RECEIVE")).status());
    // the code's other receipts, as many as the timeline lists in all (through the API they take a while)
    copies(code, 1, AnomalyQueries.MAX_CODE_SCANS - 1);
    String path = "/api/v1/codes/" + code + "/events";
    JsonObject whole = svc.get(path, TestService.ADMIN_KEY).json();
    assertEquals(AnomalyQueries.MAX_CODE_SCANS, whole.getJsonArray("events").size());
    assertEquals(false, whole.getBoolean("truncated"), "every stored scan is listed: nothing was left out");
    copies(code, AnomalyQueries.MAX_CODE_SCANS, AnomalyQueries.MAX_CODE_SCANS);
    JsonObject cut = svc.get(path, TestService.ADMIN_KEY).json();
    assertEquals(AnomalyQueries.MAX_CODE_SCANS, cut.getJsonArray("events").size());
    assertEquals(true, cut.getBoolean("truncated"), "one scan more than listed is stored");
  }

  /** Receipts number {@code from} to {@code to} of the code's first scan, each on its own document. */
  private static void copies(String code, int from, int to) {
    TestDatabase.execute(svc.db(), """
        INSERT INTO scans (id, part, scanned_at, ingested_at, code_key, idem, canonical, product, raw_code, type,
                           site_id, site_ref, document_no, line_no, quantity, split, status, pack_size)
        SELECT s.id + g, s.part, s.scanned_at + g * interval '1 ms', s.ingested_at, s.code_key,
               s.idem || int4send(g), s.canonical, s.product, s.raw_code, s.type, s.site_id, s.site_ref, 'R' || g,
               s.line_no, s.quantity, s.split, s.status, s.pack_size
        FROM (SELECT * FROM scans WHERE canonical = '%s' AND document_no = 'R0') s, generate_series(%d, %d) g
        """.formatted(code, from, to));
  }

  /** {@code pool}, noting how many rows each prepared statement answered. */
  private static Pool counting(Pool pool, Map<String, Integer> rowsRead) {
    return (Pool) Proxy.newProxyInstance(Pool.class.getClassLoader(), new Class<?>[] {Pool.class}, (p, m, args) -> {
      Object out = invoke(m, pool, args);
      if (!m.getName().equals("preparedQuery")) {
        return out;
      }
      String sql = (String) args[0];
      PreparedQuery<?> query = (PreparedQuery<?>) out;
      return Proxy.newProxyInstance(PreparedQuery.class.getClassLoader(), new Class<?>[] {PreparedQuery.class},
          (q, qm, qargs) -> {
            Object result = invoke(qm, query, qargs);
            if (qm.getName().equals("execute") && result instanceof Future<?> f) {
              return f.map(rows -> {
                rowsRead.merge(sql, ((RowSet<?>) rows).size(), Integer::sum);
                return rows;
              });
            }
            return result;
          });
    });
  }

  private static Object invoke(java.lang.reflect.Method m, Object target, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
