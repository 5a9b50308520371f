package com.tracesentinel.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.tracesentinel.code.CodeKey;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StateCodecTest {
  @Test
  void everyFieldSurvivesTheRoundTrip() {
    Random random = new Random(42);
    for (int i = 0; i < 10_000; i++) {
      ScanRef last = random.nextBoolean() ? null
          : new ScanRef(1 + random.nextInt(StateCodec.MAX_SITE_REF), Integer.toUnsignedLong(random.nextInt()));
      int prevSaleSite = random.nextInt(StateCodec.MAX_SITE_REF);
      ScanRef prevOpen = random.nextBoolean() ? null
          : new ScanRef(prevSaleSite, Integer.toUnsignedLong(random.nextInt()));
      CodeState s = new CodeState(random.nextInt(256), random.nextInt(65_536), random.nextInt(1 << 24),
          random.nextInt(256), last, random.nextBoolean(), random.nextBoolean(), prevSaleSite,
          random.nextBoolean(), random.nextLong() >>> (64 - 4 * CodeState.FINGERPRINT_BITS), random.nextBoolean(),
          prevOpen, random.nextBoolean());
      if (last == null) {
        s = new CodeState(s.scanCount(), s.saleCount(), s.soldUnits(), s.distinctSaleSites(), null, s.lastSaleSplit(),
            s.lastSaleReimbursed(), s.prevSaleSite(), s.destroyed(), s.recentKeys(), false, s.prevOpenSale(),
            s.prevOpenSaleSplit());
      }
      long changedAt = Integer.toUnsignedLong(random.nextInt());
      byte[] raw = StateCodec.encode(s, changedAt);
      assertEquals(StateCodec.BYTES, raw.length);
      CodeState back = StateCodec.decode(raw);
      // A lastSale-less state has no lastSale flags to keep: the codec stores them, the record compares them.
      assertEquals(s, back);
      assertEquals(changedAt, StateCodec.changedAt(raw));
    }
  }

  @Test
  void countersSaturateInsteadOfWrapping() {
    CodeState big = new CodeState(100_000, 70_000, 20_000_000, 999, null, false, false, 0, false, 0);
    CodeState back = StateCodec.decode(StateCodec.encode(big, 0));
    assertEquals(255, back.scanCount(), "what reads it asks only whether it is 1, or more than 4");
    assertEquals(65_535, back.saleCount());
    assertEquals(16_777_215, back.soldUnits());
    assertEquals(255, back.distinctSaleSites());
  }

  @Test
  void aReturnedLastSaleRoundTripsWithItsSite() {
    CodeState returned = new CodeState(3, 1, 1, 2, new ScanRef(7, 1_000), false, false, 5, false, 42, true);
    assertEquals(returned, StateCodec.decode(StateCodec.encode(returned, 0)));
    CodeState open = new CodeState(3, 1, 1, 2, new ScanRef(7, 1_000), false, false, 5, false, 42);
    assertEquals(open, StateCodec.decode(StateCodec.encode(open, 0)));
  }

  @Test
  void theOpenSaleAtThePreviousSiteRoundTripsOnTheSitesRef() {
    CodeState s = new CodeState(4, 2, 11, 2, new ScanRef(7, 2_000), false, false, 5, false, 42, false,
        new ScanRef(5, 1_000), true);
    assertEquals(s, StateCodec.decode(StateCodec.encode(s, 0)));
    CodeState elsewhere = new CodeState(4, 2, 11, 2, new ScanRef(7, 2_000), false, false, 5, false, 42, false,
        new ScanRef(6, 1_000), false);
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> StateCodec.encode(elsewhere, 0), "one site ref holds both: another is refused, not lost");
  }

  @Test
  void fourFingerprintsAreRememberedAndTheOldestDropped() {
    CodeState s = CodeState.NEW;
    for (int fingerprint = 0x3FF0; fingerprint < 0x3FF5; fingerprint++) {
      s = s.withScanRecorded(fingerprint | 0xC000);
    }
    byte[] raw = StateCodec.encode(s, 0);
    assertEquals(s.recentKeys(), StateCodec.recentKeys(raw));
    for (int i = 0; i < 4; i++) {
      assertEquals(0x3FF4 - i, (StateCodec.recentKeys(raw) >>> (CodeState.FINGERPRINT_BITS * i))
          & CodeState.FINGERPRINT_MASK);
    }
    assertEquals(s, StateCodec.decode(raw));
  }

  @Test
  void timesBeyond2038StayPositive() {
    long in2100 = 4_102_444_800L;
    CodeState s = new CodeState(1, 1, 1, 1, new ScanRef(7, in2100), false, false, 0, false, 0);
    CodeState back = StateCodec.decode(StateCodec.encode(s, in2100));
    assertEquals(in2100, back.lastSale().at());
  }

  @Test
  void aSiteRefBeyondThreeBytesIsRefusedNotTruncated() {
    CodeState s = new CodeState(1, 1, 1, 1, new ScanRef(StateCodec.MAX_SITE_REF + 1, 100), false, false, 0, false, 0);
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> StateCodec.encode(s, 100));
  }

  @Test
  void codeKeysAreSixteenBytesStableAndDistinct() {
    byte[] a = CodeKey.of("(01)06901234567892(21)SN0001");
    assertEquals(16, a.length);
    assertEquals(CodeKey.hex(a), CodeKey.hex(CodeKey.of("(01)06901234567892(21)SN0001")));
    assertNotEquals(CodeKey.hex(a), CodeKey.hex(CodeKey.of("(01)06901234567892(21)sn0001")));
    int[] perShard = new int[4];
    for (int i = 0; i < 40_000; i++) {
      perShard[CodeKey.shardOf(CodeKey.of("8" + i), 4)]++;
    }
    for (int n : perShard) {
      assertEquals(10_000, n, 400, "shards are evenly loaded");
    }
  }
}
