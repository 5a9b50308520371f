package com.tracesentinel.rules;

import java.time.LocalDate;

/**
 * A scan as the ladder needs it: parsed, validated, its site resolved.
 *
 * @param productKey the code's product key (CN20 prefix, GTIN, MA product part)
 * @param expiry     the printed expiry (GS1 AI 17 / MA .V), or null
 * @param siteRef    the scanning site's ref
 * @param at         epoch seconds of the scan's own scannedAt
 * @param quantity   smallest units, meaningful for split sales and returns of split sales
 * @param billedDrug the insurance drug code the sale was billed as, or null
 * @param reimbursed the sale carried a settlement id
 * @param packSize   the product's pack size the scan is judged with: the catalogue's when it was judged (1 for a
 *                   product not in it), kept in the history with the scan, so that a replay counts the units the live
 *                   judgement counted whatever the catalogue says by then; 0 for a scan stored before that was kept
 *                   (the catalogue's is used)
 */
public record ScanFacts(EventType type, String productKey, LocalDate expiry, int siteRef, long at, int quantity,
                        boolean split, String billedDrug, boolean reimbursed, int packSize) {}
