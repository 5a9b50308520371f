package com.tracesentinel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The seams between packages, read from the code as written (imports and fully qualified names; comments do not
 * count): no package depends on itself through others, and the Chronicle Map ledger is reached only through the
 * ingest core's {@code LedgerPort}, so that only the root package, which wires the service together, names it.
 */
class PackageDependenciesTest {
  private static final String ROOT = "com.tracesentinel";
  private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
  private static final Pattern NAMED = Pattern.compile("\\bcom\\.tracesentinel((?:\\.[a-z]\\w*)*)\\.[A-Z*]");

  @Test
  void noPackageDependsOnItselfThroughOthers() throws IOException {
    Map<String, Set<String>> uses = uses();
    List<String> cycles = new ArrayList<>();
    for (String start : uses.keySet()) {
      List<String> path = pathBack(uses, start);
      if (path != null) {
        cycles.add(String.join(" -> ", path));
      }
    }
    assertTrue(uses.size() > 10, "the packages were read: " + uses.keySet());
    assertEquals(List.of(), cycles);
  }

  @Test
  void onlyTheRootPackageNamesTheLedger() throws IOException {
    List<String> naming = new ArrayList<>();
    uses().forEach((pkg, used) -> {
      if (used.contains(ROOT + ".ledger") && !pkg.equals(ROOT)) {
        naming.add(pkg);
      }
    });
    assertEquals(List.of(), naming, "name com.tracesentinel.ledger instead of ingest.LedgerPort");
  }

  /** Each package of src/main/java and the other packages of this code base its code names. */
  private static Map<String, Set<String>> uses() throws IOException {
    Map<String, Set<String>> uses = new TreeMap<>();
    List<Path> sources;
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      sources = files.filter(p -> p.toString().endsWith(".java")).toList();
    }
    for (Path source : sources) {
      String text = Files.readString(source);
      Matcher declared = PACKAGE.matcher(text);
      if (!declared.find()) {
        continue;
      }
      String pkg = declared.group(1);
      Set<String> used = uses.computeIfAbsent(pkg, k -> new TreeSet<>());
      Matcher named = NAMED.matcher(codeOnly(text));
      while (named.find()) {
        String other = ROOT + named.group(1);
        if (!other.equals(pkg)) {
          used.add(other);
        }
      }
    }
    return uses;
  }

  /** The text without comments and with string and character literals emptied ("/*" in a route is no comment). */
  private static String codeOnly(String text) {
    StringBuilder code = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      if (text.startsWith("//", i)) {
        i = text.indexOf('\n', i);
        i = i < 0 ? text.length() : i;
      } else if (text.startsWith("/*", i)) {
        i = text.indexOf("*/", i + 2) + 2;
      } else if (text.startsWith("\"\"\"", i)) {
        i = text.indexOf("\"\"\"", i + 3) + 3;
      } else if (text.charAt(i) == '"' || text.charAt(i) == '\'') {
        char quote = text.charAt(i++);
        while (text.charAt(i) != quote) {
          i += text.charAt(i) == '\\' ? 2 : 1;
        }
        i++;
      } else {
        code.append(text.charAt(i++));
      }
    }
    return code.toString();
  }

  /** A path from {@code start} through other packages back to it, or null. */
  private static List<String> pathBack(Map<String, Set<String>> uses, String start) {
    Map<String, String> cameFrom = new TreeMap<>();
    Deque<String> next = new ArrayDeque<>(uses.getOrDefault(start, Set.of()));
    next.forEach(p -> cameFrom.put(p, start));
    while (!next.isEmpty()) {
      String at = next.poll();
      if (at.equals(start)) {
        List<String> path = new ArrayList<>(List.of(start));
        for (String p = cameFrom.get(start); !p.equals(start); p = cameFrom.get(p)) {
          path.add(0, p);
        }
        path.add(0, start);
        return path;
      }
      for (String p : uses.getOrDefault(at, Set.of())) {
        if (cameFrom.putIfAbsent(p, at) == null) {
          next.add(p);
        }
      }
    }
    return null;
  }
}
