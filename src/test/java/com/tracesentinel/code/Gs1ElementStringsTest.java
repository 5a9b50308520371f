package com.tracesentinel.code;

import static com.tracesentinel.code.Expect.GS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Gs1ElementStringsTest {

  private static final String GTIN = "06901234567892";
  private static final String PHARMA = "(01)06901234567892(10)LOT-7(17)270131(21)SN0001";
  private static final String RAW = "0106901234567892" + "17270131" + "10LOT-7" + GS + "21SN0001";

  static Stream<Arguments> validSpellings() {
    return Stream.of(
        // input, canonical serial, batch, expiry, element string
        arguments("(01)06901234567892(21)SN0001", "SN0001", null, null, "(01)06901234567892(21)SN0001"),
        arguments("(01)06901234567892(17)270131(10)LOT-7(21)SN0001", "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments("(21)SN0001(10)LOT-7(17)270131(01)06901234567892", "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments("(01) 06901234567892 (17) 270131 (10) LOT-7 (21) SN0001", "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments(RAW, "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments(GS + RAW, "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments(RAW + GS, "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments(RAW.replace(GS, GS + GS + GS), "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments("]d2" + GS + RAW, "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments("]d2" + RAW, "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments("]Q3" + RAW, "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments("]C1" + RAW, "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments("]e0" + RAW, "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments(RAW.replace(GS, "<GS>"), "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments("<gs>" + RAW.replace(GS, "<gs>"), "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments(RAW.replace(GS, "\\u001d"), "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments(RAW.replace(GS, "\\U001D"), "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments(RAW.replace(GS, "^]"), "SN0001", "LOT-7", "2027-01-31", PHARMA),
        arguments("\uFEFF ]d2" + GS + RAW + "\r\n", "SN0001", "LOT-7", "2027-01-31", PHARMA),
        // serial first, a GS after fixed-length fields too: both legal
        arguments("21SN0001" + GS + "10LOT-7" + GS + "0106901234567892" + GS + "17270131", "SN0001", "LOT-7",
            "2027-01-31", PHARMA),
        // no GS1 marker, but the pharma layout starting with AI 01 and a non-digit serial
        arguments("010690123456789221SN0001", "SN0001", null, null, "(01)06901234567892(21)SN0001"),
        // 20 digits are GS1 when the scanner says so
        arguments("]d201069012345678922112", "12", null, null, "(01)06901234567892(21)12"),
        // Caps Lock: the serial and element string keep the case scanned, the canonical folds it
        arguments("(01)06901234567892(21)sn0001", "sn0001", null, null, "(01)06901234567892(21)sn0001"),
        // day 00 is the month's last day, leap years included
        arguments("(01)06901234567892(17)280200(21)X", "X", null, "2028-02-29", "(01)06901234567892(17)280200(21)X"),
        arguments("(01)06901234567892(17)270200(21)X", "X", null, "2027-02-28", "(01)06901234567892(17)270200(21)X"),
        arguments("(01)06901234567892(17)280229(21)X", "X", null, "2028-02-29", "(01)06901234567892(17)280229(21)X"),
        // all 20 punctuation marks of CSET 82; a '(' in the data is written \( (GS1 syntax engine, ai.c)
        arguments("(01)06901234567892(21)!\"%&'\\()*+,-./:;<=>?_", "!\"%&'()*+,-./:;<=>?_", null, null,
            "(01)06901234567892(21)!\"%&'\\()*+,-./:;<=>?_"),
        arguments("(01)06901234567892(21)A\\(5)B", "A(5)B", null, null, "(01)06901234567892(21)A\\(5)B"),
        arguments("(01)06901234567892(21)AB\\(", "AB(", null, null, "(01)06901234567892(21)AB\\("),
        // other AIs are kept, sorted after 01 in the Syntax Dictionary's lexical order
        arguments("(01)06901234567892(91)INT-1(3103)001250(240)ADD(11)250101(21)SN1", "SN1", null, null,
            "(01)06901234567892(11)250101(21)SN1(240)ADD(3103)001250(91)INT-1"),
        arguments("0106901234567892714PT123" + GS + "21X", "X", null, null, "(01)06901234567892(21)X(714)PT123"),
        // the same AI twice with the same value: two symbols on one label
        arguments("(01)06901234567892(21)A(01)06901234567892", "A", null, null, "(01)06901234567892(21)A"),
        // a 20-character serial and batch, the maximum
        arguments("(01)06901234567892(10)ABCDEFGHIJKLMNOPQRST(21)abcdefghijklmnopqrst", "abcdefghijklmnopqrst",
            "ABCDEFGHIJKLMNOPQRST", null, "(01)06901234567892(10)ABCDEFGHIJKLMNOPQRST(21)abcdefghijklmnopqrst"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("validSpellings")
  void validSpellingsGiveTheBoxIdentity(String input, String serial, String batch, String expiry,
                                        String elementString) {
    Expect.valid(input, CodeFamily.GS1, "(01)" + GTIN + "(21)" + Expect.upperAscii(serial), GTIN, serial, batch,
        expiry, elementString);
  }

  static Stream<Arguments> invalidSpellings() {
    return Stream.of(
        arguments("(01)06901234567893(21)SN0001", InvalidReason.CHECK_DIGIT, 17),
        arguments("010690123456789321SN", InvalidReason.CHECK_DIGIT, 15),
        arguments("(01)6901234567892(21)SN0001", InvalidReason.VALUE_TOO_SHORT, 17),
        arguments("]d201069012345678" + GS + "21X", InvalidReason.VALUE_TOO_SHORT, 14),
        arguments("(01)0690123456789A(21)SN0001", InvalidReason.NOT_NUMERIC, 17),
        arguments("(01)06901234567892", InvalidReason.MISSING_SERIAL, -1),
        arguments("010690123456789210LOT21SN", InvalidReason.MISSING_SERIAL, -1),
        arguments("(21)SN0001(17)270131", InvalidReason.MISSING_GTIN, -1),
        arguments("(02)06901234567892(21)SN0001", InvalidReason.MISSING_GTIN, -1),
        arguments("(01)06901234567892(21)SN 0001", InvalidReason.INVALID_CHARACTER, 24),
        arguments("(01)06901234567892(21)SN#0001", InvalidReason.INVALID_CHARACTER, 24),
        arguments("(01)06901234567892(21)SN\u00e90001", InvalidReason.INVALID_CHARACTER, 24),
        arguments("(01)06901234567892(21)ABCDEFGHIJKLMNOPQRSTU", InvalidReason.VALUE_TOO_LONG, 42),
        arguments("0106901234567892" + "10" + "ABCDEFGHIJKLMNOPQRS" + "21SERIAL", InvalidReason.VALUE_TOO_LONG, 38),
        arguments("(01)06901234567892(17)271301(21)X", InvalidReason.INVALID_DATE, 24),
        arguments("(01)06901234567892(17)270230(21)X", InvalidReason.INVALID_DATE, 26),
        arguments("(01)06901234567892(17)270229(21)X", InvalidReason.INVALID_DATE, 26),
        arguments("(01)06901234567892(17)270431(21)X", InvalidReason.INVALID_DATE, 26),
        arguments("010690123456789221SN" + "<GS>" + "17271301", InvalidReason.INVALID_DATE, 25),
        arguments("(01)06901234567892(21)", InvalidReason.VALUE_TOO_SHORT, 22),
        arguments("0106901234567892" + GS + "21" + GS + "10X", InvalidReason.VALUE_TOO_SHORT, 19),
        arguments("(01)06901234567892(23)X", InvalidReason.UNKNOWN_AI, 19),
        arguments("(01)06901234567892(21)SN1(9999)X", InvalidReason.UNKNOWN_AI, 26),
        arguments("0106901234567892" + GS + "23X", InvalidReason.UNKNOWN_AI, 17),
        arguments("010690123456789221X" + GS + "1", InvalidReason.UNKNOWN_AI, 20),
        arguments("]d2ABC", InvalidReason.UNKNOWN_AI, 0),
        arguments("(01)06901234567892(21)A(21)B", InvalidReason.REPEATED_FIELD, 27),
        arguments("]C1010690123456789221A" + GS + "21B", InvalidReason.REPEATED_FIELD, 22),
        arguments("(0A)06901234567892", InvalidReason.MALFORMED_BRACKETS, 0),
        arguments("(01)06901234567892 X (21)Y", InvalidReason.VALUE_TOO_LONG, 18));
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1} at {2}")
  @MethodSource("invalidSpellings")
  void invalidSpellingsNameTheRuleAndPlace(String input, InvalidReason reason, int position) {
    Expect.invalid(input, reason, position);
  }

  @Test
  void checkDigitMessageNamesBothDigits() {
    assertEquals("GTIN check digit is 3, expected 2",
        Expect.invalid("(01)06901234567893(21)X", InvalidReason.CHECK_DIGIT, 17).message());
  }

  @Test
  void aLostSeparatorIsSuggestedWhenAFieldRunsLong() {
    String message = Expect.invalid("0106901234567892" + "10" + "ABCDEFGHIJKLMNOPQRS" + "21SERIAL",
        InvalidReason.VALUE_TOO_LONG, 38).message();
    assertEquals("AI 10 (BATCH/LOT) allows at most 20 characters, got 27; is the GS separator after it missing?",
        message);
  }

  @Test
  void serialsDifferingOnlyInCaseAreOneBoxWhoseSerialStaysAsScanned() {
    TraceCode scanned = Expect.valid("(01)06901234567892(21)AbC");
    TraceCode capsLock = Expect.valid("(01)06901234567892(21)aBc");
    assertEquals("(01)06901234567892(21)ABC", scanned.canonical());
    assertEquals(scanned.canonical(), capsLock.canonical());
    assertEquals("aBc", capsLock.serial());
    assertEquals("(01)06901234567892(21)aBc", capsLock.elementString());
  }

  @Test
  void theFoldIgnoresTheDefaultLocale() {
    Locale before = Locale.getDefault();
    try {
      // Turkish upper-cases i to a dotted capital, which the stored history (folded in SQL) would never match
      Locale.setDefault(Locale.forLanguageTag("tr-TR"));
      assertEquals("(01)06901234567892(21)IXI", Expect.valid("(01)06901234567892(21)ixi").canonical());
    } finally {
      Locale.setDefault(before);
    }
  }

  @Test
  void onlyTheSerialIsFoldedNeverTheOtherAis() {
    TraceCode code = Expect.valid("(01)06901234567892(10)lot-7(91)int(21)sn1");
    assertEquals("(01)06901234567892(21)SN1", code.canonical());
    assertEquals("lot-7", code.batch());
    assertEquals("(01)06901234567892(10)lot-7(21)sn1(91)int", code.elementString());
  }

  @Test
  void canonicalAndElementStringParseBackToTheSameBox() {
    TraceCode code = Expect.valid("]d2" + GS + "0106901234567892" + "17270131" + "10L(5)" + GS + "21S/1");
    assertEquals(code, Expect.valid(code.elementString()));
    assertEquals(code.canonical(), Expect.valid(code.canonical()).canonical());
  }
}
