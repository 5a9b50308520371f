/**
 * Barcode decoding from photos of medicine boxes: plain Java, ZXing and javax.imageio, no HTTP.
 *
 * <p>Entry point: {@link com.tracesentinel.imaging.ImageDecoder#decode(byte[])} (thread-safe; share one
 * instance; blocking and CPU-bound, so call it from a bounded worker pool). It answers a
 * {@link com.tracesentinel.imaging.DecodeOutcome}: {@code Decoded} with the symbols in reading order, or
 * {@code Refused} with a {@link com.tracesentinel.imaging.DecodeOutcome.Reason}. A suggested HTTP mapping:
 * NOT_AN_IMAGE and CORRUPT → 400, UNSUPPORTED_FORMAT → 415, TOO_LARGE_BYTES and TOO_MANY_PIXELS → 413; an empty
 * {@code Decoded} → 422 for {@code /scans/image}, an empty list for {@code /decode}.
 *
 * <p>{@link com.tracesentinel.imaging.DecodedSymbol#text()} is what the trace-code parser reads: GS1 symbols as
 * AIM identifier + element string with GS separators ({@code ]d2…}, {@code ]Q3…}, {@code ]C1…}), everything else
 * as decoded (CN20 digits, a Digital Link URI, a GTIN-13).
 *
 * <p>Test fixtures and the script that makes them: {@code src/test/resources/imaging/}.
 */
package com.tracesentinel.imaging;
