package com.tracesentinel.code;

import static com.tracesentinel.code.Expect.GS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Agreement with GS1's own reading of codes. Rows marked "engine" restate test vectors of the GS1 Syntax Engine
 * ({@code gs1/gs1-syntax-engine}, {@code src/c-lib/ai.c}, {@code dl.c}, {@code syntax/lint_*.c}) with the reason this
 * parser gives; the engine's vectors are single AIs, so they are embedded in a pharma code (GTIN + serial) to make a
 * whole trace code. Other rows come from the rules of the GS1 Barcode Syntax Dictionary and the issue's cases.
 */
class Gs1ConformanceTest {

  /** A valid pharma code the single-AI vectors are appended to. */
  private static final String BOX = "(01)09520123456788(21)ABC123";
  private static final String CANONICAL = BOX;
  private static final String RAW_BOX = "0109520123456788" + "21ABC123";

  // ---------------------------------------------------------------------------------------------------------------
  // Brackets: a truncated or malformed '(' never becomes data.

  static Stream<Arguments> brackets() {
    String box = "(01)12312312312333(21)ABC123";
    return Stream.of(
        // the issue's endings after a variable-length AI; (17) with no data is an empty value, not a bracket fault
        arguments(box + "(17)", InvalidReason.VALUE_TOO_SHORT, 32),
        arguments(box + "(10", InvalidReason.MALFORMED_BRACKETS, 28),
        arguments(box + "(15", InvalidReason.MALFORMED_BRACKETS, 28),
        arguments(box + "(1", InvalidReason.MALFORMED_BRACKETS, 28),
        arguments(box + "(", InvalidReason.MALFORMED_BRACKETS, 28),
        arguments(box + "()12345", InvalidReason.MALFORMED_BRACKETS, 28),
        arguments(box + "(1A)12345", InvalidReason.MALFORMED_BRACKETS, 28),
        arguments(box + "(1)12345", InvalidReason.MALFORMED_BRACKETS, 28),
        arguments(box + "(12345)12345", InvalidReason.MALFORMED_BRACKETS, 28),
        // the same after the batch, and inside the GTIN's neighbourhood
        arguments("(01)12312312312333(10)LOT(21", InvalidReason.MALFORMED_BRACKETS, 25),
        arguments("(01)12312312312333(21", InvalidReason.MALFORMED_BRACKETS, 18),
        arguments("(01", InvalidReason.MALFORMED_BRACKETS, 0),
        arguments("(01)12312312312333(21)AB(C)", InvalidReason.MALFORMED_BRACKETS, 24),
        arguments("(01)12312312312333(21)AB(1(10)X", InvalidReason.MALFORMED_BRACKETS, 24),
        arguments("(01)12312312312333 (21) ABC123 (", InvalidReason.MALFORMED_BRACKETS, 31),
        // engine: ai.c test_ai_parseAIdata
        arguments("(01)12312312312333(21)X(10)(11)98765", InvalidReason.VALUE_TOO_SHORT, 27),
        arguments("(01)12312312312333(21)X(10)12345(11)", InvalidReason.VALUE_TOO_SHORT, 36),
        arguments("(1A)12345", InvalidReason.MALFORMED_BRACKETS, 0),
        arguments("(01)12312312312333(21)X1(12345", InvalidReason.MALFORMED_BRACKETS, 24),
        arguments("()12345", InvalidReason.MALFORMED_BRACKETS, 0),
        arguments("(1)12345", InvalidReason.MALFORMED_BRACKETS, 0),
        arguments("(12345)12345", InvalidReason.MALFORMED_BRACKETS, 0),
        arguments("(15", InvalidReason.MALFORMED_BRACKETS, 0),
        arguments("(1", InvalidReason.MALFORMED_BRACKETS, 0),
        arguments("(", InvalidReason.MALFORMED_BRACKETS, 0),
        arguments("(01)123456789012312(10)12345", InvalidReason.VALUE_TOO_LONG, 18),
        arguments("(01)12312312312333(21)X(10)12345^", InvalidReason.INVALID_CHARACTER, 32),
        arguments("(01)12312312312333(21)X(17)9(90)217", InvalidReason.VALUE_TOO_SHORT, 28),
        arguments("(01)12312312312333(21)X(9999)1", InvalidReason.UNKNOWN_AI, 24),
        arguments("(01)12312312312333(21)X(89)1", InvalidReason.UNKNOWN_AI, 24),
        // a backslash not before '(' is no escape: it is not in CSET 82
        arguments("(01)12312312312333(21)A\\B", InvalidReason.INVALID_CHARACTER, 23));
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1} at {2}")
  @MethodSource("brackets")
  void malformedBracketsAreRefused(String input, InvalidReason reason, int position) {
    Expect.invalid(input, reason, position);
  }

