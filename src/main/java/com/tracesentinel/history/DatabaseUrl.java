package com.tracesentinel.history;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** A {@code postgresql://user:pass@host:port/db} address, as the README documents it, split for JDBC and Vert.x. */
public record DatabaseUrl(String host, int port, String database, String user, String password) {

  public static DatabaseUrl parse(String url) {
    URI uri;
    try {
      uri = URI.create(url.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("TRACESENTINEL_DB_URL is not a URL: " + e.getMessage());
    }
    if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
      throw new IllegalArgumentException("TRACESENTINEL_DB_URL must start with postgresql://");
    }
    // Nothing after '?' is applied: ?sslmode=require, asking for TLS, connected in plain text without a word.
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("TRACESENTINEL_DB_URL: parameters after the database name ("
          + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "#" + uri.getRawFragment()) + ") are not supported;"
          + " the service connects in plain TCP (no TLS): remove them");
    }
    // The authority is split here, not by URI: URI leaves host, port and user unset for a host name it does not take
    // as an Internet one ("db_1", as Docker Compose names containers), and the service then logged in to localhost as
    // postgres without a password.
    String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
    int at = authority.lastIndexOf('@');
    String user = "postgres";
    String password = "";
    if (at >= 0) {
      String[] parts = authority.substring(0, at).split(":", 2);
      user = decode(parts[0]);
      password = parts.length > 1 ? decode(parts[1]) : "";
    }
    String hostPort = authority.substring(at + 1);
    int colon = hostPort.lastIndexOf(':');
    if (colon < hostPort.lastIndexOf(']')) {
      colon = -1; // inside an IPv6 literal
    }
    String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
    int port = 5432;
    if (colon >= 0 && colon < hostPort.length() - 1) {
      try {
        port = Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("TRACESENTINEL_DB_URL: the port is not 1 to 65535: " + hostPort);
      }
    }
    String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    return new DatabaseUrl(host.isEmpty() ? "localhost" : host, port, path.isEmpty() ? "postgres" : path, user,
        password);
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  /** For log lines: never the password. */
  public String redacted() {
    return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
  }

  /** Percent-decoding only: in a URL's user part a "+" is a plus (a password "a+b" was sent as "a b"). */
  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
