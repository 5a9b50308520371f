package com.tracesentinel.ingest;

import java.util.Collection;

/**
 * Tells a misspelt field from an unknown one, the same way at every edge that reads fields by name (HTTP bodies,
 * NHSA messages): unknown fields are ignored, but one that is a known field written differently only in letter case
 * or with '_' or '-' ("packsize", "pack_size", "PackSize" for packSize) would lose its value without a word and
 * leave the field's default in its place.
 */
public final class FieldNames {
  private FieldNames() {}

  /** The one of {@code known} that {@code name}, none of them, misspells; else null. */
  public static String meant(String name, Collection<String> known) {
    for (String k : known) {
      if (looselyEqual(name, k)) {
        return k;
      }
    }
    return null;
  }

  /**
   * The same letters apart from case, '_' and '-'. Compared in place: a batch of scans, or a bulk import's sale
   * lines with their dozens of fields this service does not read, is compared name by name with every known one.
   */
  private static boolean looselyEqual(String a, String b) {
    int i = 0;
    int j = 0;
    while (true) {
      i = skipSeparators(a, i);
      j = skipSeparators(b, j);
      if (i == a.length() || j == b.length()) {
        return i == a.length() && j == b.length();
      }
      if (Character.toLowerCase(a.charAt(i++)) != Character.toLowerCase(b.charAt(j++))) {
        return false;
      }
    }
  }

  private static int skipSeparators(String s, int at) {
    while (at < s.length() && (s.charAt(at) == '_' || s.charAt(at) == '-')) {
      at++;
    }
    return at;
  }
}
