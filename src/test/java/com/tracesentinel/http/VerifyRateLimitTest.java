package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import com.tracesentinel.limits.ClientAddress;
import com.tracesentinel.limits.LookupLimiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The per-client limit of /api/v1/verify*: 429 with Retry-After past the configured rate, X-Forwarded-For believed
 * only behind a trusted proxy, IPv6 limited per /64, and a bounded memory however many addresses arrive.
 */
@Tag("slow")
class VerifyRateLimitTest {
  private static final String CODE = "/api/v1/verify/81234567890123456789";
  /**
   * One more every 30 s: the checks that a client is limited run within that. At 5 a minute (one every 12 s), a box
   * slow enough to take 12 s over the requests before such a check refilled a token, and the check saw a 200.
   */
  private static final int PER_MINUTE = 2;

  private static Response get(TestService svc, String path, String forwardedFor) {
    HttpRequest.Builder b = svc.request(path, null).GET();
    if (forwardedFor != null) {
      b.header("X-Forwarded-For", forwardedFor);
    }
    return svc.send(b.build());
  }

  private static void assertLimited(Response r) {
    assertEquals(429, r.status(), r.body());
    assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
    assertNotNull(r.retryAfter(), "Retry-After");
    int seconds = Integer.parseInt(r.retryAfter());
    // refilled smoothly
    assertTrue(seconds >= 1 && seconds <= 60 / PER_MINUTE, r.retryAfter());
  }

