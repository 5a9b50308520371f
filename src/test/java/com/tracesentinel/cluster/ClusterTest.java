package com.tracesentinel.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.history.DatabaseUrl;
import com.tracesentinel.history.OwnerTable;
import com.tracesentinel.nhsa.NhsaPayloads;
import com.tracesentinel.support.KafkaBroker;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two real service nodes on one real KRaft broker (its own process) and one PostgreSQL: ownership by partition,
 * forwarding, fencing of an owner that stopped taking part in the group, and handover to the surviving node.
 */
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterTest {
  private KafkaBroker broker;

  @BeforeAll
  void startBroker() throws Exception {
    broker = KafkaBroker.start();
  }

  @AfterAll
  void stopBroker() throws Exception {
    if (broker != null) {
      broker.close();
    }
  }

  private Map<String, String> env(String cluster) {
    Map<String, String> env = new HashMap<>();
    env.put("TRACESENTINEL_KAFKA_BOOTSTRAP", broker.bootstrap());
    env.put("TRACESENTINEL_CLUSTER_NAME", cluster);
    env.put("TRACESENTINEL_CLUSTER_SECRET", "a-test-cluster-secret");
    env.put("TRACESENTINEL_CLUSTER_SESSION_MS", "3000");
    return env;
  }

  private static JsonObject sale(String code, String site, String doc, Instant at) {
    return new JsonObject().put("code", code).put("siteId", site).put("documentNo", doc).put("scannedAt", at.toString());
  }

  private static String code(long n) {
    return String.format("83%018d", n);
  }

  private static int partitionOf(String canonical) {
    return CodeKey.partitionOf(CodeKey.of(canonical));
  }

  /** The value of a series without labels of its own (the common ones aside) in a /metrics scrape. */
  private static double sample(String scrape, String name) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError(name + " is not exposed");
  }

  /** The partitions this node judges now (READY), from its own view. */
  private static Set<Integer> ready(TestService node) {
    Set<Integer> out = new TreeSet<>();
    JsonArray parts = node.get("/health/cluster", null).json().getJsonArray("partitions");
    for (int i = 0; i < parts.size(); i++) {
      if ("READY".equals(parts.getJsonObject(i).getString("here"))) {
        out.add(parts.getJsonObject(i).getInteger("partition"));
      }
    }
    return out;
  }

  private static void await(String what, int seconds, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + seconds + " s: " + what);
      }
      Thread.sleep(100);
    }
  }

  /** Every partition judged by exactly one of the nodes, and still so 3 s later (the group has settled). */
  private static void awaitSplit(TestService... nodes) throws InterruptedException {
    for (int tries = 0; tries < 10; tries++) {
      await("every partition READY on exactly one node", 90, () -> split(nodes));
      Thread.sleep(3_000);
      if (split(nodes)) {
        return;
      }
    }
    throw new AssertionError("the group never settled on a split");
  }

  private static boolean split(TestService... nodes) {
    int total = 0;
    Set<Integer> union = new TreeSet<>();
    for (TestService n : nodes) {
      Set<Integer> r = ready(n);
      total += r.size();
      union.addAll(r);
    }
    return total == CodeKey.PARTITIONS && union.size() == CodeKey.PARTITIONS;
  }

  private static long accepted(DatabaseUrl db, String code) {
    return TestDatabase.count(db, "SELECT count(*) FROM scans WHERE status = 'ACCEPTED' AND canonical = '" + code + "'");
  }

  @Test
  void partitionsAreSplitScansForwardedAndASurvivorTakesOverWithTheHistory() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(3600);
    try (TestService a = TestService.start(db, env("split")); TestService b = TestService.start(db, env("split"))) {
      awaitSplit(a, b);
      Set<Integer> onA = ready(a);
      Set<Integer> onB = ready(b);
      assertTrue(!onA.isEmpty() && !onB.isEmpty(), "both nodes own partitions: " + onA + " / " + onB);
      // The database names the same owners, each at an epoch this node holds.
      assertEquals(CodeKey.PARTITIONS, TestDatabase.count(db, "SELECT count(*) FROM partition_owners WHERE owner IS "
          + "NOT NULL"));
      a.sites("S1", "110000", "S2", "310000");

      JsonArray batch = new JsonArray();
      for (int i = 0; i < 64; i++) {
        batch.add(sale(code(i), "S1", "D" + i, t));
      }
      Response first = a.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", batch));
      assertEquals(200, first.status(), first.body());
      Set<Integer> touched = new TreeSet<>();
      for (int i = 0; i < 64; i++) {
        JsonObject r = first.result(i);
        assertEquals("ACCEPTED", r.getString("status"), r.encode());
        assertEquals(code(i), r.getString("canonical"), "answers come back in the request's order");
        touched.add(partitionOf(code(i)));
      }
      assertTrue(touched.stream().anyMatch(onA::contains) && touched.stream().anyMatch(onB::contains),
          "the batch needed both nodes: " + touched);

      Response resent = b.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", batch));
      assertEquals(200, resent.status(), resent.body());
      for (int i = 0; i < 64; i++) {
        assertEquals("REPLAYED", resent.result(i).getString("status"), resent.result(i).encode());
      }
      // Each code's entry lives in its owner's ledger only.
      long inA = a.app().ledger().size();
      long inB = b.app().ledger().size();
      assertEquals(64, inA + inB);
      for (int i = 0; i < 64; i++) {
        byte[] key = CodeKey.of(code(i));
        boolean ownedByA = onA.contains(CodeKey.partitionOf(key));
        assertEquals(ownedByA, a.app().ledger().getRaw(key) != null, code(i));
        assertEquals(!ownedByA, b.app().ledger().getRaw(key) != null, code(i));
      }

      // A key revoked through A stops working on B too (B trusts a checked key for 5 s).
      JsonObject created = a.post("/api/v1/keys", TestService.ADMIN_KEY, new JsonObject().put("role", "investigator"))
          .json();
      String investigator = created.getString("key");
      assertEquals(200, b.get("/api/v1/anomalies", investigator).status());
      assertEquals(204, a.delete("/api/v1/keys/" + created.getString("id"), TestService.ADMIN_KEY).status());
      await("B refuses the revoked key", 15, () -> b.get("/api/v1/anomalies", investigator).status() == 401);

      // The dashboard's cluster row reads these, with the node's name on every series.
      String metrics = b.get("/metrics", null).body();
      for (String name : List.of("tracesentinel_cluster_partitions", "tracesentinel_cluster_takeovers_total",
          "tracesentinel_cluster_fenced_total", "tracesentinel_cluster_rebuild_seconds_max",
          "tracesentinel_cluster_local_scans_total", "tracesentinel_cluster_forwarded_scans_total",
          "tracesentinel_cluster_forward_failures_total")) {
        assertTrue(metrics.contains(name + "{"), name + " is not exposed");
      }
      assertTrue(metrics.contains("node=\"" + b.app().services().cluster().settings().nodeId() + "\""));
      // Two requests of 64 scans, each split over both nodes: two sizes of 64, not four parts of about 32.
      String metricsA = a.get("/metrics", null).body();
      assertEquals(2, sample(metricsA, "tracesentinel_scan_batch_size_count") + sample(metrics,
          "tracesentinel_scan_batch_size_count"), "requests counted by tracesentinel_scan_batch_size");
      assertEquals(128, sample(metricsA, "tracesentinel_scan_batch_size_sum") + sample(metrics,
          "tracesentinel_scan_batch_size_sum"));

      // A code judged by A: stop A, B takes every partition over from the history and still knows it was sold.
      String soldOnA = null;
      for (int i = 0; i < 64 && soldOnA == null; i++) {
        if (onA.contains(partitionOf(code(i)))) {
          soldOnA = code(i);
        }
      }
      // As if A had run with its clock an hour ahead of B's: the ids of its scans and groups an hour ahead. B's scans
      // of A's codes must still sort after them, or B's ledger would differ from a replay of the history.
      long anHourOfIds = 3_600_000L << 12;
      TestDatabase.execute(db, "UPDATE scans SET id = id + " + anHourOfIds);
      TestDatabase.execute(db, "UPDATE commit_markers SET group_id = group_id + " + anHourOfIds);
      a.app().close();
      await("B judges every partition", 60, () -> ready(b).size() == CodeKey.PARTITIONS);
      Response again = b.post("/api/v1/scans", TestService.ADMIN_KEY, sale(soldOnA, "S2", "X1", t.plusSeconds(600)));
      assertEquals(200, again.status(), again.body());
      assertEquals("FLAGGED", again.result(0).getString("status"), again.body());
      assertEquals("REPEAT_SALE", again.result(0).getJsonArray("anomalies").getJsonObject(0).getString("type"));
      assertEquals(1, TestDatabase.count(db, "SELECT count(*) FROM scans WHERE canonical = '" + soldOnA + "' AND "
          + "site_id = 'S2' AND id > (SELECT id FROM scans WHERE canonical = '" + soldOnA + "' AND site_id = 'S1')"),
          "B's scan sorts after A's");
      JsonObject verify = b.get("/health/cluster/verify", null).json();
      assertEquals(true, verify.getBoolean("clean"), verify.encode());
      assertEquals(64, verify.getLong("codes"));
      assertEquals(1, accepted(db, soldOnA));
    }
  }

  @Test
  void anOwnerThatStoppedTakingPartIsFencedAndAFirstSaleIsAcceptedOnce() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(3600);
    try (TestService a = TestService.start(db, env("fence")); TestService b = TestService.start(db, env("fence"))) {
      awaitSplit(a, b);
      a.sites("S1", "110000");
      Set<Integer> onA = ready(a);
      List<String> codesOfA = new ArrayList<>();
      for (int i = 1000; codesOfA.size() < 2; i++) {
        if (onA.contains(partitionOf(code(i)))) {
          codesOfA.add(code(i));
        }
      }

      // A's group member goes silent (as a stuck process): the group gives its partitions to B, which raises their
      // epochs in the database. A still believes it owns them.
      a.app().services().cluster().pauseMembership(true);
      await("B judges every partition", 90, () -> ready(b).size() == CodeKey.PARTITIONS);
      assertTrue(ready(a).containsAll(onA), "A has not heard it lost them");

      String code = codesOfA.get(0);
      Response onStale = a.post("/api/v1/scans", TestService.ADMIN_KEY, sale(code, "S1", "F1", t));
      assertEquals(503, onStale.status(), "the stale owner's commit is fenced: " + onStale.body());
      assertEquals(0, accepted(db, code), "nothing of the fenced group is stored");
      Response onOwner = b.post("/api/v1/scans", TestService.ADMIN_KEY, sale(code, "S1", "F1", t));
      assertEquals("ACCEPTED", onOwner.result(0).getString("status"), onOwner.body());
      // The client's retry to A, now that A knows: routed to the owner, and REPLAYED, never a second first sale.
      await("A stops judging the fenced partitions", 10, () -> !ready(a).contains(partitionOf(code)));
      // Until A has read the partition's new owner it answers 503 "being handed over", as a client retries on
      // (A stopping to judge it and A learning who does are two steps; under load the retry fell between them).
      Response retried = a.post("/api/v1/scans", TestService.ADMIN_KEY, sale(code, "S1", "F1", t));
      for (long until = System.nanoTime() + 20_000_000_000L; retried.status() == 503
          && retried.body().contains("being handed over") && System.nanoTime() < until; ) {
        Thread.sleep(200);
        retried = a.post("/api/v1/scans", TestService.ADMIN_KEY, sale(code, "S1", "F1", t));
      }
      assertEquals(200, retried.status(), retried.body());
      assertEquals("REPLAYED", retried.result(0).getString("status"), retried.body());
      assertEquals(1, accepted(db, code));

      // A comes back: the group splits the partitions again, each rebuilt by its new owner before it judges.
      a.app().services().cluster().pauseMembership(false);
      awaitSplit(a, b);
      String other = codesOfA.get(1);
      Response fresh = a.post("/api/v1/scans", TestService.ADMIN_KEY, sale(other, "S1", "F2", t));
      assertEquals("ACCEPTED", fresh.result(0).getString("status"), fresh.body());
      assertEquals("REPLAYED", b.post("/api/v1/scans", TestService.ADMIN_KEY, sale(code, "S1", "F1", t))
          .result(0).getString("status"));
      for (TestService n : List.of(a, b)) {
        JsonObject verify = n.get("/health/cluster/verify", null).json();
        assertEquals(true, verify.getBoolean("clean"), verify.encode());
      }
    }
  }

  /**
   * An NHSA deletion (3507) is split over the owners like a scan request: an owner that read its part and then cut the
   * connection (as one killed after voiding) may have voided it, so the answer is a 504 that says to send the deletion
   * again, never a 503 promising nothing was deleted; sent again once the owner answers, every part is voided, the
   * ones already voided not twice.
   */
  @Test
  void aDeletionWhosePartAnOwnerReadAndDroppedIsA504AndASecondDeletionFinishesIt() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Vertx vertx = Vertx.vertx();
    try (TestService a = TestService.start(db, env("void")); TestService b = TestService.start(db, env("void"))) {
      awaitSplit(a, b);
      String site = "P11010500109";
      a.sites(site, "110105");
      Set<Integer> onA = ready(a);
      Set<Integer> onB = ready(b);
      List<JsonObject> lines = new ArrayList<>();
      List<String> codes = new ArrayList<>();
      boolean someOnA = false;
      boolean someOnB = false;
      String time = NhsaPayloads.chinaTime(Instant.now().minus(30, ChronoUnit.MINUTES));
      for (int i = 3000; !(someOnA && someOnB) || codes.size() < 4; i++) {
        codes.add(code(i));
        lines.add(NhsaPayloads.saleLine(code(i), "R-V-" + i, "B-VOID-1", time));
        someOnA |= onA.contains(partitionOf(code(i)));
        someOnB |= onB.contains(partitionOf(code(i)));
      }
      Response uploaded = a.post("/api/v1/nhsa/3505A", TestService.ADMIN_KEY,
          NhsaPayloads.sale3505A(site, lines.toArray(new JsonObject[0])));
      assertEquals(200, uploaded.status(), uploaded.body());
      assertEquals(0, uploaded.json().getInteger("infcode"), uploaded.body());
      String uploadScans = "SELECT count(*) FROM scans WHERE upload_batch = 'B-VOID-1' AND status = 'ACCEPTED'";
      assertEquals(codes.size(), TestDatabase.count(db, uploadScans + " AND voided_at IS NULL"));

      // B's address in the owners' table now leads to a node that reads a request and drops the connection.
      NetServer dropping = vertx.createNetServer()
          .connectHandler(socket -> socket.handler(x -> socket.close()));
      dropping.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      String bNode = b.app().services().cluster().settings().nodeId();
      String bUrl = b.app().services().cluster().settings().url();
      TestDatabase.execute(db, "UPDATE partition_owners SET owner_url = 'http://127.0.0.1:" + dropping.actualPort()
          + "' WHERE owner = '" + bNode + "'");
      int someOfB = onB.iterator().next();
      ClusterNode aNode = a.app().services().cluster();
      await("A reads B's new address", 10, () -> !bUrl.equals(aNode.ownerOf(someOfB).url()));

      Response dropped = a.post("/api/v1/nhsa/3507", TestService.ADMIN_KEY, NhsaPayloads.delete3507(site, "B-VOID-1",
          "4"));
      assertEquals(504, dropped.status(), dropped.body());
      assertEquals(-1, dropped.json().getInteger("infcode"), dropped.body());
      assertTrue(dropped.json().getString("err_msg").contains("Send the deletion again"), dropped.body());
      // A deletion stores nothing and is never REPLAYED: neither half may send its client looking for that.
      assertFalse(dropped.json().getString("err_msg").matches("(?s).*(REPLAYED|stored|保存).*"), dropped.body());
      long voidedByA = TestDatabase.count(db, uploadScans + " AND voided_at IS NOT NULL");
      assertTrue(voidedByA > 0 && voidedByA < codes.size(), "A's own part was voided, B's not: " + voidedByA);

      TestDatabase.execute(db, "UPDATE partition_owners SET owner_url = '" + bUrl + "' WHERE owner = '" + bNode + "'");
      await("A reads B's address again", 10, () -> bUrl.equals(aNode.ownerOf(someOfB).url()));
      Response again = a.post("/api/v1/nhsa/3507", TestService.ADMIN_KEY, NhsaPayloads.delete3507(site, "B-VOID-1",
          "4"));
      assertEquals(200, again.status(), again.body());
      assertEquals(0, again.json().getInteger("infcode"), again.body());
      assertEquals((int) (codes.size() - voidedByA),
          (int) again.json().getJsonObject("output").getJsonObject("tracesentinel").getInteger("scansVoided"),
          "only B's part is voided the second time: " + again.body());
      assertEquals(codes.size(), TestDatabase.count(db, uploadScans + " AND voided_at IS NOT NULL"));
      for (TestService n : List.of(a, b)) {
        JsonObject verify = n.get("/health/cluster/verify", null).json();
        assertEquals(true, verify.getBoolean("clean"), verify.encode());
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * A site registered through one node is known to the others within 3 s; a scan of it sent through another node
   * at once was stored REJECTED "site … is not registered" by that node, before any owner (which reads the reference
   * data again for a site it does not know) saw it.
   */
  @Test
  void aScanOfASiteJustRegisteredThroughAnotherNodeIsJudged() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60);
    try (TestService a = TestService.start(db, env("newsite")); TestService b = TestService.start(db, env("newsite"))) {
      awaitSplit(a, b);
      for (int i = 0; i < 3; i++) {
        String site = "P1101050020" + i;
        a.sites(site, "110105");
        Response r = b.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", new JsonArray()
            .add(sale(code(7000 + 2 * i), site, "D-NEW-" + i, t)).add(sale(code(7001 + 2 * i), site, "D-NEW-" + i, t)
                .put("lineNo", 2))));
        assertEquals(200, r.status(), r.body());
        for (int k = 0; k < 2; k++) {
          assertEquals("ACCEPTED", r.result(k).getString("status"), r.body());
        }
      }
    }
  }

  /**
   * A product registered through one node is known to the others within 3 s; its scans judged by another node
   * meanwhile, whether sent to it or forwarded to it, were stored FLAGGED UNKNOWN_PRODUCT (COUNTERFEIT).
   */
  @Test
  void aScanOfAProductJustRegisteredThroughAnotherNodeIsNotUnknown() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60);
    try (TestService a = TestService.start(db, env("newproduct"));
         TestService b = TestService.start(db, env("newproduct"))) {
      awaitSplit(a, b);
      a.sites("S1", "110105");
      assertEquals(200, a.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", product("8300000"))
          .status());
      await("B knows a catalogue", 15, () -> b.app().services().reference().catalogLoaded());
      for (TestService through : new TestService[] {b, a}) {
        // Sent through B, B's codes are judged where they arrive; sent through A, they are forwarded to B.
        String prefix = through == b ? "8400001" : "8400002";
        assertEquals(200, a.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", product(prefix))
            .status());
        JsonArray batch = new JsonArray();
        for (int i = 0; i < 16; i++) {
          batch.add(sale(prefix + String.format("%013d", i), "S1", "D-" + prefix, t).put("lineNo", i + 1));
        }
        Response r = through.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", batch));
        assertEquals(200, r.status(), r.body());
        Set<Integer> touched = new TreeSet<>();
        for (int i = 0; i < 16; i++) {
          assertEquals("ACCEPTED", r.result(i).getString("status"), r.body());
          touched.add(partitionOf(r.result(i).getString("canonical")));
        }
        assertTrue(touched.stream().anyMatch(ready(b)::contains), "B judged some of them: " + touched);
      }
    }
  }

  /**
   * A public look-up on one node of a product just registered through another was answered INVALID_CODE
   * UNKNOWN_PREFIX ("not in the catalogue") until that node's next periodic read, up to 3 s, while a scan of it there
   * was already judged by its product. Its codes here lie in partitions of both nodes: a code of a partition the node
   * does not own is read from the history off its event loop.
   */
  @Test
  void aLookUpOfAProductJustRegisteredThroughAnotherNodeIsNotAnUnknownPrefix() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    try (TestService a = TestService.start(db, env("newlookup"));
         TestService b = TestService.start(db, env("newlookup"))) {
      awaitSplit(a, b);
      assertEquals(200, a.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", product("8300000"))
          .status());
      await("B knows a catalogue", 15, () -> b.app().services().reference().catalogLoaded());
      Set<Integer> onB = ready(b);
      Set<Boolean> ownedByB = new TreeSet<>();
      for (int p = 0; p < 4 || ownedByB.size() < 2; p++) {
        String prefix = String.format("84010%02d", p);
        assertEquals(200, a.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", product(prefix))
            .status());
        String code = prefix + String.format("%013d", p);
        ownedByB.add(onB.contains(partitionOf(code)));
        JsonObject r = b.get("/api/v1/verify/" + code, null).json();
        assertEquals("NO_SALE_RECORD", r.getString("outcome"), r.encode());
      }
      assertEquals(Set.of(false, true), ownedByB, "codes of both nodes' partitions were looked up");
      JsonObject unknown = b.get("/api/v1/verify/84999990000000000001", null).json();
      assertEquals("INVALID_CODE", unknown.getString("outcome"), unknown.encode());
    }
  }

  private static String product(String key) {
    return new JsonArray().add(new JsonObject().put("productKey", key).put("genericName", "G" + key)).encode();
  }

  /**
   * A node started with another node's TRACESENTINEL_NODE_URL (a copied configuration) joined and took its share,
   * and every request through the other nodes touching that share was answered 503 for ever (its parts went to the
   * node at that URL, which answered 421): the start now stops, naming the node the URL reaches.
   */
  @Test
  void aNodeWhoseUrlReachesAnotherNodeStopsAtStart() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    try (TestService a = TestService.start(db, env("url"))) {
      await("A judges every partition", 90, () -> ready(a).size() == CodeKey.PARTITIONS);
      Map<String, String> copied = env("url");
      copied.put("TRACESENTINEL_NODE_ID", "copied");
      copied.put("TRACESENTINEL_NODE_URL", a.app().services().cluster().settings().url());
      copied.put("TRACESENTINEL_ADMIN_KEY", ""); // a fresh install's start generates the admin key it prints
      IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
          () -> TestService.start(db, copied).close());
      String aNode = a.app().services().cluster().settings().nodeId();
      assertTrue(e.getMessage().contains("reaches node " + aNode + ", not this node (copied)"), e.getMessage());
      assertEquals(0, TestDatabase.count(db, "SELECT count(*) FROM partition_owners WHERE owner = 'copied'"),
          "it took nothing over");
      assertEquals(0, TestDatabase.count(db, "SELECT count(*) FROM api_keys WHERE role = 'admin'"),
          "no admin key that was never printed: the next start generates and prints one");
      assertEquals(CodeKey.PARTITIONS, ready(a).size());
    }
  }

  /**
   * A 503 whose request was split over nodes may come after other parts were stored (a deletion's: voided): the
   * problem says so in a member ({@code partlyStored}), and so does the NHSA answer in both its languages. Its Chinese
   * half said "nothing stored" (未保存任何内容) while the English half said the other parts were stored.
   */
  @Test
  void aSplitRequestRefusedAfterOtherPartsWereStoredSaysSoInBothLanguages() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    try (TestService a = TestService.start(db, env("partly")); TestService b = TestService.start(db, env("partly"))) {
      awaitSplit(a, b);
      String site = "P11010500110";
      a.sites(site, "110105");
      Set<Integer> onA = ready(a);
      Set<Integer> onB = ready(b);
      Map<Boolean, List<String>> codes = new HashMap<>(Map.of(true, new ArrayList<>(), false, new ArrayList<>()));
      for (int i = 5000; codes.get(true).size() < 3 || codes.get(false).size() < 3; i++) {
        codes.get(onA.contains(partitionOf(code(i)))).add(code(i));
      }
      assertTrue(onB.contains(partitionOf(codes.get(false).get(0))));
      String time = NhsaPayloads.chinaTime(Instant.now().minus(30, ChronoUnit.MINUTES));
      Response uploaded = a.post("/api/v1/nhsa/3505A", TestService.ADMIN_KEY, NhsaPayloads.sale3505A(site,
          NhsaPayloads.saleLine(codes.get(true).get(0), "R-P-1", "B-PARTLY-1", time),
          NhsaPayloads.saleLine(codes.get(false).get(0), "R-P-2", "B-PARTLY-1", time)));
      assertEquals(0, uploaded.json().getInteger("infcode"), uploaded.body());

      // B's address in the owners' table now leads nowhere: its parts are refused before they are sent.
      int closed;
      try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
        closed = s.getLocalPort();
      }
      String bNode = b.app().services().cluster().settings().nodeId();
      TestDatabase.execute(db, "UPDATE partition_owners SET owner_url = 'http://127.0.0.1:" + closed
          + "' WHERE owner = '" + bNode + "'");
      int someOfB = onB.iterator().next();
      ClusterNode aNode = a.app().services().cluster();
      await("A reads B's new address", 10, () -> aNode.ownerOf(someOfB).url().endsWith(":" + closed));
      Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60);

      Response scans = a.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", new JsonArray()
          .add(sale(codes.get(true).get(1), site, "D-P-1", t)).add(sale(codes.get(false).get(1), site, "D-P-1", t))));
      assertEquals(503, scans.status(), scans.body());
      assertEquals(true, scans.json().getBoolean("partlyStored"), scans.body());
      assertEquals(1, accepted(db, codes.get(true).get(1)), "A's part was stored");
      Response onlyB = a.post("/api/v1/scans", TestService.ADMIN_KEY, sale(codes.get(false).get(2), site, "D-P-2", t));
      assertEquals(503, onlyB.status(), onlyB.body());
      assertEquals(null, onlyB.json().getValue("partlyStored"), onlyB.body());

      Response sale = a.post("/api/v1/nhsa/3505A", TestService.ADMIN_KEY, NhsaPayloads.sale3505A(site,
          NhsaPayloads.saleLine(codes.get(true).get(2), "R-P-3", "B-PARTLY-2", time),
          NhsaPayloads.saleLine(codes.get(false).get(2), "R-P-4", "B-PARTLY-2", time)));
      assertEquals(503, sale.status(), sale.body());
      String said = sale.json().getString("err_msg");
      assertTrue(!said.contains("未保存任何内容") && said.contains("部分追溯码已保存"), said);
      Response deletion = a.post("/api/v1/nhsa/3507", TestService.ADMIN_KEY, NhsaPayloads.delete3507(site,
          "B-PARTLY-1", "4"));
      assertEquals(503, deletion.status(), deletion.body());
      said = deletion.json().getString("err_msg");
      assertTrue(!said.contains("未保存任何内容") && said.contains("部分扫码已作废"), said);
      assertEquals(1, TestDatabase.count(db, "SELECT count(*) FROM scans WHERE upload_batch = 'B-PARTLY-1' "
          + "AND voided_at IS NOT NULL"), "A's part of the upload was voided");
    }
  }

  /**
   * A part's owner frozen (SIGSTOPped) after reading it: the request waited the forward's fixed 30 s for its 504, where
   * the service's own deadline for a change whose database went silent is 2 s after the longest of
   * TRACESENTINEL_DB_TIMEOUT_SECONDS, the pool's 5 s wait and the stall limit (12 s here). The 504 now comes then.
   */
  @Test
  void aPartWhoseOwnerReadItAndFrozeIsA504AtTheServicesDeadline() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    // B's address in the owners' table is pointed at a socket nobody accepts on: the kernel takes the connection and
    // the request, as for a SIGSTOPped node, and nothing ever answers.
    try (TestService a = TestService.start(db, env("frozen")); TestService b = TestService.start(db, env("frozen"));
         java.net.ServerSocket frozen = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      awaitSplit(a, b);
      String site = "P11010500111";
      a.sites(site, "110105");
      Set<Integer> onA = ready(a);
      String ofA = null;
      String ofB = null;
      for (int i = 6000; ofA == null || ofB == null; i++) {
        if (onA.contains(partitionOf(code(i)))) {
          ofA = code(i);
        } else {
          ofB = code(i);
        }
      }
      String bNode = b.app().services().cluster().settings().nodeId();
      TestDatabase.execute(db, "UPDATE partition_owners SET owner_url = 'http://127.0.0.1:" + frozen.getLocalPort()
          + "' WHERE owner = '" + bNode + "'");
      int someOfB = partitionOf(ofB);
      await("A reads B's new address", 10,
          () -> a.app().services().cluster().ownerOf(someOfB).url().endsWith(":" + frozen.getLocalPort()));
      Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60);

      long began = System.nanoTime();
      Response scans = a.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", new JsonArray()
          .add(sale(ofA, site, "D-F-1", t)).add(sale(ofB, site, "D-F-1", t))));
      long tookMillis = (System.nanoTime() - began) / 1_000_000;
      assertEquals(504, scans.status(), scans.body());
      assertTrue(scans.json().getString("detail").contains("did not answer"), scans.body());
      assertTrue(scans.json().getString("detail").contains("(" + bNode + ")"), "the owner by its id: " + scans.body());
      assertFalse(scans.body().contains(":" + frozen.getLocalPort()), "not the internal address: " + scans.body());
      assertTrue(tookMillis >= 11_000 && tookMillis < 20_000, "answered at the 12 s deadline: " + tookMillis + " ms");
    }
  }

  /**
   * Every connection A keeps to B (32) held by parts B took and is still answering, a byte at a time: a part that
   * waited for one of them until the deadline never left A, so B cannot have stored it. It was a 504 ("not known") as
   * if B had read it; a 503 with Retry-After says what is true: not stored, send it again. The parts B took are 504s.
   */
  @Test
  void aPartThatWaitedOutTheDeadlineForAConnectionToItsOwnerIsA503() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Vertx vertx = Vertx.vertx();
    ExecutorService clients = Executors.newFixedThreadPool(32);
    try (TestService a = TestService.start(db, env("queued")); TestService b = TestService.start(db, env("queued"))) {
      awaitSplit(a, b);
      String site = "P11010500112";
      a.sites(site, "110105");
      Set<Integer> onA = ready(a);
      List<String> ofB = new ArrayList<>();
      for (int i = 8000; ofB.size() < 33; i++) {
        if (!onA.contains(partitionOf(code(i)))) {
          ofB.add(code(i));
        }
      }
      // B's address now leads to an owner that reads each part and answers it so slowly that it never finishes.
      AtomicInteger taken = new AtomicInteger();
      List<NetSocket> sockets = new CopyOnWriteArrayList<>();
      NetServer slow = vertx.createNetServer().connectHandler(socket -> {
        sockets.add(socket);
        AtomicBoolean answering = new AtomicBoolean();
        socket.handler(request -> {
          if (answering.compareAndSet(false, true)) {
            taken.incrementAndGet();
            socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            long trickle = vertx.setPeriodic(500, id -> socket.write("1\r\n \r\n"));
            socket.closeHandler(v -> vertx.cancelTimer(trickle));
          }
        });
      });
      slow.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      String bNode = b.app().services().cluster().settings().nodeId();
      TestDatabase.execute(db, "UPDATE partition_owners SET owner_url = 'http://127.0.0.1:" + slow.actualPort()
          + "' WHERE owner = '" + bNode + "'");
      int someOfB = partitionOf(ofB.get(0));
      await("A reads B's new address", 10,
          () -> a.app().services().cluster().ownerOf(someOfB).url().endsWith(":" + slow.actualPort()));
      Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60);

      List<CompletableFuture<Response>> held = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        JsonObject scan = sale(ofB.get(i), site, "D-Q-" + i, t);
        held.add(CompletableFuture.supplyAsync(() -> a.post("/api/v1/scans", TestService.ADMIN_KEY, scan), clients));
      }
      await("B's 32 connections are all taken", 30, () -> taken.get() == 32);
      Response queued = a.post("/api/v1/scans", TestService.ADMIN_KEY, sale(ofB.get(32), site, "D-Q-32", t));
      assertEquals(503, queued.status(), queued.body());
      assertEquals("1", queued.retryAfter(), queued.body());
      String detail = queued.json().getString("detail");
      assertTrue(detail.contains("not stored") && detail.contains("send the request again"), detail);
      assertFalse(detail.matches(".*[A-Za-z]+(Exception|Error).*"), "no Java class in a client's answer: " + detail);
      assertTrue(detail.contains("(" + bNode + ")") && !detail.contains(":" + slow.actualPort()), detail);
      assertEquals(32, taken.get(), "the queued part never reached the owner");

      for (NetSocket s : sockets) {
        s.close();
      }
      for (CompletableFuture<Response> h : held) {
        Response r = h.get(60, TimeUnit.SECONDS);
        assertEquals(504, r.status(), r.body());
        String said = r.json().getString("detail");
        assertTrue(said.contains("REPLAYED"), said);
        assertFalse(said.matches(".*[A-Za-z]+(Exception|Error).*"), "no Java class in a client's answer: " + said);
      }
    } finally {
      clients.shutdownNow();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /**
   * With Kafka gone a node judges nothing and answers every scan 503, but its readiness, which a load balancer reads to
   * stop sending it traffic, said UP throughout. Not ready while it judges no partition; ready again once Kafka is back
   * and the group gives them back.
   */
  @Test
  void aNodeCutOffFromKafkaIsNotReadyUntilKafkaIsBack() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60);
    try (KafkaBroker own = KafkaBroker.start()) {
      Map<String, String> env = env("ready");
      env.put("TRACESENTINEL_KAFKA_BOOTSTRAP", own.bootstrap());
      try (TestService a = TestService.start(db, env)) {
        await("A judges every partition", 90, () -> ready(a).size() == CodeKey.PARTITIONS);
        a.sites("S1", "110000");
        assertEquals(200, a.get("/health/ready", null).status());

        own.close();
        await("A is not ready", 30, () -> a.get("/health/ready", null).status() == 503);
        Response down = a.get("/health/ready", null);
        assertEquals("DOWN", down.json().getString("status"), down.body());
        assertTrue(down.json().getString("reason").contains("cut off from Kafka"), down.body());
        assertEquals(503, a.post("/api/v1/scans", TestService.ADMIN_KEY, sale(code(9000), "S1", "K1", t)).status());

        own.restart();
        await("A is ready again", 90, () -> a.get("/health/ready", null).status() == 200);
        Response back = a.post("/api/v1/scans", TestService.ADMIN_KEY, sale(code(9000), "S1", "K1", t));
        assertEquals(200, back.status(), back.body());
        assertEquals("ACCEPTED", back.result(0).getString("status"), back.body());
      }
    }
  }

  /**
   * A node cut off from the group (a coordinator broker failing over, say) stops judging at once but keeps its
   * entries; given its partitions back, it opens those no other node took meanwhile without rebuilding them, takes
   * over and rebuilds the one whose epoch moved (given back at once, before its owner refresh noticed), and empties
   * the one another node took and kept.
   */
  @Test
  void aNodeCutOffAndGivenItsPartitionsBackRebuildsOnlyWhatAnotherNodeTook() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(3600);
    try (TestService a = TestService.start(db, env("pause")); TestService b = TestService.start(db, env("pause"))) {
      awaitSplit(a, b);
      a.sites("S1", "110000", "S2", "310000");
      Set<Integer> onA = ready(a);
      List<String> codesOfA = new ArrayList<>();
      Set<Integer> partsOfThem = new TreeSet<>();
      for (int i = 2000; codesOfA.size() < 3; i++) {
        if (onA.contains(partitionOf(code(i))) && partsOfThem.add(partitionOf(code(i)))) {
          codesOfA.add(code(i));
        }
      }
      String kept = codesOfA.get(0);
      String moved = codesOfA.get(1);
      String gone = codesOfA.get(2);
      for (String c : codesOfA) {
        assertEquals("ACCEPTED", a.post("/api/v1/scans", TestService.ADMIN_KEY, sale(c, "S1", "P-" + c, t))
            .result(0).getString("status"));
      }
      ClusterNode node = a.app().services().cluster();
      long replayedBefore = node.rebuildScans();

      node.cutOff();
      assertTrue(ready(a).isEmpty(), "nothing judged while cut off");
      Response whileCut = a.post("/api/v1/scans", TestService.ADMIN_KEY, sale(kept, "S2", "C1", t.plusSeconds(60)));
      assertEquals(503, whileCut.status(), whileCut.body());
      assertTrue(a.app().ledger().getRaw(CodeKey.of(kept)) != null, "its entries are kept");

      // Meanwhile another node takes two of the paused partitions in the database: A must not trust their entries.
      // One comes back to A at once (A takes it over again and rebuilds it); the other stays away (A empties it).
      ClusterSettings other = b.app().services().cluster().settings();
      new OwnerTable(db, other.nodeId()).takeOver(Set.of(partitionOf(moved), partitionOf(gone)), other.url(), 2_000);
      Set<Integer> givenBack = new TreeSet<>(onA);
      givenBack.remove(partitionOf(gone));
      node.reopen(givenBack);
      await("A judges what it was given back", 30, () -> ready(a).equals(givenBack));
      await("A empties the partition taken from it", 15,
          () -> a.app().ledger().getRaw(CodeKey.of(gone)) == null);
      assertEquals(1, node.rebuildScans() - replayedBefore,
          "only the partition that changed hands was rebuilt (it holds one scan)");
      // Sold again (through A: B learns of S2 only at its next reference reload, up to 3 s after).
      Response repeat = a.post("/api/v1/scans", TestService.ADMIN_KEY, sale(kept, "S2", "C2", t.plusSeconds(120)));
      assertEquals("FLAGGED", repeat.result(0).getString("status"), repeat.body());
      Response repeatMoved = a.post("/api/v1/scans", TestService.ADMIN_KEY,
          sale(moved, "S2", "C3", t.plusSeconds(120)));
      assertEquals("FLAGGED", repeatMoved.result(0).getString("status"), repeatMoved.body());
      for (TestService n : List.of(a, b)) {
        JsonObject verify = n.get("/health/cluster/verify", null).json();
        assertEquals(true, verify.getBoolean("clean"), verify.encode());
      }
    }
  }
}
