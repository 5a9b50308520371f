package com.tracesentinel.code;

/** One constant per rule a scan can break. The {@link ParseResult.Invalid#message()} says how it broke it. */
public enum InvalidReason {
  /** Nothing but scanner noise (white space, CR/LF, BOM, an AIM prefix, GS). */
  EMPTY,
  /** Over 100 characters after removing scanner noise: NHSA's {@code drug_trac_codg} field holds 100. */
  TOO_LONG,
  /** Not CN20, GS1 (element string or Digital Link) or MA. */
  UNRECOGNISED_FORMAT,
  /** A bare GTIN/EAN with a valid check digit: the commodity barcode was scanned instead of the trace code. */
  PRODUCT_BARCODE,
  /** A CN20 code must be exactly 20 digits. */
  CN20_LENGTH,
  /** A digit was required (CN20, GS1 numeric fields, the GTIN of a Digital Link). */
  NOT_NUMERIC,
  /** A character outside the allowed set: GS1 CSET 82 (CSET 39 for AI 8010), printable ASCII for MA. */
  INVALID_CHARACTER,
  /** No GS1 Application Identifier this parser knows starts here (including a truncated AI at the end). */
  UNKNOWN_AI,
  /** A bracketed element string whose brackets do not enclose an AI. */
  MALFORMED_BRACKETS,
  /** A value shorter than its AI allows (an empty value, a fixed-length field cut short by GS or the end). */
  VALUE_TOO_SHORT,
  /** A value longer than its AI allows, typically a variable-length field whose GS separator was lost. */
  VALUE_TOO_LONG,
  /** A GS1 mod-10 check digit (GTIN, SSCC, GLN, ...) does not match the digits before it. */
  CHECK_DIGIT,
  /** A YYMMDD date with an impossible month or day. */
  INVALID_DATE,
  /** A GS1 AI given twice with different values, or an MA data unit given twice. */
  REPEATED_FIELD,
  /** GS1 data without AI 01: only a GTIN identifies a trade-item box. */
  MISSING_GTIN,
  /** No serial (GS1 AI 21, MA {@code .S} unit): without it the code names a product, not a box. */
  MISSING_SERIAL,
  /** A Digital Link URI without a host, with empty path segments or with a key that has no value. */
  DL_MALFORMED,
  /** A {@code %} in a Digital Link not followed by two hex digits. */
  DL_PERCENT_ENCODING,
  /** A Digital Link path key after the GTIN that is not one of its qualifiers 22, 10, 21 in that order. */
  DL_PATH_QUALIFIER,
  /** An MA code without country, industry and registrant segments after {@code MA.}, or a country that is not 3 digits. */
  MA_HEADER,
  /** An MA code with an empty segment or a data unit with no data. */
  MA_EMPTY_UNIT,
  /** An MA data unit after the first one that does not start with a unit letter. */
  MA_UNIT_LETTER
}
