package com.tracesentinel.auth;

/** The three roles (README, "HTTP API"); admin may do everything. */
public enum Role {
  SCANNER, INVESTIGATOR, ADMIN;

  public String wire() {
    return name().toLowerCase();
  }

  /** Null when the text names no role. */
  public static Role fromWire(String s) {
    if (s == null) {
      return null;
    }
    for (Role r : values()) {
      if (r.wire().equals(s.trim().toLowerCase())) {
        return r;
      }
    }
    return null;
  }
}
