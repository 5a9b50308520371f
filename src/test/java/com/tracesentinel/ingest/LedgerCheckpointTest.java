package com.tracesentinel.ingest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * After an unclean stop only the codes changed since the ledger's last checkpoint are reconciled with the history. A
 * ledger made at a start had no checkpoint until a second after the service was ready, so a crash within that second
 * (seen in ProcessFaultsTest, each time after a rebuild) made the next start reconcile every code, "since 0".
 */
@Tag("slow")
class LedgerCheckpointTest {
  @Test
  void aServiceReadyToServeHasWrittenItsFirstCheckpoint() throws Exception {
    long before = Instant.now().getEpochSecond();
    try (TestService svc = TestService.start()) {
      Path checkpoint = svc.dataDir().resolve("ledger").resolve("codes.checkpoint");
      assertTrue(Files.exists(checkpoint), "no checkpoint when ready");
      long written = Long.parseLong(Files.readString(checkpoint).trim());
      assertTrue(written >= before - 3, "checkpoint " + written + " against a start at " + before);
    }
  }
}
