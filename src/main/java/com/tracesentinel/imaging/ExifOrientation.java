package com.tracesentinel.imaging;

import java.awt.geom.AffineTransform;

/**
 * The EXIF orientation of a JPEG (phones store most photos sideways and set this tag). Pixels are decoded as
 * stored; only the reported centres and the reading order follow the orientation, so that "top-to-bottom,
 * left-to-right" means what the person who took the photo sees.
 */
final class ExifOrientation {
  private ExifOrientation() {}

  /** The orientation tag (1–8) of a JPEG's EXIF block, or 1 when absent or unreadable. Bounds-checked throughout. */
  static int read(byte[] b) {
    try {
      if (b.length < 4 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8) return 1;
      int p = 2;
      while (p + 4 <= b.length) {
        if ((b[p] & 0xFF) != 0xFF) return 1;
        int marker = b[p + 1] & 0xFF;
        if (marker == 0xFF) { // fill byte
          p++;
          continue;
        }
        if (marker == 0xDA || marker == 0xD9) return 1; // start of scan / end: no EXIF before the pixels
        int len = u16(b, p + 2, true);
        if (len < 2) return 1;
        int body = p + 4;
        if (marker == 0xE1 && len >= 16 && body + 6 <= b.length
            && b[body] == 'E' && b[body + 1] == 'x' && b[body + 2] == 'i' && b[body + 3] == 'f'
            && b[body + 4] == 0 && b[body + 5] == 0) {
          return fromTiff(b, body + 6, Math.min(b.length, p + 2 + len));
        }
        p += 2 + len;
      }
    } catch (RuntimeException e) {
      // malformed EXIF is not our problem: upright
    }
    return 1;
  }

  private static int fromTiff(byte[] b, int tiff, int end) {
    if (tiff + 8 > end) return 1;
    boolean big;
    if (b[tiff] == 'M' && b[tiff + 1] == 'M') big = true;
    else if (b[tiff] == 'I' && b[tiff + 1] == 'I') big = false;
    else return 1;
    long ifd = u32(b, tiff + 4, big);
    if (ifd < 8 || tiff + ifd + 2 > end) return 1;
    int at = (int) (tiff + ifd);
    int count = u16(b, at, big);
    for (int i = 0; i < count; i++) {
      int e = at + 2 + 12 * i;
      if (e + 12 > end) return 1;
      if (u16(b, e, big) == 0x0112) {
        int v = u16(b, e + 8, big);
        return v >= 1 && v <= 8 ? v : 1;
      }
    }
    return 1;
  }

  private static int u16(byte[] b, int i, boolean big) {
    int x = b[i] & 0xFF;
    int y = b[i + 1] & 0xFF;
    return big ? (x << 8) | y : (y << 8) | x;
  }

  private static long u32(byte[] b, int i, boolean big) {
    long hi = u16(b, big ? i : i + 2, big);
    long lo = u16(b, big ? i + 2 : i, big);
    return (hi << 16) | lo;
  }

  /** Maps stored-pixel coordinates of a {@code w}×{@code h} image to the displayed image's. */
  static AffineTransform toDisplayed(int orientation, int w, int h) {
    return switch (orientation) {
      case 2 -> new AffineTransform(-1, 0, 0, 1, w, 0);   // mirrored left-right
      case 3 -> new AffineTransform(-1, 0, 0, -1, w, h);  // upside down
      case 4 -> new AffineTransform(1, 0, 0, -1, 0, h);   // mirrored top-bottom
      case 5 -> new AffineTransform(0, 1, 1, 0, 0, 0);    // transposed
      case 6 -> new AffineTransform(0, 1, -1, 0, h, 0);   // shown turned 90° clockwise
      case 7 -> new AffineTransform(0, -1, -1, 0, h, w);  // transverse
      case 8 -> new AffineTransform(0, -1, 1, 0, 0, w);   // shown turned 90° counter-clockwise
      default -> new AffineTransform();
    };
  }
}
