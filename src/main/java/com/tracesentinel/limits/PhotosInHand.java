package com.tracesentinel.limits;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Photos each client (an address of the public, a till's key) has in hand: received or being decoded, not yet
 * answered, each holding one of the decoder's few slots all that time. Capped per client, so that one client cannot
 * hold every slot; an entry lives only while its client has a photo in hand.
 */
public final class PhotosInHand {
  private final int max;
  private final ConcurrentHashMap<String, Integer> inHand = new ConcurrentHashMap<>();

  public PhotosInHand(int max) {
    this.max = max;
  }

  /** True, and one more photo held, unless the client has {@link #max} in hand already. */
  public boolean take(String client) {
    boolean[] taken = {false};
    inHand.compute(client, (k, n) -> {
      int held = n == null ? 0 : n;
      taken[0] = held < max;
      return taken[0] ? Integer.valueOf(held + 1) : n;
    });
    return taken[0];
  }

  /** A photo {@link #take} let through was answered. */
  public void answered(String client) {
    inHand.computeIfPresent(client, (k, n) -> n > 1 ? n - 1 : null);
  }

  public int max() {
    return max;
  }
}
