package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PUT /api/v1/products and /api/v1/sites: JSON and CSV, validated, and used by the ladder at once. */
@Tag("slow")
class ReferenceApiTest {
  private static TestService svc;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  @Test
  void productsUploadedAsCsvDriveTheLadder() {
    String csv = "\uFEFFproductKey,drugCode,genericName,brandName,spec,manufacturer,packSize\n"
        + "8300001,XDRUG1,\"Amoxicillin, capsules\",Amoxil,0.25g×24,United Labs,24\n"
        + "06901234567892,XDRUG2,Paracetamol,Tylenol,0.5g×10,J&J,10\n";
    Response r = svc.put("/api/v1/products", TestService.ADMIN_KEY, "text/csv", csv);
    assertEquals(200, r.status(), r.body());
    assertEquals(2, r.json().getInteger("upserted"));
    assertEquals(1, TestDatabase.count(svc.db(),
        "SELECT count(*) FROM products WHERE generic_name = 'Amoxicillin, capsules' AND pack_size = 24"));
    svc.sites("REF1", "440305");
    Response sale = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject()
        .put("code", "83000010000000000001").put("siteId", "REF1").put("documentNo", "D1")
        .put("billedDrug", "XOTHER").put("scannedAt", Instant.now().toString()));
    JsonArray anomalies = sale.result(0).getJsonArray("anomalies");
    assertEquals("PRODUCT_MISMATCH", anomalies.getJsonObject(0).getString("type"), sale.body());
    Response unknown = svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject()
        .put("code", "83999990000000000001").put("siteId", "REF1").put("documentNo", "D2"));
    assertEquals("UNKNOWN_PRODUCT", unknown.result(0).getJsonArray("anomalies").getJsonObject(0).getString("type"));
  }

  /** The API's 1 MiB refused a catalogue of more than some 7,000 products while the answer asked for up to 100,000. */
  @Test
  void aCatalogueOfMoreThanOneMebibyteIsTaken() {
    StringBuilder csv = new StringBuilder("productKey,drugCode,genericName,brandName,spec,manufacturer,packSize\n");
    for (int i = 0; i < 12_000; i++) {
      csv.append(9_100_000 + i).append(",XBULK").append(i).append(",阿莫西林胶囊 bulk ").append(i)
          .append(",Amoxil,0.25g×24,珠海联邦制药股份有限公司中山分公司,24\n");
    }
    byte[] body = csv.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(body.length > 1024 * 1024, "the body is " + body.length + " bytes");
    Response r = svc.put("/api/v1/products", TestService.ADMIN_KEY, "text/csv", csv.toString());
    assertEquals(200, r.status(), r.body().substring(0, Math.min(300, r.body().length())));
    assertEquals(12_000, TestDatabase.count(svc.db(), "SELECT count(*) FROM products WHERE drug_code LIKE 'XBULK%'"));
  }

  @Test
  void aCsvThatIsNotWellFormedUtf8IsRefusedNotRewritten() {
    byte[] head = "siteId,name,kind,regionCode,regionName\nPH".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] tail = "1,first,PHARMACY,110105,BJ\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    body.writeBytes(head);
    body.writeBytes(new byte[] {(byte) 0xC0, (byte) 0xAF});
    body.writeBytes(tail);
    Response r = svc.send(svc.request("/api/v1/sites", TestService.ADMIN_KEY).header("Content-Type", "text/csv")
        .PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
    assertEquals(400, r.status(), r.body());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM sites WHERE name = 'first'"));
    Response gbk = svc.send(svc.request("/api/v1/sites", TestService.ADMIN_KEY)
        .header("Content-Type", "text/csv; charset=GBK").PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(
            "siteId,name,kind,regionCode,regionName\nPHGBK1,药房,PHARMACY,110105,北京\n"
                .getBytes(java.nio.charset.Charset.forName("GBK")))).build());
    assertEquals(200, gbk.status(), "another charset, named, is read as that: " + gbk.body());
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM sites WHERE name = '药房'"));
  }

  @Test
  void invalidRowsAreAllReportedAndNothingIsStored() {
    JsonArray rows = new JsonArray()
        .add(new JsonObject().put("productKey", "12").put("genericName", "x"))
        .add(new JsonObject().put("productKey", "8300002").put("packSize", 0));
    Response r = svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", rows.encode());
    assertEquals(400, r.status());
    JsonArray errors = r.json().getJsonArray("errors");
    assertEquals(3, errors.size(), r.body());
    assertEquals("[0].productKey", errors.getJsonObject(0).getString("field"));
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM products WHERE product_key = '8300002'"));
  }

  /** Uploads {@code rows}, expecting a 400 naming the product key of each of the first {@code refused} rows. */
  private static JsonArray refusedProductKeys(JsonArray rows, int refused) {
    Response r = svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", rows.encode());
    assertEquals(400, r.status(), r.body());
    JsonArray errors = r.json().getJsonArray("errors");
    assertEquals(refused, errors.size(), r.body());
    for (int i = 0; i < refused; i++) {
      assertEquals("[" + i + "].productKey", errors.getJsonObject(i).getString("field"), r.body());
    }
    return errors;
  }

  /** An MA key holding a data unit was stored, though every code of that product yields a shorter key. */
  @Test
  void anMaProductKeyNoCodeCanYieldIsRefused() {
    JsonArray rows = new JsonArray()
        .add(new JsonObject().put("productKey", "MA.156.M0.100.L2503").put("genericName", "batch in the key"))
        .add(new JsonObject().put("productKey", "MA.156.M0.").put("genericName", "empty unit"))
        .add(new JsonObject().put("productKey", "MA.156.M0.100777").put("genericName", "right"));
    JsonArray errors = refusedProductKeys(rows, 2);
    assertTrue(errors.getJsonObject(0).getString("message").endsWith("yields MA.156.M0.100"), errors.encode());
    rows.remove(1);
    rows.remove(0);
    assertEquals(200, svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", rows.encode()).status());
  }

  @Test
  void aPackSizeWithAFractionIsRefusedNotRounded() {
    JsonArray rows = new JsonArray()
        .add(new JsonObject().put("productKey", "8300021").put("genericName", "a").put("packSize", 1.5))
        .add(new JsonObject().put("productKey", "8300022").put("genericName", "b").put("packSize", "2.5"))
        .add(new JsonObject().put("productKey", "8300023").put("genericName", "c").put("packSize", true));
    Response json = svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", rows.encode());
    assertEquals(400, json.status(), json.body());
    JsonArray errors = json.json().getJsonArray("errors");
    assertEquals(3, errors.size(), json.body());
    for (int i = 0; i < 3; i++) {
      assertEquals("[" + i + "].packSize", errors.getJsonObject(i).getString("field"));
      assertEquals("must be a whole number", errors.getJsonObject(i).getString("message"));
    }
    Response csv = svc.put("/api/v1/products", TestService.ADMIN_KEY, "text/csv",
        "productKey,genericName,packSize\n8300024,d,1.5\n8300025,e,1e1\n");
    assertEquals(400, csv.status(), csv.body());
    assertEquals("line 2: packSize", csv.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    assertEquals("line 3: packSize", csv.json().getJsonArray("errors").getJsonObject(1).getString("field"));
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM products WHERE product_key LIKE '830002%'"));
    // a whole number written with a zero fraction, or as text, is still that number
    JsonArray whole = new JsonArray()
        .add(new JsonObject().put("productKey", "8300026").put("genericName", "f").put("packSize", 24.0))
        .add(new JsonObject().put("productKey", "8300027").put("genericName", "g").put("packSize", " 10 "));
    assertEquals(200, svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", whole.encode()).status());
    assertEquals(2, TestDatabase.count(svc.db(), "SELECT count(*) FROM products WHERE product_key IN "
        + "('8300026', '8300027') AND pack_size IN (24, 10)"));
  }

  /** An upsert without packSize stored a pack of 1 over the stored one, and split sales were judged by it. */
  @Test
  void aProductSentWithoutPackSizeKeepsTheStoredOne() {
    assertEquals(200, svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", new JsonArray()
        .add(new JsonObject().put("productKey", "8300041").put("genericName", "a").put("packSize", 24)).encode())
        .status());
    Response json = svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", new JsonArray()
        .add(new JsonObject().put("productKey", "8300041").put("genericName", "renamed"))
        .add(new JsonObject().put("productKey", "8300042").put("genericName", "new")).encode());
    assertEquals(200, json.status(), json.body());
    Response csv = svc.put("/api/v1/products", TestService.ADMIN_KEY, "text/csv",
        "productKey,genericName,packSize\n8300041,renamed again,\n");
    assertEquals(200, csv.status(), csv.body());
    assertEquals(2, TestDatabase.count(svc.db(), "SELECT count(*) FROM products WHERE (product_key, generic_name, "
        + "pack_size) IN (('8300041', 'renamed again', 24), ('8300042', 'new', 1))"));
    assertEquals(24, svc.app().services().reference().product("8300041").packSize(), "as the ladder judges it");
    Response sent = svc.put("/api/v1/products", TestService.ADMIN_KEY, "text/csv",
        "productKey,genericName,packSize\n8300041,renamed again,1\n");
    assertEquals(200, sent.status(), sent.body());
    assertEquals(1, svc.app().services().reference().product("8300041").packSize(), "a pack size sent is stored");
  }

  /**
   * Two uploads of one product at once, one setting its pack size and one without: the one without read the stored
   * size before it met the other's row, and wrote that older size (1 for a product both created) over the one set.
   */
  @Test
  void aProductSentWithoutPackSizeKeepsAPackSizeSetMeanwhile() throws Exception {
    assertEquals(200, svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", new JsonArray()
        .add(new JsonObject().put("productKey", "8300051").put("genericName", "a").put("packSize", 10)).encode())
        .status());
    for (String key : List.of("8300051", "8300052")) { // stored before, and new to both uploads
      try (Connection setting = DriverManager.getConnection(svc.db().jdbcUrl(), svc.db().user(),
          svc.db().password()); Statement st = setting.createStatement()) {
        setting.setAutoCommit(false);
        st.execute("INSERT INTO products (product_key, generic_name, pack_size) VALUES ('" + key + "', 'set', 20) "
            + "ON CONFLICT (product_key) DO UPDATE SET pack_size = 20");
        CompletableFuture<Response> without = CompletableFuture.supplyAsync(() -> svc.put("/api/v1/products",
            TestService.ADMIN_KEY, "application/json", new JsonArray().add(new JsonObject().put("productKey", key)
                .put("genericName", "renamed")).encode()));
        for (int i = 0; i < 100 && TestDatabase.count(svc.db(), "SELECT count(*) FROM pg_stat_activity "
            + "WHERE wait_event_type = 'Lock' AND query LIKE '%products%'") == 0; i++) {
          Thread.sleep(50);
        }
        setting.commit();
        Response r = without.get(30, TimeUnit.SECONDS);
        assertEquals(200, r.status(), r.body());
      }
      assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM products WHERE product_key = '" + key
          + "' AND generic_name = 'renamed' AND pack_size = 20"), key);
      assertEquals(20, svc.app().services().reference().product(key).packSize(), key + " as the ladder judges it");
    }
  }

  /**
   * Two uploads locking shared products in opposite orders deadlock, and PostgreSQL rolls one back: that one was a 500
   * "unexpected error", though nothing of it was stored and the same upload sent again succeeds.
   */
  @Test
  void aProductUploadGivenUpInADeadlockIs503ToSendAgain() throws Exception {
    String products = new JsonArray()
        .add(new JsonObject().put("productKey", "8300061").put("genericName", "first"))
        .add(new JsonObject().put("productKey", "8300062").put("genericName", "second").put("packSize", 7)).encode();
    assertEquals(200, svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", products).status());
    try (Connection other = DriverManager.getConnection(svc.db().jdbcUrl(), svc.db().user(), svc.db().password());
         Statement st = other.createStatement()) {
      other.setAutoCommit(false);
      st.execute("UPDATE products SET spec = 'held' WHERE product_key = '8300062'");
      CompletableFuture<Response> upload = CompletableFuture.supplyAsync(() -> svc.put("/api/v1/products",
          TestService.ADMIN_KEY, "application/json", products)); // locks 8300061, then waits for 8300062
      for (int i = 0; i < 100 && TestDatabase.count(svc.db(), "SELECT count(*) FROM pg_stat_activity "
          + "WHERE wait_event_type = 'Lock' AND query LIKE '%products%'") == 0; i++) {
        Thread.sleep(50);
      }
      st.execute("UPDATE products SET spec = 'held' WHERE product_key = '8300061'"); // waits: a deadlock
      Response r = upload.get(30, TimeUnit.SECONDS);
      assertEquals(503, r.status(), r.body());
      assertEquals("application/problem+json", r.contentType(), r.body());
      assertTrue(r.retryAfter() != null, r.body());
      assertTrue(r.json().getString("detail").contains("send it again"), r.body());
      other.commit();
    }
    assertEquals(200, svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", products).status());
  }

  @Test
  void sitesAreValidatedAndUpsertedFromCsv() {
    Response bad = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "text/csv",
        "siteId,name,kind,regionCode,regionName\nS1,One,SHOP,4403,Shenzhen\n");
    assertEquals(400, bad.status());
    assertTrue(bad.body().contains("line 2: kind"), bad.body());
    assertTrue(bad.body().contains("line 2: regionCode"), bad.body());
    Response twice = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "text/csv",
        "siteId,name,kind,regionCode,regionName\nS1,One,pharmacy,440305,Shenzhen\nS1,One renamed,CLINIC,440305,Shenzhen\n");
    assertEquals(400, twice.status(), "which of the two rows is meant is the sender's to say: " + twice.body());
    JsonObject error = twice.json().getJsonArray("errors").getJsonObject(0);
    assertEquals("line 3: siteId", error.getString("field"), twice.body());
    assertEquals("is also on line 2: send each once", error.getString("message"), twice.body());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM sites WHERE site_id = 'S1'"));
    Response ok = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "text/csv",
        "siteId,name,kind,regionCode,regionName\nS1,One,pharmacy,440305,Shenzhen\n");
    assertEquals(200, ok.status(), ok.body());
    Response renamed = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "text/csv",
        "siteId,name,kind,regionCode,regionName\nS1,One renamed,CLINIC,440305,Shenzhen\n");
    assertEquals(200, renamed.status(), renamed.body());
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM sites WHERE site_id = 'S1' AND kind = 'CLINIC'"));
  }

  /** Every U+FEFF of a CSV was dropped, so a site id holding one overwrote the site named without it. */
  @Test
  void aByteOrderMarkInsideACsvCellIsKept() {
    String header = "\uFEFFsiteId,name,kind,regionCode,regionName\n";
    assertEquals(200, svc.put("/api/v1/sites", TestService.ADMIN_KEY, "text/csv",
        header + "PFE1,bom first,PHARMACY,110105,BJ\n").status());
    Response other = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "text/csv",
        header + "PFE\uFEFF1,bom second,PHARMACY,110105,BJ\n");
    assertEquals(200, other.status(), other.body());
    assertEquals(1, TestDatabase.count(svc.db(),
        "SELECT count(*) FROM sites WHERE site_id = 'PFE1' AND name = 'bom first'"));
    assertEquals(1, TestDatabase.count(svc.db(),
        "SELECT count(*) FROM sites WHERE site_id = 'PFE' || chr(65279) || '1' AND name = 'bom second'"));
  }

  /** A CSV's "line N" was its Nth record: a blank line or a cell holding a line end put the error lines above it. */
  @Test
  void aCsvErrorNamesTheLineItsRecordStartsOn() {
    Response r = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "text/csv",
        "\nsiteId,name,kind,regionCode,regionName,note\n\r\nLN1,\"two\nlines\",PHARMACY,110105,BJ,\n"
            + "LN2,Two,SHOP,110105,BJ,\n");
    assertEquals(400, r.status(), r.body());
    assertEquals(java.util.List.of("line 4: name", "line 6: kind"), r.json().getJsonArray("errors").stream()
        .map(e -> ((JsonObject) e).getString("field")).toList(), r.body());
    assertTrue(refusedCsv("/api/v1/sites", "siteId,name,kind,regionCode,regionName\nLN3,\"a\nb\",CLINIC,110105,BJ\n\n"
            + "LN4,\"open,PHARMACY,110105,BJ\nLN5,Five,PHARMACY,110105,BJ\n")
        .startsWith("the CSV could not be read from line 5:"));
    Response ignored = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "text/csv",
        "\r\n\r\nsiteId,name,kind,regionCode,regionName,note\nLN6,Six,PHARMACY,110105,BJ,n\n");
    assertEquals(new JsonArray().add("line 3: note"), ignored.json().getJsonArray("ignoredFields"), ignored.body());
  }

  /** Any Content-Type beginning with text/csv was read as CSV, and any other (XML too) as JSON. */
  @Test
  void onlyTextCsvIsReadAsCsv() {
    String csv = "siteId,name,kind,regionCode,regionName\nCT1,csv type,PHARMACY,110105,BJ\n";
    Response other = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "text/csvx", csv);
    assertEquals(415, other.status(), other.body());
    assertTrue(other.contentType().startsWith("application/problem+json"), other.contentType());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM sites WHERE site_id = 'CT1'"));
    Response xml = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "application/xml",
        "[{\"siteId\":\"CT2\",\"name\":\"xml type\",\"kind\":\"PHARMACY\",\"regionCode\":\"110105\","
            + "\"regionName\":\"BJ\"}]");
    assertEquals(415, xml.status(), xml.body());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM sites WHERE site_id = 'CT2'"));
    Response csvWithParameters = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "Text/CSV ; charset=utf-8", csv);
    assertEquals(200, csvWithParameters.status(), csvWithParameters.body());
  }

  @Test
  void aCellUnderNoColumnIsRefusedNotDropped() {
    Response r = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "text/csv",
        "siteId,name,kind,regionCode,regionName\nS9,Nine,PHARMACY,440305,Shenzhen,,Futian\n");
    assertEquals(400, r.status(), r.body());
    assertEquals("line 2 has 7 cells, the header names 5 columns", r.json().getString("detail"), r.body());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM sites WHERE site_id = 'S9'"));
    Response trailing = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "text/csv",
        "siteId,name,kind,regionCode,regionName\nS9,Nine,PHARMACY,440305,Shenzhen,\n");
    assertEquals(200, trailing.status(), "an empty cell after the last column holds nothing: " + trailing.body());
  }

  @Test
  void aMisspeltColumnOrFieldIsRefusedNotDropped() {
    // a misspelt packSize was ignored, and the product stored as a pack of 1
    assertEquals("line 1: packsize: did you mean packSize?",
        refusedCsv("/api/v1/products", "productKey,genericName,packsize\n8300021,M,24\n"));
    assertEquals("line 1: Site_ID: did you mean siteId?", refusedCsv("/api/v1/sites",
        "Site_ID,name,kind,regionCode,regionName\nS21,One,PHARMACY,440305,Shenzhen\n"));
    // the later of two same-named columns won
    assertEquals("the header names the column name twice", refusedCsv("/api/v1/sites",
        "siteId,name,kind,regionCode,regionName,name\nS21,One,PHARMACY,440305,Shenzhen,Other\n"));
    assertEquals("line 2 has a value in column 6, which the header leaves unnamed", refusedCsv("/api/v1/sites",
        "siteId,name,kind,regionCode,regionName,\nS21,One,PHARMACY,440305,Shenzhen,Futian\n"));
    Response json = svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json",
        "[{\"productKey\":\"8300021\",\"genericName\":\"Misspelt\",\"pack_size\":24,\"note\":\"n\"},"
            + "{\"productKey\":\"8300022\",\"genericName\":\"Misspelt\",\"PackSize\":24,\"pack-size\":24}]");
    assertEquals(400, json.status(), json.body());
    JsonArray errors = json.json().getJsonArray("errors");
    assertEquals(3, errors.size(), json.body());
    assertEquals(new JsonObject().put("field", "[0].pack_size").put("message", "did you mean packSize?"),
        errors.getJsonObject(0), json.body());
    assertEquals("[1].PackSize", errors.getJsonObject(1).getString("field"), json.body());
    assertEquals("[1].pack-size", errors.getJsonObject(2).getString("field"), json.body());
    Response site = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "application/json", "[{\"site_id\":\"S21\","
        + "\"name\":\"N\",\"kind\":\"PHARMACY\",\"regionCode\":\"440305\",\"regionName\":\"S\"}]");
    assertEquals(400, site.status(), site.body());
    assertTrue(site.body().contains("{\"field\":\"[0].site_id\",\"message\":\"did you mean siteId?\"}"), site.body());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM products WHERE product_key IN ('8300021', "
        + "'8300022')"));
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM sites WHERE site_id = 'S21'"));
    // the last of two same-named fields won: IM2 was upserted
    Response twice = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "application/json", "[{\"siteId\":\"IM1\","
        + "\"siteId\":\"IM2\",\"name\":\"N\",\"kind\":\"PHARMACY\",\"regionCode\":\"440305\",\"regionName\":\"S\"}]");
    assertEquals(400, twice.status(), twice.body());
    assertEquals("[0].siteId", twice.json().getJsonArray("errors").getJsonObject(0).getString("field"), twice.body());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM sites WHERE site_id IN ('IM1', 'IM2')"));
    Response trailingComma = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "text/csv",
        "siteId,name,kind,regionCode,regionName,\nS21,One,PHARMACY,440305,Shenzhen,\n");
    assertEquals(200, trailingComma.status(), "an unnamed, empty column is no column: " + trailingComma.body());
    assertEquals(new JsonObject().put("upserted", 1), trailingComma.json(), "nothing was ignored");
  }

  @Test
  void unknownFieldsAndColumnsAreIgnoredAndListed() {
    // an outside client's extra field had its whole catalogue refused, against the contract's "unknown JSON fields
    // are ignored"
    Response products = svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", new JsonArray()
        .add(new JsonObject().put("productKey", "8300031").put("genericName", "a").put("packSize", 24)
            .put("manufacturerCountry", "CN").put("note", "n"))
        .add(new JsonObject().put("productKey", "8300032").put("genericName", "b").put("note", "n")).encode());
    assertEquals(200, products.status(), products.body());
    assertEquals(new JsonObject().put("upserted", 2).put("ignoredFields",
            new JsonArray().add("[0].manufacturerCountry").add("[0].note").add("[1].note")).put("ignoredFieldCount", 3),
        products.json());
    Response productsCsv = svc.put("/api/v1/products", TestService.ADMIN_KEY, "text/csv",
        "productKey,note,genericName,packSize\n8300033,whatever,c,10\n");
    assertEquals(200, productsCsv.status(), productsCsv.body());
    assertEquals(new JsonArray().add("line 1: note"), productsCsv.json().getJsonArray("ignoredFields"));
    assertEquals(3, TestDatabase.count(svc.db(), "SELECT count(*) FROM products WHERE (product_key, pack_size) IN "
        + "(('8300031', 24), ('8300032', 1), ('8300033', 10))"));
    Response sites = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "application/json", new JsonArray()
        .add(new JsonObject().put("siteId", "IG1").put("name", "One").put("kind", "PHARMACY")
            .put("regionCode", "440305").put("regionName", "Shenzhen").put("manager", "Li")).encode());
    assertEquals(200, sites.status(), sites.body());
    assertEquals(new JsonArray().add("[0].manager"), sites.json().getJsonArray("ignoredFields"));
    Response sitesCsv = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "text/csv",
        "siteId,name,kind,regionCode,regionName,manager,phone\nIG2,Two,CLINIC,440305,Shenzhen,Li,123\n");
    assertEquals(200, sitesCsv.status(), sitesCsv.body());
    assertEquals(new JsonArray().add("line 1: manager").add("line 1: phone"),
        sitesCsv.json().getJsonArray("ignoredFields"));
    assertEquals(2, TestDatabase.count(svc.db(), "SELECT count(*) FROM sites WHERE site_id IN ('IG1', 'IG2')"));
    JsonArray many = new JsonArray();
    for (int i = 0; i < 25; i++) {
      many.add(new JsonObject().put("productKey", String.valueOf(8300100 + i)).put("genericName", "m").put("note", i));
    }
    Response bounded = svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", many.encode());
    assertEquals(200, bounded.status(), bounded.body());
    assertEquals(ReferenceRoutes.MAX_IGNORED_LISTED, bounded.json().getJsonArray("ignoredFields").size());
    assertEquals("[19].note", bounded.json().getJsonArray("ignoredFields").getString(19));
    assertEquals(25, bounded.json().getInteger("ignoredFieldCount"));
  }

  /** The detail of the 400 a CSV upload must get. */
  private static String refusedCsv(String path, String csv) {
    Response r = svc.put(path, TestService.ADMIN_KEY, "text/csv", csv);
    assertEquals(400, r.status(), r.body());
    return r.json().getString("detail");
  }

  @Test
  void aJsonObjectListOrBooleanIsNoTextField() {
    JsonArray sites = new JsonArray()
        .add(new JsonObject().put("siteId", new JsonObject().put("a", 1)).put("name", "object id").put("kind", "CLINIC")
            .put("regionCode", "110105").put("regionName", "BJ"))
        .add(new JsonObject().put("siteId", "PHLIST1").put("name", new JsonArray().add("a")).put("kind", "CLINIC")
            .put("regionCode", "110105").put("regionName", true));
    Response r = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "application/json", sites.encode());
    assertEquals(400, r.status(), r.body());
    assertEquals(java.util.List.of("[0].siteId", "[1].name", "[1].regionName"), r.json().getJsonArray("errors")
        .stream().map(e -> ((JsonObject) e).getString("field")).toList(), r.body());
    assertEquals(0, TestDatabase.count(svc.db(),
        "SELECT count(*) FROM sites WHERE site_id IN ('{a=1}', 'PHLIST1') OR name = 'object id'"));
    Response product = svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", new JsonArray()
        .add(new JsonObject().put("productKey", "8300031").put("genericName", new JsonObject().put("zh", "x")))
        .encode());
    assertEquals(400, product.status(), product.body());
    assertEquals("[0].genericName", product.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    // a number is still read as text, as an identifier may be sent
    Response number = svc.put("/api/v1/products", TestService.ADMIN_KEY, "application/json", new JsonArray()
        .add(new JsonObject().put("productKey", 8300032).put("genericName", "n").put("drugCode", 12345)).encode());
    assertEquals(200, number.status(), number.body());
  }

  @Test
  void aGtinWhoseLastDigitIsNotItsCheckDigitIsRefused() {
    JsonArray rows = new JsonArray()
        .add(new JsonObject().put("productKey", "06901234567893").put("genericName", "wrong check digit"))
        .add(new JsonObject().put("productKey", "06901234567892").put("genericName", "right"));
    refusedProductKeys(rows, 1);
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM products WHERE product_key LIKE '0690123456789%'"
        + " AND generic_name IN ('wrong check digit', 'right')"));
  }

  @Test
  void referenceDataIsForAdminsOnly() {
    String investigator = svc.key("investigator", null);
    assertEquals(403, svc.put("/api/v1/sites", investigator, "application/json", "[]").status());
    assertEquals(400, svc.put("/api/v1/sites", TestService.ADMIN_KEY, "application/json", "[]").status());
    assertEquals(400, svc.put("/api/v1/sites", TestService.ADMIN_KEY, "application/json", "{").status());
  }

  /** Decoding the CSV in a charset Java does not know threw, and the upload was a 500. */
  @Test
  void aCsvInAnUnknownCharsetIsABadRequest() {
    for (String charset : java.util.List.of("foo", "", "x y")) {
      Response r = svc.put("/api/v1/sites", TestService.ADMIN_KEY, "text/csv; charset=" + charset,
          "siteId,name,kind,regionCode,regionName\nPHCS1,unknown charset,PHARMACY,110105,BJ\n");
      assertEquals(400, r.status(), charset + ": " + r.body());
      assertTrue(r.contentType().startsWith("application/problem+json"), charset + ": " + r.contentType());
      assertTrue(r.body().contains("charset"), r.body());
    }
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM sites WHERE site_id = 'PHCS1'"));
  }

  /** An empty CSV body has no buffer at all, and reading its bytes for the UTF-8 check was a 500. */
  @Test
  void anEmptyCsvIsABadRequest() {
    for (String path : java.util.List.of("/api/v1/products", "/api/v1/sites")) {
      Response r = svc.put(path, TestService.ADMIN_KEY, "text/csv", "");
      assertEquals(400, r.status(), path + ": " + r.body());
      assertTrue(r.contentType().startsWith("application/problem+json"), path + ": " + r.contentType());
      assertTrue(r.body().contains("send 1 to 100000 rows"), r.body());
    }
  }
}
