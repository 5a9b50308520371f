package com.tracesentinel.code;

import com.tracesentinel.code.ParseResult.Invalid;
import com.tracesentinel.code.ParseResult.Valid;

/**
 * 码上放心 (CN20) codes: 20 digits whose first 7 name the product (NMPAB/T 1002-2019). The remaining digits hold the
 * serial and a check part whose algorithm is not public, so only the shape can be checked here; whether the prefix
 * names a catalogued product is the catalogue's question, not the parser's.
 */
final class Cn20Parser {

  static final int LENGTH = 20;
  private static final int PRODUCT_KEY_LENGTH = 7;

  private Cn20Parser() {}

  static ParseResult parse(String s) {
    int nonDigit = Chars.firstNonDigit(s, 0, s.length());
    if (nonDigit >= 0) {
      return new Invalid(InvalidReason.NOT_NUMERIC,
          "a CN20 code is 20 digits, found " + Chars.describe(s.charAt(nonDigit)), nonDigit);
    }
    if (s.length() != LENGTH) {
      return new Invalid(InvalidReason.CN20_LENGTH,
          "a CN20 code is 20 digits, got " + s.length(), Math.min(s.length(), LENGTH));
    }
    return new Valid(new TraceCode(CodeFamily.CN20, s, s.substring(0, PRODUCT_KEY_LENGTH),
        s.substring(PRODUCT_KEY_LENGTH), null, null, s));
  }
}
