package com.tracesentinel.http;

import com.tracesentinel.config.Config;

import com.tracesentinel.auth.ApiKeys;
import com.tracesentinel.cluster.ClusterNode;
import com.tracesentinel.history.ReferenceRepository;
import com.tracesentinel.ingest.ScanIntake;
import com.tracesentinel.imaging.ImageDecoder;
import com.tracesentinel.ingest.LookupService;
import com.tracesentinel.ingest.Preparation;
import com.tracesentinel.investigate.Investigations;
import com.tracesentinel.metrics.RequestsInFlight;
import com.tracesentinel.ingest.ScanService;
import com.tracesentinel.reference.ReferenceStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.Supplier;

/**
 * What the HTTP verticles share: built once by {@link TraceSentinel}, never by a verticle.
 *
 * @param preparation how scans forwarded by a cluster's other node are checked before the core takes them
 * @param intake   where routes hand scans and deletions: {@link #scans} itself, or in a cluster the router that sends
 *                 each partition's codes to its owner
 * @param cluster  this node of a cluster, or null on a single node
 * @param notReady why the service is not ready now (null: ready)
 * @param notLive  why the service should be restarted (null: live)
 * @param requestsInFlight the dashboard's requests in flight, one count for every verticle
 */
public record Services(
    Config config,
    PrometheusMeterRegistry prometheus,
    ReferenceStore reference,
    ReferenceRepository referenceRepository,
    ScanService scans,
    Preparation preparation,
    ScanIntake intake,
    LookupService lookups,
    ApiKeys keys,
    ImageDecoder imageDecoder,
    Supplier<String> notReady,
    Supplier<String> notLive,
    Investigations investigations,
    ClusterNode cluster,
    RequestsInFlight requestsInFlight) {}
