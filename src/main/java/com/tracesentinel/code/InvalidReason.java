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
  /**
   * A CN20 code whose 7-digit product prefix is not in the loaded catalogue, never scanned: the public look-up's answer
   * (the rules make such a code invalid). The parser cannot know the catalogue, and a scan of one is judged and
   * stored with an UNKNOWN_PRODUCT warning so that the evidence is kept.
   */
  UNKNOWN_PREFIX,
  /** A digit was required (CN20, GS1 numeric fields, the GTIN of a Digital Link). */
  NOT_NUMERIC,
  /**
   * A character outside the allowed set: GS1 CSET 82 (CSET 39 for AI 8010, CSET 64 base64url with its padding for AI
   * 8030, CSET 32 for check characters), a character a URI must percent-encode, printable ASCII for MA.
   */
  INVALID_CHARACTER,
  /** No AI the GS1 Syntax Dictionary defines starts here (including a truncated AI at the end). */
  UNKNOWN_AI,
  /**
   * A bracketed element string whose brackets do not enclose an AI: a '(' not closed (often a code cut off while
   * typing or pasting), or enclosing something other than 2 to 4 digits. Every '(' opens an AI, as in GS1's syntax; a
   * '(' that belongs to the data is written {@code \(}.
   */
  MALFORMED_BRACKETS,
  /** A value shorter than its AI allows (an empty value, a fixed-length field cut short by GS or the end). */
  VALUE_TOO_SHORT,
  /** A value longer than its AI allows, typically a variable-length field whose GS separator was lost. */
  VALUE_TOO_LONG,
  /**
   * A check digit does not match the data before it: GS1 mod-10 (GTIN, SSCC, GLN, ...), the check character pair of
   * AI 8013/8014, the IBAN check digits of AI 8007.
   */
  CHECK_DIGIT,
  /** A date or time that does not exist: month 13, 31 April, 29 February of a common year, hour 24, minute 60. */
  INVALID_DATE,
  /**
   * A value that breaks a content rule GS1 sets for its AI beyond characters and length: an ISO 3166 country or ISO
   * 4217 currency code (AIs 421-427, 7030-7039, 391n), a yes/no flag, a piece-of-total, a GS1 Company Prefix...
   */
  INVALID_VALUE,
  /**
   * A GS1 AI given twice with different values, any AI given twice in one Digital Link (the standard forbids it even
   * with equal values), or an MA data unit given twice.
   */
  REPEATED_FIELD,
  /**
   * AIs GS1 does not allow in one code (01 with 02, 21 with 235, ...) or an AI without one it needs (250 without 21,
   * 3922 without a count or measure, ...): the Syntax Dictionary's {@code ex=} and {@code req=} attributes.
   */
  INVALID_PAIRING,
  /** GS1 data without AI 01: only a GTIN identifies a trade-item box. */
  MISSING_GTIN,
  /** No serial (GS1 AI 21, MA {@code .S} unit): without it the code names a product, not a box. */
  MISSING_SERIAL,
  /** A Digital Link URI without a host, with empty path segments (including a trailing '/') or a mixed-case scheme. */
  DL_MALFORMED,
  /** A {@code %} in a Digital Link not followed by two hex digits. */
  DL_PERCENT_ENCODING,
  /**
   * A Digital Link path key after the GTIN that is not one of its qualifiers: 22, 10, 21 in that order, or 235 alone.
   */
  DL_PATH_QUALIFIER,
  /**
   * A Digital Link query parameter that names a key qualifier (22, 10, 21 belong in the path) or an AI that GS1 does not
   * allow as a Digital Link data attribute.
   */
  DL_QUERY_ATTRIBUTE,
  /** An MA code without country, industry and registrant segments after {@code MA.}, or a country that is not 3 digits. */
  MA_HEADER,
  /** An MA code with an empty segment or a data unit with no data. */
  MA_EMPTY_UNIT,
  /** An MA data unit after the first one that does not start with a unit letter. */
  MA_UNIT_LETTER
}
