package com.tracesentinel.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.tracesentinel.history.ConflictingScans.Candidate;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConflictingScansTest {
  private static final ByteBuffer CODE = ByteBuffer.wrap(new byte[] {1, 2, 3});
  private static final ByteBuffer OTHER_CODE = ByteBuffer.wrap(new byte[] {9});
  private static final long SECOND = 1_790_000_000L;

  private static Candidate sale(long id, String site, long second, int millis, boolean twin) {
    return new Candidate(id, site, "D-" + id, Instant.ofEpochSecond(second).plusMillis(millis), twin);
  }

  private static ConflictingScans of(List<Candidate> candidates, Set<Long> twinsInGroup) {
    return new ConflictingScans(Map.of(CODE, candidates), twinsInGroup);
  }

  @Test
  void theLatestEarlierSaleOfThatSiteAndSecondIsTheConflict() {
    ConflictingScans c = of(List.of(sale(10, "PA", SECOND, 100, false), sale(12, "PA", SECOND, 900, false),
        sale(20, "PA", SECOND, 500, false)), Set.of());
    assertEquals(12, c.conflictOf(15, CODE, "PA", SECOND).id(), "not the later scan 20, which comes after 15");
    assertEquals(20, c.conflictOf(21, CODE, "PA", SECOND).id());
    assertEquals(10, c.conflictOf(11, CODE, "PA", SECOND).id());
  }

  @Test
  void nothingEarlierNothingElsewhereAndNoOtherCodeIsAConflict() {
    ConflictingScans c = of(List.of(sale(10, "PA", SECOND, 0, false)), Set.of());
    assertNull(c.conflictOf(10, CODE, "PA", SECOND), "a scan is not its own conflict");
    assertNull(c.conflictOf(9, CODE, "PA", SECOND));
    assertNull(c.conflictOf(11, CODE, "PB", SECOND), "another site");
    assertNull(c.conflictOf(11, CODE, "PA", SECOND + 1), "the next second");
    assertNull(c.conflictOf(11, CODE, "PA", SECOND - 1), "the second before");
    assertNull(c.conflictOf(11, OTHER_CODE, "PA", SECOND), "another code");
  }

  @Test
  void theLastMillisecondOfASecondBelongsToIt() {
    ConflictingScans c = of(List.of(sale(10, "PA", SECOND, 999, false)), Set.of());
    assertEquals(10, c.conflictOf(11, CODE, "PA", SECOND).id());
    assertNull(c.conflictOf(11, CODE, "PA", SECOND + 1));
  }

  @Test
  void aDoubleOfTheSaleIsPassedOverWhetherStoredBeforeOrInThisGroup() {
    // sale 10, its stored double 11, its double 12 in the group being stored: the sale is the conflict
    ConflictingScans c = of(List.of(sale(10, "PA", SECOND, 100, false), sale(11, "PA", SECOND, 600, true),
        sale(12, "PA", SECOND, 700, false)), Set.of(12L));
    assertEquals(10, c.conflictOf(13, CODE, "PA", SECOND).id());
  }

  @Test
  void whenOnlyDoublesAreLeftTheLatestEarlierDoubleIsTaken() {
    // the sale they doubled was voided by a deletion since: it is no candidate any more
    ConflictingScans c = of(List.of(sale(11, "PA", SECOND, 600, true), sale(12, "PA", SECOND, 700, false),
        sale(14, "PA", SECOND, 800, true)), Set.of(12L));
    assertEquals(12, c.conflictOf(13, CODE, "PA", SECOND).id());
    assertEquals(14, c.conflictOf(15, CODE, "PA", SECOND).id());
  }

  @Test
  void aPlainSaleBeforeTheScanWinsOverALaterDoubleBeforeIt() {
    ConflictingScans c = of(List.of(sale(10, "PA", SECOND, 0, false), sale(30, "PA", SECOND, 0, true)), Set.of());
    assertEquals(10, c.conflictOf(31, CODE, "PA", SECOND).id());
  }

  @Test
  void aThousandCopiesInOneSecondEachNameTheSale() {
    List<Candidate> copies = new ArrayList<>();
    copies.add(sale(1, "PA", SECOND, 0, false));
    Set<Long> doubles = new java.util.HashSet<>();
    for (long id = 2; id <= 1000; id++) {
      copies.add(sale(id, "PA", SECOND, (int) id % 1000, false));
      doubles.add(id);
    }
    ConflictingScans c = of(copies, doubles);
    for (long id = 2; id <= 1000; id++) {
      assertEquals("D-1", c.conflictOf(id, CODE, "PA", SECOND).documentNo());
    }
  }
}
