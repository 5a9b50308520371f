package com.tracesentinel.code;

import static com.tracesentinel.code.Chars.GS;

/**
 * Strips what scanners, keyboard wedges and POS software add to a code, so that noise never becomes a new identity:
 * surrounding white space and CR/LF, a BOM, NUL padding, an AIM symbology identifier, GS written as {@code <GS>},
 * as the six characters {@code "\\u001d"} or as {@code ^]}, duplicated GS, and GS at either end.
 *
 * <p>The AIM identifiers of GS1 symbols ({@code ]C1 ]d2 ]Q3 ]e0}) and a leading GS both mean "FNC1 in first
 * position", i.e. GS1 data follows; that fact survives cleaning as {@link Cleaned#gs1()} because without it a GS1
 * string of exactly 20 digits could not be told from a CN20 code.
 */
final class ScannerNoise {

  /** The longest input worth folding: no separator spelling is longer than 6 characters. */
  private static final int MAX_FOLDABLE = 6 * TraceCodes.MAX_LENGTH;

  /**
   * @param text the code as the parsers see it; positions in {@link ParseResult.Invalid} index this string
   * @param gs1  the scanner said the symbol carries GS1 data (GS1 AIM identifier or leading GS)
   */
  record Cleaned(String text, boolean gs1) {}

  private ScannerNoise() {}

  static Cleaned clean(String raw) {
    int start = 0;
    int end = raw.length();
    while (start < end && isEdgeNoise(raw.charAt(start))) {
      start++;
    }
    while (end > start && isEdgeNoise(raw.charAt(end - 1))) {
      end--;
    }
    boolean gs1 = false;
    if (end - start >= 3 && raw.charAt(start) == ']' && Chars.isAsciiLetter(raw.charAt(start + 1))
        && Chars.isDigit(raw.charAt(start + 2))) {
      gs1 = isGs1Symbology(raw.charAt(start + 1), raw.charAt(start + 2));
      start += 3;
      while (start < end && isEdgeNoise(raw.charAt(start))) {
        start++; // a scanner's configured prefix may put a space after the identifier
      }
    }
    if (end - start > MAX_FOLDABLE) {
      // Too long whatever folding would do: skip the work, the caller rejects it on length.
      return new Cleaned(raw.substring(start, end), gs1);
    }
    String text = foldSeparators(raw, start, end);
    int from = 0;
    int to = text.length();
    if (to > 0 && text.charAt(0) == GS) {
      gs1 = true;
      from = 1;
    }
    if (to > from && text.charAt(to - 1) == GS) {
      to--;
    }
    return new Cleaned(from == 0 && to == text.length() ? text : text.substring(from, to), gs1);
  }

  private static boolean isEdgeNoise(char c) {
    switch (c) {
      case ' ', '\t', '\n', '\r', '\f', '\u000B', '\0', '\u00A0', '\u3000', '\uFEFF':
        return true;
      default:
        return false;
    }
  }

  /**
   * Case-sensitive on purpose: in ISO/IEC 15424 {@code ]E0} is EAN-13 while {@code ]e0} is GS1 DataBar, and an
   * EAN-13 must reach the product-barcode rule, not the GS1 parser.
   */
  private static boolean isGs1Symbology(char letter, char modifier) {
    return (letter == 'C' && modifier == '1') || (letter == 'd' && modifier == '2')
        || (letter == 'Q' && modifier == '3') || (letter == 'e' && modifier == '0');
  }

  /** Rewrites every GS spelling as one GS character and collapses runs of GS, which keyboard wedges duplicate. */
  private static String foldSeparators(String raw, int start, int end) {
    int first = start;
    while (first < end && !mayStartSeparator(raw.charAt(first))) {
      first++;
    }
    if (first == end) {
      return start == 0 && end == raw.length() ? raw : raw.substring(start, end);
    }
    char[] out = new char[end - start];
    int length = first - start;
    raw.getChars(start, first, out, 0);
    int i = first;
    while (i < end) {
      int width = separatorWidth(raw, i, end);
      if (width > 0) {
        if (length == 0 || out[length - 1] != GS) {
          out[length++] = GS;
        }
        i += width;
      } else {
        out[length++] = raw.charAt(i++);
      }
    }
    return new String(out, 0, length);
  }

  private static boolean mayStartSeparator(char c) {
    return c == GS || c == '<' || c == '\\' || c == '^';
  }

  /** Length of the GS spelling at {@code i}, or 0 when there is none. */
  private static int separatorWidth(String raw, int i, int end) {
    char c = raw.charAt(i);
    if (c == GS) {
      return 1;
    }
    if (c == '<' && i + 4 <= end && raw.regionMatches(true, i, "<GS>", 0, 4)) {
      return 4;
    }
    if (c == '\\' && i + 6 <= end && raw.regionMatches(true, i, "\\u001d", 0, 6)) {
      return 6;
    }
    if (c == '^' && i + 1 < end && raw.charAt(i + 1) == ']') {
      return 2;
    }
    return 0;
  }
}
