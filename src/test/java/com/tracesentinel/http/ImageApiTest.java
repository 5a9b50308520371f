package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /api/v1/decode and /api/v1/scans/image over real HTTP with the committed photo fixtures. */
@Tag("slow")
class ImageApiTest {
  private static TestService svc;
  private static String scanner;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
    svc.sites("IMG1", "440305", "IMG2", "110105");
    scanner = svc.key("scanner", "IMG1");
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  static byte[] fixture(String name) throws IOException {
    try (InputStream in = ImageApiTest.class.getResourceAsStream("/imaging/" + name)) {
      return in.readAllBytes();
    }
  }

  private static Response decode(byte[] body, String contentType) {
    return svc.send(svc.request("/api/v1/decode", scanner).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  @Test
  void aGs1DataMatrixDecodesToTheSameCanonicalAsTheTypedCode() throws IOException {
    Response r = decode(fixture("dm_gs1.png"), "image/png");
    assertEquals(200, r.status(), r.body());
    JsonObject code = r.json().getJsonArray("codes").getJsonObject(0);
    assertEquals("DATA_MATRIX", code.getString("format"));
    assertTrue(code.getBoolean("gs1"));
    assertTrue(code.getBoolean("valid"));
    assertEquals("(01)06901234567892(21)SN0001", code.getString("canonical"));
    assertTrue(code.getString("text").startsWith("]d2"));
  }

  @Test
  void aPhotoWithoutCodesDecodesToAnEmptyList() throws IOException {
    Response r = decode(fixture("photo_nocode.jpg"), "image/jpeg");
    assertEquals(200, r.status(), r.body());
    assertEquals(0, r.json().getJsonArray("codes").size());
  }

  @Test
  void bytesThatAreNotAnImageAre400AndAWrongContentTypeIs415() {
    Response notImage = decode("hello".getBytes(StandardCharsets.UTF_8), "image/png");
    assertEquals(400, notImage.status(), notImage.body());
    assertTrue(notImage.contentType().startsWith("application/problem+json"));
    assertEquals(415, decode(new byte[] {1, 2, 3}, "text/plain").status());
  }

  @Test
  void aDecompressionBombIsRefusedFromItsHeader() throws IOException {
    Response r = decode(com.tracesentinel.imaging.ImageDecoderLimitsTest.png(100_000, 100_000), "image/png");
    assertEquals(413, r.status(), r.body());
  }

  @Test
  void moreThanEightMebibytesIs413() {
    byte[] big = new byte[9 * 1024 * 1024];
    big[0] = (byte) 0x89;
    Response r = decode(big, "image/png");
    assertEquals(413, r.status());
    // The photo routes' own limit (8 MiB and room for the multipart envelope), not the JSON routes' 1 MiB.
    assertEquals("the body is larger than " + (8 * 1024 * 1024 + 64 * 1024) + " bytes", r.json().getString("detail"));
  }

  @Test
  void everyBoxOnALabelBecomesAScanInReadingOrder() throws IOException {
    JsonObject template = new JsonObject().put("siteId", "IMG1").put("documentNo", "PHOTO-1").put("type", "RECEIVE");
    Response r = multipart(fixture("multi_label.png"), "label.png", "image/png", template);
    assertEquals(200, r.status(), r.body());
    JsonArray decoded = r.json().getJsonArray("decoded");
    JsonArray results = r.json().getJsonArray("results");
    assertEquals(4, decoded.size(), r.body());
    assertEquals("DATA_MATRIX", decoded.getJsonObject(0).getString("format"));
    // The DataMatrix and the Digital Link QR are two symbols of one box: one scan, which both name.
    assertEquals(3, results.size(), r.body());
    assertEquals("(01)06901234567892(21)SN0001", results.getJsonObject(0).getString("canonical"));
    assertEquals(List.of(0, 1, 0, 2), decoded.stream().map(d -> ((JsonObject) d).getInteger("result")).toList());
    assertEquals("REJECTED", results.getJsonObject(2).getString("status"), "a bare GTIN-13 is no box identity");
    assertEquals(2, TestDatabase.count(svc.db(),
        "SELECT count(*) FROM scans WHERE document_no = 'PHOTO-1' AND status <> 'REJECTED'"));
    assertEquals(3, TestDatabase.count(svc.db(),
        "SELECT count(DISTINCT line_no) FROM scans WHERE document_no = 'PHOTO-1'"));
  }

  @Test
  void aBoxPrintedInTwoSymbologiesIsOneScanSoItsReturnRaisesNoAlert() throws IOException {
    // multi_two_dm.jpg: box SN0001 as a DataMatrix and as a GS1-128 below it, box SN0002 as a DataMatrix. Posted
    // once per symbol, the photo of one sale was a DOUBLE_SCAN, and the photo of its return a RETURN_MISMATCH alert
    // (the second return of one box found no open sale).
    byte[] photo = fixture("multi_two_dm.jpg");
    Response sale = multipart(photo, "box.jpg", "image/jpeg",
        new JsonObject().put("siteId", "IMG1").put("documentNo", "PHOTO-SALE"));
    assertEquals(200, sale.status(), sale.body());
    assertEquals(3, sale.json().getJsonArray("decoded").size(), sale.body());
    JsonArray sold = sale.json().getJsonArray("results");
    assertEquals(2, sold.size(), sale.body());
    for (Object o : sold) {
      assertEquals("ACCEPTED", ((JsonObject) o).getString("status"), sale.body());
    }
    Response ret = multipart(photo, "box.jpg", "image/jpeg",
        new JsonObject().put("siteId", "IMG1").put("documentNo", "PHOTO-RETURN").put("type", "RETURN"));
    assertEquals(200, ret.status(), ret.body());
    for (Object o : ret.json().getJsonArray("results")) {
      assertEquals("ACCEPTED", ((JsonObject) o).getString("status"), ret.body());
    }
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies a JOIN scans s ON s.id = a.scan_id"
        + " WHERE s.document_no IN ('PHOTO-SALE', 'PHOTO-RETURN')"));
  }

