package com.tracesentinel.ingest;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether the history database is usable now, as the committer and the supervisor's pings last saw it. While it is
 * down, new requests are refused at once (503) instead of being judged and then failed; readiness reports why.
 */
public final class DatabaseHealth {
  private volatile String down;
  private volatile Instant downSince;
  private volatile Runnable onDown = () -> { };

  /** Called on every report of the database being down: the supervisor probes at once instead of at its next tick. */
  public void onDown(Runnable probe) {
    this.onDown = probe;
  }

  public void down(String why) {
    if (down == null) {
      downSince = Instant.now();
    }
    down = why;
    onDown.run();
  }

  public void up() {
    down = null;
    downSince = null;
  }

  /** Null while usable, else why not. */
  public String downBecause() {
    return down;
  }

  /** How long it has been down (zero while up). */
  public Duration downFor() {
    Instant since = downSince;
    return since == null ? Duration.ZERO : Duration.between(since, Instant.now());
  }
}
