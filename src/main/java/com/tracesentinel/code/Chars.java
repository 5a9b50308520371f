package com.tracesentinel.code;

/** Character classes shared by the schemes, as lookup tables because they run on every character of every scan. */
final class Chars {

  /** ASCII Group Separator: FNC1 as a field separator in GS1 data (ISO/IEC 16022 §5.2.4.6). */
  static final char GS = '\u001d';

  private static final boolean[] CSET82 = table("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
      + "abcdefghijklmnopqrstuvwxyz");
  private static final boolean[] CSET39 = table("#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");

  private Chars() {}

  private static boolean[] table(String members) {
    boolean[] t = new boolean[128];
    for (int i = 0; i < members.length(); i++) {
      t[members.charAt(i)] = true;
    }
    return t;
  }

  static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  static boolean isAsciiLetter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  }

  static char toUpperAscii(char c) {
    return c >= 'a' && c <= 'z' ? (char) (c - 32) : c;
  }

  /**
   * a-z to A-Z and nothing else: String.toUpperCase follows the default locale (Turkish turns i into a dotted
   * capital), and V11 folds the stored history with exactly these 26 letters. Most serials are upper case already:
   * they are returned as they are, without a copy on every scan.
   */
  static String toUpperAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 'a' && s.charAt(i) <= 'z') {
        char[] out = s.toCharArray();
        for (int j = i; j < out.length; j++) {
          out[j] = toUpperAscii(out[j]);
        }
        return new String(out);
      }
    }
    return s;
  }

  /** GS1 CSET 82, the characters allowed in alphanumeric AIs such as 10 and 21. */
  static boolean isCset82(char c) {
    return c < 128 && CSET82[c];
  }

  /** GS1 CSET 39, the characters allowed in AI 8010 (CPID). */
  static boolean isCset39(char c) {
    return c < 128 && CSET39[c];
  }

  /** Index of the first non-digit in [from, to), or -1. */
  static int firstNonDigit(CharSequence s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (!isDigit(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  /** Names a character so a message can show it even when it is invisible (GS, NBSP, a control character). */
  static String describe(char c) {
    if (c > 0x20 && c < 0x7f) {
      return "'" + c + "'";
    }
    String hex = Integer.toHexString(c).toUpperCase();
    return "U+" + "0000".substring(hex.length()) + hex;
  }
}
