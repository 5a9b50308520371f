package com.tracesentinel.auth;

import com.tracesentinel.code.AsciiCase;


/** The three roles (README, "HTTP API"); admin may do everything. */
public enum Role {
  SCANNER, INVESTIGATOR, ADMIN;

  public String wire() {
    return AsciiCase.lower(name());
  }

  /** Null when the text names no role. */
  public static Role fromWire(String s) {
    if (s == null) {
      return null;
    }
    return AsciiCase.constantNamed(Role.class, s.trim());
  }
}
