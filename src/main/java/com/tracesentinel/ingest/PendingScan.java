package com.tracesentinel.ingest;

import com.tracesentinel.code.TraceCode;
import com.tracesentinel.reference.Site;
import com.tracesentinel.rules.Anomaly;
import com.tracesentinel.rules.ScanFacts;
import java.util.List;

/**
 * One scan on its way through the pipeline. Written by one thread at a time, in order: the HTTP event loop
 * prepares it, its code's shard judges it, the committer resolves conflicts after the commit; each hand-over goes
 * through the ring buffer or a Vert.x context, which orders the writes.
 */
public final class PendingScan {
  final int index;
  final ScanInput input;
  final TraceCode code;
  final byte[] key;
  final int shard;
  final Site site;
  final String idempotencyKey;

  long scanId;
  ScanStatus status;
  String error;
  List<Anomaly> anomalies = List.of();
  /** Conflicting scans' document numbers, index-aligned with anomalies, filled from the history at commit. */
  String[] conflictDocuments;
  /** For REPLAYED: the original, still in flight ... */
  PendingScan originalInFlight;
  /** ... or already in the history. */
  StoredResult originalStored;

  private PendingScan(int index, ScanInput input, TraceCode code, byte[] key, int shard, Site site, String error) {
    this.index = index;
    this.input = input;
    this.code = code;
    this.key = key;
    this.shard = shard;
    this.site = site;
    this.error = error;
    this.idempotencyKey = code == null ? null : input.idempotencyKey(code.canonical());
    if (error != null) {
      this.status = ScanStatus.REJECTED;
    }
  }

  static PendingScan toJudge(int index, ScanInput input, TraceCode code, byte[] key, int shard, Site site) {
    return new PendingScan(index, input, code, key, shard, site, null);
  }

  static PendingScan rejected(int index, ScanInput input, TraceCode code, String error) {
    return new PendingScan(index, input, code, null, -1, null, error);
  }

  boolean needsJudging(int shardIndex) {
    return shard == shardIndex && status == null;
  }

  ScanFacts facts() {
    return new ScanFacts(input.type(), code.productKey(), code.expiry(), site.ref(), input.scannedAt().getEpochSecond(),
        input.quantity(), input.split(), input.billedDrug(), input.settlementId() != null);
  }

  /** The idempotency key as the database's unique key table stores it: the first 16 bytes of its SHA-256. */
  public byte[] idempotencyHash() {
    return com.tracesentinel.ledger.CodeKey.sha256Prefix(idempotencyKey);
  }

  int keyFingerprint() {
    return ScanInput.fingerprint(idempotencyKey);
  }

  boolean stored() {
    return status == ScanStatus.ACCEPTED || status == ScanStatus.FLAGGED || status == ScanStatus.REJECTED;
  }

  /** A rejected scan gets its id when it is stored (it never reaches a shard). */
  public void assignId(long id) {
    this.scanId = id;
  }

  /** The history found the conflicting scan of this scan's anomaly of that type. */
  public void resolveConflict(String anomalyType, String documentNo) {
    if (conflictDocuments == null) {
      conflictDocuments = new String[anomalies.size()];
    }
    for (int i = 0; i < anomalies.size(); i++) {
      if (anomalies.get(i).type().name().equals(anomalyType)) {
        conflictDocuments[i] = documentNo;
      }
    }
  }

  public int index() {
    return index;
  }

  public ScanInput input() {
    return input;
  }

  public TraceCode code() {
    return code;
  }

  public Site site() {
    return site;
  }

  public byte[] key() {
    return key;
  }

  public long scanId() {
    return scanId;
  }

  public ScanStatus status() {
    return status;
  }

  public String error() {
    return error;
  }

  public List<Anomaly> anomalies() {
    return anomalies;
  }

  public String conflictDocument(int anomalyIndex) {
    return conflictDocuments == null ? null : conflictDocuments[anomalyIndex];
  }

  public PendingScan originalInFlight() {
    return originalInFlight;
  }

  public StoredResult originalStored() {
    return originalStored;
  }
}
