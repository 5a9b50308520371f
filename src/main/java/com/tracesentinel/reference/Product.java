package com.tracesentinel.reference;

/**
 * A catalogue entry.
 *
 * @param productKey 7-digit CN20 prefix, GTIN-14, or the MA product part
 * @param drugCode   national insurance drug code, compared with a scan's billedDrug (may be null)
 * @param packSize   smallest units in one box (1 when the box is never split)
 */
public record Product(String productKey, String drugCode, String genericName, String brandName, String spec,
                      String manufacturer, int packSize) {}
