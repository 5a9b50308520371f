package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ScanIdsTest {
  private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
  private final ScanIds ids = new ScanIds(clock::get);

  @Test
  void idsFollowTheClockAndCountWithinAMillisecond() {
    long first = ids.next();
    assertEquals(clock.get() << 12, first);
    assertEquals(first + 1, ids.next());
    clock.addAndGet(5);
    assertEquals(clock.get() << 12, ids.next());
  }

  @Test
  void aClockSteppedBackNeverRepeatsOrLowersAnId() {
    long before = ids.next();
    clock.addAndGet(-60_000);
    assertEquals(before + 1, ids.next());
  }

  @Test
  void idsStartAboveTheHighestStoredOneWhenTheClockIsBehindIt() {
    long storedByARunAnHourAhead = (clock.get() + 3_600_000) << 12;
    ids.atLeast(storedByARunAnHourAhead);
    long next = ids.next();
    assertEquals(storedByARunAnHourAhead + 1, next);
    clock.addAndGet(3_600_001);
    assertTrue(ids.next() == clock.get() << 12, "the clock takes over again once it passes the stored ids");
  }

  @Test
  void aLowerFloorChangesNothing() {
    long last = ids.next();
    ids.atLeast(last - 1_000);
    ids.atLeast(0);
    assertEquals(last + 1, ids.next());
  }
}