  /**
   * A photo upload's body past the limit is a 413 however it is framed: sent chunked, a body that the form decoder
   * refused at its first kilobytes (not multipart, or a form field it cannot hold) was a 400 at once, and with its
   * length announced a 413, so a client could not tell that its size was what was wrong.
   */
  @Test
  void aPhotoUploadOverTheLimitIs413AlsoWhenSentChunked() {
    byte[] big = new byte[9 * 1024 * 1024];
    for (String type : List.of("multipart/form-data; boundary=x", "application/x-www-form-urlencoded")) {
      // A body of unknown length goes chunked (Transfer-Encoding: chunked, no Content-Length).
      Response r = svc.send(svc.request("/api/v1/scans/image", scanner).header("Content-Type", type)
          .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build());
      assertEquals(413, r.status(), type + ": " + r.body());
      assertEquals("the body is larger than " + (8 * 1024 * 1024 + 64 * 1024) + " bytes", r.json().getString("detail"));
    }
    // Within the limit, such a body is still the 400 it was.
    Response small = svc.send(svc.request("/api/v1/scans/image", scanner).header("Content-Type",
        "multipart/form-data; boundary=x").POST(HttpRequest.BodyPublishers.ofInputStream(
        () -> new java.io.ByteArrayInputStream(new byte[64 * 1024]))).build());
    assertEquals(400, small.status(), small.body());
  }

