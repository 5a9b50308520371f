package com.tracesentinel.code;

import com.tracesentinel.code.ParseResult.Invalid;

/** Entry point: turns whatever a scanner sent into a {@link TraceCode} or the precise rule it breaks. */
public final class TraceCodes {

  /** NHSA's {@code drug_trac_codg} holds 100 characters. */
  static final int MAX_LENGTH = 100;

  private TraceCodes() {}

  /**
   * Parses one scan. Never throws, keeps no state, so any thread may call it.
   *
   * <p>The family is told by the code's shape, after scanner noise is removed: a URI is GS1 Digital Link, {@code MA.}
   * is MA, {@code (} is a bracketed GS1 element string, GS1 symbology (AIM identifier or leading GS) or a GS inside
   * means a raw GS1 element string. Digits alone are ambiguous; how they are read is explained on parseDigitLed.
   */
  public static ParseResult parse(String raw) {
    if (raw == null) {
      return new Invalid(InvalidReason.EMPTY, "no code (null)", -1);
    }
    return parse(ScannerNoise.clean(raw));
  }

  /**
   * Parses a code taken from a URL's query string, where an unencoded '+' arrives as a space: a GS1 serial "A+B"
   * pasted into a link was refused as holding a space. No code's data holds a space once scanner noise is removed,
   * so one there can only have been that '+', except next to the brackets of a bracketed element string, where
   * spaces are the printed label's spacing: "(01) 0690… (21) SN1", typed as printed into the look-up page, was
   * refused for the '+' read into its GTIN. A space at either end is still noise to strip (forms pad with it), so a
   * '+' that ends a code or touches a bracket must be sent as {@code %2B}.
   */
  public static ParseResult parseQueryValue(String decoded) {
    if (decoded == null) {
      return parse((String) null);
    }
    ScannerNoise.Cleaned cleaned = ScannerNoise.clean(decoded);
    String text = cleaned.text();
    return parse(text.indexOf(' ') < 0 ? cleaned : new ScannerNoise.Cleaned(text.startsWith("(")
        ? plusesBesideNoBracket(text) : text.replace(' ', '+'), cleaned.gs1()));
  }

  /** Every run of spaces as '+', except a run after a ')' or before a '(': there it is spacing. */
  private static String plusesBesideNoBracket(String s) {
    char[] out = s.toCharArray();
    for (int i = 0; i < out.length; ) {
      if (out[i] != ' ') {
        i++;
        continue;
      }
      int end = i;
      while (end < out.length && out[end] == ' ') {
        end++;
      }
      boolean spacing = out[i - 1] == ')' || (end < out.length && out[end] == '(');
      for (; i < end; i++) {
        out[i] = spacing ? ' ' : '+';
      }
    }
    return new String(out);
  }

  private static ParseResult parse(ScannerNoise.Cleaned cleaned) {
    String s = cleaned.text();
    if (s.isEmpty()) {
      return new Invalid(InvalidReason.EMPTY, "no code, only scanner noise", -1);
    }
    if (s.length() > MAX_LENGTH) {
      return new Invalid(InvalidReason.TOO_LONG, "the code has " + s.length()
          + " characters after removing scanner noise; the NHSA field holds " + MAX_LENGTH, MAX_LENGTH);
    }
    char first = s.charAt(0);
    if (Gs1DigitalLink.isUri(s)) {
      return Gs1DigitalLink.parse(s);
    }
    if (MaCodes.isMa(s)) {
      return MaCodes.parse(s);
    }
    if (first == '(') {
      return Gs1ElementStrings.parseBracketed(s);
    }
    if (cleaned.gs1() || s.indexOf(Chars.GS) >= 0) {
      return Gs1ElementStrings.parseRaw(s);
    }
    if (Chars.isDigit(first)) {
      return parseDigitLed(s);
    }
    return new Invalid(InvalidReason.UNRECOGNISED_FORMAT, "not a CN20, GS1 or MA trace code: it starts with "
        + Chars.describe(first), 0);
  }

  /**
   * Without any GS1 marker, 20 digits are a CN20 code, even when they happen to read as {@code 01}+GTIN+{@code 21}+a
   * 2-digit serial: CN20 is by far the commoner code, and GS1 decoders mark their data (AIM identifier, leading GS).
   * Other unmarked digit strings are GS1 only in the pharmaceutical layout that starts with AI 01; anything else
   * is judged as a mistyped CN20, which gives the clearest message for the usual typo.
   */
  private static ParseResult parseDigitLed(String s) {
    int n = s.length();
    boolean allDigits = Chars.firstNonDigit(s, 0, n) < 0;
    if (allDigits && n == Cn20Parser.LENGTH) {
      return Cn20Parser.parse(s);
    }
    if (allDigits && Gtin.isGtinLength(n) && Gtin.hasValidCheckDigit(s, 0, n)) {
      return new Invalid(InvalidReason.PRODUCT_BARCODE, "this " + n + "-digit GTIN is the product barcode, which"
          + " every box of the product shares; scan the trace code instead", -1);
    }
    if (s.startsWith("01")) {
      return Gs1ElementStrings.parseRaw(s);
    }
    return Cn20Parser.parse(s);
  }
}
