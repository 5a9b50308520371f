package com.tracesentinel.imaging;

import java.util.Objects;

/**
 * One symbol read from an image.
 *
 * @param text   what the trace-code parser wants: for a GS1 symbol the AIM symbology identifier ({@code ]d2} for
 *               GS1 DataMatrix, {@code ]Q3} for GS1 QR, {@code ]C1} for GS1-128) followed by the element string
 *               with GS (0x1D) between variable-length fields; plain decoded text for everything else (a CN20 code
 *               in Code 128 is just its 20 digits, an EAN-13 its 13 digits, a Digital Link QR its URI)
 * @param format ZXing {@code BarcodeFormat} name, e.g. {@code DATA_MATRIX}, {@code QR_CODE}, {@code CODE_128}
 * @param gs1    whether the symbol declared GS1 content (FNC1 in first position)
 * @param x      centre, in pixels of the image as displayed (a JPEG's EXIF orientation applied), used for
 *               reading order
 * @param y      centre, likewise
 */
public record DecodedSymbol(String text, String format, boolean gs1, int x, int y) {
  public DecodedSymbol {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(format, "format");
  }

  /** The text with GS shown as {@code <GS>}: for logs and problem details, never for parsing. */
  public String printable() {
    return text.replace("\u001d", "<GS>");
  }
}
