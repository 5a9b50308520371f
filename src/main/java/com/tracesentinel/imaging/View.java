package com.tracesentinel.imaging;

import java.awt.geom.AffineTransform;
import java.awt.geom.Point2D;

/**
 * A derived image (scaled, cropped, padded, rotated) together with the transform that maps its pixel
 * coordinates back to the uploaded image, so every symbol is reported where it is in the photo.
 */
record View(GrayImage image, AffineTransform toOriginal) {

  static View of(GrayImage image) {
    return new View(image, new AffineTransform());
  }

  int width() {
    return image.width;
  }

  int height() {
    return image.height;
  }

  /** Scaled by about {@code factor} (the exact factor keeps the size integral). */
  View scaled(double factor) {
    int w = Math.max(1, (int) Math.round(image.width * factor));
    int h = Math.max(1, (int) Math.round(image.height * factor));
    if (w == image.width && h == image.height) return this;
    AffineTransform t = new AffineTransform(toOriginal);
    t.scale((double) image.width / w, (double) image.height / h);
    return new View(image.resized(w, h), t);
  }

  View scaledToMaxSide(int maxSide) {
    int m = image.maxSide();
    return m <= maxSide ? this : scaled((double) maxSide / m);
  }

  View padded(int margin) {
    if (margin <= 0) return this;
    AffineTransform t = new AffineTransform(toOriginal);
    t.translate(-margin, -margin);
    return new View(image.padded(margin, image.paperLevel()), t);
  }

  View cropped(int x, int y, int w, int h) {
    int x0 = Math.max(0, x);
    int y0 = Math.max(0, y);
    int x1 = Math.min(image.width, x + w);
    int y1 = Math.min(image.height, y + h);
    AffineTransform t = new AffineTransform(toOriginal);
    t.translate(x0, y0);
    return new View(image.crop(x0, y0, x1 - x0, y1 - y0), t);
  }

  /** Turned 90° counter-clockwise: pixels moved exactly, no resampling. */
  View turned() {
    AffineTransform t = new AffineTransform(toOriginal);
    t.concatenate(new AffineTransform(0, 1, -1, 0, image.width, 0)); // (x', y') -> (width - y', x')
    return new View(image.rotatedCounterClockwise(), t);
  }

  /** Rotated by {@code degrees} on a canvas big enough for the whole image, blank corners paper-coloured. */
  View rotated(double degrees) {
    double th = Math.toRadians(degrees);
    double cos = Math.abs(Math.cos(th));
    double sin = Math.abs(Math.sin(th));
    int w = (int) Math.ceil(image.width * cos + image.height * sin);
    int h = (int) Math.ceil(image.width * sin + image.height * cos);
    // destination pixel -> source pixel
    AffineTransform back = new AffineTransform();
    back.translate(image.width / 2.0, image.height / 2.0);
    back.rotate(-th);
    back.translate(-w / 2.0, -h / 2.0);
    double[] m = new double[6];
    back.getMatrix(m); // [m00 m10 m01 m11 m02 m12]
    int paper = image.paperLevel();
    byte[] out = new byte[w * h];
    for (int y = 0; y < h; y++) {
      double cy = y + 0.5;
      for (int x = 0; x < w; x++) {
        double cx = x + 0.5;
        double sx = m[0] * cx + m[2] * cy + m[4] - 0.5;
        double sy = m[1] * cx + m[3] * cy + m[5] - 0.5;
        out[y * w + x] = (byte) image.sample(sx, sy, paper);
      }
    }
    AffineTransform t = new AffineTransform(toOriginal);
    t.concatenate(back);
    return new View(new GrayImage(out, w, h), t);
  }

  Point2D toOriginal(double x, double y) {
    return toOriginal.transform(new Point2D.Double(x, y), null);
  }
}
