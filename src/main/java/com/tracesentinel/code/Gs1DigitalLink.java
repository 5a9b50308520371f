package com.tracesentinel.code;

import com.tracesentinel.code.ParseResult.Invalid;

/**
 * GS1 Digital Link URIs ({@code https://any.host/optional/prefix/01/{gtin}/22/{cpv}/10/{lot}/21/{serial}?17=YYMMDD}),
 * as GS1 QR codes on newer packs carry them.
 *
 * <p>The path is read from the right in key/value pairs until the GTIN key, as GS1's Digital Link decoding does, so
 * a custom path prefix (even one containing "01") cannot be mistaken for data. Query parameters whose key is a
 * number are AI data attributes; any others (linkType, tracking tags) are not data and are ignored. The host plays
 * no part in the identity: the same box is the same box whichever resolver the brand owner uses.
 */
final class Gs1DigitalLink {

  // A 100-character URI has at most 50 path segments.
  private static final int MAX_SEGMENTS = TraceCodes.MAX_LENGTH / 2;
  private static final String URI_PUNCTUATION = "-._~:/?#[]@!$&'()*+,;=%";

  private Gs1DigitalLink() {}

  static boolean isUri(String s) {
    return s.regionMatches(true, 0, "https://", 0, 8) || s.regionMatches(true, 0, "http://", 0, 7);
  }

  static ParseResult parse(String s) {
    int hostStart = s.charAt(4) == ':' ? 7 : 8;
    boolean upper = Character.isUpperCase(s.charAt(0));
    for (int i = 1; i < hostStart - 3; i++) {
      if (Character.isUpperCase(s.charAt(i)) != upper) {
        return new Invalid(InvalidReason.DL_MALFORMED,
            "the scheme '" + s.substring(0, hostStart - 3) + "' mixes upper and lower case", 0);
      }
    }
    for (int i = hostStart; i < s.length(); i++) {
      if (!isUriCharacter(s.charAt(i))) {
        return new Invalid(InvalidReason.INVALID_CHARACTER, Chars.describe(s.charAt(i))
            + " cannot stand in a URI; a Digital Link percent-encodes it", i);
      }
    }
    int end = indexOf(s, '#', hostStart, s.length());
    int query = indexOf(s, '?', hostStart, end);
    int path = indexOf(s, '/', hostStart, query);
    if (path == hostStart || path == query) {
      return new Invalid(InvalidReason.DL_MALFORMED,
          path == hostStart ? "the URI has no host" : "the URI has no path after the host", hostStart);
    }

    int[] starts = new int[MAX_SEGMENTS];
    int[] ends = new int[MAX_SEGMENTS];
    int segments = 0;
    for (int from = path + 1; from <= query; ) {
      int to = indexOf(s, '/', from, query);
      if (to == from && to < query) {
        return new Invalid(InvalidReason.DL_MALFORMED, "empty path segment ('//')", from);
      }
      if (to > from) {
        starts[segments] = from;
        ends[segments] = to;
        segments++;
      }
      from = to + 1;
    }
    boolean trailingSlash = query - 1 > path && s.charAt(query - 1) == '/';

    int gtinKey = findGtinKey(s, starts, ends, segments);
    if (gtinKey < 0) {
      return pathError(s, starts, ends, segments, -gtinKey - 1, path, query);
    }
    if (trailingSlash) {
      return new Invalid(InvalidReason.DL_MALFORMED,
          "the path ends with '/': a Digital Link path is /key/value pairs with nothing after the last value",
          query - 1);
    }

    Gs1Elements elements = new Gs1Elements(true);
    Invalid bad = addGtin(s, starts[gtinKey + 1], ends[gtinKey + 1], elements);
    for (int k = gtinKey + 2; bad == null && k < segments; k += 2) {
      bad = addValue(s, Gs1Ai.exact(s, starts[k], ends[k]), starts[k + 1], ends[k + 1], false, elements);
    }
    boolean tpxInPath = elements.has(Gs1Ai.TPX);
    for (int from = query + 1; bad == null && from < end; ) {
      int to = indexOf(s, '&', from, end);
      bad = addQueryAttribute(s, from, to, tpxInPath, elements);
      from = to + 1;
    }
    return bad != null ? bad : elements.build();
  }

