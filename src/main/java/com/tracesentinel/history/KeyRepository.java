package com.tracesentinel.history;

import com.tracesentinel.auth.KeyStore;
import com.tracesentinel.auth.Principal;
import com.tracesentinel.auth.Role;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.UUID;

/** API keys in PostgreSQL, by the SHA-256 of the key: the key itself is never stored. */
public final class KeyRepository implements KeyStore {
  private final Pool pool;

  public KeyRepository(Pool pool) {
    this.pool = pool;
  }

  @Override
  public Future<Void> insert(UUID id, byte[] hash, Role role, String siteId, String label) {
    return pool.preparedQuery(Sql.INSERT_KEY)
        .execute(Tuple.of(id, Buffer.buffer(hash), role.wire(), siteId, label)).mapEmpty();
  }

  /** The live key with that hash, or null. */
  @Override
  public Future<Principal> find(byte[] hash) {
    return pool.preparedQuery(Sql.FIND_KEY).execute(Tuple.of(Buffer.buffer(hash))).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row r = rows.iterator().next();
      return new Principal(r.getUUID("id").toString(), Role.fromWire(r.getString("role")), r.getString("site_id"));
    });
  }

  /** The revoked key's hash, or null when there was no live key with that id. */
  @Override
  public Future<byte[]> revoke(UUID id) {
    return pool.preparedQuery(Sql.REVOKE_KEY).execute(Tuple.of(id)).map(rows ->
        rows.size() == 0 ? null : rows.iterator().next().getBuffer("key_hash").getBytes());
  }

  @Override
  public Future<Long> liveAdminKeys() {
    return pool.query(Sql.COUNT_ADMIN_KEYS).execute().map(rows -> rows.iterator().next().getLong(0));
  }
}
