package com.tracesentinel.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.tracesentinel.imaging.DecodeOutcome.Decoded;
import com.tracesentinel.imaging.DecodeOutcome.Reason;
import com.tracesentinel.imaging.DecodeOutcome.Refused;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Small uploads crafted to cost far more than their size (found against {@code POST /api/v1/verify/image}): each is
 * refused as the API documents, or read as the image it is. The images are made here, a few KB each.
 */
public class HostileImagesTest {
  final ImageDecoder decoder = new ImageDecoder(DecoderSettings.defaults());

  private Refused refused(byte[] bytes) {
    return assertInstanceOf(Refused.class, decoder.decode(bytes));
  }

  @Test
  void aSideLongerThanTheLimitIsRefusedFromTheHeaderHoweverFewThePixels() throws IOException {
    for (int[] size : new int[][] {{1, ImageLoader.MAX_SIDE + 1}, {ImageLoader.MAX_SIDE + 1, 1}}) {
      Refused r = refused(png(size[0], size[1]));
      assertEquals(Reason.TOO_MANY_PIXELS, r.reason(), r.message());
      assertTrue(r.message().contains("at most 16384 pixels a side"), r.message());
    }
    // 40 megapixels, so within the pixel limit, in 64 bytes: its padded views overflowed an int (HTTP 500).
    Refused bmp = refused(rleBmp(1, 40_000_000));
    assertEquals(Reason.TOO_MANY_PIXELS, bmp.reason(), bmp.message());
    assertTrue(bmp.message().contains("1x40000000"), bmp.message());

    Decoded atLimit = assertInstanceOf(Decoded.class, decoder.decode(png(1, ImageLoader.MAX_SIDE)));
    assertTrue(atLimit.symbols().isEmpty());
  }

  @Test
  void aJpegOfImplausiblyManyScansIsRefusedBeforeDecoding() throws IOException {
    byte[] progressive = progressiveJpeg();
    assertEquals(6, ImageLoader.jpegScans(progressive, Integer.MAX_VALUE), "libjpeg's progression for grey");
    assertInstanceOf(Decoded.class, decoder.decode(progressive));

    byte[] atLimit = jpegWithScans(ImageLoader.MAX_JPEG_SCANS);
    assertEquals(ImageLoader.MAX_JPEG_SCANS, ImageLoader.jpegScans(atLimit, Integer.MAX_VALUE));
    assertInstanceOf(Decoded.class, decoder.decode(atLimit), "a repeated DC scan only makes libjpeg warn");

    Refused r = refused(jpegWithScans(ImageLoader.MAX_JPEG_SCANS + 1));
    assertEquals(Reason.CORRUPT, r.reason(), r.message());
    assertTrue(r.message().contains("more than 64 scans"), r.message());
  }