  /**
   * Explains why no /01/{gtin} key heads the path: the last key has no value (a code cut off after "/21/"), an AI
   * GS1 does not define, a key out of qualifier order, or no GTIN at all.
   */
  private static Invalid pathError(String s, int[] starts, int[] ends, int segments, int broken, int path,
                                   int valueAt) {
    int last = segments - 1;
    Gs1Ai lastAi = segments == 0 ? null : Gs1Ai.exact(s, starts[last], ends[last]);
    if (lastAi != null && hasGtinKeyBefore(s, starts, ends, last)) {
      return new Invalid(InvalidReason.VALUE_TOO_SHORT,
          lastAi.label() + " has no value at the end of the Digital Link path: the code may be cut off", valueAt);
    }
    if (broken >= segments) {
      return new Invalid(InvalidReason.MISSING_GTIN, "no /01/{gtin} in the Digital Link path", path);
    }
    int from = starts[broken];
    int to = ends[broken];
    if (to - from >= 2 && to - from <= 4 && Chars.firstNonDigit(s, from, to) < 0
        && Gs1Ai.exact(s, from, to) == null) {
      return new Invalid(InvalidReason.UNKNOWN_AI,
          "the GS1 Syntax Dictionary defines no AI " + s.substring(from, to) + " (Digital Link path)", from);
    }
    return new Invalid(InvalidReason.DL_PATH_QUALIFIER, "path segment '" + s.substring(from, to)
        + "' stands where a qualifier key of AI 01 belongs (22, 10, 21 in that order, or 235): a data attribute"
        + " such as 17 belongs in the query string", from);
  }

  /**
   * Walks the path's key/value pairs from the right. Returns the segment index of the "01" key, or -(i + 1) where
   * i is the segment that broke the pattern (i == segments when the path simply holds no GTIN).
   */
  private static int findGtinKey(String s, int[] starts, int[] ends, int segments) {
    int lastRank = Integer.MAX_VALUE;
    for (int key = segments - 2; key >= 0; key -= 2) {
      Gs1Ai ai = Gs1Ai.exact(s, starts[key], ends[key]);
      if (ai == Gs1Ai.GTIN) {
        return key;
      }
      // 22, 10, 21 may each appear once in that order; 235 is the alternative that stands alone.
      int rank = ai == Gs1Ai.CPV ? 1 : ai == Gs1Ai.BATCH ? 2 : ai == Gs1Ai.SERIAL ? 3
          : ai == Gs1Ai.TPX && lastRank == Integer.MAX_VALUE ? 4 : 0;
      if (rank == 0 || rank >= lastRank) {
        return hasGtinKeyBefore(s, starts, ends, key) ? -(key + 1) : -(segments + 1);
      }
      lastRank = rank == 4 ? 0 : rank;
    }
    return -(segments + 1);
  }

  private static boolean hasGtinKeyBefore(String s, int[] starts, int[] ends, int limit) {
    for (int k = 0; k < limit; k++) {
      if (Gs1Ai.exact(s, starts[k], ends[k]) == Gs1Ai.GTIN) {
        return true;
      }
    }
    return false;
  }

  /** Digital Link lets a GTIN-8, -12 or -13 stand for the GTIN-14 it pads to; the element string never does. */
  private static Invalid addGtin(String s, int from, int to, Gs1Elements elements) {
    int badPercent = badPercentAt(s, from, to);
    if (badPercent >= 0) {
      return percentError(badPercent);
    }
    String digits = decode(s, from, to, false);
    int nonDigit = Chars.firstNonDigit(digits, 0, digits.length());
    if (nonDigit >= 0) {
      return new Invalid(InvalidReason.NOT_NUMERIC,
          Gs1Ai.GTIN.label() + " must be digits, found " + Chars.describe(digits.charAt(nonDigit)),
          rawIndex(s, from, nonDigit));
    }
    if (!Gtin.isGtinLength(digits.length())) {
      return new Invalid(digits.length() > Gtin.LENGTH ? InvalidReason.VALUE_TOO_LONG : InvalidReason.VALUE_TOO_SHORT,
          "a GTIN in a Digital Link has 8, 12, 13 or 14 digits, got " + digits.length(), from);
    }
    String gtin = Gtin.toGtin14(digits);
    Invalid bad = Gs1Ai.GTIN.validate(gtin);
    if (bad != null) {
      int padding = Gtin.LENGTH - digits.length();
      return new Invalid(bad.reason(), bad.message(), rawIndex(s, from, bad.position() - padding));
    }
    return elements.add(Gs1Ai.GTIN, gtin, from);
  }

