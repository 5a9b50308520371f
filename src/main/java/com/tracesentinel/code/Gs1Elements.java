package com.tracesentinel.code;

import com.tracesentinel.code.ParseResult.Invalid;
import com.tracesentinel.code.ParseResult.Valid;

/**
 * The AI values of one GS1 code, gathered by whichever syntax carried them (element string or Digital Link) and
 * turned into a {@link TraceCode}. Keeping this apart from the syntaxes is what makes every spelling of a box end in
 * the same canonical string.
 */
final class Gs1Elements {

  // 100 characters hold at most 33 elements: the shortest is a 2-digit AI with 1 character of data.
  private static final int CAPACITY = TraceCodes.MAX_LENGTH / 3 + 1;

  private final Gs1Ai[] ais = new Gs1Ai[CAPACITY];
  private final String[] values = new String[CAPACITY];
  private final boolean repeatsForbidden;
  private int count;

  /**
   * @param repeatsForbidden whether an AI may not appear twice even with one value, as in a Digital Link, where one
   *                         URI is one symbol's data and the standard allows each AI once
   */
  Gs1Elements(boolean repeatsForbidden) {
    this.repeatsForbidden = repeatsForbidden;
  }

  /**
   * Records a value that already passed {@link Gs1Ai#validate}. In element strings the same AI twice with the same
   * value is tolerated, since one label can carry it in two symbols; with two values the box is ambiguous.
   */
  Invalid add(Gs1Ai ai, String value, int position) {
    for (int k = 0; k < count; k++) {
      if (ais[k] == ai) {
        if (repeatsForbidden) {
          return new Invalid(InvalidReason.REPEATED_FIELD,
              ai.label() + " appears twice in one Digital Link, which allows each AI once", position);
        }
        return values[k].equals(value) ? null : new Invalid(InvalidReason.REPEATED_FIELD,
            ai.label() + " appears twice, as '" + values[k] + "' and as '" + value + "'", position);
      }
    }
    ais[count] = ai;
    values[count] = value;
    count++;
    return null;
  }

  boolean has(Gs1Ai ai) {
    return valueOf(ai) != null;
  }

  ParseResult build() {
    String gtin = valueOf(Gs1Ai.GTIN);
    if (gtin == null) {
      return new Invalid(InvalidReason.MISSING_GTIN, valueOf(Gs1Ai.CONTENT) != null
          ? "AI 02 (CONTENT) names trade items inside a logistic unit; a box is identified by AI 01 (GTIN)"
          : "no AI 01 (GTIN): a box is identified by AI 01 and AI 21", -1);
    }
    String serial = valueOf(Gs1Ai.SERIAL);
    if (serial == null) {
      return new Invalid(InvalidReason.MISSING_SERIAL,
          "no AI 21 (SERIAL): GTIN " + gtin + " names a product, not one box", -1);
    }
    Invalid pairing = checkPairings();
    if (pairing != null) {
      return pairing;
    }
    String expiry = valueOf(Gs1Ai.EXPIRY);
    // A keyboard-wedge scanner with Caps Lock on types the box's serial in the other case: it must stay the same box
    // (the domain rules), so the identity folds the letters while serial and elementString keep them as scanned.
    String identity = "(01)" + gtin + "(21)" + Chars.toUpperAscii(serial);
    return new Valid(new TraceCode(CodeFamily.GS1, identity, gtin, serial,
        valueOf(Gs1Ai.BATCH), expiry == null ? null : ShortDates.toDate(expiry, 0), elementString(gtin)));
  }

  /**
   * The Syntax Dictionary's {@code req=} and {@code ex=} attributes: 21 with 235 names no box, 250 without 21 has
   * nothing to be secondary to, and so on. GS1's engine refuses such data; so does this parser.
   */
  private Invalid checkPairings() {
    for (int k = 0; k < count; k++) {
      Gs1Ai ai = ais[k];
      for (String pattern : ai.excludes) {
        Gs1Ai other = present(pattern, ai);
        if (other != null) {
          return new Invalid(InvalidReason.INVALID_PAIRING,
              ai.label() + " may not appear together with " + other.label(), -1);
        }
      }
      for (String[][] group : ai.requires) {
        if (!anySatisfied(group, ai)) {
          return new Invalid(InvalidReason.INVALID_PAIRING, ai.label() + " needs AI " + describe(group)
              + " in the same code", -1);
        }
      }
    }
    return null;
  }

  private static String describe(String[][] alternatives) {
    StringBuilder out = new StringBuilder();
    for (String[] alternative : alternatives) {
      out.append(out.length() == 0 ? "" : " or ").append(String.join(" with ", alternative));
    }
    return out.toString();
  }

  private boolean anySatisfied(String[][] alternatives, Gs1Ai self) {
    for (String[] alternative : alternatives) {
      boolean all = true;
      for (String pattern : alternative) {
        all &= present(pattern, self) != null;
      }
      if (all) {
        return true;
      }
    }
    return false;
  }

  /** An AI other than {@code self} matching the pattern, or null. */
  private Gs1Ai present(String pattern, Gs1Ai self) {
    for (int k = 0; k < count; k++) {
      if (ais[k] != self && ais[k].matches(pattern)) {
        return ais[k];
      }
    }
    return null;
  }

  private String valueOf(Gs1Ai ai) {
    for (int k = 0; k < count; k++) {
      if (ais[k] == ai) {
        return values[k];
      }
    }
    return null;
  }

  /** AI 01 first, then the rest in the lexical AI order of the GS1 Syntax Dictionary. */
  private String elementString(String gtin) {
    StringBuilder out = new StringBuilder(4 * count + 100).append("(01)").append(gtin);
    int[] order = new int[count];
    int n = 0;
    for (int k = 0; k < count; k++) {
      if (ais[k] == Gs1Ai.GTIN) {
        continue;
      }
      int j = n++;
      while (j > 0 && ais[order[j - 1]].code.compareTo(ais[k].code) > 0) {
        order[j] = order[j - 1];
        j--;
      }
      order[j] = k;
    }
    for (int j = 0; j < n; j++) {
      // A '(' in data is escaped so that the string reads back as the same elements.
      out.append('(').append(ais[order[j]].code).append(')').append(values[order[j]].replace("(", "\\("));
    }
    return out.toString();
  }
}
