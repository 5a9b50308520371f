package com.tracesentinel.code;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Gs1AiTest {

  @ParameterizedTest(name = "AI {0}")
  @CsvSource({
      // AI, predefined length (no GS needed after it), min, max: as in the GS1 Syntax Dictionary
      "00, true, 18, 18", "01, true, 14, 14", "02, true, 14, 14", "10, false, 1, 20", "11, true, 6, 6",
      "12, true, 6, 6", "13, true, 6, 6", "15, true, 6, 6", "16, true, 6, 6", "17, true, 6, 6", "20, true, 2, 2",
      "21, false, 1, 20", "22, false, 1, 20", "235, false, 1, 28", "240, false, 1, 30", "241, false, 1, 30",
      "250, false, 1, 30", "251, false, 1, 30", "253, false, 13, 30", "30, false, 1, 8", "3100, true, 6, 6",
      "3165, true, 6, 6", "3375, true, 6, 6", "3695, true, 6, 6", "37, false, 1, 8", "400, false, 1, 30",
      "410, true, 13, 13", "417, true, 13, 13", "710, false, 1, 20", "715, false, 1, 20", "8003, false, 14, 30",
      "8004, false, 1, 30", "8006, false, 18, 18", "8010, false, 1, 30", "90, false, 1, 30", "91, false, 1, 90",
      "99, false, 1, 90",
      // from the 2025 dictionary: AIs that were refused as unknown before
      "03, true, 14, 14", "716, false, 1, 20", "7003, false, 10, 10", "7007, false, 6, 12", "7040, false, 4, 4",
      "7041, false, 1, 4", "7230, false, 3, 30", "7239, false, 3, 30", "7250, false, 8, 8", "7252, false, 1, 1",
      "7258, false, 3, 3", "423, false, 3, 15", "4300, false, 1, 35", "4309, false, 20, 20", "4330, false, 6, 7",
      "8008, false, 8, 12", "8013, false, 1, 25", "8014, false, 1, 25", "8030, false, 1, 90", "8110, false, 1, 70",
      "8112, false, 1, 70", "8026, false, 18, 18",
  })
  void tableMatchesTheSyntaxDictionary(String code, boolean predefined, int min, int max) {
    Gs1Ai ai = Gs1Ai.exact(code);
    assertNotNull(ai, code);
    assertEquals(code, ai.code);
    assertEquals(predefined, ai.predefinedLength, "predefined length of " + code);
    assertEquals(min, ai.minLength, "min length of " + code);
    assertEquals(max, ai.maxLength, "max length of " + code);
  }

  @ParameterizedTest(name = "AI {0}")
  @ValueSource(strings = {"04", "23", "3106", "3170", "3380", "418", "717", "8000", "100", "0100", "8027", "7260"})
  void aisOutsideTheDictionaryAreUnknown(String code) {
    assertNull(Gs1Ai.exact(code));
  }

  /** Raw element strings can only be split because no AI is a prefix of another. */
  @Test
  void tableIsPrefixFree() {
    List<String> codes = new ArrayList<>();
    for (int length = 2; length <= 4; length++) {
      for (int value = 0; value < Math.pow(10, length); value++) {
        String code = String.format("%0" + length + "d", value);
        if (Gs1Ai.exact(code) != null) {
          codes.add(code);
        }
      }
    }
    for (String code : codes) {
      for (String other : codes) {
        if (!code.equals(other) && other.startsWith(code)) {
          throw new AssertionError("AI " + code + " is a prefix of AI " + other);
        }
      }
    }
    assertEquals(true, codes.size() > 300, "the table holds the dictionary subset: " + codes.size());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"3103001250, 3103", "8003012345678901ABC, 8003", "710PZN1, 710", "0106901234567892, 01",
      "91X, 91"})
  void findReadsTheAiAtTheStartOfAField(String field, String code) {
    assertEquals(code, Gs1Ai.find(field, 0).code);
  }
}
