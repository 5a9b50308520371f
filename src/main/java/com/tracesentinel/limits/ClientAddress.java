package com.tracesentinel.limits;

import java.util.ArrayList;
import java.util.List;

/**
 * Who a client is, for a per-client limit: its address as the connection (or one trusted proxy) gives it, IPv4-mapped
 * IPv6 addresses as the IPv4 client they stand for, and IPv6 clients per /64 (the block one subscriber usually
 * holds, so rotating addresses inside it does not help). Pure; no framework.
 */
public final class ClientAddress {
  private ClientAddress() {}

  /**
   * The address one trusted proxy saw, from the request's X-Forwarded-For lines: the last entry of the last line. A
   * proxy that adds its own line (rather than appending to the client's) is still read right, and a client-written
   * line before it changes nothing, even when the last entry is blank. Null when there is none.
   */
  public static String lastForwarded(List<String> headerLines) {
    if (headerLines.isEmpty()) {
      return null;
    }
    String line = headerLines.get(headerLines.size() - 1);
    String entry = line.substring(line.lastIndexOf(',') + 1).trim();
    return entry.isEmpty() ? null : entry;
  }

  /**
   * The key a client's limit is kept under: the IPv4 address, or the /64 of an IPv6 one. A port some proxies write
   * after the address ("192.0.2.1:4000", "[2001:db8::1]:443") is not part of the client.
   */
  public static String clientKey(String address) {
    String a = address.length() > 64 ? address.substring(0, 64) : address;
    int colon = a.indexOf(':');
    if (colon < 0) {
      return a;
    }
    if (colon == a.lastIndexOf(':') && a.indexOf('.') >= 0) {
      return a.substring(0, colon); // IPv4 with a port: IPv6 has at least two colons
    }
    if (a.startsWith("[") && a.indexOf(']') > 0) {
      a = a.substring(0, a.indexOf(']') + 1);
    }
    if (a.indexOf('.') >= 0) {
      // IPv4-mapped or -compatible (::ffff:192.0.2.1): the IPv4 client it stands for.
      String v4 = a.substring(a.lastIndexOf(':') + 1);
      int end = v4.indexOf(']');
      return end < 0 ? v4 : v4.substring(0, end);
    }
    int[] groups = ipv6Groups(a);
    if (groups == null) {
      return a;
    }
    if (groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0
        && groups[5] == 0xffff) {
      // IPv4-mapped written in hex (::ffff:c000:201): every IPv4 client behind such a proxy shared one /64's limit.
      return (groups[6] >> 8) + "." + (groups[6] & 0xff) + "." + (groups[7] >> 8) + "." + (groups[7] & 0xff);
    }
    return prefix64(groups);
  }

  private static String prefix64(int[] groups) {
    StringBuilder out = new StringBuilder(24);
    for (int g = 0; g < 4; g++) {
      out.append(Integer.toHexString(groups[g])).append(':');
    }
    return out.append(':').toString();
  }

  /** The eight 16-bit groups of an IPv6 literal (brackets and a zone allowed), or null when it is not one. */
  private static int[] ipv6Groups(String literal) {
    String a = literal;
    if (a.startsWith("[")) {
      int end = a.indexOf(']');
      a = end < 0 ? a.substring(1) : a.substring(1, end);
    }
    int zone = a.indexOf('%');
    if (zone >= 0) {
      a = a.substring(0, zone);
    }
    int gap = a.indexOf("::");
    if (gap >= 0 && gap != a.lastIndexOf("::")) {
      return null;
    }
    List<String> head = groups(gap < 0 ? a : a.substring(0, gap));
    List<String> tail = gap < 0 ? List.of() : groups(a.substring(gap + 2));
    List<String> all = new ArrayList<>(8);
    all.addAll(head);
    if (gap >= 0) {
      for (int i = head.size() + tail.size(); i < 8; i++) {
        all.add("0");
      }
    }
    all.addAll(tail);
    if (all.size() != 8 || gap >= 0 && head.size() + tail.size() > 7) {
      return null;
    }
    int[] out = new int[8];
    for (int g = 0; g < 8; g++) {
      String v = all.get(g);
      if (v.isEmpty() || v.length() > 4) {
        return null;
      }
      try {
        out[g] = Integer.parseInt(v, 16);
      } catch (NumberFormatException e) {
        return null;
      }
      if (out[g] < 0) {
        return null; // "-1" parses
      }
    }
    return out;
  }

  /** Colon-separated groups; an embedded IPv4 tail ("::ffff:1.2.3.4") stands for the last two. */
  private static List<String> groups(String s) {
    List<String> out = new ArrayList<>(8);
    if (s.isEmpty()) {
      return out;
    }
    for (String g : s.split(":", -1)) {
      if (g.indexOf('.') >= 0) {
        out.add("0");
        out.add("0");
      } else {
        out.add(g);
      }
    }
    return out;
  }

}
