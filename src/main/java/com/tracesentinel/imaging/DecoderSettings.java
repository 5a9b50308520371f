package com.tracesentinel.imaging;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits for {@link ImageDecoder}.
 *
 * @param maxBytes   largest accepted upload (the API's 8 MiB); bigger is refused before anything is parsed
 * @param maxPixels  largest accepted width × height (the API's 40 megapixels), checked from the header before any
 *                   pixel is decoded, so decompression bombs never allocate their raster; whatever it is, no
 *                   side may be longer than 16,384 px
 * @param timeBudget wall-clock budget per image for the decoding passes (image loading included). Checked between
 *                   passes and between tiles: one ZXing call is not interruptible, so a decode may overrun the
 *                   budget by the cost of one call (tens of milliseconds, more on a 40 MP image)
 */
public record DecoderSettings(long maxBytes, long maxPixels, Duration timeBudget) {
  public static final long DEFAULT_MAX_BYTES = 8L * 1024 * 1024;
  public static final long DEFAULT_MAX_PIXELS = 40_000_000L;
  public static final Duration DEFAULT_TIME_BUDGET = Duration.ofSeconds(2);

  public DecoderSettings {
    Objects.requireNonNull(timeBudget, "timeBudget");
    if (maxBytes <= 0) throw new IllegalArgumentException("maxBytes must be positive");
    if (maxPixels <= 0) throw new IllegalArgumentException("maxPixels must be positive");
    if (timeBudget.isNegative() || timeBudget.isZero()) throw new IllegalArgumentException("timeBudget must be positive");
  }

  public static DecoderSettings defaults() {
    return new DecoderSettings(DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, DEFAULT_TIME_BUDGET);
  }

  public DecoderSettings withTimeBudget(Duration value) {
    return new DecoderSettings(maxBytes, maxPixels, value);
  }
}
