package com.tracesentinel.code;

/** What {@link TraceCodes#parse(String)} makes of a scan: a code, or the first rule it breaks. */
public sealed interface ParseResult permits ParseResult.Valid, ParseResult.Invalid {

  record Valid(TraceCode code) implements ParseResult {}

  /**
   * @param reason   the rule that failed
   * @param message  what failed, in plain English, precise enough to fix the scan or the label
   * @param position 0-based index in the cleaned input (scanner noise, AIM prefix and leading GS removed, GS
   *                 spellings folded to one character), -1 when the failure has no single place
   */
  record Invalid(InvalidReason reason, String message, int position) implements ParseResult {

    /** Moves a position found inside a value to the value's place in the cleaned input. */
    Invalid shiftedBy(int offset) {
      return position < 0 ? this : new Invalid(reason, message, position + offset);
    }
  }
}
