package com.tracesentinel.code;

/**
 * Names compared ignoring the letter case of a–z alone. Java's own case mapping reads ſ as S and ı as I, so "ſale"
 * was a SALE, and it follows the machine's locale, so on a Turkish one "receive" was refused and the role
 * INVESTIGATOR was written "ınvestıgator".
 */
public final class AsciiCase {
  private AsciiCase() {}

  public static boolean equalsIgnoringCase(String a, String b) {
    if (a.length() != b.length()) {
      return false;
    }
    for (int i = 0; i < a.length(); i++) {
      if (Chars.toUpperAscii(a.charAt(i)) != Chars.toUpperAscii(b.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** The constant of {@code type} that {@code name} spells in any a–z letter case, or null. */
  public static <E extends Enum<E>> E constantNamed(Class<E> type, String name) {
    for (E e : type.getEnumConstants()) {
      if (equalsIgnoringCase(e.name(), name)) {
        return e;
      }
    }
    return null;
  }

  /** A–Z to a–z and nothing else. */
  public static String lower(String s) {
    char[] out = s.toCharArray();
    for (int i = 0; i < out.length; i++) {
      if (out[i] >= 'A' && out[i] <= 'Z') {
        out[i] = (char) (out[i] + 32);
      }
    }
    return new String(out);
  }
}
