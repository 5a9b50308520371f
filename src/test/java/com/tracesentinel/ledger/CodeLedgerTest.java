package com.tracesentinel.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.Main;
import com.tracesentinel.rules.CodeState;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodeLedgerTest {
  static {
    Main.disableTelemetry();
  }

  @TempDir
  Path dir;

  @Test
  void statesPersistAcrossACleanCloseAndNeedNoReconcile() throws Exception {
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000)) {
      assertFalse(ledger.needsReconcile());
      ledger.put(CodeKey.of("A"), CodeState.NEW.withScanRecorded(7), 100, true);
    }
    assertFalse(Files.exists(dir.resolve("codes.dirty")));
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000)) {
      assertFalse(ledger.needsReconcile());
      assertEquals(1, ledger.size());
      assertEquals(1, ledger.get(CodeKey.of("A")).scanCount());
    }
  }

  @Test
  void aLeftoverMarkerMeansTheLastStopWasUnclean() throws Exception {
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000)) {
      ledger.put(CodeKey.of("A"), CodeState.NEW, 100, true);
    }
    Files.writeString(dir.resolve("codes.dirty"), "crash");
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000)) {
      assertTrue(ledger.needsReconcile());
      assertEquals(1, ledger.size());
    }
  }

  @Test
  void aFullLedgerRefusesNewCodesButStillUpdatesKnownOnes() throws Exception {
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000)) {
      for (int i = 0; i < 1_000; i++) {
        ledger.put(CodeKey.of("c" + i), CodeState.NEW, 1, true);
      }
      assertEquals(1.0, ledger.fill());
      assertThrows(CodeLedger.LedgerFullException.class,
          () -> ledger.put(CodeKey.of("one too many"), CodeState.NEW, 1, true));
      ledger.put(CodeKey.of("c1"), CodeState.NEW.withLookup(), 2, false);
      assertEquals(1, ledger.get(CodeKey.of("c1")).lookups());
      ledger.restore(CodeKey.of("c2"), null);
      assertNull(ledger.get(CodeKey.of("c2")));
      assertEquals(999, ledger.size());
    }
  }

  @Test
  void checkpointsAreReadBack() throws Exception {
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000)) {
      assertEquals(0, ledger.checkpoint());
      ledger.writeCheckpoint(1_790_000_000L);
      assertEquals(1_790_000_000L, ledger.checkpoint());
    }
  }
}
