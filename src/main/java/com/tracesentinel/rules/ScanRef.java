package com.tracesentinel.rules;

/**
 * The earlier scan a new one is judged against: where and when it happened. The ledger keeps only this much; the
 * history resolves it to the full row (document number) when the anomaly is stored.
 *
 * @param siteRef the site's numeric reference ({@link com.tracesentinel.reference.Site#ref()}), never 0
 * @param at      epoch seconds of the scan's own scannedAt
 */
public record ScanRef(int siteRef, long at) {}
