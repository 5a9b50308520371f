package com.tracesentinel.imaging;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.DirectColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.image.SinglePixelPackedSampleModel;

/**
 * An immutable 8-bit luminance plane (0 black, 255 white). Every pass works on these rather than on
 * BufferedImages: one byte per pixel instead of four, and resizing, cropping, padding and rotating are plain
 * loops with no AWT state, so they are safe on any thread.
 */
final class GrayImage {
  final byte[] px;
  final int width;
  final int height;

  GrayImage(byte[] px, int width, int height) {
    if (px.length != width * height) throw new IllegalArgumentException("size mismatch");
    this.px = px;
    this.width = width;
    this.height = height;
  }

  int get(int x, int y) {
    return px[y * width + x] & 0xFF;
  }

  long pixels() {
    return (long) width * height;
  }

  int maxSide() {
    return Math.max(width, height);
  }

  /**
   * Luminance as ZXing computes it, with transparency laid over white (a transparent PNG background is paper). Null
   * when the conversion passed {@code deadline} ({@link System#nanoTime()}), as {@link ImageLoader#load} when
   * the reading did: the general path took 1.1-1.4 s for a 16-bit RGBA image of 40 MP, after the reading.
   */
  static GrayImage of(BufferedImage img, long deadline) {
    int w = img.getWidth();
    int h = img.getHeight();
    byte[] out = new byte[w * h];
    Raster raster = img.getRaster();
    if (img.getColorModel() instanceof ComponentColorModel cm
        && raster.getSampleModel() instanceof PixelInterleavedSampleModel sm
        && raster.getDataBuffer() instanceof DataBufferByte db
        && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
        && db.getNumBanks() == 1 && cm.getComponentSize(0) == 8) {
      int type = cm.getColorSpace().getType();
      int bands = sm.getNumBands();
      boolean alpha = cm.hasAlpha();
      if ((type == ColorSpace.TYPE_GRAY && bands == (alpha ? 2 : 1))
          || (cm.getColorSpace().isCS_sRGB() && bands == (alpha ? 4 : 3))) {
        fromInterleavedBytes(db.getData(), db.getOffset(), sm, type == ColorSpace.TYPE_GRAY, alpha,
            cm.isAlphaPremultiplied(), w, h, out);
        return new GrayImage(out, w, h);
      }
    }
    if (img.getColorModel() instanceof DirectColorModel dcm
        && raster.getSampleModel() instanceof SinglePixelPackedSampleModel sm
        && raster.getDataBuffer() instanceof DataBufferInt db
        && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
        && dcm.getRedMask() == 0xFF0000 && dcm.getGreenMask() == 0xFF00 && dcm.getBlueMask() == 0xFF
        && !dcm.isAlphaPremultiplied()) {
      int[] data = db.getData();
      int stride = sm.getScanlineStride();
      int off = db.getOffset();
      boolean alpha = dcm.hasAlpha();
      for (int y = 0; y < h; y++) {
        int row = off + y * stride;
        for (int x = 0; x < w; x++) {
          out[y * w + x] = (byte) lum(data[row + x], alpha);
        }
      }
      return new GrayImage(out, w, h);
    }
    // Palette, 16-bit, CMYK-converted, premultiplied…: the slow but general path.
    int[] row = new int[w];
    boolean alpha = img.getColorModel().hasAlpha();
    for (int y = 0; y < h; y++) {
      if (System.nanoTime() >= deadline) {
        return null;
      }
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        out[y * w + x] = (byte) lum(row[x], alpha);
      }
    }
    return new GrayImage(out, w, h);
  }

  private static void fromInterleavedBytes(byte[] d, int base, PixelInterleavedSampleModel sm, boolean gray,
      boolean alpha, boolean premultiplied, int w, int h, byte[] out) {
    int ps = sm.getPixelStride();
    int ss = sm.getScanlineStride();
    int[] bo = sm.getBandOffsets();
    for (int y = 0; y < h; y++) {
      int p = base + y * ss;
      int o = y * w;
      for (int x = 0; x < w; x++, p += ps) {
        int l;
        if (gray) {
          l = d[p + bo[0]] & 0xFF;
        } else {
          int r = d[p + bo[0]] & 0xFF;
          int g = d[p + bo[1]] & 0xFF;
          int b = d[p + bo[2]] & 0xFF;
          l = (306 * r + 601 * g + 117 * b + 0x200) >> 10;
        }
        if (alpha) {
          int a = d[p + bo[gray ? 1 : 3]] & 0xFF;
          l = premultiplied ? l + (255 - a) : (l * a + 255 * (255 - a) + 127) / 255;
          if (l > 255) l = 255;
        }
        out[o + x] = (byte) l;
      }
    }
  }

  private static int lum(int argb, boolean alpha) {
    int r = (argb >> 16) & 0xFF;
    int g = (argb >> 8) & 0xFF;
    int b = argb & 0xFF;
    int l = (306 * r + 601 * g + 117 * b + 0x200) >> 10;
    if (alpha) {
      int a = argb >>> 24;
      l = (l * a + 255 * (255 - a) + 127) / 255;
    }
    return l;
  }

  GrayImage crop(int x, int y, int w, int h) {
    if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > width || y + h > height) {
      throw new IllegalArgumentException("crop outside image");
    }
    byte[] out = new byte[w * h];
    for (int r = 0; r < h; r++) {
      System.arraycopy(px, (y + r) * width + x, out, r * w, w);
    }
    return new GrayImage(out, w, h);
  }

  /**
   * A border of {@code m} pixels of {@code level}: the quiet zone that symbols printed edge to edge lack. The
   * level should be the paper's, not pure white: a white frame around a grey, low-contrast print makes the
   * binarizer read the print's own quiet zone as dark.
   */
  GrayImage padded(int m, int level) {
    if (m <= 0) return this;
    int w = width + 2 * m;
    int h = height + 2 * m;
    byte[] out = new byte[w * h];
    java.util.Arrays.fill(out, (byte) level);
    for (int r = 0; r < height; r++) {
      System.arraycopy(px, r * width, out, (r + m) * w + m, width);
    }
    return new GrayImage(out, w, h);
  }

  /** Resized to {@code w}×{@code h}: box averaging when shrinking (no aliasing of fine modules), bilinear when growing. */
  GrayImage resized(int w, int h) {
    if (w == width && h == height) return this;
    if (w <= width && h <= height) return shrink(w, h);
    return bilinear(w, h);
  }

  private GrayImage shrink(int w, int h) {
    int[] x0 = new int[w];
    int[] x1 = new int[w];
    for (int x = 0; x < w; x++) {
      x0[x] = (int) ((long) x * width / w);
      x1[x] = Math.max(x0[x] + 1, (int) ((long) (x + 1) * width / w));
    }
    byte[] out = new byte[w * h];
    int[] acc = new int[w];
    for (int y = 0; y < h; y++) {
      int y0 = (int) ((long) y * height / h);
      int y1 = Math.max(y0 + 1, (int) ((long) (y + 1) * height / h));
      java.util.Arrays.fill(acc, 0);
      for (int sy = y0; sy < y1; sy++) {
        int row = sy * width;
        for (int x = 0; x < w; x++) {
          int s = 0;
          for (int sx = x0[x]; sx < x1[x]; sx++) s += px[row + sx] & 0xFF;
          acc[x] += s;
        }
      }
      int rows = y1 - y0;
      for (int x = 0; x < w; x++) {
        int n = rows * (x1[x] - x0[x]);
        out[y * w + x] = (byte) ((acc[x] + n / 2) / n);
      }
    }
    return new GrayImage(out, w, h);
  }

  private GrayImage bilinear(int w, int h) {
    byte[] out = new byte[w * h];
    double sx = (double) width / w;
    double sy = (double) height / h;
    for (int y = 0; y < h; y++) {
      double fy = (y + 0.5) * sy - 0.5;
      for (int x = 0; x < w; x++) {
        out[y * w + x] = (byte) sample((x + 0.5) * sx - 0.5, fy, 255);
      }
    }
    return new GrayImage(out, w, h);
  }

  /** Bilinear sample; outside the image is {@code outside} (white paper for rotations). */
  int sample(double fx, double fy, int outside) {
    if (fx < -0.5 || fy < -0.5 || fx > width - 0.5 || fy > height - 0.5) return outside;
    int x0 = (int) Math.floor(fx);
    int y0 = (int) Math.floor(fy);
    double ax = fx - x0;
    double ay = fy - y0;
    int xa = clamp(x0, width - 1);
    int xb = clamp(x0 + 1, width - 1);
    int ya = clamp(y0, height - 1);
    int yb = clamp(y0 + 1, height - 1);
    double top = get(xa, ya) * (1 - ax) + get(xb, ya) * ax;
    double bottom = get(xa, yb) * (1 - ax) + get(xb, yb) * ax;
    return (int) Math.round(top * (1 - ay) + bottom * ay);
  }

  private static int clamp(int v, int max) {
    return v < 0 ? 0 : Math.min(v, max);
  }

  /**
   * The image with its luminance range stretched to 0–255 when the whole of it is flat (its darkest and
   * brightest 0.1 % less than 64 levels apart): ZXing's HybridBinarizer treats blocks with a range under 24 as
   * blank, so a grey-on-grey print under dim light is otherwise invisible to it. Only truly flat images: a
   * stretch driven by a photo's background clips a small symbol's blurred edges and fattens its dark modules.
   * Geometry is unchanged.
   */
  GrayImage stretchedIfFlat() {
    int[] hist = sampledHistogram();
    int n = hist[256];
    int lo = 0;
    for (int acc = 0; lo < 255 && (acc += hist[lo]) < n * 0.001; ) lo++;
    int hi = 255;
    for (int acc = 0; hi > 0 && (acc += hist[hi]) < n * 0.001; ) hi--;
    if (hi - lo >= 64 || hi - lo < 8) return this;
    byte[] lut = new byte[256];
    for (int v = 0; v < 256; v++) {
      int s = (v - lo) * 255 / (hi - lo);
      lut[v] = (byte) Math.max(0, Math.min(255, s));
    }
    byte[] out = new byte[px.length];
    for (int i = 0; i < px.length; i++) out[i] = lut[px[i] & 0xFF];
    return new GrayImage(out, width, height);
  }

  /** Luminance counts 0–255, every 7th pixel above 1 MP; index 256 holds how many pixels were counted. */
  private int[] sampledHistogram() {
    int[] hist = new int[257];
    int step = pixels() > 1_000_000 ? 7 : 1;
    for (int i = 0; i < px.length; i += step) {
      hist[px[i] & 0xFF]++;
      hist[256]++;
    }
    return hist;
  }

  /** The 97th percentile of luminance (sampled): the paper around the print, whatever the exposure. */
  int paperLevel() {
    int[] hist = sampledHistogram();
    int n = hist[256];
    int above = 0;
    for (int v = 255; v > 0; v--) {
      above += hist[v];
      if (above >= n * 0.03) return v;
    }
    return 0;
  }

  /** Rotated 90° counter-clockwise (what ZXing's 1D readers ask for in TRY_HARDER mode). */
  GrayImage rotatedCounterClockwise() {
    byte[] out = new byte[width * height];
    int w = height;
    int h = width;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        // (x, y) goes to (y, width - 1 - x)
        out[(width - 1 - x) * w + y] = px[y * width + x];
      }
    }
    return new GrayImage(out, w, h);
  }
}
