package com.tracesentinel.code;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GtinTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      // data digits, check digit (GS1 GenSpecs example 629104150021 -> 3, then real GTIN-8/12/13/14 and SSCC)
      "629104150021, 3",
      "9638507, 4",
      "03600029145, 2",
      "690123456789, 2",
      "0690123456789, 2",
      "0950600013435, 2",
      "00000000000000000, 0",
      "37610425002123456, 9",
  })
  void checkDigitIsMod10WeightedThreeOneFromTheRight(String data, int check) {
    assertEquals(check, Gtin.expectedCheckDigit(data, 0, data.length()));
    assertEquals(true, Gtin.hasValidCheckDigit(data + check, 0, data.length() + 1));
    assertEquals(false, Gtin.hasValidCheckDigit(data + (check + 1) % 10, 0, data.length() + 1));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "96385074, 00000096385074",
      "036000291452, 00036000291452",
      "6901234567892, 06901234567892",
      "06901234567892, 06901234567892",
  })
  void shortGtinsPadToFourteenDigits(String gtin, String gtin14) {
    assertEquals(gtin14, Gtin.toGtin14(gtin));
    assertEquals(true, Gtin.hasValidCheckDigit(gtin14, 0, 14));
  }
}