  static Stream<Arguments> escapedBrackets() {
    return Stream.of(
        // engine: ai.c test_ai_parseAIdata, "(10)12345\(11)991225" and "(10)12345\(" as a serial
        arguments("(01)12312312312333(21)12345\\(11)991225", "12345(11)991225"),
        arguments("(01)12312312312333(21)12345\\(", "12345("),
        arguments("(01)12312312312333(21)\\(\\(", "(("),
        arguments("(01)12312312312333(21)A)B", "A)B"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("escapedBrackets")
  void escapedBracketsAreData(String input, String serial) {
    TraceCode code = Expect.valid(input);
    assertEquals(serial, code.serial());
    assertEquals(code, Expect.valid(code.elementString()), "the element string reads back as the same box");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Raw element strings and AIM prefixes: the same truncation class, where the syntax can see it.

  static Stream<Arguments> raw() {
    return Stream.of(
        arguments("]d2" + RAW_BOX + GS + "1", InvalidReason.UNKNOWN_AI, 25),
        arguments("]d2" + RAW_BOX + GS + "17", InvalidReason.VALUE_TOO_SHORT, 27),
        arguments("]d2" + RAW_BOX + GS + "172712", InvalidReason.VALUE_TOO_SHORT, 31),
        arguments("]Q3" + RAW_BOX + GS + "10", InvalidReason.VALUE_TOO_SHORT, 27),
        arguments("]C1" + RAW_BOX + GS + "8", InvalidReason.UNKNOWN_AI, 25),
        arguments("]e0" + "01095201234567", InvalidReason.VALUE_TOO_SHORT, 14),
        arguments(GS + "0109520123456788" + GS + "21", InvalidReason.VALUE_TOO_SHORT, 19),
        arguments(RAW_BOX + GS + "89ABC", InvalidReason.UNKNOWN_AI, 25),
        // engine: ai.c test_ai_processAIdata (^ = FNC1 = GS)
        arguments("]d2" + "891234", InvalidReason.UNKNOWN_AI, 0),
        arguments("]d2" + "01A2345678901231", InvalidReason.NOT_NUMERIC, 2),
        arguments("]d2" + "0112345678901234", InvalidReason.CHECK_DIGIT, 15),
        arguments("]d2" + "011234567890123", InvalidReason.VALUE_TOO_SHORT, 15),
        arguments("]d2" + "01123456789012312", InvalidReason.UNKNOWN_AI, 16),
        arguments("]d2" + "01123456789012345" + GS, InvalidReason.CHECK_DIGIT, 15),
        arguments("]d2" + "0112345678901231" + "2421234567", InvalidReason.VALUE_TOO_LONG, 25),
        arguments("]d2" + "0112345678901231" + "8111123", InvalidReason.VALUE_TOO_SHORT, 23),
        arguments("]d2" + "0112345678901231" + "80011234123451239", InvalidReason.VALUE_TOO_SHORT, 33),
        arguments("]d2" + "0112345678901231" + "70072112252", InvalidReason.VALUE_TOO_SHORT, 27),
        arguments("]d2" + "0112345678901231" + "70072112252112", InvalidReason.VALUE_TOO_SHORT, 30),
        arguments("]d2" + "0112345678901231" + "800302112345678901ABC", InvalidReason.CHECK_DIGIT, 33),
        arguments("]d2" + "0112345678901231" + "723012", InvalidReason.VALUE_TOO_SHORT, 22),
        arguments("]d2" + "0112345678901231" + "99~ABC", InvalidReason.INVALID_CHARACTER, 18));
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1} at {2}")
  @MethodSource("raw")
  void rawAndAimSpellingsGiveTheSameReasons(String input, InvalidReason reason, int position) {
    Expect.invalid(input, reason, position);
  }

  static Stream<Arguments> rawValid() {
    return Stream.of(
        // engine: ai.c test_ai_processAIdata, valid rows, with a serial added
        arguments("]d2" + "0112345678901231" + "991234" + GS + "21X", "(01)12345678901231(21)X"),
        arguments("]d2" + "0112345678901231" + GS + "991234" + GS + "21X", "(01)12345678901231(21)X"),
        arguments("]d2" + "0112345678901231" + "242123456" + GS + "21X", "(01)12345678901231(21)X"),
        arguments("]d2" + "0112345678901231" + "800112341234512398" + GS + "21X", "(01)12345678901231(21)X"),
        arguments("]d2" + "0112345678901231" + "7007211225211231" + GS + "21X", "(01)12345678901231(21)X"),
        arguments("]d2" + "0112345678901231" + "7007211225" + GS + "21X", "(01)12345678901231(21)X"),
        arguments("]d2" + "0112345678901231" + "7230121234567890123456789012345678" + GS + "21X",
            "(01)12345678901231(21)X"),
        arguments("]d2" + "0112345678901231" + "7230123" + GS + "21X", "(01)12345678901231(21)X"),
        arguments("]d2" + "21X" + GS + "0112345678901231" + GS, "(01)12345678901231(21)X"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("rawValid")
  void rawSpellingsOfValidData(String input, String canonical) {
    assertEquals(canonical, Expect.valid(input).canonical());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Digital Link.

  static Stream<Arguments> digitalLinkInvalid() {
    return Stream.of(
        // the issue's cases
        arguments("https://a/01/12312312312333/21/", InvalidReason.VALUE_TOO_SHORT, 31),
        arguments("https://a/01/12312312312333/10/L/21", InvalidReason.VALUE_TOO_SHORT, 35),
        arguments("https://a/01/09520123456788?21=ABC123", InvalidReason.DL_QUERY_ATTRIBUTE, 28),
        arguments("https://a/01/09520123456788/21/S?10=ABC123", InvalidReason.DL_QUERY_ATTRIBUTE, 33),
        arguments("https://a/01/09520123456788/21/S?22=V1", InvalidReason.DL_QUERY_ATTRIBUTE, 33),
        arguments("https://a/01/09520123456788/21/S?99=X&99=X", InvalidReason.REPEATED_FIELD, 38),
        arguments("https://a/01/09520123456788/21/S?17=270131&17=270131", InvalidReason.REPEATED_FIELD, 43),
        arguments("https://a/01/09520123456788/21/S?17=2712+31", InvalidReason.NOT_NUMERIC, 40),
        arguments("https://a/01/09520123456788/21/S?99=A+B", InvalidReason.INVALID_CHARACTER, 37),
        arguments("https://a/01/09520123456788/21/S?254=X", InvalidReason.DL_QUERY_ATTRIBUTE, 33),
        arguments("https://a/01/09520123456788/21/S?8200=X", InvalidReason.DL_QUERY_ATTRIBUTE, 33),
        arguments("https://a/01/09520123456788/21/S/", InvalidReason.DL_MALFORMED, 32),
        arguments("https://a/01/09520123456788/21/S\"1", InvalidReason.INVALID_CHARACTER, 32),
        arguments("https://a/01/09520123456788/21/S 1", InvalidReason.INVALID_CHARACTER, 32),
        arguments("https://a/01/09520123456788/235/X/21/S", InvalidReason.DL_PATH_QUALIFIER, 28),
        arguments("https://a/01/09520123456788/21/S/235/X", InvalidReason.DL_PATH_QUALIFIER, 28),
        // engine: dl.c test_dl_parseDLuri
        arguments("http:///", InvalidReason.DL_MALFORMED, 7),
        arguments("http://a", InvalidReason.DL_MALFORMED, 7),
        arguments("http://a/", InvalidReason.MISSING_GTIN, 8),
        arguments("http://a/b", InvalidReason.MISSING_GTIN, 8),
        arguments("HtTp://a/b/00/006141411234567890", InvalidReason.DL_MALFORMED, 0),
        arguments("https://a/00/006141411234567890", InvalidReason.MISSING_GTIN, 9),
        arguments("https://a/00/faux/00/006141411234567890", InvalidReason.MISSING_GTIN, 9),
        arguments("https://a/stem/00/006141411234567890/", InvalidReason.MISSING_GTIN, 9),
        arguments("https://a/gtin/12312312312333", InvalidReason.MISSING_GTIN, 9),
        arguments("https://a/01/12312312312333", InvalidReason.MISSING_SERIAL, -1),
        arguments("https://a/01/12312312312333?99=", InvalidReason.VALUE_TOO_SHORT, 31),
        arguments("https://a/01/12312312312333?99=ABC&999=faux", InvalidReason.UNKNOWN_AI, 35),
        arguments("https://a/01/12312312312333/22/ABC%2d123?99=ABC&98=XYZ+987", InvalidReason.INVALID_CHARACTER, 54),
        arguments("https://example.com/01/09520123456788?10=ABC123", InvalidReason.DL_QUERY_ATTRIBUTE, 38),
        arguments("https://id.gs1.org/01/09520123456788/235/XYZ?10=ABC123", InvalidReason.MISSING_SERIAL, -1),
        arguments("https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&01=09520123456788",
            InvalidReason.REPEATED_FIELD, 57),
        arguments("https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&10=ABC123",
            InvalidReason.REPEATED_FIELD, 57),
        arguments("https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&99=XYZ789",
            InvalidReason.REPEATED_FIELD, 57),
        arguments("https://example.com/01/09520123456788/89/ABC123?99=XYZ", InvalidReason.UNKNOWN_AI, 38),
        arguments("https://example.com/01/09520123456788?99=XYZ&89=ABC123", InvalidReason.UNKNOWN_AI, 45),
        arguments("https://a/01/12312312312333/22/TEST/10/ABC", InvalidReason.MISSING_SERIAL, -1));
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1} at {2}")
  @MethodSource("digitalLinkInvalid")
  void digitalLinksGs1RefusesAreRefused(String input, InvalidReason reason, int position) {
    Expect.invalid(input, reason, position);
  }

  static Stream<Arguments> digitalLinkValid() {
    return Stream.of(
        // engine: dl.c test_dl_parseDLuri, with a serial where the vector had none
        arguments("https://a/01/12312312312333/22/TEST/10/ABC/21/XYZ", "(01)12312312312333(21)XYZ",
            "(01)12312312312333(10)ABC(21)XYZ(22)TEST"),
        arguments("https://xn--fsq.xn--0zwm56d/01/12312312312333/21/X", "(01)12312312312333(21)X", null),
        arguments("https://a./01/12312312312333/21/X", "(01)12312312312333(21)X", null),
        arguments("https://a:65535/01/12312312312333/21/X", "(01)12312312312333(21)X", null),
        arguments("https://192.0.2.1/01/12312312312333/21/X", "(01)12312312312333(21)X", null),
        arguments("https://[2001:db8::1]/01/12312312312333/21/X", "(01)12312312312333(21)X", null),
        arguments("HTTPS://a/01/12312312312333/21/X", "(01)12312312312333(21)X", null),
        arguments("https://a/more/stem/01/12312312312333/21/X", "(01)12312312312333(21)X", null),
        arguments("https://a/01/faux/01/12312312312333/21/X", "(01)12312312312333(21)X", null),
        arguments("https://a/01/12312312312333/21/X?", "(01)12312312312333(21)X", null),
        arguments("https://a/01/12312312312333/21/X?99=ABC&98=XYZ", "(01)12312312312333(21)X",
            "(01)12312312312333(21)X(98)XYZ(99)ABC"),
        arguments("https://a/01/12312312312333/21/X?&&&99=ABC&&&&&&98=XYZ&&&", "(01)12312312312333(21)X",
            "(01)12312312312333(21)X(98)XYZ(99)ABC"),
        arguments("https://a/01/12312312312333/21/X?singleton1&unknown1=555&99=ABC&singleton2&98=XYZ",
            "(01)12312312312333(21)X", "(01)12312312312333(21)X(98)XYZ(99)ABC"),
        arguments("https://a/01/12312312312333/22/ABC%2d123/21/X?99=ABC&98=XYZ%2f987", "(01)12312312312333(21)X",
            "(01)12312312312333(21)X(22)ABC-123(98)XYZ/987(99)ABC"),
        arguments("https://a/01/12312312312333/22/ABC+123/21/X?99=ABC", "(01)12312312312333(21)X",
            "(01)12312312312333(21)X(22)ABC+123(99)ABC"),
        arguments("https://a/01/12312312312333/22/test/10/abc/21/xyz#fragment", "(01)12312312312333(21)XYZ", null),
        arguments("https://a/01/12312312312333/22/test/10/abc/21/xyz#", "(01)12312312312333(21)XYZ", null),
        arguments("https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426", "(01)09520123456788(21)12345",
            "(01)09520123456788(10)ABC1(17)180426(21)12345"),
        arguments("https://example.com/01/9520123456788/21/S?3103=000195&3922=0299&17=201225",
            "(01)09520123456788(21)S", "(01)09520123456788(17)201225(21)S(3103)000195(3922)0299"),
        arguments("https://a/01/09520123456788/21/S?8008=25122412&8030=ABC-_12", "(01)09520123456788(21)S",
            "(01)09520123456788(21)S(8008)25122412(8030)ABC-_12"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("digitalLinkValid")
  void digitalLinksGs1AcceptsAreRead(String input, String canonical, String elementString) {
    TraceCode code = Expect.valid(input);
    assertEquals(canonical, code.canonical());
    if (elementString != null) {
      assertEquals(elementString, code.elementString());
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Known AIs: kept in the result, ignored for identity.

  static Stream<Arguments> knownAis() {
    return Stream.of(
        arguments("(8008)25122412", "(8008)25122412"),
        arguments("(8008)2512241230", "(8008)2512241230"),
        arguments("(8008)251224123059", "(8008)251224123059"),
        arguments("(8030)MEUCIQDxYz-_abc", "(8030)MEUCIQDxYz-_abc"),
        arguments("(8030)ABCD", "(8030)ABCD"),
        arguments("(8030)12=", "(8030)12="),
        arguments("(8030)1==", "(8030)1=="),
        arguments("(7003)2512241230", "(7003)2512241230"),
        arguments("(7007)251224", "(7007)251224"),
        arguments("(7007)251224251231", "(7007)251224251231"),
        arguments("(7040)1A2_", "(7040)1A2_"),
        arguments("(7230)EMXYZ", "(7230)EMXYZ"),
        arguments("(7239)ABC", "(7239)ABC"),
        arguments("(7011)251224", "(7011)251224"),
        arguments("(7011)2512241200", "(7011)2512241200"),
        arguments("(423)156276840", "(423)156276840"),
        arguments("(422)156", "(422)156"),
        arguments("(427)AB", "(427)AB(422)156"),
        arguments("(716)AIC123", "(716)AIC123"),
        arguments("(7241)80(8018)123456789012345675", "(7241)80(8018)123456789012345675"),
        arguments("(8018)123456789012345675(7252)2", "(7252)2(8018)123456789012345675"),
        arguments("(8018)123456789012345675(7259)BABY(7258)1/2", "(7258)1/2(7259)BABY(8018)123456789012345675"),
        arguments("(8018)123456789012345675(7250)20250229", null),
        arguments("(8018)123456789012345675(7250)20240229", "(7250)20240229(8018)123456789012345675"),
        arguments("(8110)ABC", "(8110)ABC"),
        arguments("(8112)0ABC", "(8112)0ABC"),
        arguments("(8013)1987654Ad4X4bL5ttr2310c2K", "(8013)1987654Ad4X4bL5ttr2310c2K"),
        arguments("(8014)1987654Ad4X4bL5ttr2310c2K", "(8014)1987654Ad4X4bL5ttr2310c2K"),
        arguments("(00)123456789012345675(4300)ACME%20LTD", "(00)123456789012345675(4300)ACME%20LTD"),
        arguments("(00)123456789012345675(4307)CN", "(00)123456789012345675(4307)CN"),
        arguments("(00)123456789012345675(4309)03996000000116000000",
            "(00)123456789012345675(4309)03996000000116000000"),
        arguments("(00)123456789012345675(4321)1", "(00)123456789012345675(4321)1"),
        arguments("(00)123456789012345675(4330)000250-", "(00)123456789012345675(4330)000250-"),
        arguments("(00)123456789012345675(4331)001500", "(00)123456789012345675(4331)001500"),
        arguments("(415)5412345000013(8020)ABC(8007)GB98MIDL07009312345678", null),
        arguments("(3910)978123", "(3910)978123"));
  }

  /**
   * Each row is appended to {@link #BOX}; the expected element string is BOX's plus the row's AIs in lexical order,
   * or the row itself when null. The parenthesised "(422)156" of 427 is its required partner.
   */
  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("knownAis")
  void knownAisAreKeptAndLeaveTheIdentityAlone(String ais, String expectedTail) {
    String extra = ais.startsWith("(427)") ? ais + "(422)156" : ais;
    if (ais.contains("(7250)20250229")) {
      validOrInvalidFor(BOX + extra, InvalidReason.INVALID_DATE);
      return;
    }
    if (ais.startsWith("(3910)")) {
      // 3910 needs 8020, which needs 415: the pairing rules refuse it on a GTIN code, as GS1's engine does
      validOrInvalidFor(BOX + extra, InvalidReason.INVALID_PAIRING);
      return;
    }
    TraceCode code = Expect.valid(BOX + extra);
    assertEquals(CANONICAL, code.canonical());
    assertEquals("ABC123", code.serial());
    if (expectedTail != null) {
      for (String element : expectedTail.split("(?=\\()")) {
        assertTrue(code.elementString().contains(element), code.elementString() + " keeps " + element);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Content rules inside AIs: engine ai.c test_ai_linters, one row per linter error, embedded in a pharma code.

  static Stream<Arguments> linters() {
    return Stream.of(
        arguments("(00)123456789012345675", null),
        arguments("(00)A23456789012345675", InvalidReason.NOT_NUMERIC),
        arguments("(10)A B", InvalidReason.INVALID_CHARACTER),
        arguments("(8010)123456_", InvalidReason.INVALID_CHARACTER),
        arguments("(8013)123456ABOO", InvalidReason.INVALID_CHARACTER),
        arguments("(8030)ABC:123", InvalidReason.INVALID_CHARACTER),
        arguments("(8030)123=", InvalidReason.INVALID_CHARACTER),
        arguments("(00)123456789012345670", InvalidReason.CHECK_DIGIT),
        arguments("(8013)123456ABXX", InvalidReason.CHECK_DIGIT),
        arguments("(8013)A", InvalidReason.INVALID_VALUE),
        arguments("(401)123", InvalidReason.INVALID_VALUE),
        arguments("(7023)12A4", InvalidReason.INVALID_VALUE),
        arguments("(7040)1AB=", InvalidReason.INVALID_VALUE),
        arguments("(8001)12340000012311", InvalidReason.INVALID_VALUE),
        arguments("(8003)112345678901281234567890123456", InvalidReason.INVALID_VALUE),
        arguments("(8011)023456789012", InvalidReason.INVALID_VALUE),
        arguments("(4321)2", InvalidReason.INVALID_VALUE),
        arguments("(8001)12341234512321", InvalidReason.INVALID_VALUE),
        arguments("(426)987", InvalidReason.INVALID_VALUE),
        arguments("(7030)987ABC", InvalidReason.INVALID_VALUE),
        arguments("(4307)AA", InvalidReason.INVALID_VALUE),
        arguments("(3910)9870", InvalidReason.INVALID_VALUE),
        arguments("(8007)FR1234", InvalidReason.INVALID_VALUE),
        arguments("(8007)FR12_45678901234", InvalidReason.INVALID_CHARACTER),
        arguments("(8007)AB12345678901234", InvalidReason.INVALID_VALUE),
        arguments("(8007)FR12345678901234", InvalidReason.CHECK_DIGIT),
        arguments("(4326)201300", InvalidReason.INVALID_DATE),
        arguments("(4326)201200", InvalidReason.INVALID_DATE),
        arguments("(4324)2012252400", InvalidReason.INVALID_DATE),
        arguments("(4324)2012252360", InvalidReason.INVALID_DATE),
        arguments("(8008)201225230060", InvalidReason.INVALID_DATE),
        arguments("(8026)123456789012310099", InvalidReason.INVALID_VALUE),
        arguments("(8026)123456789012310100", InvalidReason.INVALID_VALUE),
        arguments("(8026)123456789012310302", InvalidReason.INVALID_VALUE),
        arguments("(4300)ABC%0g", InvalidReason.INVALID_VALUE),
        arguments("(4309)18000000010000000000", InvalidReason.INVALID_VALUE),
        arguments("(4309)00000000003600000001", InvalidReason.INVALID_VALUE),
        arguments("(4330)000000X", InvalidReason.INVALID_VALUE),
        arguments("(01)95012345678902(3103)000123", InvalidReason.CHECK_DIGIT),
        arguments("(01)95012345678903(11)131313", InvalidReason.INVALID_DATE),
        // structure rules from the dictionary: 423/425 lists of 1-5 ISO 3166 countries, 7007 date pairs, 8008 parts
        arguments("(423)156276840250036", null),
        arguments("(423)15627684025003", InvalidReason.VALUE_TOO_SHORT),
        arguments("(423)156276840250036124", InvalidReason.VALUE_TOO_LONG),
        arguments("(423)156999", InvalidReason.INVALID_VALUE),
        arguments("(425)000", InvalidReason.INVALID_VALUE),
        arguments("(7007)25122425", InvalidReason.VALUE_TOO_SHORT),
        arguments("(7007)251224251232", InvalidReason.INVALID_DATE),
        arguments("(8008)2512241", InvalidReason.VALUE_TOO_SHORT),
        arguments("(8008)25122424", InvalidReason.INVALID_DATE),
        arguments("(8008)2512241260", InvalidReason.INVALID_DATE),
        arguments("(8030)ABCDE==", InvalidReason.INVALID_CHARACTER),
        arguments("(8030)ABCD==", null),
        arguments("(8030)AB+C", InvalidReason.INVALID_CHARACTER),
        arguments("(7252)3(8018)123456789012345675", InvalidReason.INVALID_VALUE),
        arguments("(7258)2/1(8018)123456789012345675(7259)B", InvalidReason.INVALID_VALUE),
        arguments("(7258)0/1(8018)123456789012345675(7259)B", InvalidReason.INVALID_VALUE),
        arguments("(7241)11(8018)123456789012345675", InvalidReason.INVALID_VALUE),
        arguments("(00)123456789012345675(7041)ZZZZ", InvalidReason.INVALID_VALUE),
        arguments("(00)123456789012345675(7041)BX", null),
        arguments("(8014)1234567890123456789012345", InvalidReason.CHECK_DIGIT),
        arguments("(8014)12345678901234567890123NT", null),
        arguments("(17)270229", InvalidReason.INVALID_DATE),
        arguments("(17)280229", null),
        arguments("(17)270200", null),
        arguments("(11)271301", InvalidReason.INVALID_DATE),
        arguments("(7006)270100", InvalidReason.INVALID_DATE),
        arguments("(7250)20241301(8018)123456789012345675", InvalidReason.INVALID_DATE),
        arguments("(8008)251224125959", null));
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @MethodSource("linters")
  void contentRulesGiveTheirReason(String ais, InvalidReason reason) {
    String input = ais.startsWith("(01)") ? ais + "(21)ABC123" : BOX + ais;
    ParseResult.Invalid invalid = validOrInvalidFor(input, reason);
    if (invalid != null) {
      assertTrue(invalid.position() >= 0 && invalid.position() <= input.length(), () -> input + ": " + invalid);
    }
  }

  /** Asserts the input is valid (reason null) or refused for that reason; returns the refusal. */
  private static ParseResult.Invalid validOrInvalidFor(String input, InvalidReason reason) {
    ParseResult result = TraceCodes.parse(input);
    if (reason == null) {
      assertInstanceOf(ParseResult.Valid.class, result, () -> Expect.show(input) + " gave " + result);
      return null;
    }
    ParseResult.Invalid invalid = assertInstanceOf(ParseResult.Invalid.class, result,
        () -> Expect.show(input) + " was accepted");
    assertEquals(reason, invalid.reason(), () -> Expect.show(input) + ": " + invalid.message());
    return invalid;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Pairings: engine ai.c test_ai_validateAIassociations, embedded where the vector lacked a GTIN and serial.

  static Stream<Arguments> pairings() {
    return Stream.of(
        arguments("(01)12345678901231(21)X(400)ABC(400)ABC", null),
        arguments("(01)12345678901231(21)X(400)ABC(99)DEF(400)ABC", null),
        arguments("(01)12345678901231(21)X(400)ABC(400)AB", InvalidReason.REPEATED_FIELD),
        arguments("(01)12345678901231(21)X(400)ABC(99)DEF(400)XYZ", InvalidReason.REPEATED_FIELD),
        arguments("(01)12345678901231(21)X(02)12345678901231", InvalidReason.INVALID_PAIRING),
        arguments("(01)12345678901231(21)X(255)5412345000150", InvalidReason.INVALID_PAIRING),
        arguments("(01)12345678901231(21)X(37)123", InvalidReason.INVALID_PAIRING),
        arguments("(01)12345678901231(21)ABC123(235)XYZ", InvalidReason.INVALID_PAIRING),
        arguments("(01)12345678901231(21)X(3940)1234(8111)9999", InvalidReason.INVALID_PAIRING),
        arguments("(01)12345678901231(21)X(3955)123456(3929)123", InvalidReason.INVALID_PAIRING),
        arguments("(01)12345678901231(250)ABC123", InvalidReason.MISSING_SERIAL),
        arguments("(01)12345678901231(21)XYZ999(250)ABC123", null),
        arguments("(01)12345678901231(21)X(3925)12599", InvalidReason.INVALID_PAIRING),
        arguments("(01)12345678901231(21)X(3925)12599(30)123", null),
        arguments("(01)12345678901231(21)X(3925)12599(3100)654321", null),
        arguments("(01)12345678901231(21)X(3925)12599(3695)654321", null),
        arguments("(01)12345678901231(21)X(3103)000123(3104)000123", InvalidReason.INVALID_PAIRING),
        arguments("(01)12345678901231(21)X(4300)ACME", InvalidReason.INVALID_PAIRING),
        arguments("(01)12345678901231(21)X(7252)1", InvalidReason.INVALID_PAIRING),
        arguments("(01)12345678901231(21)X(8018)123456789012345675(7258)1/2", InvalidReason.INVALID_PAIRING),
        arguments("(01)12345678901231(21)X(8030)AAAA", null),
        arguments("(01)12345678901231(21)X(427)AB", InvalidReason.INVALID_PAIRING));
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @MethodSource("pairings")
  void pairingRulesOfTheDictionary(String input, InvalidReason reason) {
    validOrInvalidFor(input, reason);
  }
}
