package com.tracesentinel.ingest;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.StateCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A continuous check, while the service runs, that the ledger is what the history says: every few seconds a sample
 * of the codes judged lately, whose every change is committed, is re-derived from the history and compared. A code
 * that changes while it is being checked is left for a later round (the comparison would prove nothing). A mismatch
 * is logged with the code's key and counted in {@code tracesentinel_ledger_audit_mismatches_total}: alert on it, then
 * stop the service and run verify-ledger and rebuild-ledger.
 */
public final class LedgerAudit {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerAudit.class);

  private final ScanService scans;
  private final LedgerRecovery recovery;
  private final java.util.function.IntPredicate judgedHere;
  private final Counter checked;
  private final Counter mismatches;

  /** @param judgedHere a cluster node audits only partitions it judges: another node may have judged the rest since */
  public LedgerAudit(ScanService scans, LedgerRecovery recovery, MeterRegistry registry,
                     java.util.function.IntPredicate judgedHere) {
    this.judgedHere = judgedHere;
    this.scans = scans;
    this.recovery = recovery;
    this.checked = Counter.builder("tracesentinel.ledger.audit.checked")
        .description("Codes the background audit compared with the history").register(registry);
    this.mismatches = Counter.builder("tracesentinel.ledger.audit.mismatches")
        .description("Codes whose ledger state differed from the history (should stay 0)").register(registry);
  }

  /** One round over up to {@code sample} codes; returns how many differed. Blocking: run it on its own thread. */
  public int runOnce(int sample) throws Exception {
    Map<ByteBuffer, byte[]> before = scans.settledRecentCodes(sample).get(30, TimeUnit.SECONDS);
    if (before.isEmpty()) {
      return 0;
    }
    List<byte[]> keys = new ArrayList<>();
    before.keySet().forEach(k -> keys.add(k.array()));
    Map<ByteBuffer, CodeState> expected = recovery.expected(keys);
    Map<ByteBuffer, byte[]> after = scans.storedNow(before.keySet()).get(30, TimeUnit.SECONDS);
    int differed = 0;
    int compared = 0;
    for (Map.Entry<ByteBuffer, byte[]> e : before.entrySet()) {
      if (!Arrays.equals(e.getValue(), after.get(e.getKey()))
          || !judgedHere.test(CodeKey.partitionOf(e.getKey().array()))) {
        continue; // judged again meanwhile: nothing to conclude this round
      }
      compared++;
      CodeState history = expected.get(e.getKey());
      CodeState ledger = StateCodec.decode(e.getValue());
      if (history == null || !ledger.equals(StateCodec.stored(history))) {
        differed++;
        LOG.error("Ledger audit: code {} differs from its history (ledger {}, history {}): run verify-ledger",
            CodeKey.hex(e.getKey().array()), ledger, history);
      }
    }
    checked.increment(compared);
    mismatches.increment(differed);
    return differed;
  }
}
