package com.tracesentinel.imaging;

import java.util.List;
import java.util.Objects;

/** What {@link ImageDecoder#decode(byte[])} answers: either symbols (possibly none) or a refusal of the input. */
public sealed interface DecodeOutcome permits DecodeOutcome.Decoded, DecodeOutcome.Refused {

  /** Why an upload was not decoded. Suggested HTTP mapping in the comments. */
  enum Reason {
    /** Empty, or no known image signature (400). */
    NOT_AN_IMAGE,
    /** A recognised image format that is not accepted here: TIFF, HEIC/AVIF, JPEG 2000, PSD, ICO, SVG, PDF… (415). */
    UNSUPPORTED_FORMAT,
    /** More bytes than {@link DecoderSettings#maxBytes()} (413). */
    TOO_LARGE_BYTES,
    /**
     * The header announces more than {@link DecoderSettings#maxPixels()} pixels, or a side longer than 16,384 px
     * (413 or 422).
     */
    TOO_MANY_PIXELS,
    /**
     * The signature is right but the header or pixel data cannot be read: truncated or damaged file, or a JPEG of
     * implausibly many scans (400).
     */
    CORRUPT,
    /**
     * The heap could not hold the photo's pixels at that moment (other photos were being decoded): no fault of the
     * photo's, so not a refusal of it (503, to be sent again).
     */
    NO_MEMORY
  }

  /**
   * The image was read and searched.
   *
   * @param symbols         deduplicated by text, in reading order: rows top to bottom, left to right in a row; empty
   *                        when nothing was found
   * @param pass            the pass that found them ({@code whole}, {@code pure}, {@code upscaled},
   *                        {@code downscaled}, {@code rotated}, {@code regions}, {@code tiles}; a whole-view
   *                        pass followed by {@code +regions} when the completion found more), or {@code none}
   *                        when nothing was found
   * @param micros          wall-clock time spent, loading included
   * @param budgetExhausted true when the time budget ran out with work left (passes, regions or tiles not
   *                        read): an empty result then means "not found in time" rather than "no code in the
   *                        image", and a non-empty one may lack a symbol that a longer search would have found
   */
  record Decoded(List<DecodedSymbol> symbols, String pass, long micros, boolean budgetExhausted)
      implements DecodeOutcome {
    public Decoded {
      symbols = List.copyOf(symbols);
      Objects.requireNonNull(pass, "pass");
    }
  }

  record Refused(Reason reason, String message) implements DecodeOutcome {
    public Refused {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
    }
  }
}
