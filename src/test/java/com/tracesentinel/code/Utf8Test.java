package com.tracesentinel.code;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8Test {
  private static byte[] bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return out;
  }

  @Test
  void asciiAndEveryPlaneAreWellFormed() {
    assertTrue(Utf8.wellFormed("{\"documentNo\":\"D-1\"}".getBytes(StandardCharsets.US_ASCII)));
    assertTrue(Utf8.wellFormed("阿莫西林胶囊 é 😀 \uFFFD".getBytes(StandardCharsets.UTF_8)));
    assertTrue(Utf8.wellFormed(bytes(0xF4, 0x8F, 0xBF, 0xBF)), "U+10FFFF, the last code point");
    assertTrue(Utf8.wellFormed(new byte[0]));
  }

  @Test
  void jsonTextHasNoZeroByteWhereJacksonLooksForUtf16OrUtf32() {
    assertTrue(Utf8.jsonText("{\"a\":\"\\u0000\"}".getBytes(StandardCharsets.US_ASCII), 0, 12));
    assertTrue(Utf8.jsonText(new byte[0], 0, 0));
    assertFalse(Utf8.jsonText("{}".getBytes(StandardCharsets.UTF_16LE), 0, 4), "UTF-16LE, well-formed as UTF-8");
    assertFalse(Utf8.jsonText("{}".getBytes(StandardCharsets.UTF_16BE), 0, 4), "UTF-16BE");
    assertFalse(Utf8.jsonText(bytes('{', 0xC0, 0xAF, '}'), 0, 4), "ill-formed UTF-8 still is not");
  }

  @Test
  void overlongFormsSurrogatesAndCodePointsPastTheLastAreNot() {
    assertFalse(Utf8.wellFormed(bytes('A', 0xC0, 0xAF)), "overlong '/' in two bytes");
    assertFalse(Utf8.wellFormed(bytes(0xE0, 0x80, 0xAF)), "overlong '/' in three bytes");
    assertFalse(Utf8.wellFormed(bytes(0xED, 0xA0, 0x80)), "the surrogate U+D800, encoded");
    assertFalse(Utf8.wellFormed(bytes(0xF4, 0x90, 0x80, 0x80)), "U+110000");
    assertFalse(Utf8.wellFormed(bytes(0xFF)));
    assertFalse(Utf8.wellFormed(bytes('x', 0xE4, 0xB8)), "a sequence cut short at the end");
    assertFalse(Utf8.wellFormed(bytes(0x80)), "a continuation byte alone");
  }

  @Test
  void onlyTheGivenRangeIsChecked() {
    byte[] b = bytes(0xFF, 'o', 'k', 0xFF);
    assertTrue(Utf8.wellFormed(b, 1, 2));
    assertFalse(Utf8.wellFormed(b, 1, 3));
  }
}
