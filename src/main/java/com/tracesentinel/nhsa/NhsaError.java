package com.tracesentinel.nhsa;

import java.util.List;

/**
 * Why one field of an NHSA message cannot be read, in Chinese (what a pharmacy's staff and the NHSA platform speak)
 * and English, with the field's path in the message ({@code input.selinfoDetail[2].sel_retn_time}).
 */
public record NhsaError(String field, String zh, String en) {
  /** How several errors are joined into one {@code err_msg}. */
  static final String SEPARATOR = " | ";

  /** {@code field: 中文 / English}. */
  public String text() {
    return field + ": " + zh + " / " + en;
  }

  /** The errors as one {@code err_msg}. */
  public static String text(List<NhsaError> errors) {
    StringBuilder b = new StringBuilder();
    for (NhsaError e : errors) {
      if (b.length() > 0) {
        b.append(SEPARATOR);
      }
      b.append(e.text());
    }
    return b.toString();
  }

  /** A message that cannot be used: nothing of it is stored. Carries every error found (at most 50). */
  public static final class Refused extends RuntimeException {
    private final transient List<NhsaError> errors;
    private final String siteId;

    /** @param siteId the message's fixmedins_code when it was read, else null */
    public Refused(List<NhsaError> errors, String siteId) {
      super(text(errors), null, false, false);
      this.errors = List.copyOf(errors);
      this.siteId = siteId;
    }

    public Refused(NhsaError error) {
      this(List.of(error), null);
    }

    public List<NhsaError> errors() {
      return errors;
    }

    /** The institution the refused message names, when it could be read: whose message it is, if nothing else. */
    public String siteId() {
      return siteId;
    }
  }
}
