package com.tracesentinel.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture made by make-fixtures.sh (zint symbols damaged with ImageMagick) decodes to exactly the texts and
 * formats in fixtures.csv, in reading order.
 */
class ImageDecoderFixturesTest {
  static final ImageDecoder DECODER = new ImageDecoder(DecoderSettings.defaults());

  static Stream<FixtureManifest> fixtures() {
    return FixtureManifest.load().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void decodesFixture(FixtureManifest f) {
    DecodeOutcome.Decoded d = assertInstanceOf(DecodeOutcome.Decoded.class, DECODER.decode(f.bytes()), f.notes());
    List<String> texts = d.symbols().stream().map(DecodedSymbol::text).toList();
    List<String> formats = d.symbols().stream().map(DecodedSymbol::format).toList();
    assertEquals(printable(f.texts()), printable(texts), f.notes() + " (pass " + d.pass() + ")");
    assertEquals(f.formats(), formats, f.notes());
    for (DecodedSymbol s : d.symbols()) {
      assertEquals(s.text().startsWith("]d2") || s.text().startsWith("]Q3") || s.text().startsWith("]C1"), s.gs1(),
          "gs1 flag of " + s.printable());
    }
    assertEquals(f.texts().isEmpty() ? "none" : d.pass(), d.pass());
  }

  @Test
  void manifestCoversEveryFormatAndDistortion() {
    List<FixtureManifest> all = FixtureManifest.load();
    for (String format : List.of("DATA_MATRIX", "QR_CODE", "CODE_128", "ITF", "CODE_39", "EAN_13")) {
      assertTrue(all.stream().anyMatch(f -> f.formats().contains(format)), format);
    }
    for (String ext : List.of(".png", ".jpg", ".gif", ".bmp", ".webp")) {
      assertTrue(all.stream().anyMatch(f -> f.file().endsWith(ext)), ext);
    }
    assertTrue(all.stream().anyMatch(f -> f.texts().size() >= 3), "a multi-code image");
    assertTrue(all.size() >= 30, "fixture count");
  }

  /** Centres are reported in the uploaded image's coordinates, whatever view found the symbol. */
  @Test
  void reportsCentresInOriginalCoordinates() {
    // make-fixtures.sh pastes the 192-px DataMatrix at +40+40 on the label and a 144-px copy at +3150+2200 in the
    // 12 MP photo; dm_rot45.png is found in a rotated view, its symbol sits in the middle of the image.
    assertCentre("multi_label.png", 0, 136, 136);
    assertCentre("photo_12mp.jpg", 0, 3150 + 72, 2200 + 72);
    assertCentre("dm_rot45.png", 0, 136, 136);
  }

  private static void assertCentre(String file, int index, int x, int y) {
    DecodeOutcome.Decoded d = (DecodeOutcome.Decoded) DECODER.decode(FixtureManifest.read(file));
    DecodedSymbol s = d.symbols().get(index);
    assertTrue(Math.abs(s.x() - x) <= 8 && Math.abs(s.y() - y) <= 8,
        file + ": centre " + s.x() + "," + s.y() + " expected near " + x + "," + y + " (pass " + d.pass() + ")");
  }

  private static List<String> printable(List<String> texts) {
    return texts.stream().map(t -> t.replace("\u001d", "<GS>")).toList();
  }
}
