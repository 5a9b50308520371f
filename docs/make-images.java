// Renders the two images the repository ships (run from the repository root after a build):
//   java -cp target/tracesentinel.jar docs/make-images.java
// docs/sample-box.jpg: a rendered picture (not a camera photo) of a demo box's side with its 20-digit trace code
//   as a Code 128 barcode, as Chinese boxes print it: the demo's flagged code (DemoData.FLAGGED), slightly turned,
//   shaded, noisy and JPEG-compressed like a phone picture. DemoDataTest checks that the service reads it.
// src/main/resources/webroot/favicon.ico: the site icon (16 and 32 px PNGs in an ICO container).
import com.google.zxing.BarcodeFormat;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.oned.Code128Writer;
import java.awt.*;
import java.awt.geom.*;
import java.awt.image.BufferedImage;
import java.io.*;
import java.nio.file.*;
import java.util.Random;
import javax.imageio.*;
import javax.imageio.stream.ImageOutputStream;

public class MakeImages {
  static final String FLAGGED = "81000010000007100000";

  public static void main(String[] args) throws Exception {
    samplePhoto(Path.of("docs/sample-box.jpg"));
    favicon(Path.of("src/main/resources/webroot/favicon.ico"));
  }

  static Font cjk(int style, int size) {
    for (String name : new String[] {"Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "SansSerif"}) {
      Font f = new Font(name, style, size);
      if (f.canDisplayUpTo("阿托伐他汀钙片") < 0) {
        return f;
      }
    }
    throw new IllegalStateException("no font with Chinese glyphs: apt-get install fonts-noto-cjk");
  }

  static void samplePhoto(Path out) throws Exception {
    int w = 1280, h = 960;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    // a table top
    g.setPaint(new GradientPaint(0, 0, new Color(150, 128, 104), w, h, new Color(96, 80, 64)));
    g.fillRect(0, 0, w, h);
    // the box side, turned a little, with a shadow
    AffineTransform straight = g.getTransform();
    g.rotate(Math.toRadians(-3.5), w / 2.0, h / 2.0);
    int bx = 150, by = 170, bw = 980, bh = 620;
    g.setColor(new Color(0, 0, 0, 70));
    g.fill(new RoundRectangle2D.Double(bx + 14, by + 18, bw, bh, 18, 18));
    g.setPaint(new GradientPaint(bx, by, new Color(250, 249, 244), bx + bw, by + bh, new Color(226, 224, 216)));
    g.fill(new RoundRectangle2D.Double(bx, by, bw, bh, 18, 18));
    g.setColor(new Color(11, 83, 148));
    g.fill(new Rectangle2D.Double(bx, by + 24, bw, 150));
    g.setColor(Color.WHITE);
    g.setFont(cjk(Font.BOLD, 64));
    g.drawString("阿托伐他汀钙片", bx + 40, by + 110);
    g.setFont(new Font("SansSerif", Font.PLAIN, 30));
    g.drawString("Atorvastatin Calcium Tablets", bx + 40, by + 155);
    g.setColor(new Color(40, 40, 40));
    g.setFont(cjk(Font.PLAIN, 34));
    g.drawString("20mg × 7片", bx + 40, by + 240);
    g.setFont(cjk(Font.PLAIN, 22));
    g.setColor(new Color(90, 90, 90));
    g.drawString("示例图片 · Sample image for the TraceSentinel demo", bx + 40, by + bh - 30);
    // the trace code: Code 128 with the digits under it, on a white label
    int lx = bx + 300, ly = by + 290, lw = 640, lh = 250;
    g.setColor(Color.WHITE);
    g.fillRect(lx, ly, lw, lh);
    g.setColor(new Color(30, 30, 30));
    g.setFont(cjk(Font.PLAIN, 24));
    g.drawString("药品追溯码", lx + 24, ly + 36);
    BitMatrix bars = new Code128Writer().encode(FLAGGED, BarcodeFormat.CODE_128, 0, 0);
    int module = 4;
    int barsX = lx + (lw - bars.getWidth() * module) / 2;
    g.setColor(Color.BLACK);
    for (int x = 0; x < bars.getWidth(); x++) {
      if (bars.get(x, 0)) {
        g.fillRect(barsX + x * module, ly + 52, module, 130);
      }
    }
    g.setFont(new Font("Monospaced", Font.PLAIN, 30));
    FontMetrics fm = g.getFontMetrics();
    g.drawString(FLAGGED, lx + (lw - fm.stringWidth(FLAGGED)) / 2, ly + 222);
    g.setTransform(straight);
    // light from one side, then sensor noise
    g.setPaint(new GradientPaint(0, 0, new Color(255, 255, 255, 40), w, h, new Color(0, 0, 0, 60)));
    g.fillRect(0, 0, w, h);
    g.dispose();
    Random random = new Random(7);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = img.getRGB(x, y);
        int n = (int) (random.nextGaussian() * 6);
        int r = clamp(((rgb >> 16) & 255) + n), gr = clamp(((rgb >> 8) & 255) + n), b = clamp((rgb & 255) + n);
        img.setRGB(x, y, (r << 16) | (gr << 8) | b);
      }
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ImageWriteParam param = writer.getDefaultWriteParam();
    param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
    param.setCompressionQuality(0.82f);
    try (ImageOutputStream ios = ImageIO.createImageOutputStream(Files.newOutputStream(out))) {
      writer.setOutput(ios);
      writer.write(null, new IIOImage(img, null, null), param);
    }
    writer.dispose();
  }

  static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }

  static byte[] iconPng(int size) throws IOException {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_ARGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    double s = size / 32.0;
    g.setColor(new Color(11, 83, 148));
    g.fill(new RoundRectangle2D.Double(0, 0, size, size, 8 * s, 8 * s));
    g.setColor(Color.WHITE);
    for (int i = 0; i < 5; i++) { // barcode bars
      double x = (6 + i * 4.2) * s;
      g.fill(new Rectangle2D.Double(x, 6 * s, (i % 2 == 0 ? 2.2 : 1.2) * s, 12 * s));
    }
    g.setStroke(new BasicStroke((float) (3.2 * s), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    Path2D check = new Path2D.Double();
    check.moveTo(8 * s, 22 * s);
    check.lineTo(13 * s, 27 * s);
    check.lineTo(25 * s, 15 * s);
    g.draw(check);
    g.dispose();
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(img, "png", png);
    return png.toByteArray();
  }

  static void favicon(Path out) throws IOException {
    byte[][] pngs = {iconPng(16), iconPng(32)};
    ByteArrayOutputStream ico = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(ico);
    d.write(new byte[] {0, 0, 1, 0});
    d.write(new byte[] {(byte) pngs.length, 0});
    int offset = 6 + 16 * pngs.length;
    int[] sizes = {16, 32};
    for (int i = 0; i < pngs.length; i++) {
      d.write(sizes[i]);
      d.write(sizes[i]);
      d.write(0);
      d.write(0);
      d.write(new byte[] {1, 0, 32, 0}); // planes 1, 32 bits a pixel (little-endian)
      d.write(le(pngs[i].length));
      d.write(le(offset));
      offset += pngs[i].length;
    }
    for (byte[] p : pngs) {
      d.write(p);
    }
    Files.write(out, ico.toByteArray());
  }

  static byte[] le(int v) {
    return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
  }
}
