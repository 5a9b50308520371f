package com.tracesentinel.code;

/** The three trace-code families NHSA accepts (README, "Domain rules" and "Trace codes"). */
public enum CodeFamily {
  /** 码上放心: 20 digits, the first 7 name the product. */
  CN20,
  /** GS1 element strings and GS1 Digital Link URIs; a box is AI 01 + AI 21. */
  GS1,
  /** ISO/IEC 15459 issuing agency MA (ZIIOT): {@code MA.} followed by dotted segments and data units. */
  MA
}
