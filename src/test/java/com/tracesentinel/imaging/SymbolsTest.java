package com.tracesentinel.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.Result;
import com.google.zxing.ResultMetadataType;
import com.google.zxing.ResultPoint;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GS1 text normalisation, reading order and the grey conversion, without images on disk. */
class SymbolsTest {

  private static Result result(String text, BarcodeFormat format, String symbologyId) {
    Result r = new Result(text, null, new ResultPoint[] {new ResultPoint(0, 0), new ResultPoint(10, 10)}, format);
    if (symbologyId != null) r.putMetadata(ResultMetadataType.SYMBOLOGY_IDENTIFIER, symbologyId);
    return r;
  }

  @Test
  void gs1DataMatrixLosesItsLeadingGsAndGainsTheAimPrefix() {
    DecodedSymbol s = Symbols.toSymbol(result("\u001d0106901234567892\u001d21SN0001", BarcodeFormat.DATA_MATRIX, "]d2"), 5, 5);
    assertEquals("]d20106901234567892\u001d21SN0001", s.text());
    assertTrue(s.gs1());
  }

  @Test
  void plainDataMatrixAndQrStayPlain() {
    DecodedSymbol dm = Symbols.toSymbol(result("81234567890123456789", BarcodeFormat.DATA_MATRIX, "]d1"), 0, 0);
    assertEquals("81234567890123456789", dm.text());
    assertFalse(dm.gs1());
    DecodedSymbol qr = Symbols.toSymbol(result("https://id.gs1.org/01/06901234567892", BarcodeFormat.QR_CODE, "]Q1"), 0, 0);
    assertEquals("https://id.gs1.org/01/06901234567892", qr.text());
    assertFalse(qr.gs1());
  }

  @Test
  void gs1QrAndCode128() {
    assertEquals("]Q30106901234567892", Symbols.toSymbol(result("0106901234567892", BarcodeFormat.QR_CODE, "]Q3"), 0, 0).text());
    DecodedSymbol c = Symbols.toSymbol(result("]C10106901234567892", BarcodeFormat.CODE_128, "]C1"), 0, 0);
    assertEquals("]C10106901234567892", c.text());
    assertTrue(c.gs1());
    DecodedSymbol cn20 = Symbols.toSymbol(result("81234567890123456789", BarcodeFormat.CODE_128, "]C0"), 0, 0);
    assertEquals("81234567890123456789", cn20.text());
    assertFalse(cn20.gs1());
    assertFalse(Symbols.toSymbol(result("6901234567892", BarcodeFormat.EAN_13, "]E0"), 0, 0).gs1());
  }

  private static Symbols.Found at(String text, double minX, double minY, double maxX, double maxY) {
    DecodedSymbol s = new DecodedSymbol(text, "DATA_MATRIX", false, (int) ((minX + maxX) / 2), (int) ((minY + maxY) / 2));
    return new Symbols.Found(s, minX, minY, maxX, maxY);
  }

  @Test
  void readingOrderIsRowsThenLeftToRight() {
    // Two rows; in the first, the right-hand symbol sits a little higher (a tilted photo), and a 1D symbol
    // (zero-height scan line) sits beside a 2D one.
    List<Symbols.Found> found = List.of(
        at("row2-right", 600, 420, 700, 520),
        at("row1-right-1d", 400, 90, 800, 90),
        at("row1-left", 50, 60, 250, 260),
        at("row2-left", 50, 400, 250, 600));
    assertEquals(List.of("row1-left", "row1-right-1d", "row2-left", "row2-right"),
        Symbols.readingOrder(found).stream().map(DecodedSymbol::text).toList());
  }

  @Test
  void dedupeKeepsTheFirst() {
    List<Symbols.Found> d = Symbols.dedupe(List.of(at("A", 0, 0, 10, 10), at("A", 100, 100, 110, 110), at("B", 0, 0, 1, 1)));
    assertEquals(2, d.size());
    assertEquals(5, d.get(0).symbol().x());
  }

  @Test
  void greyConversionLaysTransparencyOverWhite() {
    BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
    argb.setRGB(0, 0, 0x00000000); // transparent black
    argb.setRGB(1, 0, 0xFF000000); // opaque black
    GrayImage g = GrayImage.of(argb, Long.MAX_VALUE);
    assertEquals(255, g.get(0, 0));
    assertEquals(0, g.get(1, 0));

    BufferedImage abgr = new BufferedImage(1, 1, BufferedImage.TYPE_4BYTE_ABGR);
    abgr.setRGB(0, 0, 0x00123456);
    assertEquals(255, GrayImage.of(abgr, Long.MAX_VALUE).get(0, 0));

    BufferedImage bgr = new BufferedImage(1, 1, BufferedImage.TYPE_3BYTE_BGR);
    bgr.setRGB(0, 0, 0xFF0000); // pure red: ZXing's weights give 306*255/1024
    assertEquals((306 * 255 + 0x200) >> 10, GrayImage.of(bgr, Long.MAX_VALUE).get(0, 0));

    BufferedImage indexed = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_BINARY);
    indexed.setRGB(0, 0, 0xFFFFFF);
    assertEquals(255, GrayImage.of(indexed, Long.MAX_VALUE).get(0, 0));
  }

  @Test
  void viewTransformsMapBackToTheOriginal() {
    GrayImage img = new GrayImage(new byte[400 * 300], 400, 300);
    View v = View.of(img).cropped(100, 50, 200, 200).scaled(0.5).padded(10).rotated(45);
    // The centre of the rotated canvas is the centre of the crop: (200, 150) in the original.
    var p = v.toOriginal(v.width() / 2.0, v.height() / 2.0);
    assertEquals(200, p.getX(), 1.0);
    assertEquals(150, p.getY(), 1.0);
  }
}