  /**
   * Photos hold a decoder slot from their head until answered; the slots are shared by the public's look-ups and
   * every till. One key sending the heads of 18 photos and trickling their bodies held all of them, and every other
   * photo, a member of the public's included, was a 503 "all image decoders are busy" for the 30 s body deadline.
   */
  @Test
  void oneKeyMayHaveTwoPhotosInHandAtOnce() throws Exception {
    String greedy = svc.key("scanner", "IMG2");
    String head = RawHttp.request("POST", "/api/v1/decode", greedy, "Content-Type: image/png\r\n"
        + "Content-Length: 100000\r\n");
    HttpRequest third = svc.request("/api/v1/decode", greedy).header("Content-Type", "image/png")
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024])).build();
    try (StalledUploads slow = new StalledUploads(svc, head, 2)) {
      Response refused = slow.awaitAnswer(third, 429);
      assertTrue(refused.body().contains("2 photos at once"), refused.body());
      assertTrue(refused.retryAfter() != null, "Retry-After");
      Response photoScan = multipartAs(greedy, new Part("scan", null, null, new JsonObject().put("siteId", "IMG2")
          .put("documentNo", "PHOTO-9").encode().getBytes(StandardCharsets.UTF_8)),
          new Part("image", "a.png", "image/png", new byte[1024]));
      assertEquals(429, photoScan.status(), photoScan.body());
      // Another till and the public are not held up by it.
      assertEquals(400, decode(new byte[1024], "image/png").status());
      Response publicPhoto = svc.send(svc.request("/api/v1/verify/image", null).header("Content-Type", "image/png")
          .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024])).build());
      assertEquals(400, publicPhoto.status(), publicPhoto.body());
      slow.releaseOne();
      // Once one of its photos is answered the key may send the next.
      awaitStatus(third, 400);
    }
  }

  private static Response awaitStatus(HttpRequest request, int status) throws InterruptedException {
    Response r = svc.send(request);
    for (int i = 0; i < 100 && r.status() != status; i++) {
      Thread.sleep(50);
      r = svc.send(request);
    }
    assertEquals(status, r.status(), r.body());
    return r;
  }

  @Test
  void aPhotoWithoutACodeIs422ForScans() throws IOException {
    JsonObject template = new JsonObject().put("siteId", "IMG1").put("documentNo", "PHOTO-2");
    Response r = multipart(fixture("photo_nocode.jpg"), "box.jpg", "image/jpeg", template);
    assertEquals(422, r.status(), r.body());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'PHOTO-2'"));
  }

  @Test
  void aScannerCannotPostAPhotoForAnotherSite() throws IOException {
    JsonObject template = new JsonObject().put("siteId", "IMG2").put("documentNo", "PHOTO-3");
    assertEquals(403, multipart(fixture("dm_gs1.png"), "a.png", "image/png", template).status());
  }

  /** Compared as sent, a scan part without its siteId was a 403 and one with it padded (trimmed when stored) too. */
  @Test
  void aScanPartIsCheckedAsAScanBeforeItsSiteAndItsPhoto() throws IOException {
    byte[] photo = fixture("dm_gs1.png");
    Response noSite = withPhoto(photo, "{\"documentNo\":\"PHOTO-12\"}");
    assertEquals(400, noSite.status(), noSite.body());
    assertEquals("scan.siteId: is required", noSite.json().getString("detail"));
    // a wrong field was found only once the photo was read: a photo without a code was a 422 for it
    Response wrongType = withPhoto(fixture("photo_nocode.jpg"),
        "{\"siteId\":\"IMG1\",\"documentNo\":\"PHOTO-12\",\"type\":\"SOLD\"}");
    assertEquals(400, wrongType.status(), wrongType.body());
    assertEquals("scan.type: must be one of SALE, RETURN, RECEIVE, DESTROY", wrongType.json().getString("detail"));
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'PHOTO-12'"));
    Response padded = withPhoto(photo, "{\"siteId\":\" IMG1 \",\"documentNo\":\"PHOTO-13\"}");
    assertEquals(200, padded.status(), "POST /api/v1/scans trims the site id as well: " + padded.body());
    assertEquals(1, TestDatabase.count(svc.db(),
        "SELECT count(*) FROM scans WHERE document_no = 'PHOTO-13' AND site_id = 'IMG1'"));
  }

  @Test
  void twoPhotosOrTwoScansInOneUploadAre400AndStoreNothing() throws IOException {
    byte[] photo = fixture("dm_gs1.png");
    byte[] scan = new JsonObject().put("siteId", "IMG1").put("documentNo", "PHOTO-4").encode()
        .getBytes(StandardCharsets.UTF_8);
    byte[] other = new JsonObject().put("siteId", "IMG1").put("documentNo", "PHOTO-5").encode()
        .getBytes(StandardCharsets.UTF_8);
    Response twoPhotos = multipart(new Part("scan", null, null, scan), new Part("image", "a.png", "image/png", photo),
        new Part("image", "b.jpg", "image/jpeg", fixture("photo_nocode.jpg")));
    assertEquals(400, twoPhotos.status(), twoPhotos.body());
    assertEquals("image: give one part, not 2", twoPhotos.json().getString("detail"));
    Response twoScans = multipart(new Part("scan", null, null, scan), new Part("scan", null, null, other),
        new Part("image", "a.png", "image/png", photo));
    assertEquals(400, twoScans.status(), twoScans.body());
    assertEquals("scan: give one part, not 2", twoScans.json().getString("detail"));
    Response fileAndText = multipart(new Part("scan", null, null, scan),
        new Part("scan", "scan.json", "application/json", other), new Part("image", "a.png", "image/png", photo));
    assertEquals(400, fileAndText.status(), fileAndText.body());
    assertEquals(0, TestDatabase.count(svc.db(),
        "SELECT count(*) FROM scans WHERE document_no IN ('PHOTO-4', 'PHOTO-5')"));
  }

  /** curl's -F 'image=<photo.png' sends the photo without a file name: it was told the part was missing. */
  @Test
  void aPhotoSentWithoutAFileNameIsToldToSendItAsAFile() throws IOException {
    byte[] scan = new JsonObject().put("siteId", "IMG1").put("documentNo", "PHOTO-8").encode()
        .getBytes(StandardCharsets.UTF_8);
    Response r = multipart(new Part("scan", null, null, scan), new Part("image", null, null, fixture("dm_gs1.png")));
    assertEquals(400, r.status(), r.body());
    assertTrue(r.json().getString("detail").startsWith("image: the part has no file name"), r.body());
    // A photo past the 8 KiB a text part may hold, as every camera's is: the form itself breaks on it.
    Response large = multipart(new Part("scan", null, null, scan),
        new Part("image", null, null, fixture("code128_rot10.png")));
    assertEquals(400, large.status(), large.body());
    assertTrue(large.json().getString("detail").contains("curl -F image=@photo.png"), large.body());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'PHOTO-8'"));
  }

  /**
   * The form decoder looks for the boundary in the charset a part is labelled with, and a UTF-16 one is never found:
   * a file part so labelled never ended, and the upload went unanswered until the 60 s idle timeout closed the
   * connection, its decoder slot held all along; a text part took in the photo after it and was "longer than 8 KiB".
   */
  @Test
  void aPartLabelledWithACharsetThatIsNotAsciiIsToldSo() throws Exception {
    byte[] scan = new JsonObject().put("siteId", "IMG1").put("documentNo", "PHOTO-15").encode()
        .getBytes(StandardCharsets.UTF_16);
    long start = System.nanoTime();
    Response file = multipart(new Part("scan", "scan.json", "application/json; charset=UTF-16", scan),
        new Part("image", "a.png", "image/png", fixture("dm_gs1.png")));
    assertEquals(400, file.status(), file.body());
    assertTrue(file.json().getString("detail").contains("UTF-16"), file.body());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "answered by the idle timeout");
    java.nio.file.Path uploads = svc.dataDir().resolve("uploads");
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (uploads.toFile().list().length > 0 && System.nanoTime() < until) {
      Thread.sleep(100);
    }
    assertEquals(List.of(), List.of(uploads.toFile().list()), "the unended upload's file was left behind");
    Response text = multipart(new Part("scan", null, "text/plain; charset=UTF-16LE", scan),
        new Part("image", "a.png", "image/png", fixture("code128_rot10.png")));
    assertEquals(400, text.status(), text.body());
    assertTrue(text.json().getString("detail").contains("UTF-16"), text.body());
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'PHOTO-15'"));
  }

  @Test
  void aScanPartIsReadAsAScanObjectIs() throws IOException {
    byte[] photo = fixture("dm_gs1.png");
    // Another site's id first, the key's own last: the last value passed the site check and was stored.
    byte[] twice = "{\"siteId\":\"IMG2\",\"siteId\":\"IMG1\",\"documentNo\":\"PHOTO-6\"}"
        .getBytes(StandardCharsets.UTF_8);
    Response r = multipart(new Part("scan", null, null, twice), new Part("image", "a.png", "image/png", photo));
    assertEquals(400, r.status(), r.body());
    assertEquals("scan.siteId: is given twice", r.json().getString("detail"));
    // An overlong "/" (C0 AF) in the document number, as a file part and as a text part.
    ByteArrayOutputStream bad = new ByteArrayOutputStream();
    bad.write("{\"siteId\":\"IMG1\",\"documentNo\":\"PHOTO-7".getBytes(StandardCharsets.UTF_8));
    bad.write(new byte[] {(byte) 0xC0, (byte) 0xAF});
    bad.write("\"}".getBytes(StandardCharsets.UTF_8));
    for (String filename : new String[] {"scan.json", null}) {
      Response u = multipart(new Part("scan", filename, filename == null ? null : "application/json",
          bad.toByteArray()), new Part("image", "a.png", "image/png", photo));
      assertEquals(400, u.status(), u.body());
      assertEquals("scan: is not well-formed UTF-8", u.json().getString("detail"));
    }
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'PHOTO-6' OR document_no LIKE 'PHOTO-7%'"));
    // "scanned_at" was an unknown field, ignored: a back-dated photo upload was judged as of now
    Response misspelt = withPhoto(photo, "{\"siteId\":\"IMG1\",\"documentNo\":\"PHOTO-10\","
        + "\"scanned_at\":\"2026-11-22T10:15:30+08:00\"}");
    assertEquals(400, misspelt.status(), misspelt.body());
    assertEquals("scan.scanned_at: did you mean scannedAt?", misspelt.json().getString("detail"));
    assertEquals(0, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'PHOTO-10'"));
    Response extra = withPhoto(photo, "{\"siteId\":\"IMG1\",\"documentNo\":\"PHOTO-11\",\"note\":\"till 2\","
        + "\"cashier\":{\"id\":7}}");
    assertEquals(200, extra.status(), "an unknown field is ignored: " + extra.body());
  }

  /** POST /api/v1/scans skips a byte order mark, as Windows tools write one: a scan part was "not a JSON object". */
  @Test
  void aScanPartSavedWithAByteOrderMarkIsReadAsPostScansReadsIt() throws IOException {
    byte[] scan = ("\uFEFF" + new JsonObject().put("siteId", "IMG1").put("documentNo", "PHOTO-14").encode())
        .getBytes(StandardCharsets.UTF_8);
    for (String filename : new String[] {"scan.json", null}) {
      Response r = multipart(new Part("scan", filename, filename == null ? null : "application/json", scan),
          new Part("image", "a.png", "image/png", fixture("dm_gs1.png")));
      assertEquals(200, r.status(), r.body());
    }
    assertEquals(1, TestDatabase.count(svc.db(), "SELECT count(*) FROM scans WHERE document_no = 'PHOTO-14'"));
  }

  private static Response withPhoto(byte[] photo, String scan) throws IOException {
    return multipart(new Part("scan", null, null, scan.getBytes(StandardCharsets.UTF_8)),
        new Part("image", "a.png", "image/png", photo));
  }

  @Test
  void aFormThatBreaksAfterThePhotoIsTheClientsFailureNotAnError() throws IOException, InterruptedException {
    try (var log = com.tracesentinel.support.LogCapture.withDebug(ApiServer.class)) {
      // A text part past Vert.x's 8 KiB after the photo: the photo's file pipe closed after the 400 was sent, and
      // that second failure was logged as an unexpected error.
      byte[] scan = new JsonObject().put("siteId", "IMG1").put("documentNo", "PHOTO-8").put("pad", "x".repeat(9000))
          .encode().getBytes(StandardCharsets.UTF_8);
      Response r = multipart(new Part("image", "a.png", "image/png", fixture("dm_gs1.png")),
          new Part("scan", null, null, scan));
      assertEquals(400, r.status(), r.body());
      // Waits for the second failure itself (its DEBUG line). It does not come in every run (about one in five here the
      // photo's file was closed before the form failed), so the wait is bounded: such a run checks the first failure
      // only, and the runs in which it comes check that it is no warning.
      long until = System.nanoTime() + 3_000_000_000L;
      while (System.nanoTime() < until && log.lines().stream()
          .noneMatch(l -> l.startsWith("After its 400 answer, POST /api/v1/scans/image "))) {
        Thread.sleep(20);
      }
      assertEquals(List.of(), log.warnings());
    }
  }

  /**
   * Uploads reset (RST) 10 ms after their head and 200 KB, three from each of five addresses: on io_uring the reset
   * went unnoticed on most of them, and each such address's photos in hand (and the public's decoder slots) stayed
   * taken until the 30 s body deadline, every photo from it a 429.
   */
  @Test
  void anUploadItsClientResetsGivesBackItsPhotoInHandAndItsDecoderSlot() throws Exception {
    String head = "POST /api/v1/verify/image HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\n"
        + "Content-Length: " + 5 * 1024 * 1024 + "\r\n\r\n";
    List<java.net.Socket> uploads = new java.util.ArrayList<>();
    for (int address = 2; address < 7; address++) {
      for (int i = 0; i < 3; i++) {
        java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), svc.port(),
            java.net.InetAddress.getByName("127.0.77." + address), 0);
        s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().write(new byte[200 * 1024]);
        uploads.add(s);
      }
    }
    Thread.sleep(10); // the resets then come while the service is still taking most uploads' first bytes
    for (java.net.Socket s : uploads) {
      s.setSoLinger(true, 0);
      s.close();
    }
    // Well within the 30 s body deadline, after which the service would have freed them anyway.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (int address = 2; address < 7; address++) {
      String status;
      while (!(status = tinyPhotoFrom("127.0.77." + address)).contains(" 400 ") && System.nanoTime() < deadline) {
        Thread.sleep(500);
      }
      assertTrue(status.contains(" 400 "), "127.0.77." + address + " still refused: " + status);
    }
  }

  /** The status line of a 4-byte photo sent from the address: 400 (not an image) once it may send one. */
  private static String tinyPhotoFrom(String address) throws IOException {
    try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), svc.port(),
        java.net.InetAddress.getByName(address), 0)) {
      s.setSoTimeout(15_000);
      s.getOutputStream().write(("POST /api/v1/verify/image HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\n"
          + "Content-Length: 4\r\nConnection: close\r\n\r\nabcd").getBytes(StandardCharsets.US_ASCII));
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      return answer.substring(0, Math.max(0, answer.indexOf("\r\n")));
    }
  }

  /** One multipart part: a file part when it has a file name. */
  private record Part(String name, String filename, String type, byte[] content) {}

  private static Response multipart(byte[] image, String filename, String type, JsonObject scan) throws IOException {
    return multipart(new Part("scan", null, null, scan.encode().getBytes(StandardCharsets.UTF_8)),
        new Part("image", filename, type, image));
  }

  private static Response multipart(Part... parts) throws IOException {
    return multipartAs(scanner, parts);
  }

  private static Response multipartAs(String key, Part... parts) throws IOException {
    String boundary = "----tracesentinel" + System.nanoTime();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (Part p : parts) {
      body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.name() + "\""
          + (p.filename() == null ? "" : "; filename=\"" + p.filename() + "\"")
          + (p.type() == null ? "" : "\r\nContent-Type: " + p.type()) + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      body.write(p.content());
      body.write("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return svc.send(svc.request("/api/v1/scans/image", key)
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
  }
}
