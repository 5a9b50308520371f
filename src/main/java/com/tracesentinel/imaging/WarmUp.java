package com.tracesentinel.imaging;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.datamatrix.DataMatrixWriter;
import com.google.zxing.oned.Code128Writer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Generated sample uploads for {@link ImageDecoder#warmUp()}: ZXing's own writer is fine for warming up. */
final class WarmUp {
  private WarmUp() {}

  static byte[][] samples() {
    BufferedImage img = new BufferedImage(1200, 900, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(0xD8C8A8));
    g.fillRect(0, 0, 1200, 900);
    g.setColor(Color.WHITE);
    g.fillRect(150, 120, 900, 600);
    draw(img, new DataMatrixWriter().encode("01069012345678921727123110B123", BarcodeFormat.DATA_MATRIX, 0, 0), 220, 200, 5);
    draw(img, new Code128Writer().encode("81234567890123456789", BarcodeFormat.CODE_128, 0, 0), 520, 420, 2);
    g.dispose();
    return new byte[][] {encode(img, "png"), encode(img, "jpeg")};
  }

  private static void draw(BufferedImage img, BitMatrix m, int left, int top, int scale) {
    int height = m.getHeight() == 1 ? 60 : m.getHeight() * scale; // 1D writers give one row
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < m.getWidth() * scale; x++) {
        boolean black = m.get(x / scale, m.getHeight() == 1 ? 0 : y / scale);
        img.setRGB(left + x, top + y, black ? 0x000000 : 0xFFFFFF);
      }
    }
  }

  private static byte[] encode(BufferedImage img, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(img, format, out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
