package com.tracesentinel.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An operator reads what a variable accepts in the README, not in a start-up failure: every whole-number variable's
 * row in README's configuration tables states the range the start-up check applies ("range 1–3,600"), read from that
 * check itself, so the two cannot drift apart.
 */
class ConfigRangesDocumentedTest {
  /** An environment that switches on every part of the configuration (cluster mode and the webhook included). */
  private static final Map<String, String> EVERYTHING_ON = Map.of(
      "TRACESENTINEL_KAFKA_BOOTSTRAP", "127.0.0.1:9092",
      "TRACESENTINEL_CLUSTER_SECRET", "a-test-cluster-secret",
      "TRACESENTINEL_DB_URL", "postgresql://ts@127.0.0.1/ts",
      "TRACESENTINEL_ALERT_WEBHOOK", "https://alerts.example/hook",
      "TRACESENTINEL_ALERT_WEBHOOK_SECRET", "a-test-webhook-secret");

  @Test
  void everyWholeNumberVariablesRowStatesItsRange() throws IOException {
    List<String> readme = Files.readAllLines(Path.of("README.md"));
    Map<String, long[]> ranges = Config.wholeNumberRanges(EVERYTHING_ON);
    assertTrue(ranges.size() >= 20, "the environment reached every part: " + ranges.keySet());
    List<String> missing = new ArrayList<>();
    ranges.forEach((name, range) -> {
      String stated = String.format(Locale.ROOT, "range %,d–%,d", range[0], range[1]);
      boolean documented = readme.stream().anyMatch(l -> l.startsWith("| `" + name + "` |") && l.contains(stated));
      if (!documented) {
        missing.add(name + " (" + stated + ")");
      }
    });
    assertTrue(missing.isEmpty(), "README rows without their range: " + missing);
  }
}
