package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.rules.EventType;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A deletion whose ledger writes fail part way is answered 503, and the codes it changed before the failure go back:
 * they stayed changed, so the ledger held a deletion the history never stored.
 */
class VoidLedgerFailureTest {
  private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");

  @Test
  void aDeletionFailingInTheLedgerPartWayLeavesNoCodeChanged() throws Exception {
    String first = "86000010000000000001";
    String second = "86000010000000000002";
    int[] restores = {0};
    try (MemoryPipeline pipeline = new MemoryPipeline()) {
      MemoryLedger ledger = pipeline.ledger;
      ScanService service = pipeline.service;
      List<ScanResult> upload = service.ingest(List.of(sale(first, 1), sale(second, 2)), NOW).get(10, TimeUnit.SECONDS);
      assertEquals(List.of(ScanStatus.ACCEPTED, ScanStatus.ACCEPTED), upload.stream().map(ScanResult::status).toList());
      byte[] firstBefore = ledger.getRaw(CodeKey.of(first));
      byte[] secondBefore = ledger.getRaw(CodeKey.of(second));
      // The deletion removes both codes (neither has another scan): the second of its two writes fails.
      ledger.failRestore = key -> ++restores[0] == 2;
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> service.voidUpload("S1", "B-1", NOW).get(10, TimeUnit.SECONDS));
      assertInstanceOf(ScanService.Unavailable.class, e.getCause());
      assertArrayEquals(firstBefore, ledger.getRaw(CodeKey.of(first)), "the deletion was answered 503: "
          + "the code it removed before the failure is back");
      assertArrayEquals(secondBefore, ledger.getRaw(CodeKey.of(second)));
      assertArrayEquals(firstBefore, service.committedState(CodeKey.of(first)), "and read as committed");
    }
  }

  private static ScanInput sale(String code, int line) {
    return new ScanInput(code, EventType.SALE, "S1", "R1", line, NOW.minusSeconds(600), 1, false, null, null, null,
        "B-1", null);
  }
}
