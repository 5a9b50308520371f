package com.tracesentinel.cluster;

import java.time.Duration;

/**
 * When the group's coordinator last heard this member, as far as the member can prove it, and whether that is so long
 * ago that the group may be about to give its partitions away.
 *
 * <p>The coordinator evicts a member a session timeout after the last heartbeat it received. What proves a heartbeat
 * was received is its answer: Kafka counts answers ({@code heartbeat-total}) but dates only the heartbeats it
 * <em>sends</em> ({@code last-heartbeat-seconds-ago}), and a member cut off from the brokers goes on sending into a
 * dead connection until its request times out, then looks for a coordinator it cannot reach: dated by sends, the
 * silence starts seconds late. So each {@link #silent} call reads the count of answers; when it moved since the
 * previous call, the heartbeat answered was sent after the previous call less the slowest answer's latency. The member
 * is silent once that moment (or a completed join) lies more than the limit in the past: a session timeout less one
 * heartbeat interval, so the node stops judging before the group can evict it, and so before any other node can have
 * taken its partitions over. Not thread-safe: the membership thread alone uses it.
 */
final class HeartbeatWatch {
  private final long limitNanos;
  private double answers = Double.NaN;
  private long lastCheck;
  private long heard;

  HeartbeatWatch(Duration session, Duration heartbeatInterval, long nowNanos) {
    this.limitNanos = session.minus(heartbeatInterval).toNanos();
    this.lastCheck = nowNanos;
    this.heard = nowNanos;
  }

  /** The coordinator heard this member at {@code atNanos}: a join or a sync completed then. */
  void heard(long atNanos) {
    heard = Math.max(heard, atNanos);
  }

  /**
   * @param answersSoFar  Kafka's count of heartbeat answers so far (NaN when it has none)
   * @param maxLatencyMs  the slowest heartbeat answer of late, in ms (NaN when none)
   * @return true when the coordinator has not provably heard this member for longer than the limit
   */
  boolean silent(long nowNanos, double answersSoFar, double maxLatencyMs) {
    if (!Double.isNaN(answersSoFar) && answersSoFar != answers) {
      if (!Double.isNaN(answers)) {
        long latency = Double.isNaN(maxLatencyMs) ? 0 : (long) (maxLatencyMs * 1_000_000);
        heard(lastCheck - latency);
      }
      answers = answersSoFar;
    }
    lastCheck = nowNanos;
    return nowNanos - heard > limitNanos;
  }

  /** Seconds since the coordinator provably heard this member. */
  double silentSeconds(long nowNanos) {
    return (nowNanos - heard) / 1e9;
  }

  Duration limit() {
    return Duration.ofNanos(limitNanos);
  }
}
