package com.tracesentinel.code;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.LocalDate;

/** Assertions shared by the per-scheme tests, so each table row states only what it is about. */
final class Expect {

  static final String GS = "\u001d";

  private Expect() {}

  static TraceCode valid(String input) {
    ParseResult result = TraceCodes.parse(input);
    return assertInstanceOf(ParseResult.Valid.class, result, () -> show(input) + " gave " + result).code();
  }

  static TraceCode valid(String input, CodeFamily family, String canonical, String productKey, String serial,
                         String batch, String expiry, String elementString) {
    TraceCode code = valid(input);
    assertEquals(family, code.family(), "family of " + show(input));
    assertEquals(canonical, code.canonical(), "canonical of " + show(input));
    assertEquals(productKey, code.productKey(), "productKey of " + show(input));
    assertEquals(serial, code.serial(), "serial of " + show(input));
    assertEquals(batch, code.batch(), "batch of " + show(input));
    assertEquals(expiry == null ? null : LocalDate.parse(expiry), code.expiry(), "expiry of " + show(input));
    assertEquals(elementString, code.elementString(), "elementString of " + show(input));
    return code;
  }

  static ParseResult.Invalid invalid(String input, InvalidReason reason, int position) {
    ParseResult result = TraceCodes.parse(input);
    ParseResult.Invalid invalid = assertInstanceOf(ParseResult.Invalid.class, result,
        () -> show(input) + " gave " + result);
    assertEquals(reason, invalid.reason(), () -> show(input) + ": " + invalid.message());
    assertEquals(position, invalid.position(), () -> show(input) + ": " + invalid.message());
    assertFalse(invalid.message().isBlank(), "every failure says what failed");
    return invalid;
  }

  /** What a GS1 canonical does to a serial: a-z to A-Z, whatever the default locale. */
  static String upperAscii(String s) {
    StringBuilder out = new StringBuilder(s.length());
    s.chars().forEach(c -> out.append((char) (c >= 'a' && c <= 'z' ? c - 32 : c)));
    return out.toString();
  }

  /** Makes GS, BOM and line breaks visible in failure messages. */
  static String show(String s) {
    return s == null ? "null" : "\"" + s.replace(GS, "<0x1D>").replace("\uFEFF", "<BOM>").replace("\r", "\\r")
        .replace("\n", "\\n") + "\"";
  }
}
