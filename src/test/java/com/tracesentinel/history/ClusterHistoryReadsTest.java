package com.tracesentinel.history;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.ingest.ScanEvent;
import com.tracesentinel.support.TestDatabase;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A cluster node's connections that commit end after {@link PostgresHistory#IDLE_IN_TRANSACTION_MS} idle inside a
 * transaction (they may hold owner rows). A rebuild's cursor holds none: a node too busy to fetch its next rows within
 * that limit must still finish the read, or the partition's rebuild starts over (load-tests/cluster/run.sh saw it on
 * a node restarted under load).
 */
@Tag("slow")
class ClusterHistoryReadsTest {
  @Test
  void aRebuildReadThatFoldsSlowlyIsNotEndedByTheLimitOnIdleTransactions() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    Migrations.apply(db);
    byte[] key = CodeKey.of("89600010000000000001");
    int part = CodeKey.partitionOf(key);
    TestDatabase.execute(db, "INSERT INTO scans (id, part, scanned_at, ingested_at, code_key, idem, canonical, raw_code,"
        + " type, site_id, document_no, line_no, quantity, split, status) VALUES (1, " + part + ", now(), now(), '\\x"
        + HexFormat.of().formatHex(key) + "', '\\x00', '89600010000000000001', '89600010000000000001', 'SALE', 'S1', "
        + "'D1', 1, 1, false, 'ACCEPTED')");
    try (PostgresHistory history = new PostgresHistory(db, "n1", 10, ref -> null)) {
      history.enableOwnershipFence();
      List<ScanEvent> seen = new ArrayList<>();
      history.partitionScans(java.util.Set.of(part), event -> {
        seen.add(event);
        try {
          Thread.sleep(PostgresHistory.IDLE_IN_TRANSACTION_MS + 1_500); // a busy node folding its rows
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      assertEquals(1, seen.size());
    }
  }
}
