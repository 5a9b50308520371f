package com.tracesentinel.code;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The ledger's fixed-size key for a canonical code: the first 16 bytes of its SHA-256. A fixed 16-byte key keeps a
 * ledger entry small whatever the code family (a GS1 serial or an MA code can be 100 characters); at 10^11 codes
 * the chance of any two colliding is about 10^-17.
 */
public final class CodeKey {
  public static final int BYTES = 16;

  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK ships SHA-256", e);
    }
  });

  private CodeKey() {}

  public static byte[] of(String canonical) {
    return sha256Prefix(canonical);
  }

  /** The first 16 bytes of the SHA-256 of a text: also the database's form of an idempotency key. */
  public static byte[] sha256Prefix(String text) {
    byte[] digest = SHA256.get().digest(text.getBytes(StandardCharsets.UTF_8));
    byte[] key = new byte[BYTES];
    System.arraycopy(digest, 0, key, 0, BYTES);
    return key;
  }

  /**
   * The code's partition: the unit the history is split into (one PostgreSQL table each) and, in a cluster, the unit
   * one node owns. Fixed: changing it means copying the history into a new layout.
   */
  public static final int PARTITIONS = 32;

  public static int partitionOf(byte[] key) {
    return shardOf(key, PARTITIONS);
  }

  /** Which of {@code shards} buckets this code falls in (its first four bytes, as a signed int, floor-mod). */
  public static int shardOf(byte[] key, int shards) {
    int h = ((key[0] & 0xFF) << 24) | ((key[1] & 0xFF) << 16) | ((key[2] & 0xFF) << 8) | (key[3] & 0xFF);
    return Math.floorMod(h, shards);
  }

  public static String hex(byte[] key) {
    return HexFormat.of().formatHex(key);
  }
}