  @Test
  void scansAreCountedByMarkerSegmentsNotByBytes() throws IOException {
    byte[] progressive = progressiveJpeg();
    // An APP1 segment (where EXIF keeps a thumbnail JPEG with its own scans) full of start-of-scan markers.
    byte[] app1 = new byte[4 + 2 * 1000];
    app1[0] = (byte) 0xFF;
    app1[1] = (byte) 0xE1;
    app1[2] = (byte) ((app1.length - 2) >> 8);
    app1[3] = (byte) (app1.length - 2);
    for (int i = 4; i < app1.length; i += 2) {
      app1[i] = (byte) 0xFF;
      app1[i + 1] = (byte) 0xDA;
    }
    byte[] withApp1 = concat(Arrays.copyOf(progressive, 2), app1, Arrays.copyOfRange(progressive, 2, progressive.length));
    assertEquals(6, ImageLoader.jpegScans(withApp1, Integer.MAX_VALUE));
    assertInstanceOf(Decoded.class, decoder.decode(withApp1));

    // The walk stops one past the limit, and at a damaged length or the end of the bytes.
    assertEquals(3, ImageLoader.jpegScans(withRepeatedFirstScan(progressive, 100), 2));
    byte[] badLength = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xDA, 0, 1, (byte) 0xFF, (byte) 0xDA, 0, 2};
    assertEquals(0, ImageLoader.jpegScans(badLength, 10));
    assertEquals(0, ImageLoader.jpegScans(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}, 10));
  }

  @Test
  void aLosslessWebPReadsToItsLastPixelAndATruncatedOneIsDamaged() throws WriterException {
    String text = "https://example.com/01/06901234567892/21/SN0001";
    byte[] webp = losslessWebP(new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0), 4);
    // The bitstream ends at the file's end: the reader's look-ahead must not make a complete file look truncated.
    Decoded d = assertInstanceOf(Decoded.class, decoder.decode(webp));
    assertEquals(List.of(text), d.symbols().stream().map(DecodedSymbol::text).toList());

    for (int length : new int[] {webp.length - 3, webp.length / 2, 40}) {
      Refused r = refused(Arrays.copyOf(webp, length));
      assertEquals(Reason.CORRUPT, r.reason(), length + " bytes: " + r.message());
    }
    // A header announcing 600 x 600 px with 2 bytes of data: the reader went on decoding past the end, catching
    // an EOFException per pixel (at 6000 x 6000 px for minutes), and answered a blank image.
    Refused r = refused(vp8l(600, 600, new byte[2]));
    assertEquals(Reason.CORRUPT, r.reason(), r.message());
  }

  /**
   * A GIF of 35 bytes announcing 6000 x 6000 px was read as a blank image of 36 MP (its reader fills in what is
   * missing) and searched for the whole decode budget: a file too short for its announced pixels is damaged.
   */
  @Test
  void aFileFarTooShortForTheSizeItAnnouncesIsDamaged() throws IOException {
    byte[] gif = blankGif(6000, 6000);
    assertEquals(35, gif.length);
    Refused r = refused(gif);
    assertEquals(Reason.CORRUPT, r.reason(), r.message());
    assertTrue(r.message().contains("cannot hold 6000x6000"), r.message());

    byte[] png = binary(4000, 4000, "png");
    Refused cut = refused(Arrays.copyOf(png, 100));
    assertEquals(Reason.CORRUPT, cut.reason(), cut.message());
    assertTrue(cut.message().contains("cannot hold 4000x4000"), cut.message());

    // The bounds are the formats' own: the JDK's encoders compress a one-colour image less than they allow.
    for (String format : new String[] {"png", "gif"}) {
      byte[] white = binary(4000, 4000, format);
      long perByte = ImageLoader.Format.valueOf(format.toUpperCase(java.util.Locale.ROOT)).maxPixelsPerByte;
      assertTrue(white.length * perByte >= 16_000_000L, format + ": " + white.length + " bytes");
    }
    assertInstanceOf(Decoded.class, decoder.decode(binary(400, 400, "gif")));
  }

  /** A white 1-bit image of {@code width} x {@code height}, as the JDK's writer of the format makes it. */
  static byte[] binary(int width, int height, String format) throws IOException {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_BINARY);
    java.awt.Graphics2D g = img.createGraphics();
    g.setColor(java.awt.Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(img, format, out));
    return out.toByteArray();
  }

  /** A GIF whose header and image descriptor announce {@code width} x {@code height}, with one code of data. */
  static byte[] blankGif(int width, int height) {
    ByteBuffer b = ByteBuffer.allocate(35).order(ByteOrder.LITTLE_ENDIAN);
    b.put("GIF89a".getBytes(StandardCharsets.US_ASCII)).putShort((short) width).putShort((short) height);
    b.put((byte) 0x80).put((byte) 0).put((byte) 0); // a global colour table of 2 entries
    b.put(new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255});
    b.put((byte) ',').putShort((short) 0).putShort((short) 0).putShort((short) width).putShort((short) height);
    b.put((byte) 0).put((byte) 2).put((byte) 2).put((byte) 0x4C).put((byte) 0x01).put((byte) 0).put((byte) ';');
    return b.array();
  }

  /** A grey PNG of {@code width} x {@code height} with a few white pixels. */
  static byte[] png(int width, int height) throws IOException {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    for (int i = 0; i < Math.max(width, height); i += 2) img.setRGB(Math.min(i, width - 1), Math.min(i, height - 1), -1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(img, "png", out));
    return out.toByteArray();
  }

  /** A 64-byte 8-bit RLE BMP whose header announces {@code width} x {@code height} and whose data ends at once. */
  public static byte[] rleBmp(int width, int height) {
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'B').put((byte) 'M').putInt(64).putInt(0).putInt(62); // file size, reserved, data offset
    b.putInt(40).putInt(width).putInt(height).putShort((short) 1).putShort((short) 8).putInt(1) // BI_RLE8
        .putInt(2).putInt(2835).putInt(2835).putInt(2).putInt(0);
    b.putInt(0).putInt(0x00FFFFFF); // palette: black, white
    b.put((byte) 0).put((byte) 1); // end of bitmap
    return b.array();
  }

  /** A progressive grey JPEG, as the JDK's writer makes it (libjpeg's standard progression). */
  static byte[] progressiveJpeg() throws IOException {
    BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 48; y++) {
      for (int x = 0; x < 64; x++) img.getRaster().setSample(x, y, 0, (x / 8 + y / 8) % 2 == 0 ? 30 : 220);
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(ios);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      writer.write(null, new IIOImage(img, null, null), param);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  /**
   * The JPEG with its first scan (the DC scan, whose decoding sets rather than refines the coefficients) repeated
   * {@code times} more times: a valid image that libjpeg decodes with an "inconsistent progression" warning.
   */
  static byte[] withRepeatedFirstScan(byte[] jpeg, int times) {
    int sos = 2;
    while (!((jpeg[sos] & 0xFF) == 0xFF && (jpeg[sos + 1] & 0xFF) == 0xDA)) sos++;
    int end = sos + 2 + ((jpeg[sos + 2] & 0xFF) << 8 | jpeg[sos + 3] & 0xFF);
    while (!((jpeg[end] & 0xFF) == 0xFF && (jpeg[end + 1] & 0xFF) != 0 && ((jpeg[end + 1] & 0xF8) != 0xD0))) end++;
    byte[] scan = Arrays.copyOfRange(jpeg, sos, end);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, end);
    for (int i = 0; i < times; i++) out.write(scan, 0, scan.length);
    out.write(jpeg, end, jpeg.length - end);
    return out.toByteArray();
  }

  /** {@link #progressiveJpeg()} with its first scan repeated to make {@code scans} scans in all. */
  public static byte[] jpegWithScans(int scans) throws IOException {
    byte[] jpeg = progressiveJpeg();
    return withRepeatedFirstScan(jpeg, scans - ImageLoader.jpegScans(jpeg, Integer.MAX_VALUE));
  }

  /**
   * A lossless WebP (VP8L) of a black-and-white matrix, {@code scale} px a module: no transform, no colour cache,
   * one group of prefix codes, each a "simple" code (green, red and blue: 0 or 255 in one bit each; alpha 255 and
   * distance 0 in no bits), so 3 bits a pixel.
   */
  public static byte[] losslessWebP(BitMatrix matrix, int scale) {
    int w = matrix.getWidth() * scale;
    int h = matrix.getHeight() * scale;
    BitWriter bits = new BitWriter();
    bits.put(0, 1); // no transform
    bits.put(0, 1); // no colour cache
    bits.put(0, 1); // no meta prefix codes
    for (int channel = 0; channel < 3; channel++) {
      bits.put(1, 1).put(1, 1).put(1, 1).put(0, 8).put(255, 8); // simple, 2 symbols, 8-bit first: 0 and 255
    }
    bits.put(1, 1).put(0, 1).put(1, 1).put(255, 8); // alpha: simple, 1 symbol, 8-bit: 255
    bits.put(1, 1).put(0, 1).put(0, 1).put(0, 1); // distance: simple, 1 symbol, 1-bit: 0
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int v = matrix.get(x / scale, y / scale) ? 0 : 1;
        bits.put(v, 1).put(v, 1).put(v, 1); // green, red, blue
      }
    }
    return vp8l(w, h, bits.bytes());
  }

  /** A WebP file of one VP8L chunk: the header for {@code width} x {@code height}, then {@code data}. */
  static byte[] vp8l(int width, int height, byte[] data) {
    int chunk = 5 + data.length;
    int pad = chunk % 2;
    ByteBuffer b = ByteBuffer.allocate(20 + chunk + pad).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(12 + chunk + pad);
    b.put("WEBPVP8L".getBytes(StandardCharsets.US_ASCII)).putInt(chunk);
    b.put((byte) 0x2F).putInt((width - 1) | (height - 1) << 14); // no alpha, version 0
    b.put(data);
    return b.array();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) out.write(p, 0, p.length);
    return out.toByteArray();
  }

  /** VP8L's bit order: least significant bit first, values too. */
  private static final class BitWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int current;
    private int used;

    BitWriter put(int value, int n) {
      for (int i = 0; i < n; i++) {
        current |= ((value >> i) & 1) << used;
        if (++used == 8) {
          out.write(current);
          current = 0;
          used = 0;
        }
      }
      return this;
    }

    byte[] bytes() {
      if (used > 0) out.write(current);
      return out.toByteArray();
    }
  }
}
