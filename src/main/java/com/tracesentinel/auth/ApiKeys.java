package com.tracesentinel.auth;

import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Issues, checks and revokes API keys. Keys are 32 random bytes (base64url, prefixed {@code ts_}); only their
 * SHA-256 is stored. Checked keys are cached in memory, bounded; a revocation drops its entry at once, and no
 * look-up that was already under way when a key was revoked may put it back: every request that starts after
 * {@link #revoke} completed is refused.
 */
public final class ApiKeys {
  private static final int CACHE_LIMIT = 100_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyStore repository;
  private final byte[] bootstrapAdminHash;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();
  /** How long a checked key is trusted without asking the database again (Long.MAX_VALUE: until revoked here). */
  private final long maxAgeNanos;

  private record Cached(Principal principal, long at) {}
  /**
   * Revocations so far. A look-up caches its answer only if no revocation completed while it ran (it may have read
   * the key as live just before the revocation's UPDATE committed); the check and the put hold {@link #cacheLock},
   * as does a revocation's count and removal, so the two can never interleave.
   */
  private long revocations;
  private final Object cacheLock = new Object();

  /** @param bootstrapAdminKey TRACESENTINEL_ADMIN_KEY, or null */
  public ApiKeys(KeyStore repository, String bootstrapAdminKey) {
    this(repository, bootstrapAdminKey, null);
  }

  /**
   * @param maxAge how long a checked key stays cached, or null for as long as this instance does not revoke it: in a
   *               cluster another node may revoke it, and this node hears of it when the entry ages out
   */
  public ApiKeys(KeyStore repository, String bootstrapAdminKey, java.time.Duration maxAge) {
    this.maxAgeNanos = maxAge == null ? Long.MAX_VALUE : maxAge.toNanos();
    this.repository = repository;
    this.bootstrapAdminHash = bootstrapAdminKey == null ? null : hash(bootstrapAdminKey);
  }

  public record IssuedKey(String id, String key) {}

  public Future<IssuedKey> issue(Role role, String siteId, String label) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String key = "ts_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    UUID id = UUID.randomUUID();
    return repository.insert(id, hash(key), role, siteId, label).map(v -> new IssuedKey(id.toString(), key));
  }

  /**
   * The caller behind a bearer token when that is known without asking the database (the bootstrap key, a key
   * checked lately), else null: the key may still be live.
   */
  public Principal cached(String token) {
    if (token == null || token.isBlank() || token.length() > 200) {
      return null;
    }
    byte[] h = hash(token.trim());
    if (bootstrapAdminHash != null && MessageDigest.isEqual(h, bootstrapAdminHash)) {
      return new Principal("bootstrap", Role.ADMIN, null);
    }
    Cached cached = cache.get(HexFormat.of().formatHex(h));
    return cached != null && System.nanoTime() - cached.at() < maxAgeNanos ? cached.principal() : null;
  }

  /** The caller behind a bearer token, or null (future succeeds with null) when the key is unknown or revoked. */
  public Future<Principal> authenticate(String token) {
    Principal known = cached(token);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    if (token == null || token.isBlank() || token.length() > 200) {
      return Future.succeededFuture(null);
    }
    byte[] h = hash(token.trim());
    String cacheKey = HexFormat.of().formatHex(h);
    long generation;
    synchronized (cacheLock) {
      generation = revocations;
    }
    return repository.find(h).map(p -> {
      if (p != null) {
        cacheUnlessRevokedMeanwhile(cacheKey, p, generation);
      }
      return p;
    });
  }

  private void cacheUnlessRevokedMeanwhile(String cacheKey, Principal p, long generation) {
    synchronized (cacheLock) {
      if (generation != revocations) {
        return; // this look-up may have seen a key that is revoked now: the next request asks the database
      }
      if (cache.size() >= CACHE_LIMIT) {
        cache.clear();
      }
      cache.put(cacheKey, new Cached(p, System.nanoTime()));
    }
  }

  /** True when a live key with that id existed and is now revoked. */
  public Future<Boolean> revoke(UUID id) {
    return repository.revoke(id).map(hash -> {
      if (hash == null) {
        return false;
      }
      synchronized (cacheLock) {
        revocations++;
        cache.remove(HexFormat.of().formatHex(hash));
      }
      return true;
    });
  }

  /**
   * A fresh install with neither TRACESENTINEL_ADMIN_KEY nor any admin key gets one generated admin key, returned
   * here to be printed once with its id (no answer names that id, and DELETE /api/v1/keys/{id} needs it); null when
   * nothing was generated.
   */
  public Future<IssuedKey> bootstrap() {
    if (bootstrapAdminHash != null) {
      return Future.succeededFuture(null);
    }
    return repository.liveAdminKeys().compose(n -> n > 0 ? Future.succeededFuture(null)
        : issue(Role.ADMIN, null, "generated at first start"));
  }

  static byte[] hash(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
