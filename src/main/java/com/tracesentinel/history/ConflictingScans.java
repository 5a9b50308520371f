package com.tracesentinel.history;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which stored scan an anomaly conflicts with. The ledger keeps only the site and the second of the sale or
 * destruction a code's state holds; among the stored sales and destructions of that code at that site in that second,
 * made before the anomaly's scan, it is the latest one that is not itself a double: a DOUBLE_SCAN or a
 * SOLD_AFTER_DESTROY left the state as it was, so the state's sale is an earlier scan (a till that scanned a box twice
 * in one second and the box sold again names the sale, not the double scan). Only when every candidate is a double
 * (the sale it doubled has been voided since) is the latest double taken.
 *
 * <p>Candidates are read once per code for a whole group and the choice made here, so that 1,000 anomalies of one code
 * cost one read of its stored scans rather than 1,000.
 */
final class ConflictingScans {
  /** One stored sale or destruction of a code. {@code twin}: it is a DOUBLE_SCAN or SOLD_AFTER_DESTROY. */
  record Candidate(long id, String siteId, String documentNo, Instant scannedAt, boolean twin) {}

  private record Slot(ByteBuffer code, String siteId, long second) {}

  /** A slot's candidates by id, doubles apart from the rest. */
  private record Sorted(long[] plainIds, Candidate[] plain, long[] twinIds, Candidate[] twins) {}

  private final Map<Slot, Sorted> slots = new HashMap<>();

  /**
   * @param candidates per code key, its stored sales and destructions (any order)
   * @param twinsInGroup ids of the group's own scans that are doubles: their anomalies are not stored yet
   */
  ConflictingScans(Map<ByteBuffer, List<Candidate>> candidates, Set<Long> twinsInGroup) {
    Map<Slot, List<Candidate>> bySlot = new HashMap<>();
    candidates.forEach((code, list) -> {
      for (Candidate c : list) {
        Candidate marked = c.twin() || !twinsInGroup.contains(c.id()) ? c
            : new Candidate(c.id(), c.siteId(), c.documentNo(), c.scannedAt(), true);
        bySlot.computeIfAbsent(new Slot(code, c.siteId(), c.scannedAt().getEpochSecond()), s -> new ArrayList<>())
            .add(marked);
      }
    });
    bySlot.forEach((slot, list) -> slots.put(slot, sorted(list)));
  }

  private static Sorted sorted(List<Candidate> list) {
    Candidate[] plain = list.stream().filter(c -> !c.twin()).sorted(Comparator.comparingLong(Candidate::id))
        .toArray(Candidate[]::new);
    Candidate[] twins = list.stream().filter(Candidate::twin).sorted(Comparator.comparingLong(Candidate::id))
        .toArray(Candidate[]::new);
    return new Sorted(ids(plain), plain, ids(twins), twins);
  }

  private static long[] ids(Candidate[] cs) {
    long[] ids = new long[cs.length];
    for (int i = 0; i < cs.length; i++) {
      ids[i] = cs[i].id();
    }
    return ids;
  }

  /**
   * The scan that the anomaly of scan {@code scanId} conflicts with, or null when none was read.
   *
   * @param second epoch seconds of the conflict, as the ledger holds it
   */
  Candidate conflictOf(long scanId, ByteBuffer code, String siteId, long second) {
    Sorted s = slots.get(new Slot(code, siteId, second));
    if (s == null) {
      return null;
    }
    Candidate plain = latestBefore(s.plainIds(), s.plain(), scanId);
    return plain != null ? plain : latestBefore(s.twinIds(), s.twins(), scanId);
  }

  private static Candidate latestBefore(long[] ids, Candidate[] cs, long scanId) {
    int at = Arrays.binarySearch(ids, scanId);
    int before = (at >= 0 ? at : -at - 1) - 1;
    return before >= 0 ? cs[before] : null;
  }
}
