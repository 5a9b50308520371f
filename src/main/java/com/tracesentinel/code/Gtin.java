package com.tracesentinel.code;

/** GS1 mod-10 check digits (GS1 General Specifications §7.9.1), used by GTIN, SSCC, GLN and the other keys. */
public final class Gtin {

  static final int LENGTH = 14;

  private Gtin() {}

  /**
   * The check digit the digits in [from, to) call for; the digit at {@code to} is the one printed. Weights run 3, 1,
   * 3, ... from the rightmost data digit, so leading zeros never change the result and one routine serves every
   * key length.
   */
  static int expectedCheckDigit(CharSequence digits, int from, int to) {
    int sum = 0;
    int weight = 3;
    for (int i = to - 1; i >= from; i--) {
      sum += (digits.charAt(i) - '0') * weight;
      weight = 4 - weight;
    }
    return (10 - sum % 10) % 10;
  }

  /** Whether the all-digit span [from, to) ends in its correct check digit. */
  static boolean hasValidCheckDigit(CharSequence digits, int from, int to) {
    return to - from >= 2 && expectedCheckDigit(digits, from, to - 1) == digits.charAt(to - 1) - '0';
  }

  /** Whether a GTIN-14 (14 digits) ends in its check digit: no printed code can carry one that does not. */
  public static boolean isValidGtin14(String digits) {
    return digits.length() == LENGTH && digits.chars().allMatch(c -> c >= '0' && c <= '9')
        && hasValidCheckDigit(digits, 0, LENGTH);
  }

  /** GTIN-8, -12 and -13 are GTIN-14s with leading zeros, which is how GS1 Digital Link lets them be written. */
  static boolean isGtinLength(int length) {
    return length == 8 || length == 12 || length == 13 || length == LENGTH;
  }

  static String toGtin14(String gtin) {
    return gtin.length() == LENGTH ? gtin : "00000000000000".substring(gtin.length()) + gtin;
  }
}
