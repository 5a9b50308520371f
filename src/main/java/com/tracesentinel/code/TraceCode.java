package com.tracesentinel.code;

import java.time.LocalDate;

/**
 * One box's trace code, parsed and normalised.
 *
 * @param family        which scheme the code follows
 * @param canonical     the box identity and dedup key: every spelling of one box yields this string, two boxes never
 *                      share it. CN20: the 20 digits; GS1: {@code (01)}GTIN-14{@code (21)}serial, the serial's
 *                      a-z folded to A-Z (a Caps Lock spelling is the same box); MA: the normalised code up to and
 *                      including the serial unit, its serial data in the case scanned
 * @param productKey    CN20: the first 7 digits; GS1: the GTIN-14; MA: the part before the first data unit
 * @param serial        CN20: the 13 digits after the product key; GS1: AI 21; MA: the {@code .S} unit's data.
 *                      Case is kept as scanned (only the GS1 canonical folds it)
 * @param batch         GS1 AI 10 or MA {@code .L}, null when absent (CN20 never carries one)
 * @param expiry        GS1 AI 17 or MA {@code .V}, null when absent
 * @param elementString GS1: the bracketed element string with AI 01 first and the other AIs in ascending order;
 *                      CN20: the 20 digits; MA: the whole normalised MA string
 */
public record TraceCode(CodeFamily family, String canonical, String productKey, String serial, String batch,
                        LocalDate expiry, String elementString) {}
