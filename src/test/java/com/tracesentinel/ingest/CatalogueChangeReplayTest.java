package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A whole-box sale counts the product's pack size in units, and those units are part of the code's state. Replaying
 * the history with the catalogue of the day (a changed pack size, a product added after its codes were sold as
 * unknown) counted other units than the live judgement did, and the ledger differed from its rebuild.
 */
@Tag("slow")
class CatalogueChangeReplayTest {

  @Test
  void aPackSizeChangedOrAProductAddedAfterItsSalesLeavesTheLedgerEqualToItsRebuild() throws Exception {
    try (TestService svc = TestService.start()) {
      svc.sites("CA", "440305");
      products(svc, "8400001", 2);
      String boxOfTwo = "84000010000000000001";
      String unknownThen = "84000020000000000001";
      assertEquals("ACCEPTED", sale(svc, boxOfTwo, "D1").getString("status"));
      JsonObject unknown = sale(svc, unknownThen, "D2");
      assertEquals("UNKNOWN_PRODUCT", unknown.getJsonArray("anomalies").getJsonObject(0).getString("type"),
          unknown.encode());

      products(svc, "8400001", 5);
      products(svc, "8400002", 10);

      assertEquals(2, TestDatabase.count(svc.db(), "SELECT pack_size FROM scans WHERE canonical = '" + boxOfTwo + "'"));
      assertEquals(1, TestDatabase.count(svc.db(), "SELECT pack_size FROM scans WHERE canonical = '" + unknownThen
          + "'"), "judged as one unit: the product was not in the catalogue");
      svc.assertLedgerEqualsHistory();
    }
  }

  private static void products(TestService svc, String key, int packSize) {
    JsonArray rows = new JsonArray().add(new JsonObject().put("productKey", key).put("genericName", "g " + key)
        .put("packSize", packSize));
    TestService.Response r = svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", rows.encode());
    assertEquals(200, r.status(), r.body());
  }

  private static JsonObject sale(TestService svc, String code, String doc) {
    TestService.Response r = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("code", code)
        .put("siteId", "CA").put("documentNo", doc).put("scannedAt", Instant.now().toString()));
    assertEquals(200, r.status(), r.body());
    return r.result(0);
  }
}
