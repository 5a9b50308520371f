package com.tracesentinel.imaging;

import org.junit.jupiter.api.Tag;
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
@Tag("slow")
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
    if (f.texts().isEmpty()) {
      assertEquals("none", d.pass(), f.notes());
    } else {
      assertTrue(PASS.matcher(d.pass()).matches(), "pass " + d.pass() + " is not one the decoder has");
    }
  }

  /**
   * The pass names {@link DecodeOutcome.Decoded#pass()} may carry when something was found: "+regions" only
   * after a pass over a whole view (the completion of {@code ImageDecoder.Search.complete}); a pure-barcode read
   * is the whole image, region and tile reads already looked everywhere they could.
   */
  static final java.util.regex.Pattern PASS =
      java.util.regex.Pattern.compile("(whole|upscaled|downscaled|rotated)(\\+regions)?|pure|regions|tiles");

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
    for (String group : FixtureManifest.SUPERSET_GROUPS) {
      for (String turn : List.of("_r0.png", "_r90.png", "_r180.png", "_r270.png")) {
        assertTrue(all.stream().anyMatch(f -> f.group().equals(group) && f.file().endsWith(turn)), group + turn);
      }
    }
  }

  /** Centres are reported in the uploaded image's coordinates, whatever view found the symbol. */
  @Test
  void reportsCentresInOriginalCoordinates() {
    // make-fixtures.sh pastes the 192-px DataMatrix at +40+40 on the label and a 144-px copy at +3150+2200 in the
    // 12 MP photo; dm_rot45.png is found in a rotated view, its symbol sits in the middle of the image.
    assertCentre("multi_label.png", 0, 136, 136);
    assertCentre("photo_12mp.jpg", 0, 3150 + 72, 2200 + 72);
    assertCentre("dm_rot45.png", 0, 136, 136);
    // A 24x24 DataMatrix, 1 px per module, in the middle of a 640x480 page turned clockwise (480x640): read in
    // a region crop turned back by right angles.
    assertCentre("one_px/dm_24x24_page_r90.png", 0, 240, 320);
  }

  /**
   * A phone stores a portrait photo sideways with EXIF orientation 6: reading order follows what is displayed.
   * The 2x2 label (DataMatrix, Code 128 / QR, EAN-13) shown turned clockwise reads QR, DataMatrix / EAN-13, Code 128.
   */
  @Test
  void readingOrderFollowsExifOrientation() throws Exception {
    java.awt.image.BufferedImage label = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
        FixtureManifest.read("multi_label.png")));
    java.awt.image.BufferedImage rgb = new java.awt.image.BufferedImage(label.getWidth(), label.getHeight(),
        java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
    rgb.createGraphics().drawImage(label, 0, 0, null);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(rgb, "jpeg", out);
    byte[] jpeg = out.toByteArray();
    // APP1 "Exif\0\0", big-endian TIFF header, IFD0 with one entry: Orientation (0x0112) SHORT 1 = 6.
    byte[] app1 = {(byte) 0xFF, (byte) 0xE1, 0, 34, 'E', 'x', 'i', 'f', 0, 0,
        'M', 'M', 0, 42, 0, 0, 0, 8,
        0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0,
        0, 0, 0, 0};
    byte[] withExif = new byte[jpeg.length + app1.length];
    System.arraycopy(jpeg, 0, withExif, 0, 2);
    System.arraycopy(app1, 0, withExif, 2, app1.length);
    System.arraycopy(jpeg, 2, withExif, 2 + app1.length, jpeg.length - 2);
    assertEquals(6, ExifOrientation.read(withExif));

    DecodeOutcome.Decoded d = assertInstanceOf(DecodeOutcome.Decoded.class, DECODER.decode(withExif));
    assertEquals(List.of("QR_CODE", "DATA_MATRIX", "EAN_13", "CODE_128"),
        d.symbols().stream().map(DecodedSymbol::format).toList());
    DecodedSymbol dm = d.symbols().get(1);
    // Stored centre (136, 136) of a 1100x620 image, turned clockwise: (620 - 136, 136).
    assertTrue(Math.abs(dm.x() - 484) <= 8 && Math.abs(dm.y() - 136) <= 8, dm.x() + "," + dm.y());
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
