package com.tracesentinel.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A per-client limit (the public look-ups; the API keys a client tries that turn out unknown): a token bucket per
 * client (Bucket4j: the configured requests a minute, refilled smoothly) in a Caffeine map bounded by size and idle
 * time. A bucket idle for a minute is full again, so expiring it forgets nothing; when a flood of addresses fills the
 * map the least useful entries go, and a client whose bucket was evicted merely starts afresh. Maintenance runs on the
 * calling thread, so the bound holds without a background thread.
 */
public final class LookupLimiter {
  /**
   * About 460 bytes a client (measured: key, bucket and map entry), so at most ~23 MB of heap however many
   * addresses arrive; 50,000 clients each looking up within one minute is far beyond the expected public load.
   */
  public static final int MAX_CLIENTS = 50_000;

  private final int perMinute;
  private final Cache<String, Bucket> buckets;

  public LookupLimiter(int perMinute, int maxClients) {
    this.perMinute = perMinute;
    this.buckets = Caffeine.newBuilder().maximumSize(maxClients).expireAfterAccess(Duration.ofMinutes(1))
        .executor(Runnable::run).build();
  }

  /** 0 when the client may go on (a token taken), otherwise the whole seconds until it may try again (at least 1). */
  public long tryAcquire(String client) {
    ConsumptionProbe probe = bucket(client).tryConsumeAndReturnRemaining(1);
    return probe.isConsumed() ? 0 : seconds(probe.getNanosToWaitForRefill());
  }

  /**
   * 0 when the client has a token left, otherwise the whole seconds until it will; takes none. With {@link #charge},
   * for requests that count only once their outcome is known (an API key the database did not find).
   */
  public long waitSeconds(String client) {
    EstimationProbe probe = bucket(client).estimateAbilityToConsume(1);
    return probe.canBeConsumed() ? 0 : seconds(probe.getNanosToWaitForRefill());
  }

  /**
   * Takes a token for something already done. Requests let in together may all turn out to count: the bucket then
   * goes below empty, and the refill pays that debt before the client is let in again.
   */
  public void charge(String client) {
    bucket(client).consumeIgnoringRateLimits(1);
  }

  private Bucket bucket(String client) {
    return buckets.get(client, k -> Bucket.builder()
        .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)).build())
        .build());
  }

  private static long seconds(long nanos) {
    return Math.max(1, (nanos + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1));
  }

  public int perMinute() {
    return perMinute;
  }

  /** Clients tracked now, after pending evictions. */
  public long size() {
    buckets.cleanUp();
    return buckets.estimatedSize();
  }
}
