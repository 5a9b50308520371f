package com.tracesentinel.code;

import com.tracesentinel.code.ParseResult.Invalid;
import com.tracesentinel.code.ParseResult.Valid;
import java.time.LocalDate;

/**
 * MA codes (ISO/IEC 15459, issuing agency MA, run by ZIIOT), e.g. {@code MA.156.M0.100001.L2503.S0000123456.V270131}.
 *
 * <p>After {@code MA.} come the country ({@code 156}), industry ({@code M0}) and registrant segments, optionally a
 * product code, then data units each named by a letter: {@code .L} batch, {@code .S} serial, {@code .V} expiry,
 * {@code .M} production date and others ({@code .E .D .P .C}) that are kept but not interpreted. The data units begin
 * at the first segment after the registrant that starts with L, S, V or M; the industry segment "M0" would
 * otherwise look like a production date, which is why the three header segments are never read as units.
 */
final class MaCodes {

  /** Country, industry, registrant. */
  private static final int HEADER_SEGMENTS = 3;

  private MaCodes() {}

  static boolean isMa(String s) {
    return s.length() >= 3 && Chars.toUpperAscii(s.charAt(0)) == 'M' && Chars.toUpperAscii(s.charAt(1)) == 'A'
        && s.charAt(2) == '.';
  }

  /** Caps Lock may lower-case the prefix and unit letters; those are normalised, the data is kept as scanned. */
  static ParseResult parse(String s) {
    int n = s.length();
    StringBuilder out = new StringBuilder(n).append("MA.");
    int productEnd = -1;
    int canonicalEnd = -1;
    int unitsSeen = 0;
    String serial = null;
    String batch = null;
    LocalDate expiry = null;
    int segment = 0;
    for (int from = 3; ; segment++) {
      int to = s.indexOf('.', from);
      if (to < 0) {
        to = n;
      }
      if (to == from) {
        return new Invalid(InvalidReason.MA_EMPTY_UNIT, "empty segment in the MA code", from);
      }
      for (int i = from; i < to; i++) {
        char c = s.charAt(i);
        if (c <= 0x20 || c >= 0x7f) {
          return new Invalid(InvalidReason.INVALID_CHARACTER,
              "MA codes use printable ASCII only, found " + Chars.describe(c), i);
        }
      }
      char letter = Chars.toUpperAscii(s.charAt(from));
      if (productEnd < 0 && segment >= HEADER_SEGMENTS
          && (letter == 'L' || letter == 'S' || letter == 'V' || letter == 'M')) {
        productEnd = out.length() - 1;
      }
      if (productEnd < 0) {
        if (segment == 0 && (to - from != 3 || Chars.firstNonDigit(s, from, to) >= 0)) {
          return new Invalid(InvalidReason.MA_HEADER, "the MA country segment is 3 digits (156 for China), found '"
              + s.substring(from, to) + "'", from);
        }
        out.append(s, from, to);
      } else {
        if (!Chars.isAsciiLetter(letter)) {
          return new Invalid(InvalidReason.MA_UNIT_LETTER,
              "an MA data unit starts with its letter, found " + Chars.describe(s.charAt(from)), from);
        }
        int bit = 1 << (letter - 'A');
        if ((unitsSeen & bit) != 0) {
          return new Invalid(InvalidReason.REPEATED_FIELD, "MA data unit ." + letter + " appears twice", from);
        }
        unitsSeen |= bit;
        if (to - from == 1) {
          return new Invalid(InvalidReason.MA_EMPTY_UNIT, "MA data unit ." + letter + " has no data", from + 1);
        }
        out.append(letter).append(s, from + 1, to);
        switch (letter) {
          case 'S' -> {
            serial = s.substring(from + 1, to);
            canonicalEnd = out.length();
          }
          case 'L' -> batch = s.substring(from + 1, to);
          case 'V' -> {
            Invalid bad = checkExpiry(s, from + 1, to);
            if (bad != null) {
              return bad;
            }
            expiry = ShortDates.toDate(s, from + 1);
          }
          default -> { } // kept in the element string, not interpreted
        }
      }
      if (to == n) {
        break;
      }
      out.append('.');
      from = to + 1;
    }
    if (productEnd < 0 && segment + 1 < HEADER_SEGMENTS) {
      return new Invalid(InvalidReason.MA_HEADER,
          "an MA code has country, industry and registrant segments after 'MA.'", -1);
    }
    if (serial == null) {
      return new Invalid(InvalidReason.MISSING_SERIAL,
          "no serial unit (.S): the MA code names a product, not one box", -1);
    }
    String normalised = out.toString();
    return new Valid(new TraceCode(CodeFamily.MA, normalised.substring(0, canonicalEnd),
        normalised.substring(0, productEnd), serial, batch, expiry, normalised));
  }

  /** MA has no GS1-style day 00: an expiry names a real day. */
  private static Invalid checkExpiry(String s, int from, int to) {
    if (to - from != ShortDates.LENGTH || Chars.firstNonDigit(s, from, to) >= 0) {
      return new Invalid(InvalidReason.INVALID_DATE,
          "MA expiry unit .V is YYMMDD, found '" + s.substring(from, to) + "'", from);
    }
    int bad = ShortDates.invalidPartAt(s, from, false);
    return bad < 0 ? null : new Invalid(InvalidReason.INVALID_DATE,
        "MA expiry " + s.substring(from, to) + ": " + ShortDates.explain(s, from, bad), from + bad);
  }
}
