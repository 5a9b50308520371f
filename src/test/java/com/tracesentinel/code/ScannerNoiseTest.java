package com.tracesentinel.code;

import static com.tracesentinel.code.Expect.GS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ScannerNoiseTest {

  static Stream<Arguments> noise() {
    return Stream.of(
        // raw, cleaned text, GS1 symbology
        arguments(" 8123\r\n", "8123", false),
        arguments("\uFEFF]d2" + GS + "01X", "01X", true),
        arguments("]d201X", "01X", true),
        arguments("]Q301X", "01X", true),
        arguments("]C101X", "01X", true),
        arguments("]e001X", "01X", true),
        arguments("]C0 8123", "8123", false),
        arguments("]E08123", "8123", false),
        arguments("]D28123", "8123", false),
        arguments("01A<GS><gs>\\u001d^]21B<GS>", "01A" + GS + "21B", false),
        arguments("01A\\U001D21B", "01A" + GS + "21B", false),
        arguments("<GS>01A", "01A", true),
        arguments(GS + GS + "01A", "01A", true),
        arguments("\0\0 01A \0", "01A", false),
        arguments("\u3000812\u00A0", "812", false),
        arguments("A\\u001", "A\\u001", false),
        arguments("A<G S>B", "A<G S>B", false),
        arguments("A^B", "A^B", false),
        arguments(" \r\n\t", "", false),
        arguments("]d2", "", true));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("noise")
  void noiseIsRemovedAndSymbologyRemembered(String raw, String text, boolean gs1) {
    assertEquals(new ScannerNoise.Cleaned(text, gs1), ScannerNoise.clean(raw), Expect.show(raw));
  }

  @Test
  void inputThatCannotFitIsNotFolded() {
    String raw = "<GS>".repeat(200);
    assertEquals(raw.length(), ScannerNoise.clean(raw).text().length());
  }
}
