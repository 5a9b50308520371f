package com.tracesentinel.http;

import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of scan bodies in hand (announced, being received or buffered, not yet answered), per key and in all. A body
 * is buffered whole before it is read, up to 1 MiB: one key opening connections that each announce 1 MiB and send it
 * slowly made the service hold all of it, until the heap ran out and the service answered nobody. Beyond a key's
 * share, or the process's, the request is a 503 before its body is read: nothing of it is stored, and a till sends it
 * again as after any 503.
 */
final class BodyBudget {
  /** 64 batches of 1,000 scans in flight at once from one till or system; single scans are a few hundred bytes. */
  static final long PER_KEY = 64L * 1024 * 1024;
  /** An eighth of the heap for bodies in hand, whatever the number of keys. */
  static final long TOTAL = Runtime.getRuntime().maxMemory() / 8;

  private static final ConcurrentHashMap<String, Long> BY_KEY = new ConcurrentHashMap<>();
  private static final AtomicLong ALL = new AtomicLong();

  private BodyBudget() {}

  /** After the key check, before the body handler: reserves what the body may take, released when answered. */
  static void reserve(RoutingContext ctx, long limit) {
    String key = Auth.principal(ctx).keyId();
    long bytes = announced(ctx, limit);
    boolean[] granted = new boolean[1];
    BY_KEY.compute(key, (k, n) -> {
      long held = n == null ? 0 : n;
      granted[0] = held + bytes <= PER_KEY;
      return granted[0] ? Long.valueOf(held + bytes) : n;
    });
    if (!granted[0]) {
      throw Problem.unavailable("this key has " + (PER_KEY >> 20) + " MiB of requests in hand already; "
          + "send this one when some are answered", 1);
    }
    if (ALL.addAndGet(bytes) > TOTAL) {
      release(key, bytes);
      throw Problem.unavailable("too many requests in hand", 1);
    }
    ctx.addEndHandler(v -> release(key, bytes));
    ctx.next();
  }

  /**
   * A sixteenth of the heap for the public's photos in hand (announced, being received, buffered or decoded), apart
   * from the scans' share: they take no decoder slot until their body is whole, so this is what bounds the memory
   * of the photos being received.
   */
  static final long PUBLIC_PHOTOS = Runtime.getRuntime().maxMemory() / 16;
  private static final AtomicLong PUBLIC = new AtomicLong();

  /** Before a public photo's body is read (one address has at most two in hand): released when answered. */
  static void reservePublicPhoto(RoutingContext ctx, long limit) {
    long bytes = announced(ctx, limit);
    if (PUBLIC.addAndGet(bytes) > PUBLIC_PHOTOS) {
      PUBLIC.addAndGet(-bytes);
      throw Problem.unavailable("too many of the public's photos are being received", 2);
    }
    ctx.addEndHandler(v -> PUBLIC.addAndGet(-bytes));
    ctx.next();
  }

  private static void release(String key, long bytes) {
    ALL.addAndGet(-bytes);
    BY_KEY.computeIfPresent(key, (k, n) -> n - bytes > 0 ? Long.valueOf(n - bytes) : null);
  }

  /** What the body can take: its Content-Length, at most the route's limit (the body handler refuses more). */
  private static long announced(RoutingContext ctx, long limit) {
    String length = ctx.request().getHeader("Content-Length");
    if (length == null) {
      return limit;
    }
    try {
      return Math.max(0, Math.min(limit, Long.parseLong(length.trim())));
    } catch (NumberFormatException e) {
      return limit;
    }
  }
}
