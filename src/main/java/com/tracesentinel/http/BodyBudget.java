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
   * A sixteenth of the heap for the public's photos in hand (their bytes received, buffered or decoded), apart from the
   * scans' share: they take no decoder slot until their body is whole, so this is what bounds the memory of the
   * photos being received.
   */
  static final long PUBLIC_PHOTOS = Runtime.getRuntime().maxMemory() / 16;
  private static final AtomicLong PUBLIC = new AtomicLong();
  private static final String PUBLIC_FULL = "too many of the public's photos are being received";

  /**
   * Before a public photo's body is read: a 503 when its announced length does not fit beside the bytes the others
   * hold. It is then charged with the bytes it sends, as they arrive, not with its announced length: charged with that
   * from its head, 16 addresses announcing 4 MiB each and sending 40 KiB/s (the least rate) held all 64 MiB of a
   * 1 GiB heap for the 30 s body deadline, again and again, and 51 of 51 other photos were 503s, though each had sent
   * at most 1.2 MiB by then. A body that takes the total past the share is answered 503 as its bytes arrive, the rest
   * of it drained. Released when answered. What arrived in the socket read that held its head is not counted.
   */
  static void reservePublicPhoto(RoutingContext ctx, long limit, ConnectionGuard guard) {
    long bytes = announced(ctx, limit);
    if (PUBLIC.get() + bytes > PUBLIC_PHOTOS) {
      throw Problem.unavailable(PUBLIC_FULL, 2);
    }
    PhotoBytes photo = new PhotoBytes(ctx);
    ctx.addEndHandler(v -> photo.release());
    if (!guard.countBody(ctx.request(), photo::arrived)) {
      photo.arrived(bytes); // its bytes cannot be watched as they arrive: all it may send is charged at once
    }
    if (!ctx.failed()) {
      ctx.next();
    }
  }

  /** One public photo's bytes in hand; used on its request's event loop only. */
  private static final class PhotoBytes {
    private final RoutingContext ctx;
    private long held;
    private boolean done;

    PhotoBytes(RoutingContext ctx) {
      this.ctx = ctx;
    }

    void arrived(long bytes) {
      if (done) {
        return;
      }
      held += bytes;
      // a body whole already is being decoded and keeps its bytes: over the share by one socket read at most
      if (PUBLIC.addAndGet(bytes) > PUBLIC_PHOTOS && !ctx.request().isEnded()) {
        release();
        ctx.fail(Problem.unavailable(PUBLIC_FULL, 2));
      }
    }

    void release() {
      if (!done) {
        done = true;
        PUBLIC.addAndGet(-held);
      }
    }
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
