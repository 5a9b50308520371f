package com.tracesentinel.ledger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.Main;
import com.tracesentinel.code.CodeKey;
import com.tracesentinel.ingest.LedgerPort;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.StateCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodeLedgerTest {
  static {
    Main.disableTelemetry();
  }

  @TempDir
  Path dir;

  /**
   * Chronicle closes every map it is told of when the JVM begins to exit, at the same time as the service's own stop
   * hook, which lets the judge finish what it holds first: a node SIGTERMed under load (a cluster node leaving its
   * group takes seconds) stored 49 scans REJECTED "internal error while judging" (ChronicleHashClosedException),
   * which the clients' re-sends then stored again. The service closes the ledger itself, after the judge.
   */
  @Test
  void chronicleDoesNotCloseTheLedgerOnExitUnderTheJudge() throws Exception {
    Class<?> hook = Class.forName("net.openhft.chronicle.hash.impl.ChronicleHashCloseOnExitHook");
    java.lang.reflect.Field maps = hook.getDeclaredField("maps");
    maps.setAccessible(true);
    synchronized (hook) {
      int before = ((java.util.Map<?, ?>) maps.get(null)).size();
      try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
        assertEquals(before, ((java.util.Map<?, ?>) maps.get(null)).size(), "the ledger is closed by Chronicle at exit");
      }
    }
  }

  @Test
  void statesPersistAcrossACleanCloseAndNeedNoReconcile() throws Exception {
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      ledger.rebuilt(); // as the service does once a new ledger holds the history
      assertEquals(CodeLedger.Opened.NEW, ledger.opened());
      ledger.put(CodeKey.of("A"), CodeState.NEW.withScanRecorded(7), 100, true);
    }
    assertFalse(Files.exists(dir.resolve("codes.dirty")));
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      ledger.rebuilt(); // as the service does once a new ledger holds the history
      assertEquals(CodeLedger.Opened.CLEAN, ledger.opened());
      assertEquals(1, ledger.size());
      assertEquals(1, ledger.get(CodeKey.of("A")).scanCount());
    }
  }

  /**
   * TRACESENTINEL_LEDGER_VERIFY=false skips the check of a cleanly closed ledger, nothing more: such an open marked the
   * ledger as mid-rebuild, so every other start threw it away and rebuilt it whole from the history.
   */
  @Test
  void aCleanLedgerOpenedUncheckedIsKeptAtEveryLaterStart() throws Exception {
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, false)) {
      ledger.rebuilt(); // as the service does once a new ledger holds the history
      ledger.put(CodeKey.of("A"), CodeState.NEW.withScanRecorded(7), 100, true);
    }
    for (int start = 1; start <= 2; start++) {
      try (CodeLedger ledger = CodeLedger.open(dir, 1_000, false)) {
        assertEquals(CodeLedger.Opened.CLEAN, ledger.opened(), "start " + start + ": " + ledger.openedBecause());
        assertEquals(1, ledger.get(CodeKey.of("A")).scanCount());
      }
    }
  }

  @Test
  void aLeftoverMarkerMeansTheLastStopWasUnclean() throws Exception {
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      ledger.rebuilt(); // as the service does once a new ledger holds the history
      ledger.put(CodeKey.of("A"), CodeState.NEW, 100, true);
    }
    Files.writeString(dir.resolve("codes.dirty"), "crash");
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      ledger.rebuilt(); // as the service does once a new ledger holds the history
      assertEquals(CodeLedger.Opened.UNCLEAN, ledger.opened());
      assertEquals(1, ledger.size());
    }
  }

  @Test
  void aFullLedgerRefusesNewCodesButStillUpdatesKnownOnes() throws Exception {
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      ledger.rebuilt(); // as the service does once a new ledger holds the history
      for (int i = 0; i < 1_000; i++) {
        ledger.put(CodeKey.of("c" + i), CodeState.NEW, 1, true);
      }
      assertEquals(1.0, ledger.fill());
      assertThrows(LedgerPort.Full.class,
          () -> ledger.put(CodeKey.of("one too many"), CodeState.NEW, 1, true));
      ledger.put(CodeKey.of("c1"), CodeState.NEW.withScanRecorded(3), 2, false);
      assertEquals(1, ledger.get(CodeKey.of("c1")).scanCount());
      ledger.restore(CodeKey.of("c2"), null);
      assertNull(ledger.get(CodeKey.of("c2")));
      assertEquals(999, ledger.size());
    }
  }

  @Test
  void aCapacityRaisedWithoutARebuildIsTheFilesOwnSoNewCodesAreRefusedNotFailed() throws Exception {
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      ledger.rebuilt(); // as the service does once a new ledger holds the history
    }
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000_000, true)) {
      assertEquals(1_000, ledger.capacity());
      for (int i = 0; i < 1_000; i++) {
        ledger.update(CodeKey.of("c" + i), 1, stored -> CodeState.NEW);
      }
      // was: inserted on into Chronicle's spare tiers until it threw IllegalStateException for each new code
      assertThrows(LedgerPort.Full.class, () -> ledger.update(CodeKey.of("one too many"), 1, stored -> CodeState.NEW));
    }
  }

  /**
   * The file is allocated whole when it is made: a capacity the disk cannot hold (a disk filled, a capacity mistyped)
   * stopped the start with Chronicle's own words, "Not enough space to fallocate 6167296 MiB to /", naming neither
   * the file nor the setting that sized it, and left a sparse file of that size behind.
   */
  @Test
  void aLedgerTheDiskCannotHoldIsRefusedNamingItsFileAndCapacity() throws Exception {
    java.io.IOException e = assertThrows(java.io.IOException.class,
        () -> CodeLedger.open(dir, 100_000_000_000L, false));
    assertTrue(e.getMessage().contains(dir.resolve("codes.cm3").toString())
        && e.getMessage().contains("TRACESENTINEL_LEDGER_CAPACITY=100000000000"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("codes.cm3")), "no file of that size left behind");
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, false)) {
      assertEquals(CodeLedger.Opened.REPLACED, ledger.opened(), "still to be built from the history");
      assertEquals("a rebuild from the history did not finish", ledger.openedBecause()); // not "no ledger file yet"
    }
  }

  /**
   * A code removed from the ledger (its only scans voided by an NHSA 3507 deletion, a first sale undone) frees its
   * chunk, and the next new code takes it: Chronicle then keeps its segment's "lowest possibly free chunk" below the
   * lowest free one, a hint its own recovery reports as a corruption. The mixed fault load (uploads deleted) found
   * every ledger so "damaged" after a clean stop: set aside and rebuilt whole at the next start, and verify-ledger
   * refused it.
   */
  @Test
  void codesRemovedAndOthersAddedSinceAreStillSoundAfterACleanClose() throws Exception {
    try (CodeLedger ledger = filled(10_000, "r", 5_000)) {
      for (int i = 0; i < 5_000; i += 2) {
        ledger.restore(CodeKey.of("r" + i), null);
      }
      for (int i = 0; i < 2_500; i++) {
        ledger.put(CodeKey.of("n" + i), CodeState.NEW.withScanRecorded(i), 100, true);
      }
    }
    try (CodeLedger ledger = CodeLedger.open(dir, 10_000, true)) {
      assertEquals(CodeLedger.Opened.CLEAN, ledger.opened(), ledger.openedBecause());
      assertEquals(5_000, ledger.size());
      assertNull(ledger.get(CodeKey.of("r0")));
      assertEquals(1, ledger.get(CodeKey.of("r1")).scanCount());
      assertEquals(1, ledger.get(CodeKey.of("n2499")).scanCount());
    }
  }

  /** A new ledger said to hold the history, with {@code codes} codes {@code prefix}0, 1, … of one scan each. */
  private CodeLedger filled(long capacity, String prefix, int codes) throws Exception {
    CodeLedger ledger = CodeLedger.open(dir, capacity, true);
    ledger.rebuilt(); // as the service does once a new ledger holds the history
    for (int i = 0; i < codes; i++) {
      ledger.put(CodeKey.of(prefix + i), CodeState.NEW.withScanRecorded(i), 100, true);
    }
    return ledger;
  }

  @Test
  void checkpointsAreReadBack() throws Exception {
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      ledger.rebuilt(); // as the service does once a new ledger holds the history
      assertEquals(0, ledger.checkpoint());
      ledger.writeCheckpoint(1_790_000_000L);
      assertEquals(1_790_000_000L, ledger.checkpoint());
    }
  }

  @Test
  void garbageInTheMiddleOfTheFileIsDetectedAndTheFileReplaced() throws Exception {
    try (CodeLedger ledger = filled(100_000, "g", 50_000)) {
      assertEquals(50_000, ledger.size());
    }
    Path file = dir.resolve("codes.cm3");
    long size = Files.size(file);
    byte[] garbage = new byte[256 * 1024];
    new java.util.Random(7).nextBytes(garbage);
    try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(garbage), size / 2);
    }
    try (CodeLedger ledger = CodeLedger.open(dir, 100_000, true)) {
      ledger.rebuilt(); // as the service does once a new ledger holds the history
      assertEquals(CodeLedger.Opened.REPLACED, ledger.opened(), ledger.openedBecause());
      assertTrue(ledger.openedBecause().contains("damaged"), ledger.openedBecause());
      assertEquals(0, ledger.size(), "never opened as if nothing happened");
    }
    try (var files = Files.list(dir)) {
      assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("codes.cm3.corrupt-")),
          "the damaged file is kept aside");
    }
  }

  @Test
  void aGarbledHeaderIsDetected() throws Exception {
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      ledger.rebuilt(); // as the service does once a new ledger holds the history
      ledger.put(CodeKey.of("A"), CodeState.NEW, 100, true);
    }
    try (var ch = java.nio.channels.FileChannel.open(dir.resolve("codes.cm3"), java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[4096]), 0);
    }
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      ledger.rebuilt(); // as the service does once a new ledger holds the history
      assertEquals(CodeLedger.Opened.REPLACED, ledger.opened(), ledger.openedBecause());
    }
  }

  @Test
  void onlyTheNewestFilesSetAsideAreKept() throws Exception {
    List<String> setAside = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
        ledger.rebuilt();
        ledger.put(CodeKey.of("A" + i), CodeState.NEW, 100, true);
      }
      try (var ch = java.nio.channels.FileChannel.open(dir.resolve("codes.cm3"),
          java.nio.file.StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(new byte[4096]), 0);
      }
      Thread.sleep(2); // set-aside files are named by the millisecond
      try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
        assertEquals(CodeLedger.Opened.REPLACED, ledger.opened(), ledger.openedBecause());
        ledger.rebuilt();
      }
      try (var files = Files.list(dir)) {
        files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("codes.cm3.corrupt-"))
            .filter(n -> !setAside.contains(n)).forEach(setAside::add);
      }
    }
    assertEquals(4, setAside.size(), setAside.toString());
    try (var files = Files.list(dir)) {
      assertEquals(setAside.subList(4 - CodeLedger.KEPT_ASIDE, 4), files.map(f -> f.getFileName().toString())
          .filter(n -> n.startsWith("codes.cm3.")).sorted().toList());
    }
  }

  /**
   * A ledger written before GS1 serials were folded to upper case holds the keys of lower-case serials, which no scan
   * asks for any more (V11 re-keyed their history), one written before V14 the fingerprints of NHSA codes keyed by
   * their position in the line, and one written before 2026-12-05 no open sale of the previous site: it is rebuilt, not
   * reconciled.
   */
  @Test
  void aLedgerKeyedBeforeGs1SerialsWereFoldedIsRebuilt() throws Exception {
    String layout = ": key 16, value " + StateCodec.BYTES + ", fingerprint idem[0..1], a return may leave open sales "
        + "unknown";
    for (String format : new String[] {"tracesentinel-ledger 3" + layout,
        "tracesentinel-ledger 4" + layout + ", GS1 keys of the serial in upper case",
        "tracesentinel-ledger 5: key 16, value 31, fingerprint idem[0..1], a return may leave open sales unknown, GS1 "
            + "keys of the serial in upper case, NHSA codes on line 1"}) {
      try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
        ledger.rebuilt();
        ledger.put(CodeKey.of("(01)06901234567892(21)sn0001"), CodeState.NEW.withScanRecorded(7), 100, true);
      }
      Files.writeString(dir.resolve("codes.format"), format);
      try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
        assertEquals(CodeLedger.Opened.REPLACED, ledger.opened(), ledger.openedBecause());
        assertEquals(0, ledger.size());
      }
    }
  }

  @Test
  void aDeletedFileIsReportedAsReplacedNotAsANewInstall() throws Exception {
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      ledger.rebuilt(); // as the service does once a new ledger holds the history
      ledger.put(CodeKey.of("A"), CodeState.NEW, 100, true);
    }
    Files.delete(dir.resolve("codes.cm3"));
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      ledger.rebuilt(); // as the service does once a new ledger holds the history
      assertEquals(CodeLedger.Opened.REPLACED, ledger.opened());
      assertTrue(ledger.openedBecause().contains("missing"), ledger.openedBecause());
    }
  }

  @Test
  void timesOutsideTheLedgersRangeAreRefusedNotWrapped() throws Exception {
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      ledger.rebuilt(); // as the service does once a new ledger holds the history
      CodeState before1970 = new CodeState(1, 1, 1, 1, new com.tracesentinel.rules.ScanRef(1, -2_500_000_000L), false,
          false, 0, false, 0);
      assertThrows(IllegalArgumentException.class, () -> ledger.put(CodeKey.of("old"), before1970, 100, true));
      assertNull(ledger.get(CodeKey.of("old")));
    }
  }

  @Test
  void anUpdateHandsTheStepTheStoredBytesAndReturnsWhatItReplaced() throws Exception {
    try (CodeLedger ledger = CodeLedger.open(dir, 2, true)) {
      ledger.rebuilt(); // as the service does once a new ledger holds the history
      byte[] key = CodeKey.of("A");
      List<byte[]> seen = new ArrayList<>();
      assertNull(ledger.update(key, 100, stored -> {
        seen.add(stored);
        return CodeState.NEW.withScanRecorded(7);
      }));
      assertNull(seen.get(0), "a code never judged has no bytes");
      byte[] first = ledger.getRaw(key);
      byte[] replaced = ledger.update(key, 200, stored -> {
        seen.add(stored);
        return StateCodec.decode(stored).withScanRecorded(8);
      });
      assertArrayEquals(first, replaced);
      assertArrayEquals(first, seen.get(1));
      assertEquals(2, ledger.get(key).scanCount());
      assertEquals(1, ledger.size());
      byte[] second = ledger.getRaw(key);
      assertThrows(IllegalStateException.class, () -> ledger.update(key, 300, stored -> {
        throw new IllegalStateException("the ladder failed");
      }));
      assertArrayEquals(second, ledger.getRaw(key), "a failed step leaves the code as it was");
      assertArrayEquals(second, ledger.update(key, 400, stored -> null));
      assertArrayEquals(second, ledger.getRaw(key), "a step that answers null leaves the code as it was");
      assertNull(ledger.update(CodeKey.of("N"), 400, stored -> null));
      assertNull(ledger.getRaw(CodeKey.of("N")), "nor does it add a new one");
      assertEquals(1, ledger.size());
      ledger.update(CodeKey.of("B"), 100, stored -> CodeState.NEW);
      assertThrows(LedgerPort.Full.class, () -> ledger.update(CodeKey.of("C"), 100, stored -> {
        throw new AssertionError("a new code over capacity never reaches the step");
      }));
      assertNull(ledger.getRaw(CodeKey.of("C")));
      assertEquals(2, ledger.size());
      ledger.update(CodeKey.of("B"), 100, stored -> CodeState.NEW.withScanRecorded(1));
      assertEquals(1, ledger.get(CodeKey.of("B")).scanCount(), "a known code still moves when the ledger is full");
    }
  }

  @Test
  void aNewLedgerNotYetSaidToHoldTheHistoryIsReplacedAtTheNextOpenCleanOrNot() throws Exception {
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      assertEquals(CodeLedger.Opened.NEW, ledger.opened());
      ledger.put(CodeKey.of("A"), CodeState.NEW, 100, true); // a rebuild that stopped after its first code
    }
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      assertEquals(CodeLedger.Opened.REPLACED, ledger.opened(), "closed cleanly, yet only a part of the history");
      assertEquals(0, ledger.size());
      ledger.put(CodeKey.of("A"), CodeState.NEW, 100, true);
    }
    Files.writeString(dir.resolve("codes.dirty"), "killed mid-rebuild");
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      assertEquals(CodeLedger.Opened.REPLACED, ledger.opened(), "an unclean stop must not be reconciled as a ledger");
      ledger.rebuilt();
    }
    try (CodeLedger ledger = CodeLedger.open(dir, 1_000, true)) {
      assertEquals(CodeLedger.Opened.CLEAN, ledger.opened());
    }
  }
}
