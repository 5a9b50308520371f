package com.tracesentinel.code;

import static com.tracesentinel.code.Chars.GS;

import com.tracesentinel.code.ParseResult.Invalid;

/**
 * GS1 element strings in their two written forms: raw, as a symbol's data with GS between fields (what DataMatrix,
 * GS1-128 and GS1 QR decoders emit), and bracketed, the human-readable {@code (01)...(21)...} form people type and
 * systems store.
 */
final class Gs1ElementStrings {

  private Gs1ElementStrings() {}

  /**
   * Fields are split by the AI table alone: a predefined-length AI takes its fixed number of characters, any other
   * runs to the next GS or the end. Extra GS between fields are skipped, since keyboard wedges double them.
   */
  static ParseResult parseRaw(String s) {
    Gs1Elements elements = new Gs1Elements(false);
    int n = s.length();
    int i = 0;
    while (i < n) {
      if (s.charAt(i) == GS) {
        i++;
        continue;
      }
      Gs1Ai ai = Gs1Ai.find(s, i);
      if (ai == null) {
        return unknownAi(s, i);
      }
      int from = i + ai.code.length();
      int limit = ai.predefinedLength ? Math.min(n, from + ai.maxLength) : n;
      int to = from;
      while (to < limit && s.charAt(to) != GS) {
        to++;
      }
      String value = s.substring(from, to);
      Invalid bad = ai.validate(value);
      if (bad != null) {
        return bad.reason() == InvalidReason.VALUE_TOO_LONG
            ? new Invalid(bad.reason(), bad.message() + "; is the GS separator after it missing?", from + bad.position())
            : bad.shiftedBy(from);
      }
      bad = elements.add(ai, value, from);
      if (bad != null) {
        return bad;
      }
      i = to;
    }
    return elements.build();
  }

  /**
   * Every '(' opens an AI, as in GS1's own syntax: a '(' that belongs to the data is written {@code \(}. A looser
   * reading would let a code cut off while typing or pasting, {@code ...(21)ABC123(1}, become serial
   * {@code ABC123(1}, a box that does not exist. Spaces and GS next to the brackets are the printed label's spacing,
   * not data: neither is in CSET 82.
   */
  static ParseResult parseBracketed(String s) {
    Gs1Elements elements = new Gs1Elements(false);
    int n = s.length();
    int i = skipSpacing(s, 0);
    while (i < n) {
      if (s.charAt(i) != '(') {
        return new Invalid(InvalidReason.MALFORMED_BRACKETS,
            "expected '(' and an AI, found " + Chars.describe(s.charAt(i)), i);
      }
      Invalid bad = checkBracket(s, i);
      if (bad != null) {
        return bad;
      }
      int close = s.indexOf(')', i);
      Gs1Ai ai = Gs1Ai.exact(s, i + 1, close);
      if (ai == null) {
        return new Invalid(InvalidReason.UNKNOWN_AI,
            "the GS1 Syntax Dictionary defines no AI " + s.substring(i, close + 1), i + 1);
      }
      int from = skipSpacing(s, close + 1);
      int next = nextOpeningBracket(s, from);
      int to = next;
      while (to > from && isSpacing(s.charAt(to - 1))) {
        to--;
      }
      String value = unescapeBrackets(s, from, to);
      bad = ai.validate(value);
      if (bad != null) {
        return bad.position() < 0 ? bad : bad.shiftedBy(from + escapesBefore(s, from, bad.position()));
      }
      bad = elements.add(ai, value, from);
      if (bad != null) {
        return bad;
      }
      i = skipSpacing(s, next);
    }
    return elements.build();
  }

  /** Why the '(' at {@code open} does not start an AI, or null when it encloses 2 to 4 digits. */
  private static Invalid checkBracket(String s, int open) {
    int close = s.indexOf(')', open);
    int nextOpen = s.indexOf('(', open + 1);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
      int end = Math.min(close < 0 ? s.length() : nextOpen, open + 6);
      return new Invalid(InvalidReason.MALFORMED_BRACKETS, "'" + s.substring(open, end) + "' is not closed: the"
          + " code may be cut off; a '(' that belongs to the data is written \\(", open);
    }
    int digits = close - open - 1;
    if (digits < 2 || digits > 4 || Chars.firstNonDigit(s, open + 1, close) >= 0) {
      return new Invalid(InvalidReason.MALFORMED_BRACKETS, s.substring(open, close + 1)
          + " is not an AI (2 to 4 digits); a '(' that belongs to the data is written \\(", open);
    }
    return null;
  }

  /** Index of the next '(' not escaped by a backslash, or the end. */
  private static int nextOpeningBracket(String s, int from) {
    int i = s.indexOf('(', from);
    while (i > 0 && s.charAt(i - 1) == '\\') {
      i = s.indexOf('(', i + 1);
    }
    return i < 0 ? s.length() : i;
  }

  private static String unescapeBrackets(String s, int from, int to) {
    String value = s.substring(from, to);
    return value.indexOf('\\') < 0 ? value : value.replace("\\(", "(");
  }

  /** How many escape backslashes precede the {@code decoded}-th character of the value at {@code from}. */
  private static int escapesBefore(String s, int from, int decoded) {
    int escapes = 0;
    for (int i = from, k = 0; i < s.length() && k <= decoded; i++) {
      if (s.charAt(i) == '\\' && i + 1 < s.length() && s.charAt(i + 1) == '(') {
        escapes++;
      } else {
        k++;
      }
    }
    return escapes;
  }

  private static Invalid unknownAi(String s, int at) {
    char c = s.charAt(at);
    if (!Chars.isDigit(c)) {
      return new Invalid(InvalidReason.UNKNOWN_AI, "expected a GS1 AI (digits), found " + Chars.describe(c), at);
    }
    int end = at;
    while (end < s.length() && end < at + 4 && Chars.isDigit(s.charAt(end))) {
      end++;
    }
    return new Invalid(InvalidReason.UNKNOWN_AI, end - at < 4 && end == s.length()
        ? "the code ends inside an AI ('" + s.substring(at) + "')"
        : "no known GS1 AI starts with '" + s.substring(at, end) + "'", at);
  }

  private static boolean isSpacing(char c) {
    return c == ' ' || c == GS;
  }

  private static int skipSpacing(String s, int i) {
    while (i < s.length() && isSpacing(s.charAt(i))) {
      i++;
    }
    return i;
  }
}
