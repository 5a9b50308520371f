package com.tracesentinel.auth;

/** Who is calling: a key's id, its role, and for a scanner the one site it may post for. */
public record Principal(String keyId, Role role, String siteId) {
  public boolean mayActAs(Role needed) {
    return role == Role.ADMIN || role == needed;
  }
}
