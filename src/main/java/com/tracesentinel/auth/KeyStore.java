package com.tracesentinel.auth;

import io.vertx.core.Future;
import java.util.UUID;

/** Where API keys are kept, by the SHA-256 of the key (the key itself is never stored): PostgreSQL in the service. */
public interface KeyStore {
  Future<Void> insert(UUID id, byte[] hash, Role role, String siteId, String label);

  /** The live key with that hash, or null. */
  Future<Principal> find(byte[] hash);

  /** The revoked key's hash, or null when there was no live key with that id. */
  Future<byte[]> revoke(UUID id);

  Future<Long> liveAdminKeys();
}
