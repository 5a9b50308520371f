package com.tracesentinel.code;

import static com.tracesentinel.code.Expect.GS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The entry point's own rules: what is noise only, what is too long, what is no trace code at all. */
class TraceCodesTest {

  private static final String GS1_100 = "(01)06901234567892(21)ABCDEFGHIJKLMNOPQRST(91)" + "X".repeat(54);

  static Stream<Arguments> rejected() {
    return Stream.of(
        arguments(null, InvalidReason.EMPTY, -1),
        arguments("", InvalidReason.EMPTY, -1),
        arguments(" \r\n\t", InvalidReason.EMPTY, -1),
        arguments("\uFEFF", InvalidReason.EMPTY, -1),
        arguments("]d2", InvalidReason.EMPTY, -1),
        arguments("<GS><GS>", InvalidReason.EMPTY, -1),
        arguments("8".repeat(101), InvalidReason.TOO_LONG, 100),
        arguments(GS1_100 + "X", InvalidReason.TOO_LONG, 100),
        arguments("8".repeat(700), InvalidReason.TOO_LONG, 100),
        arguments("hello", InvalidReason.UNRECOGNISED_FORMAT, 0),
        arguments("urn:epc:id:sgtin:0614141.112345.400", InvalidReason.UNRECOGNISED_FORMAT, 0),
        arguments("#81234567890123456789", InvalidReason.UNRECOGNISED_FORMAT, 0),
        arguments("ftp://id.example.com/01/06901234567892/21/X", InvalidReason.UNRECOGNISED_FORMAT, 0));
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @MethodSource("rejected")
  void rejectedWithTheirReason(String input, InvalidReason reason, int position) {
    Expect.invalid(input, reason, position);
  }

  @Test
  void hundredCharactersFit() {
    Expect.valid(GS1_100);
  }

  /** The limit applies to the code, not to how a keyboard wedge spelled its separators. */
  @Test
  void separatorSpellingsDoNotCountAgainstTheLimit() {
    String raw = "0106901234567892" + "10" + "L".repeat(20) + "\\u001d" + "21" + "S".repeat(20) + "\\u001d" + "91"
        + "X".repeat(30);
    Expect.valid(raw);
    Expect.valid(raw.replace("\\u001d", GS));
  }

  /** A URL query turns an unencoded '+' into a space; inside a code a space can only have been that '+'. */
  @Test
  void aQueryValueReadsAnInnerSpaceAsThePlusItWas() {
    String plus = "(01)06901234567892(21)A+B";
    assertEquals(TraceCodes.parse(plus), TraceCodes.parseQueryValue("(01)06901234567892(21)A B"));
    assertEquals(TraceCodes.parse("0106901234567892" + "21A+B" + GS + "10L1"),
        TraceCodes.parseQueryValue("]d2 0106901234567892" + "21A B" + GS + "10L1 \r\n"));
    // the ends stay white space to strip, as forms pad codes with it
    assertEquals(TraceCodes.parse("81234567890123456789"), TraceCodes.parseQueryValue("  81234567890123456789 "));
    assertEquals(TraceCodes.parse("(01)06901234567892(21)AB"), TraceCodes.parseQueryValue("(01)06901234567892(21)AB "));
    // the scan API's own parse still refuses the space: a till that sends one has a real fault
    Expect.invalid("(01)06901234567892(21)A B", InvalidReason.INVALID_CHARACTER, 23);
    assertEquals(TraceCodes.parse((String) null), TraceCodes.parseQueryValue(null));
  }

  /** Beside a bracket a space is a printed label's spacing, as the scan API reads it, not a '+' the URL lost. */
  @Test
  void aQueryValueKeepsTheSpacingOfAPrintedLabel() {
    String label = "(01) 06901234567892 (17) 271231 (10) B123 (21) SN0001";
    assertEquals("(01)06901234567892(21)SN0001", Expect.valid(label).canonical());
    assertEquals(TraceCodes.parse(label), TraceCodes.parseQueryValue(label));
    assertEquals(TraceCodes.parse("(01)06901234567892 (21)A+B"),
        TraceCodes.parseQueryValue("(01)06901234567892  (21)A B"));
  }
}
