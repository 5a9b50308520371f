package com.tracesentinel.code;

import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class Cn20ParserTest {

  private static final String CODE = "81234567890123456789";

  static Stream<String> spellingsOfOneCode() {
    return Stream.of(CODE, "]C0" + CODE, "]I0" + CODE, "]C0 " + CODE, " " + CODE + "\r\n", "\uFEFF" + CODE,
        "\t" + CODE + "\n", "\u3000" + CODE + "\u00A0", CODE + "\0");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("spellingsOfOneCode")
  void noiseNeverChangesTheCode(String input) {
    Expect.valid(input, CodeFamily.CN20, CODE, "8123456", "7890123456789", null, null, CODE);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({
      // unmarked 20 digits are CN20 even when they could be read as 01 + GTIN + 21 + 2 digits
      "01069012345678922112, 0106901",
      "86900000000000000001, 8690000",
  })
  void twentyDigitsAreCn20(String input, String productKey) {
    Expect.valid(input, CodeFamily.CN20, input, productKey, input.substring(7), null, null, input);
  }

  static Stream<Arguments> invalidCodes() {
    return Stream.of(
        arguments("8123456789012345678", InvalidReason.CN20_LENGTH, 19),
        arguments("812345678901234567890", InvalidReason.CN20_LENGTH, 20),
        arguments("812345", InvalidReason.CN20_LENGTH, 6),
        arguments("8123456789O123456789", InvalidReason.NOT_NUMERIC, 10),
        arguments("8123456789 0123456789", InvalidReason.NOT_NUMERIC, 10),
        arguments("6901234567893", InvalidReason.CN20_LENGTH, 13),
        // the commodity barcode, in every GTIN length, with or without its AIM identifier
        arguments("6901234567892", InvalidReason.PRODUCT_BARCODE, -1),
        arguments("]E06901234567892", InvalidReason.PRODUCT_BARCODE, -1),
        arguments("96385074", InvalidReason.PRODUCT_BARCODE, -1),
        arguments("036000291452", InvalidReason.PRODUCT_BARCODE, -1),
        arguments("06901234567892", InvalidReason.PRODUCT_BARCODE, -1));
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1} at {2}")
  @MethodSource("invalidCodes")
  void invalidCodesNameTheRuleAndPlace(String input, InvalidReason reason, int position) {
    Expect.invalid(input, reason, position);
  }
}