  /**
   * A numeric query key is an AI and must be one GS1 allows as a data attribute. A key qualifier of the GTIN in the
   * query (?21=...) is refused: the standard puts 22, 10 and 21 in the path, where resolvers read the identity.
   */
  private static Invalid addQueryAttribute(String s, int from, int to, boolean tpxInPath, Gs1Elements elements) {
    int equals = indexOf(s, '=', from, to);
    if (equals == from || Chars.firstNonDigit(s, from, equals) >= 0) {
      return null; // not an AI: other query parameters carry no identity
    }
    Gs1Ai ai = Gs1Ai.exact(s, from, equals);
    if (ai == null) {
      return new Invalid(InvalidReason.UNKNOWN_AI,
          "the GS1 Syntax Dictionary defines no AI " + s.substring(from, equals) + " (Digital Link query key)", from);
    }
    if (elements.has(ai)) {
      return new Invalid(InvalidReason.REPEATED_FIELD,
          ai.label() + " appears twice in one Digital Link, which allows each AI once", from);
    }
    boolean qualifier = ai == Gs1Ai.CPV || ai == Gs1Ai.BATCH || ai == Gs1Ai.SERIAL || ai == Gs1Ai.TPX;
    if (qualifier && !(tpxInPath && ai == Gs1Ai.BATCH)) {
      return new Invalid(InvalidReason.DL_QUERY_ATTRIBUTE, ai.label() + " qualifies the GTIN, so GS1 Digital Link"
          + " puts it in the path (/01/{gtin}/22/../10/../21/..), not in the query", from);
    }
    if (!ai.dataAttribute) {
      return new Invalid(InvalidReason.DL_QUERY_ATTRIBUTE,
          ai.label() + " is not allowed as a GS1 Digital Link data attribute", from);
    }
    return addValue(s, ai, Math.min(equals + 1, to), to, true, elements);
  }

  /** In the query string '+' is a space (HTML form encoding); in the path it is a plus sign. */
  private static Invalid addValue(String s, Gs1Ai ai, int from, int to, boolean plusIsSpace, Gs1Elements elements) {
    int badPercent = badPercentAt(s, from, to);
    if (badPercent >= 0) {
      return percentError(badPercent);
    }
    String value = decode(s, from, to, plusIsSpace);
    Invalid bad = ai.validate(value);
    if (bad != null) {
      return new Invalid(bad.reason(), bad.message(), rawIndex(s, from, bad.position()));
    }
    return elements.add(ai, value, from);
  }

  private static Invalid percentError(int at) {
    return new Invalid(InvalidReason.DL_PERCENT_ENCODING, "'%' must be followed by two hex digits", at);
  }

  private static int badPercentAt(String s, int from, int to) {
    for (int i = indexOf(s, '%', from, to); i < to; i = indexOf(s, '%', i + 3, to)) {
      if (i + 2 >= to || hex(s.charAt(i + 1)) < 0 || hex(s.charAt(i + 2)) < 0) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Percent-decodes one byte per escape. Every character GS1 allows in AI data is ASCII, so a multi-byte UTF-8
   * sequence needs no assembling: its first byte already fails the character-set check.
   */
  private static String decode(String s, int from, int to, boolean plusIsSpace) {
    int percent = indexOf(s, '%', from, to);
    if (percent == to) {
      String value = s.substring(from, to);
      return plusIsSpace ? value.replace('+', ' ') : value;
    }
    StringBuilder out = new StringBuilder(to - from);
    for (int i = from; i < percent; i++) {
      char c = s.charAt(i);
      out.append(plusIsSpace && c == '+' ? ' ' : c);
    }
    for (int i = percent; i < to; ) {
      char c = s.charAt(i);
      if (c == '%') {
        out.append((char) (hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2))));
        i += 3;
      } else {
        out.append(plusIsSpace && c == '+' ? ' ' : c);
        i++;
      }
    }
    return out.toString();
  }

  /** Where the {@code decodedIndex}-th decoded character of the value starting at {@code from} sits in the URI. */
  private static int rawIndex(String s, int from, int decodedIndex) {
    int i = from;
    for (int k = 0; k < decodedIndex && i < s.length(); k++) {
      i += s.charAt(i) == '%' ? 3 : 1;
    }
    return i;
  }

  private static int hex(char c) {
    return Gs1Linter.hex(c);
  }

  /** RFC 3986's unreserved and reserved characters and '%', the set GS1's engine accepts in a URI. */
  private static boolean isUriCharacter(char c) {
    return c < 128 && (Chars.isDigit(c) || Chars.isAsciiLetter(c) || URI_PUNCTUATION.indexOf(c) >= 0);
  }

  /** Index of {@code c} in [from, to), or {@code to}, so callers can use it as the end of a span. */
  private static int indexOf(String s, char c, int from, int to) {
    int i = s.indexOf(c, from);
    return i < 0 || i > to ? to : i;
  }
}
