package com.tracesentinel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code mvn -Pfast test} leaves out the tests tagged "slow" and is meant to take seconds: one untagged test that
 * starts PostgreSQL or the service is enough to undo that (PoolTimeoutTest alone took 79 s of a 2-minute fast run).
 * So a test that uses the support classes which start them carries the tag, on its class or on each method using them.
 */
class FastSubsetTest {
  private static final Pattern HEAVY =
      Pattern.compile("\\b(TestDatabase|TestService|ServiceProcess|ChildJvm|KafkaBroker|SseClient)\\b");
  private static final String SLOW = "@Tag(\"slow\")";
  /** A member's first line in this code base's layout: two spaces in, not an annotation, comment or brace. */
  private static final Pattern MEMBER = Pattern.compile("^  [^ @/*}].*");

  @Test
  void everyTestThatStartsPostgresqlOrTheServiceIsTaggedSlow() throws IOException {
    List<String> untagged = new ArrayList<>();
    List<Path> tests;
    try (Stream<Path> files = Files.walk(Path.of("src/test/java"))) {
      tests = files.filter(p -> p.toString().endsWith("Test.java"))
          .filter(p -> !p.endsWith(FastSubsetTest.class.getSimpleName() + ".java")).toList();
    }
    for (Path test : tests) {
      List<String> lines = Files.readAllLines(test);
      int declared = classLine(lines);
      if (lines.subList(0, declared).stream().anyMatch(l -> l.strip().equals(SLOW))) {
        continue;
      }
      for (int i = declared + 1; i < lines.size(); i++) {
        if (HEAVY.matcher(lines.get(i)).find() && !inSlowMethod(lines, i)) {
          untagged.add(test + ":" + (i + 1));
          break;
        }
      }
    }
    assertTrue(tests.size() > 100, "the tests were found: " + tests.size());
    assertEquals(List.of(), untagged, "start PostgreSQL or the service here but are not tagged slow");
  }

  private static int classLine(List<String> lines) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).matches("^(public |final |abstract )*class .*")) {
        return i;
      }
    }
    throw new AssertionError("no top-level class");
  }

  private static boolean inSlowMethod(List<String> lines, int at) {
    int member = at;
    while (member > 0 && !MEMBER.matcher(lines.get(member)).matches()) {
      member--;
    }
    for (int i = member - 1; i > 0 && lines.get(i).startsWith("  @"); i--) {
      if (lines.get(i).strip().equals(SLOW)) {
        return true;
      }
    }
    return false;
  }
}
