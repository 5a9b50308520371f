package com.tracesentinel.auth;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tracesentinel.support.TestService;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A revoked key is refused by every request that starts after {@code DELETE /api/v1/keys/{id}} answered 204, even
 * when look-ups of that key were still on their way back from PostgreSQL while it was revoked (such a look-up used
 * to put the key back into the cache the revocation had just cleared: a quarter of the rounds failed).
 */
@Tag("slow")
class KeyRevocationRaceTest {
  private static final int ROUNDS = 40;
  private static final int IN_FLIGHT = 8;
  private static final int AFTER = 4;

  @Test
  void noRequestStartedAfterTheRevocationIsLetThrough() throws Exception {
    // 320 revoked keys from one address: past its unknown keys a minute, the refusals would be 429s
    try (TestService svc = TestService.start(java.util.Map.of("TRACESENTINEL_UNKNOWN_KEYS_PER_MINUTE", "0"))) {
      // HTTP/1.1: a connection per concurrent request, so the look-ups really overlap
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
      List<String> letThrough = new ArrayList<>();
      for (int round = 0; round < ROUNDS; round++) {
        JsonObject created = svc.post("/api/v1/keys", TestService.ADMIN_KEY,
            new JsonObject().put("role", "investigator")).json();
        String key = created.getString("key");
        // look-ups of the new key, all missing the cache, racing the revocation
        List<CompletableFuture<HttpResponse<Void>>> racing = new ArrayList<>();
        for (int i = 0; i < IN_FLIGHT; i++) {
          racing.add(http.sendAsync(request(svc, key), HttpResponse.BodyHandlers.discarding()));
        }
        HttpResponse<Void> revoked = http.send(svc.request("/api/v1/keys/" + created.getString("id"),
            TestService.ADMIN_KEY).DELETE().build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(204, revoked.statusCode());
        List<Integer> after = new ArrayList<>();
        for (int i = 0; i < AFTER; i++) {
          after.add(http.send(request(svc, key), HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        // and once every racing look-up has come back (and could have refilled the cache)
        CompletableFuture.allOf(racing.toArray(CompletableFuture[]::new)).join();
        for (int i = 0; i < AFTER; i++) {
          after.add(http.send(request(svc, key), HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        if (after.stream().anyMatch(status -> status != 401)) {
          letThrough.add("round " + round + ": " + after);
        }
      }
      assertEquals(List.of(), letThrough, "requests after the 204 that were not refused");
    }
  }

  /** A request that needs the key and nothing else: an invalid code is a 400 once the key is accepted. */
  private static HttpRequest request(TestService svc, String key) {
    return svc.request("/api/v1/codes/1/events", key).GET().build();
  }
}
