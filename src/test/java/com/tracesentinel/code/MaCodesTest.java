package com.tracesentinel.code;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MaCodesTest {

  private static final String EXAMPLE = "MA.156.M0.100001.L2503.S0000123456.V270131";

  static Stream<Arguments> validCodes() {
    return Stream.of(
        // input, canonical, product key, serial, batch, expiry, element string
        arguments(EXAMPLE, "MA.156.M0.100001.L2503.S0000123456", "MA.156.M0.100001", "0000123456", "2503",
            "2027-01-31", EXAMPLE),
        arguments("ma.156.M0.100001.l2503.s0000123456.v270131", "MA.156.M0.100001.L2503.S0000123456",
            "MA.156.M0.100001", "0000123456", "2503", "2027-01-31", EXAMPLE),
        arguments("MA.156.M0.100761.21234561.Sx00008.M220117.L20220117.D20220118.E220130.V220117.C3",
            "MA.156.M0.100761.21234561.Sx00008", "MA.156.M0.100761.21234561", "x00008", "20220117", "2022-01-17",
            "MA.156.M0.100761.21234561.Sx00008.M220117.L20220117.D20220118.E220130.V220117.C3"),
        arguments("MA.156.M0.123456.N123456Y.L190726A.S1907260001.E200725.CZ",
            "MA.156.M0.123456.N123456Y.L190726A.S1907260001", "MA.156.M0.123456.N123456Y", "1907260001",
            "190726A", null, "MA.156.M0.123456.N123456Y.L190726A.S1907260001.E200725.CZ"),
        arguments("MA.156.M0.100001.S1", "MA.156.M0.100001.S1", "MA.156.M0.100001", "1", null, null,
            "MA.156.M0.100001.S1"),
        arguments("\uFEFF MA.156.M0.100001.S1\r\n", "MA.156.M0.100001.S1", "MA.156.M0.100001", "1", null, null,
            "MA.156.M0.100001.S1"),
        arguments("]Q1MA.156.M0.100001.Sab", "MA.156.M0.100001.Sab", "MA.156.M0.100001", "ab", null, null,
            "MA.156.M0.100001.Sab"),
        arguments("MA.156.M0.100001.S1.V280229", "MA.156.M0.100001.S1", "MA.156.M0.100001", "1", null,
            "2028-02-29", "MA.156.M0.100001.S1.V280229"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("validCodes")
  void validCodesGiveTheBoxIdentity(String input, String canonical, String productKey, String serial, String batch,
                                    String expiry, String elementString) {
    Expect.valid(input, CodeFamily.MA, canonical, productKey, serial, batch, expiry, elementString);
  }

  static Stream<Arguments> invalidCodes() {
    return Stream.of(
        arguments("MA.156.M0.100001.L2503.V270131", InvalidReason.MISSING_SERIAL, -1),
        arguments("MA.156.M0.100001", InvalidReason.MISSING_SERIAL, -1),
        arguments("MA.156.M0", InvalidReason.MA_HEADER, -1),
        arguments("MA.15.M0.100001.S1", InvalidReason.MA_HEADER, 3),
        arguments("MA.CHN.M0.100001.S1", InvalidReason.MA_HEADER, 3),
        arguments("MA.156.M0.100001..S1", InvalidReason.MA_EMPTY_UNIT, 17),
        arguments("MA.156.M0.100001.S", InvalidReason.MA_EMPTY_UNIT, 18),
        arguments("MA.156.M0.100001.S1.", InvalidReason.MA_EMPTY_UNIT, 20),
        arguments("MA.", InvalidReason.MA_EMPTY_UNIT, 3),
        arguments("MA.156.M0.100001.S1.S2", InvalidReason.REPEATED_FIELD, 20),
        arguments("MA.156.M0.100001.S1.s1", InvalidReason.REPEATED_FIELD, 20),
        arguments("MA.156.M0.100001.S1.V271301", InvalidReason.INVALID_DATE, 23),
        arguments("MA.156.M0.100001.S1.V2701", InvalidReason.INVALID_DATE, 21),
        arguments("MA.156.M0.100001.S1.V270100", InvalidReason.INVALID_DATE, 25),
        arguments("MA.156.M0.100001.S1.9X", InvalidReason.MA_UNIT_LETTER, 20),
        arguments("MA.156.M0.100001.S1 2", InvalidReason.INVALID_CHARACTER, 19),
        arguments("MA.156.M0.100001.S12\u00e9", InvalidReason.INVALID_CHARACTER, 20));
  }

  @ParameterizedTest(name = "[{index}] {0} -> {1} at {2}")
  @MethodSource("invalidCodes")
  void invalidCodesNameTheRuleAndPlace(String input, InvalidReason reason, int position) {
    Expect.invalid(input, reason, position);
  }

  @Test
  void serialsDifferingOnlyInCaseAreTwoBoxes() {
    assertNotEquals(Expect.valid("MA.156.M0.100001.Sab").canonical(),
        Expect.valid("MA.156.M0.100001.SAB").canonical());
  }
}
