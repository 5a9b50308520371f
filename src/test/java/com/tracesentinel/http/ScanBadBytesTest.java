package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A scan whose text fields hold a NUL or another control character is its sender's problem alone: that scan is
 * REJECTED with an error naming the field and stored (PostgreSQL refuses U+0000, so it is stored as U+FFFD), the
 * other scans of its request are judged as usual, and nothing of another client's request is affected.
 */
@Tag("slow")
class ScanBadBytesTest {
  private static final String ADMIN = TestService.ADMIN_KEY;
  private static final List<String> FIELDS = List.of("documentNo", "billedDrug", "settlementId", "deviceId",
      "siteId", "code");
  private static final List<Character> BAD = List.of('\u0000', '\u0001', '\u001b', '\u001f');

  private static JsonObject scan(String code, String site, String doc) {
    return new JsonObject().put("code", code).put("siteId", site).put("documentNo", doc)
        .put("scannedAt", Instant.now().minusSeconds(60).toString());
  }

  /** {@code clean} with a control character in the middle of {@code field}. */
  private static JsonObject spoiled(JsonObject clean, String field, char bad) {
    JsonObject s = clean.copy();
    String value = s.getString(field) != null ? s.getString(field) : "X-" + field;
    int at = Math.min(2, value.length());
    return s.put(field, value.substring(0, at) + bad + value.substring(at));
  }

  private static void assertRejectedFor(JsonObject result, String field) {
    assertEquals("REJECTED", result.getString("status"), result.encode());
    assertTrue(result.getString("error").contains(field), "the error names " + field + ": " + result.encode());
  }

  @Test
  void aControlCharacterRejectsThatScanAloneAndIsStoredAsAReplacementCharacter() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("PB1", "440305");
      for (String field : FIELDS) {
        for (char bad : BAD) {
          String doc = "B-" + field + "-" + (int) bad;
          // alone
          JsonObject single = spoiled(scan(ScanApiTest.newCode(), "PB1", doc).put("lineNo", 1), field, bad);
          Response one = svc.post("/api/v1/scans", ADMIN, single);
          assertEquals(200, one.status(), one.body());
          assertRejectedFor(one.result(0), field);
          // in a batch, between two good scans of the same document
          JsonArray batch = new JsonArray()
              .add(scan(ScanApiTest.newCode(), "PB1", doc).put("lineNo", 2))
              .add(spoiled(scan(ScanApiTest.newCode(), "PB1", doc).put("lineNo", 3), field, bad))
              .add(scan(ScanApiTest.newCode(), "PB1", doc).put("lineNo", 4));
          Response r = svc.post("/api/v1/scans", ADMIN, new JsonObject().put("scans", batch));
          assertEquals(200, r.status(), r.body());
          assertEquals("ACCEPTED", r.result(0).getString("status"), r.body());
          assertRejectedFor(r.result(1), field);
          assertEquals("ACCEPTED", r.result(2).getString("status"), r.body());
        }
      }
      // every scan is stored, the good ones and the rejected ones; no NUL survives, each became U+FFFD
      for (String field : FIELDS) {
        String column = switch (field) {
          case "documentNo" -> "document_no";
          case "billedDrug" -> "billed_drug";
          case "settlementId" -> "settlement_id";
          case "deviceId" -> "device_id";
          case "siteId" -> "site_id";
          default -> "raw_code";
        };
        String doc = field.equals("documentNo") ? "'B-' || chr(65533) || '" + field + "-0'"
            : "'B-" + field + "-0'";
        assertEquals(2, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE status = 'REJECTED' AND "
            + "document_no = " + doc + " AND position(chr(65533) in " + column + ") > 0"), field);
        assertEquals(2, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE status = 'ACCEPTED' AND "
            + "document_no = 'B-" + field + "-0'"), field);
      }
      assertEquals(FIELDS.size() * BAD.size() * 2, TestDatabase.count(svc.db(),
          "SELECT count(*) FROM scans WHERE status = 'REJECTED'"));
      svc.assertLedgerEqualsHistory();
    }
  }

  @Test
  void oneClientSendingControlCharactersNeverFailsTheOthers() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("PC1", "440305", "PC2", "110105", "PC3", "310101", "PCX", "440306");
      AtomicBoolean running = new AtomicBoolean(true);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      Future<Integer> spoiler = pool.submit(() -> {
        int sent = 0;
        for (int i = 0; running.get(); i++) {
          String field = FIELDS.get(i % FIELDS.size());
          char bad = BAD.get(i % BAD.size());
          JsonObject s = spoiled(scan(ScanApiTest.newCode(), "PCX", "X" + i), field, bad);
          JsonObject body = i % 2 == 0 ? s : new JsonObject().put("scans", new JsonArray().add(s)
              .add(scan(ScanApiTest.newCode(), "PCX", "X" + i).put("lineNo", 2)));
          Response r = svc.post("/api/v1/scans", ADMIN, body);
          assertEquals(200, r.status(), r.body());
          assertRejectedFor(r.result(0), field);
          sent++;
          Thread.sleep(3);
        }
        return sent;
      });
      List<Future<List<String>>> clients = new ArrayList<>();
      for (String site : List.of("PC1", "PC2", "PC3")) {
        clients.add(pool.submit(() -> {
          List<String> docs = new ArrayList<>();
          for (int request = 0; request < 30; request++) {
            String doc = site + "-" + request;
            JsonArray scans = new JsonArray();
            for (int line = 1; line <= 20; line++) {
              scans.add(scan(ScanApiTest.newCode(), site, doc).put("lineNo", line));
            }
            Response r = svc.post("/api/v1/scans", ADMIN, new JsonObject().put("scans", scans));
            assertEquals(200, r.status(), "a normal batch beside the bad bytes: " + r.body());
            for (int i = 0; i < 20; i++) {
              assertEquals("ACCEPTED", r.result(i).getString("status"), r.body());
            }
            docs.add(doc);
          }
          return docs;
        }));
      }
      List<String> stored = new ArrayList<>();
      for (Future<List<String>> c : clients) {
        stored.addAll(c.get(120, TimeUnit.SECONDS));
      }
      running.set(false);
      int spoiled = spoiler.get(60, TimeUnit.SECONDS);
      pool.shutdown();
      assertTrue(spoiled >= 10, "the bad client ran alongside: " + spoiled + " requests");
      for (String doc : stored) {
        assertEquals(20, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = '" + doc
            + "' AND status = 'ACCEPTED'"), doc);
      }
      assertEquals(spoiled, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE status = 'REJECTED'"));
      svc.assertLedgerEqualsHistory();
    }
  }
}
