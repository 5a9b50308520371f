package com.tracesentinel.code;
public final class TraceCodes {
  public static ParseResult parse(String raw) {
    String s = raw.strip();
    if (s.matches("\\d{20}")) return new ParseResult.Valid(new TraceCode(CodeFamily.CN20, s, s.substring(0,7), s, null, null, s));
    return new ParseResult.Invalid(InvalidReason.values()[0], "stub", -1);
  }
}
