package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A LATE_DELETION's detail names the return window as configured, to the second (README, "NHSA 3507"). */
class VoidingTest {
  private static final Instant SALE = Instant.parse("2026-11-22T10:34:10Z");

  private static String detail(Duration later, Duration window) {
    return Voiding.lateDeletionDetail(SALE, SALE.plus(later), window);
  }

  @Test
  void aWindowOfWholeDaysIsWrittenInDays() {
    assertEquals("sale of 2026-11-22T10:34:10Z deleted 12 days later, after the 10-day return window",
        detail(Duration.ofDays(12).plusHours(5), Duration.ofDays(10)));
    assertEquals("sale of 2026-11-22T10:34:10Z deleted 1 day later, after the 1-day return window",
        detail(Duration.ofHours(30), Duration.ofDays(1)));
  }

  @Test
  void aWindowOfPartsOfADayIsWrittenToTheSecond() {
    assertEquals("sale of 2026-11-22T10:34:10Z deleted 2 h 0 min 31 s later, after the 2 h return window",
        detail(Duration.ofSeconds(7231), Duration.ofHours(2)));
    assertEquals("sale of 2026-11-22T10:34:10Z deleted 3 d 4 h later, after the 1 d 12 h return window",
        detail(Duration.ofHours(76), Duration.ofHours(36)));
    assertEquals("sale of 2026-11-22T10:34:10Z deleted 45 s later, after the 0 s return window",
        detail(Duration.ofSeconds(45), Duration.ZERO));
  }
}
