package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LedgerClockTest {
  private final AtomicLong wall = new AtomicLong(1_000_000);
  private final LedgerClock clock = new LedgerClock(0, wall::get);

  @Test
  void followsTheWallClockForward() {
    assertEquals(1_000_000, clock.seconds());
    wall.addAndGet(5);
    assertEquals(1_000_005, clock.seconds());
  }

  @Test
  void holdsWhileTheWallClockIsBehindWhatItSaidThenFollowsAgain() {
    clock.seconds();
    wall.addAndGet(-3_600);
    assertEquals(1_000_000, clock.seconds());
    wall.set(1_000_001);
    assertEquals(1_000_001, clock.seconds());
  }

  @Test
  void startsNoEarlierThanItIsTold() {
    clock.atLeast(2_000_000);
    assertEquals(2_000_000, clock.seconds());
    clock.atLeast(10);
    assertEquals(2_000_000, clock.seconds());
  }
}
