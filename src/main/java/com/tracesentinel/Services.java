package com.tracesentinel;

import com.tracesentinel.auth.ApiKeys;
import com.tracesentinel.history.HistoryStore;
import com.tracesentinel.history.ReferenceRepository;
import com.tracesentinel.ingest.IngestPipeline;
import com.tracesentinel.ledger.CodeLedger;
import com.tracesentinel.metrics.ScanMetrics;
import com.tracesentinel.reference.ReferenceStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;

/** What the HTTP verticles share: built once by {@link TraceSentinel}, never by a verticle. */
public record Services(
    Config config,
    PrometheusMeterRegistry prometheus,
    CodeLedger ledger,
    ReferenceStore reference,
    ReferenceRepository referenceRepository,
    HistoryStore history,
    IngestPipeline pipeline,
    ApiKeys keys,
    ScanMetrics scanMetrics,
    com.tracesentinel.imaging.ImageDecoder imageDecoder) {

  /** Ready when the database answers and the ledger is open and reconciled. */
  public Future<Void> ready() {
    String paused = pipeline.pausedBecause();
    return paused != null ? Future.failedFuture(paused) : history.ping();
  }
}
