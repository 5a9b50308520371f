package com.tracesentinel.code;

import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Gs1DigitalLinkTest {

  private static final String PHARMA = "(01)06901234567892(10)LOT-7(17)270131(21)SN0001";

  static Stream<Arguments> validLinks() {
    return Stream.of(
        // input, GTIN-14, serial, batch, expiry, element string
        arguments("https://id.example.com/01/06901234567892/21/SN0001", "06901234567892", "SN0001", null, null,
            "(01)06901234567892(21)SN0001"),
        arguments("https://id.example.com/01/06901234567892/10/LOT-7/21/SN0001?17=270131", "06901234567892",
            "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments("https://id.example.com/01/6901234567892/10/LOT-7/21/SN0001?17=270131", "06901234567892",
            "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments("https://example.org/01/036000291452/21/X", "00036000291452", "X", null, null,
            "(01)00036000291452(21)X"),
        arguments("https://example.org/01/96385074/21/X", "00000096385074", "X", null, null,
            "(01)00000096385074(21)X"),
        arguments("HTTP://ID.EXAMPLE.COM/01/06901234567892/21/SN0001", "06901234567892", "SN0001", null, null,
            "(01)06901234567892(21)SN0001"),
        arguments("https://brand.example/gs1/dl/01/06901234567892/21/SN0001", "06901234567892", "SN0001", null,
            null, "(01)06901234567892(21)SN0001"),
        arguments("https://example.org/01/shop/01/06901234567892/21/SN0001", "06901234567892", "SN0001", null,
            null, "(01)06901234567892(21)SN0001"),
        arguments("https://example.org/01/06901234567892/22/V1/10/LOT-7/21/SN0001", "06901234567892", "SN0001",
            "LOT-7", null, "(01)06901234567892(10)LOT-7(21)SN0001(22)V1"),
        arguments("https://example.org/01/06901234567892/21/SN0001?linkType=gs1:pip&17=270131#top",
            "06901234567892", "SN0001", null, "2027-01-31", "(01)06901234567892(17)270131(21)SN0001"),
        arguments("https://example.org/01/06901234567892/21/S%2FN%25%41", "06901234567892", "S/N%A", null, null,
            "(01)06901234567892(21)S/N%A"),
        arguments("https://example.org/01/06901234567892/10/LOT-7/21/SN0001?17=270131", "06901234567892",
            "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments("https://resolver.example.com:8443/01/06901234567892/21/SN0001?11=250101&&x=1",
            "06901234567892", "SN0001", null, null, "(01)06901234567892(11)250101(21)SN0001"),
        arguments("https://example.org/01/06901234567892/21/01", "06901234567892", "01", null, null,
            "(01)06901234567892(21)01"),
        // Caps Lock, and a lower-case letter percent-encoded: the serial as scanned, the canonical folded
        arguments("https://id.example.com/01/06901234567892/10/lot-7/21/sn%30%6f01?17=270131", "06901234567892",
            "sn0o01", "lot-7", "2027-01-31", "(01)06901234567892(10)lot-7(17)270131(21)sn0o01"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("validLinks")
  void validLinksGiveTheBoxIdentity(String input, String gtin, String serial, String batch, String expiry,
                                    String elementString) {
    Expect.valid(input, CodeFamily.GS1, "(01)" + gtin + "(21)" + Expect.upperAscii(serial), gtin, serial, batch,
        expiry, elementString);
  }

  static Stream<Arguments> invalidLinks() {
    return Stream.of(
        arguments("https://example.org/01/06901234567892/21/SN/10/L", InvalidReason.DL_PATH_QUALIFIER, 38),
        arguments("https://example.org/01/06901234567892/21/SN/17/270131", InvalidReason.DL_PATH_QUALIFIER, 44),
        arguments("https://example.org/01/06901234567892/21", InvalidReason.VALUE_TOO_SHORT, 40),
        arguments("https://example.org/01/06901234567892/21/", InvalidReason.VALUE_TOO_SHORT, 41),
        arguments("https://example.org/01/06901234567892/21/SN0001/", InvalidReason.DL_MALFORMED, 47),
        arguments("https://example.org/01/06901234567892/21/SN0001?10=LOT-7", InvalidReason.DL_QUERY_ATTRIBUTE, 48),
        arguments("https://example.org/01/06901234567892/21/A/21/B", InvalidReason.DL_PATH_QUALIFIER, 38),
        arguments("https://example.org/product/123", InvalidReason.MISSING_GTIN, 19),
        arguments("https://example.org/01/06901234567892", InvalidReason.MISSING_SERIAL, -1),
        arguments("https://example.org/01/06901234567892/21/SN%G1", InvalidReason.DL_PERCENT_ENCODING, 43),
        arguments("https://example.org/01/06901234567892/21/SN%4", InvalidReason.DL_PERCENT_ENCODING, 43),
        arguments("https://example.org/01/69012345678/21/X", InvalidReason.VALUE_TOO_SHORT, 23),
        arguments("https://example.org/01/069012345678920/21/X", InvalidReason.VALUE_TOO_LONG, 23),
        arguments("https://example.org/01/6901234567893/21/X", InvalidReason.CHECK_DIGIT, 35),
        arguments("https://example.org/01/0690123456789A/21/X", InvalidReason.NOT_NUMERIC, 36),
        arguments("https:///01/06901234567892/21/X", InvalidReason.DL_MALFORMED, 8),
        arguments("https://example.org", InvalidReason.DL_MALFORMED, 8),
        arguments("https://example.org/01//06901234567892/21/X", InvalidReason.DL_MALFORMED, 23),
        arguments("https://example.org/01/06901234567892/21/X?999=1", InvalidReason.UNKNOWN_AI, 43),
        arguments("https://example.org/01/06901234567892/21/X?17=271301", InvalidReason.INVALID_DATE, 48),
        arguments("https://example.org/01/06901234567892/21/X?17", InvalidReason.VALUE_TOO_SHORT, 45),
        arguments("https://example.org/01/06901234567892/21/S%20N", InvalidReason.INVALID_CHARACTER, 42),
        arguments("https://example.org/01/06901234567892/21/A?21=B", InvalidReason.REPEATED_FIELD, 43),
        arguments("https://example.org/01/06901234567892?21=B", InvalidReason.DL_QUERY_ATTRIBUTE, 38));
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1} at {2}")
  @MethodSource("invalidLinks")
  void invalidLinksNameTheRuleAndPlace(String input, InvalidReason reason, int position) {
    Expect.invalid(input, reason, position);
  }
}
