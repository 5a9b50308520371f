package com.tracesentinel.auth;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.tracesentinel.support.TestService;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The admin key a fresh install generates comes with its id: no answer ever named it, so that key, the one every
 * install starts with, could not be revoked through {@code DELETE /api/v1/keys/{id}}.
 */
@Tag("slow")
class GeneratedAdminKeyTest {
  @Test
  void theGeneratedAdminKeyCanBeRevokedByItsId() throws Exception {
    try (TestService svc = TestService.start(Map.of("TRACESENTINEL_ADMIN_KEY", ""))) {
      ApiKeys.IssuedKey generated = svc.app().generatedAdminKey();
      assertNotNull(generated, "a fresh install without TRACESENTINEL_ADMIN_KEY generates an admin key");
      assertEquals(200, svc.get("/api/v1/anomalies", generated.key()).status());
      assertEquals(204, svc.delete("/api/v1/keys/" + generated.id(), generated.key()).status());
      assertEquals(401, svc.get("/api/v1/anomalies", generated.key()).status());
    }
  }
}
