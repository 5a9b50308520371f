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
   * A value runs until the next '(' that encloses 2 to 4 digits and ')', so other brackets inside data (both are in
   * CSET 82) survive, and a mistyped AI is reported as such rather than as an over-long previous field. Spaces and
   * GS next to the brackets are the printed label's spacing, not data: neither is in CSET 82.
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
      int close = closingBracket(s, i);
      if (close < 0) {
        return new Invalid(InvalidReason.MALFORMED_BRACKETS,
            "'(' is not followed by a 2- to 4-digit AI and ')'", i);
      }
      Gs1Ai ai = Gs1Ai.exact(s, i + 1, close);
      if (ai == null) {
        return new Invalid(InvalidReason.UNKNOWN_AI, "no known GS1 AI is " + s.substring(i, close + 1), i + 1);
      }
      int from = skipSpacing(s, close + 1);
      int next = from;
      while (next < n && !(s.charAt(next) == '(' && closingBracket(s, next) >= 0)) {
        next++;
      }
      int to = next;
      while (to > from && isSpacing(s.charAt(to - 1))) {
        to--;
      }
      String value = s.substring(from, to);
      Invalid bad = ai.validate(value);
      if (bad != null) {
        return bad.shiftedBy(from);
      }
      bad = elements.add(ai, value, from);
      if (bad != null) {
        return bad;
      }
      i = skipSpacing(s, next);
    }
    return elements.build();
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

  /** Index of the ')' closing an AI opened at {@code open}, or -1. */
  private static int closingBracket(String s, int open) {
    int i = open + 1;
    while (i < s.length() && i - open <= 4 && Chars.isDigit(s.charAt(i))) {
      i++;
    }
    int digits = i - open - 1;
    return digits >= 2 && digits <= 4 && i < s.length() && s.charAt(i) == ')' ? i : -1;
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