  @Test
  void pastTheLimitEveryVerifyRouteIs429WithRetryAfterAndForwardedForIsIgnoredByDefault() throws Exception {
    try (TestService svc = TestService.start(Map.of("TRACESENTINEL_LOOKUPS_PER_MINUTE",
        Integer.toString(PER_MINUTE)))) {
      for (int i = 0; i < PER_MINUTE; i++) {
        assertEquals(200, get(svc, CODE, null).status());
      }
      assertLimited(get(svc, CODE, null));
      assertLimited(get(svc, "/api/v1/verify?code=81234567890123456789", null));
      // A client cannot make itself new by inventing an address when no proxy is trusted.
      assertLimited(get(svc, CODE, "198.51.100.77"));
      // The photo route is limited before its body is read.
      assertLimited(svc.send(svc.request("/api/v1/verify/image", null).header("Content-Type", "image/png")
          .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024])).build()));
      // The page itself and the rest of the API are not the look-up's business.
      assertEquals(200, get(svc, "/verify", null).status());
      assertEquals(200, get(svc, "/verify/", null).status());
      double limited = svc.app().services().prometheus().find("tracesentinel.lookups.limited").counter().count();
      assertTrue(limited >= 4, "limited " + limited);
    }
  }

  @Test
  void behindATrustedProxyEachForwardedClientHasItsOwnBucketAndMemoryStaysBounded() throws Exception {
    try (TestService svc = TestService.start(Map.of("TRACESENTINEL_LOOKUPS_PER_MINUTE",
        Integer.toString(PER_MINUTE), "TRACESENTINEL_TRUST_PROXY", "true"))) {
      for (int i = 0; i < PER_MINUTE; i++) {
        assertEquals(200, get(svc, CODE, "198.51.100.1").status());
      }
      assertLimited(get(svc, CODE, "198.51.100.1"));
      assertEquals(200, get(svc, CODE, "198.51.100.2").status());
      // The proxy appends the address it saw: a client-written entry before it changes nothing, nor does a
      // client-written line before the proxy's own, nor a port after the address.
      assertLimited(get(svc, CODE, "203.0.113.9, 198.51.100.1"));
      assertLimited(svc.send(svc.request(CODE, null).GET().header("X-Forwarded-For", "203.0.113.10")
          .header("X-Forwarded-For", "198.51.100.1").build()));
      assertLimited(get(svc, CODE, "198.51.100.1:40001"));
      // One IPv6 subscriber (/64) is one client however it rotates its addresses.
      for (int i = 0; i < PER_MINUTE; i++) {
        assertEquals(200, get(svc, CODE, "2001:db8:1:2::" + Integer.toHexString(i + 1)).status());
      }
      assertLimited(get(svc, CODE, "2001:db8:1:2:ffff:1:2:3"));
      assertEquals(200, get(svc, CODE, "2001:db8:1:3::1").status());

      LookupLimiter limiter = VerifyRoutes.shared(svc.app().vertx(), svc.app().services()).limiter;
      long before = limiter.size();
      for (int i = 0; i < 2_000; i++) {
        Response r = get(svc, CODE, "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
        assertEquals(200, r.status());
      }
      assertTrue(limiter.size() >= before + 1_000, before + " -> " + limiter.size());
      // A flood of addresses far past the bound (driven straight at the service's limiter: a quarter of a
      // million HTTP requests would only slow the build) leaves it at its bound.
      for (int i = 0; i < 250_000; i++) {
        limiter.tryAcquire("fake-" + i);
      }
      assertTrue(limiter.size() <= LookupLimiter.MAX_CLIENTS, limiter.size() + " > " + LookupLimiter.MAX_CLIENTS);
      assertEquals(200, get(svc, CODE, "198.51.100.3").status());
    }
  }

  /** Photos whose bodies trickle in hold decoder slots: one address may hold two, not all of them. */
  @Test
  void oneAddressMayHaveTwoPhotosInHandAtOnce() throws Exception {
    try (TestService svc = TestService.start(Map.of("TRACESENTINEL_LOOKUPS_PER_MINUTE", "1000",
        "TRACESENTINEL_TRUST_PROXY", "true"))) {
      String head = RawHttp.request("POST", "/api/v1/verify/image", null, "Content-Type: image/png\r\n"
          + "Content-Length: 100000\r\nX-Forwarded-For: 198.51.100.5\r\n");
      HttpRequest third = svc.request("/api/v1/verify/image", null).header("Content-Type", "image/png")
          .header("X-Forwarded-For", "198.51.100.5").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024]))
          .build();
      try (StalledUploads slow = new StalledUploads(svc, head, 2)) {
        Response refused = slow.awaitAnswer(third, 429);
        assertTrue(refused.body().contains("2 photos at once"), refused.body());
        assertNotNull(refused.retryAfter());
        Response other = svc.send(svc.request("/api/v1/verify/image", null).header("Content-Type", "image/png")
            .header("X-Forwarded-For", "198.51.100.6").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024]))
            .build());
        assertTrue(other.status() != 429 && other.status() < 500, other.status() + " " + other.body());
        slow.releaseOne();
        // Once one of its photos is gone the address may send the next.
        Response next = awaitStatus(svc, third, 400);
        assertTrue(next.body().contains("image"), next.body());
      }
    }
  }

  /**
   * A public photo takes a decoder slot once its body is whole: taken at its head, five addresses trickling two bodies
   * each held all nine slots for the 30 s body deadline, and every other photo of the public was a 503, again and
   * again. The tills' photos have decoders of their own.
   */
  @Test
  void photosWhoseBodiesTrickleInHoldNoDecoderSlot() throws Exception {
    try (TestService svc = TestService.start(Map.of("TRACESENTINEL_LOOKUPS_PER_MINUTE", "1000",
        "TRACESENTINEL_TRUST_PROXY", "true"))) {
      svc.sites("TILL1", "440305");
      String till = svc.key("scanner", "TILL1");
      java.util.List<StalledUploads> held = new java.util.ArrayList<>();
      try {
        for (int address = 21; address <= 25; address++) {
          StalledUploads slow = new StalledUploads(svc, photoHead("198.51.100." + address, 100_000), 2);
          held.add(slow);
          // a third photo is refused for its address once both are in hand
          slow.awaitAnswer(tinyPhoto(svc, "198.51.100." + address), 429);
        }
        Response other = svc.send(tinyPhoto(svc, "198.51.100.99"));
        assertEquals(400, other.status(), "read by a decoder (and found not to be an image): " + other.body());

        Response tills = svc.send(svc.request("/api/v1/decode", till).header("Content-Type", "image/png")
            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024])).build());
        assertEquals(400, tills.status(), tills.body());
      } finally {
        for (StalledUploads s : held) {
          s.close();
        }
      }
    }
  }

  /**
   * Photos whose bodies trickle in hold only the bytes they sent: charged with their announced length from their
   * heads, uploads announcing the largest photo and sending next to nothing took the whole share of the heap, and
   * every other photo was a 503.
   */
  @Test
  void photosWhoseBodiesTrickleInHoldOnlyTheBytesTheySent() throws Exception {
    // no least rate and no body deadline within the test: the trickling uploads stay held throughout
    try (TestService svc = TestService.start(Map.of("TRACESENTINEL_LOOKUPS_PER_MINUTE", "1000",
        "TRACESENTINEL_TRUST_PROXY", "true", "TRACESENTINEL_PHOTO_MIN_KIB_PER_SECOND", "0",
        "TRACESENTINEL_HTTP_BODY_SECONDS", "3600"))) {
      long limit = svc.app().services().imageDecoder().settings().maxBytes() + 64 * 1024;
      int fit = (int) (BodyBudget.PUBLIC_PHOTOS / limit);
      java.util.List<StalledUploads> held = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < fit; i += 2) {
          held.add(new StalledUploads(svc, photoHead("198.51.101." + i / 2, limit), Math.min(2, fit - i)));
        }
        // more than is left of the share beside the stalled uploads' announced lengths
        HttpRequest photo = svc.request("/api/v1/verify/image", null).header("Content-Type", "image/png")
            .header("X-Forwarded-For", "198.51.100.98")
            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[(int) (BodyBudget.PUBLIC_PHOTOS - fit * limit
                + 1024)])).build();
        Response read = held.get(held.size() - 1).awaitAnswer(() -> {
          held.forEach(s -> {
            try {
              s.restartAnswered();
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
          return svc.send(photo);
        }, 400);
        assertTrue(read.body().contains("image"), "read by a decoder (and found not to be an image): " + read.body());
      } finally {
        for (StalledUploads s : held) {
          s.close();
        }
      }
    }
  }

  /**
   * The bytes the public's photos have sent are bounded by a sixteenth of the heap: a body that takes them past it is
   * a 503 as it arrives, and while they are held a photo whose announced length does not fit is one at its head.
   */
  @Test
  void thePublicsPhotosInHandTakeAtMostASixteenthOfTheHeap() throws Exception {
    try (TestService svc = TestService.start(Map.of("TRACESENTINEL_LOOKUPS_PER_MINUTE", "1000",
        "TRACESENTINEL_TRUST_PROXY", "true"))) {
      long limit = svc.app().services().imageDecoder().settings().maxBytes() + 64 * 1024;
      int over = (int) (BodyBudget.PUBLIC_PHOTOS / limit) + 1;
      byte[] body = new byte[(int) limit - 1];
      java.util.List<RawHttp> uploads = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < over; i++) {
          RawHttp upload = new RawHttp(svc.port());
          uploads.add(upload);
          upload.send(photoHead("198.51.102." + i / 2, limit));
        }
        // every head fits while nothing is sent; their bodies, all but their last byte, do not
        for (RawHttp upload : uploads) {
          upload.send(body);
        }
        RawHttp refused = null;
        for (int i = 0; i < 200 && refused == null; i++) {
          for (RawHttp upload : uploads) {
            if (refused == null && upload.answered()) {
              refused = upload;
            }
          }
          Thread.sleep(50);
        }
        assertNotNull(refused, "the upload whose bytes passed the share is answered");
        RawHttp.Reply r = refused.read();
        assertEquals(503, r.status(), r.body());
        assertTrue(r.body().contains("too many of the public's photos are being received"), r.body());
        assertEquals("2", r.header("Retry-After"));
        // the others hold all but their last byte; a photo announcing more than is left beside them is refused
        HttpRequest photo = svc.request("/api/v1/verify/image", null).header("Content-Type", "image/png")
            .header("X-Forwarded-For", "198.51.100.97").POST(HttpRequest.BodyPublishers.ofByteArray(
                new byte[(int) (BodyBudget.PUBLIC_PHOTOS - (over - 1) * limit + 256 * 1024)])).build();
        Response head = awaitStatus(svc, photo, 503);
        assertTrue(head.body().contains("too many of the public's photos are being received"), head.body());
      } finally {
        for (RawHttp upload : uploads) {
          upload.close();
        }
      }
    }
  }

  /**
   * A photo's body must come at 32 KiB/s at least, on average from its head once 3 s have passed: its bytes in hand
   * are reserved from its head, and a body sent a byte a second kept them for the 30 s body deadline.
   */
  @Test
  void aPhotoWhoseBodyTricklesBelowTheLeastRateIsA408() throws Exception {
    // read before the 30 s deadline (the socket gives up after 15 s): the least rate refused it
    assertTrickleRefused(Map.of(), "slower than 32 KiB/s");
  }

  /** The least rate and its grace are settings: a photo network slower than 32 KiB/s may lower the rate. */
  @Test
  void theLeastRateOfAPhotoIsASetting() throws Exception {
    assertTrickleRefused(Map.of("TRACESENTINEL_PHOTO_MIN_KIB_PER_SECOND", "64",
        "TRACESENTINEL_PHOTO_RATE_GRACE_SECONDS", "1"), "slower than 64 KiB/s");
  }

  private static void assertTrickleRefused(Map<String, String> env, String detail) throws Exception {
    try (TestService svc = TestService.start(env);
         RawHttp upload = new RawHttp(svc.port())) {
      upload.send(photoHead(null, 100_000));
      upload.send(new byte[100]);
      RawHttp.Reply r = upload.read();
      assertEquals(408, r.status(), r.body());
      assertTrue(r.body().contains(detail), r.body());
    }
  }

  /** A photo past the limit is refused by the body handler, before any decoder slot: still counted as too large. */
  @Test
  void aPhotoPastTheLimitCountsAsTooLarge() throws Exception {
    try (TestService svc = TestService.start(Map.of())) {
      io.micrometer.core.instrument.Counter tooLarge = svc.app().services().prometheus()
          .find("tracesentinel.decode.refused").tag("reason", "TOO_LARGE_BYTES").counter();
      double before = tooLarge.count();
      Response r = svc.send(svc.request("/api/v1/verify/image", null).header("Content-Type", "image/png")
          .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[9 * 1024 * 1024])).build());
      assertEquals(413, r.status(), r.body());
      assertEquals(before + 1, tooLarge.count());
    }
  }

  private static String photoHead(String forwardedFor, long length) {
    return RawHttp.request("POST", "/api/v1/verify/image", null, "Content-Type: image/png\r\nContent-Length: "
        + length + "\r\n" + (forwardedFor == null ? "" : "X-Forwarded-For: " + forwardedFor + "\r\n"));
  }

  private static HttpRequest tinyPhoto(TestService svc, String forwardedFor) {
    return svc.request("/api/v1/verify/image", null).header("Content-Type", "image/png")
        .header("X-Forwarded-For", forwardedFor).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024]))
        .build();
  }

  private static Response awaitStatus(TestService svc, HttpRequest request, int status) throws InterruptedException {
    Response r = svc.send(request);
    for (int i = 0; i < 100 && r.status() != status; i++) {
      Thread.sleep(50);
      r = svc.send(request);
    }
    assertEquals(status, r.status(), r.body());
    return r;
  }

  @Test
  void aSmallLimiterHoldsItsBoundUnderOneHundredThousandAddresses() {
    LookupLimiter limiter = new LookupLimiter(60, 1_000);
    for (int i = 0; i < 100_000; i++) {
      assertEquals(0, limiter.tryAcquire("192.0." + (i >> 8 & 255) + "." + (i & 255) + "#" + i));
      if (i % 10_000 == 0) {
        assertTrue(limiter.size() <= 1_000, "size " + limiter.size());
      }
    }
    assertTrue(limiter.size() <= 1_000, "size " + limiter.size());
    for (int i = 0; i < 60; i++) {
      assertEquals(0, limiter.tryAcquire("one"));
    }
    assertTrue(limiter.tryAcquire("one") >= 1);
  }

  @Test
  void ipv6AddressesAreKeyedByTheirSlash64() {
    assertEquals("2001:db8:0:1::", ClientAddress.clientKey("2001:db8::1:0:0:0:5"));
    assertEquals("2001:db8:0:1::", ClientAddress.clientKey("2001:0DB8:0000:0001:aaaa:bbbb:cccc:dddd"));
    assertEquals("2001:db8:0:1::", ClientAddress.clientKey("[2001:db8:0:1::7]"));
    assertEquals("fe80:0:0:0::", ClientAddress.clientKey("fe80::1%eth0"));
    assertEquals("192.0.2.1", ClientAddress.clientKey("::ffff:192.0.2.1"));
    assertEquals("192.0.2.1", ClientAddress.clientKey("[::ffff:192.0.2.1]"));
    assertEquals("0:0:0:0::", ClientAddress.clientKey("::1"));
    assertEquals("192.0.2.1", ClientAddress.clientKey("192.0.2.1"));
    assertEquals("1:2:3", ClientAddress.clientKey("1:2:3"));
    assertEquals("1::2::3", ClientAddress.clientKey("1::2::3"));
    assertEquals("xyz:1::", ClientAddress.clientKey("xyz:1::"));
    assertEquals("not:an:address", ClientAddress.clientKey("not:an:address"));
    // A port after the address is not part of the client.
    assertEquals("192.0.2.1", ClientAddress.clientKey("192.0.2.1:40001"));
    assertEquals("2001:db8:0:1::", ClientAddress.clientKey("[2001:db8:0:1::7]:443"));
    assertEquals("192.0.2.1", ClientAddress.clientKey("[::ffff:192.0.2.1]:443"));
    // IPv4-mapped in hex, as some dual-stack proxies write it: each IPv4 client, not one /64 for all of them
    assertEquals("192.0.2.1", ClientAddress.clientKey("::ffff:c000:201"));
    assertEquals("198.51.100.255", ClientAddress.clientKey("[0:0:0:0:0:FFFF:C633:64FF]:443"));
    assertEquals("-1::", ClientAddress.clientKey("-1::"));
  }

  @Test
  void theProxysEntryIsTheLastOfTheLastForwardedForLine() {
    assertEquals("10.0.0.2", ClientAddress.lastForwarded(java.util.List.of("9.9.8.1", "10.0.0.2")));
    assertEquals("10.0.0.2", ClientAddress.lastForwarded(java.util.List.of("9.9.8.1, 10.0.0.2")));
    assertNull(ClientAddress.lastForwarded(java.util.List.of("10.0.0.2", " ")), "a blank last entry names no one");
    assertNull(ClientAddress.lastForwarded(java.util.List.of()));
    assertEquals(64, ClientAddress.clientKey("x".repeat(1_000)).length());
  }
}
