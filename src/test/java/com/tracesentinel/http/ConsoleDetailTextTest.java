package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The console shows an anomaly's detail in Chinese through the sentence patterns of webroot/console/detail-text.js
 * (README: "the anomalies' details follow the language"); a sentence none of them matches stays English. Every
 * sentence the service writes (rules.Ladder, and ingest.Judge for LATE_DELETION) must have one. The patterns are read
 * from the file itself and compiled as Java regexes (they use only the syntax both share), and matched against the
 * English text as the console has it, its ISO times already shown as local times.
 */
class ConsoleDetailTextTest {
  private static final String LOCAL = "2026/11/22 18:34:10";

  /** One sample of every sentence the service writes, times written as the console shows them. */
  private static final List<String> SENTENCES = List.of(
      "sold at P44030500002 on " + LOCAL,
      "sold at P44030500002 on " + LOCAL + "; now sold at 3 or more sites",
      "sold at P44030500002 on " + LOCAL + "; another city, 1 h 30 min apart",
      "split-sold at P44030500002 on " + LOCAL,
      "split sales reach 12 of 10 units",
      "destroyed at P44030500002 on " + LOCAL,
      "nothing to return: destroyed at P44030500002 on " + LOCAL,
      "no open sale to return",
      "the open sale is at another site: sold at P44030500002 on " + LOCAL,
      "return dated 2 h before the sale: sold at P44030500002 on " + LOCAL,
      "returned 11 d after the sale, past the 10 d window: sold at P44030500002 on " + LOCAL,
      "billed as XA02BCA211A001010100432, catalogue says XA10BAA115A001010100099",
      "expired 2026-10-31",
      "product 8100009 not in the catalogue",
      // a code whose open sales are not known since a return undid one of several (Ladder.openSalesUnknown), as a
      // REPEAT_SALE (with or without the site count), a RECEIVED_AFTER_SALE and a RETURN_MISMATCH
      "2 sales not returned, the latest not known since a return undid another (see the code's history)",
      "1 sale not returned, the latest not known since a return undid another (see the code's history)",
      "3 sales not returned, the latest not known since a return undid another (see the code's history); now sold at 3 "
          + "or more sites",
      "which open sale this returns is not known: 2 sales not returned, the latest not known since a return undid "
          + "another (see the code's history)",
      // an NHSA 3507 deletion of a sale older than the return window (Judge)
      "sale of " + LOCAL + " deleted 12 days later, after the 10-day return window",
      "sale of " + LOCAL + " deleted 1 day later, after the 1-day return window",
      "sale of " + LOCAL + " deleted 2 h 0 min 31 s later, after the 2 h return window");

  private static List<Pattern> chinesePatterns() throws IOException {
    String js;
    try (InputStream in = ConsoleDetailTextTest.class.getResourceAsStream("/webroot/console/detail-text.js")) {
      assertNotNull(in, "webroot/console/detail-text.js");
      js = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<Pattern> out = new ArrayList<>();
    Matcher m = Pattern.compile("\\[/(\\^.*?\\$)/,").matcher(js);
    while (m.find()) {
      out.add(Pattern.compile(m.group(1)));
    }
    assertTrue(out.size() >= 10, "the ZH table of detail-text.js was not found: " + out);
    return out;
  }

  @Test
  void everySentenceTheServiceWritesHasAChineseRendering() throws IOException {
    List<Pattern> zh = chinesePatterns();
    List<String> english = new ArrayList<>();
    for (String sentence : SENTENCES) {
      if (zh.stream().noneMatch(p -> p.matcher(sentence).find())) {
        english.add(sentence);
      }
    }
    assertTrue(english.isEmpty(), "shown in English in the Chinese console: " + english);
  }
}
