package com.tracesentinel.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.ingest.ScanResult;
import com.tracesentinel.ingest.ScanStatus;
import com.tracesentinel.ingest.Voiding;
import com.tracesentinel.rules.EventType;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What one node forwards and the owner answers must arrive whole: every field, nulls and odd text included. */
class ClusterWireTest {
  private static final Instant RECEIVED = Instant.parse("2026-11-30T08:00:00.123456Z");

  @Test
  void scansCrossTheWireWithEveryFieldAndTheTimeTheyArrived() {
    List<ScanInput> sent = List.of(
        new ScanInput("83000000000000000001", EventType.SALE, "S1", "D1", 1, Instant.parse("2026-11-30T07:59:00Z"), 1,
            false, null, null, null, null, null),
        new ScanInput("(01)09520123456788(21)A\"B\\C\u0000", EventType.RETURN, "站点", "单据\n2", 3,
            Instant.parse("+12026-01-01T00:00:00Z"), -2, true, "XB123", "SETL-9", "dev 1", "BCH-7", "D0"));
    Instant[] received = new Instant[1];
    assertEquals(sent, ClusterWire.readScans(ClusterWire.scans(sent, RECEIVED), received));
    assertEquals(RECEIVED, received[0]);
  }

  @Test
  void resultsComeBackWithFindingsConflictsAndTheOriginalAnswer() {
    ScanResult.Finding repeat = new ScanResult.Finding("REPEAT_SALE", "COUNTERFEIT", "ALERT", "sold 2 h ago",
        new ScanResult.Conflict("S2", "R9", Instant.parse("2026-11-30T06:00:00Z")));
    ScanResult.Finding bare = new ScanResult.Finding("UNKNOWN_PRODUCT", "NONE", "WARNING", null, null);
    List<ScanResult> sent = List.of(
        new ScanResult(0, ScanStatus.ACCEPTED, "83000000000000000001", "8300000", List.of(), null, null),
        new ScanResult(1, ScanStatus.FLAGGED, "c", null, List.of(repeat, bare), null, null),
        new ScanResult(2, ScanStatus.REJECTED, null, null, List.of(), "code: not a trace code", null),
        new ScanResult(3, ScanStatus.REPLAYED, "c", "p", List.of(),
            null, new ScanResult.Original(ScanStatus.FLAGGED, List.of(repeat))));
    assertEquals(sent, ClusterWire.readResults(ClusterWire.results(sent)));
  }

  @Test
  void aDeletionAndItsResultCrossTheWire() {
    ClusterWire.VoidRequest req = ClusterWire.readVoiding(ClusterWire.voiding("S1", "BCH-1", Set.of(-1, 0, 31),
        RECEIVED));
    assertEquals(new ClusterWire.VoidRequest("S1", "BCH-1", Set.of(-1, 0, 31), RECEIVED), req);
    Voiding.Result result = new Voiding.Result("BCH-1", 4, 3, List.of(new ScanResult.Finding("LATE_DELETION",
        "IRREGULAR", "WARNING", "deleted 12 days after the sale", null)));
    assertEquals(result, ClusterWire.readVoided(ClusterWire.voided(result)));
  }
}
