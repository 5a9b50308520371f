package com.tracesentinel;

import com.tracesentinel.auth.ApiKeys;
import com.tracesentinel.history.ReferenceRepository;
import com.tracesentinel.imaging.ImageDecoder;
import com.tracesentinel.ingest.LookupService;
import com.tracesentinel.investigate.Investigations;
import com.tracesentinel.ingest.ScanService;
import com.tracesentinel.ledger.CodeLedger;
import com.tracesentinel.reference.ReferenceStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.sqlclient.Pool;
import java.util.function.Supplier;

/**
 * What the HTTP verticles share: built once by {@link TraceSentinel}, never by a verticle.
 *
 * @param notReady why the service is not ready now (null: ready)
 * @param notLive  why the service should be restarted (null: live)
 */
public record Services(
    Config config,
    PrometheusMeterRegistry prometheus,
    CodeLedger ledger,
    ReferenceStore reference,
    ReferenceRepository referenceRepository,
    Pool pool,
    ScanService scans,
    LookupService lookups,
    ApiKeys keys,
    ImageDecoder imageDecoder,
    Supplier<String> notReady,
    Supplier<String> notLive,
    Investigations investigations) {}
