package com.tracesentinel.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.imaging.DecodeOutcome.Decoded;
import com.tracesentinel.imaging.DecodeOutcome.Reason;
import com.tracesentinel.imaging.DecodeOutcome.Refused;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import javax.imageio.ImageIO;
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
}
