package com.tracesentinel.imaging;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Finds where symbols may be before ZXing is asked, so the expensive passes look at a few places instead of a
 * whole 12-megapixel photo. Barcodes are the densest patches of sharp edges on a box: the image is shrunk to
 * about 800 pixels, cut into 8×8 cells, and each cell scored by its mean absolute gradient. Cells well above the
 * image's own level are "hot"; neighbouring hot cells are joined into candidate regions. Print (text) is hot too,
 * which is fine: candidates are only an order of search, never a filter on results.
 */
final class Localizer {
  static final int ANALYSIS_MAX_SIDE = 800;
  static final int CELL = 8;

  /** A candidate region in original-image pixels, with how barcode-like it looked. */
  record Region(int x, int y, int width, int height, double score) {
    int maxSide() {
      return Math.max(width, height);
    }
  }

  /** Per-cell scores on a grid over the original image, for ordering tiles. */
  record Heat(double[] cells, int cols, int rows, double cellWidth, double cellHeight, double threshold) {
    /** Sum of cell scores inside an original-image rectangle (all cells: a faint symbol may not be "hot"). */
    double sum(int x, int y, int w, int h) {
      int c0 = Math.max(0, (int) (x / cellWidth));
      int r0 = Math.max(0, (int) (y / cellHeight));
      int c1 = Math.min(cols - 1, (int) ((x + w - 1) / cellWidth));
      int r1 = Math.min(rows - 1, (int) ((y + h - 1) / cellHeight));
      double s = 0;
      for (int r = r0; r <= r1; r++) {
        for (int c = c0; c <= c1; c++) {
          s += cells[r * cols + c];
        }
      }
      return s;
    }
  }

  private Localizer() {}

  /**
   * @param source any scaled-down copy of the image (shrinking 12 MP once for all passes is what costs); its
   *               cells are reported in pixels of the {@code width}×{@code height} original
   */
  static Heat heat(View source, int width, int height) {
    View analysis = source.scaledToMaxSide(ANALYSIS_MAX_SIDE);
    GrayImage g = analysis.image();
    int cols = Math.max(1, g.width / CELL);
    int rows = Math.max(1, g.height / CELL);
    double[] cells = new double[cols * rows];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        int x0 = c * CELL;
        int y0 = r * CELL;
        int x1 = Math.min(g.width - 1, x0 + CELL);
        int y1 = Math.min(g.height - 1, y0 + CELL);
        long sum = 0;
        int n = 0;
        for (int y = y0; y < y1; y++) {
          int row = y * g.width;
          for (int x = x0; x < x1; x++) {
            int v = g.px[row + x] & 0xFF;
            sum += Math.abs(v - (g.px[row + x + 1] & 0xFF)) + Math.abs(v - (g.px[row + g.width + x] & 0xFF));
            n++;
          }
        }
        cells[r * cols + c] = n == 0 ? 0 : (double) sum / n;
      }
    }
    double[] sorted = cells.clone();
    java.util.Arrays.sort(sorted);
    double p98 = sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.98))];
    double median = sorted[sorted.length / 2];
    // Hot: clearly above the background (median) and within reach of the sharpest patches of this image.
    double threshold = Math.max(Math.max(10, 3 * median), 0.35 * p98);
    double sx = (double) width / g.width;
    double sy = (double) height / g.height;
    return new Heat(cells, cols, rows, CELL * sx, CELL * sy, threshold);
  }

  /** Candidate regions, most barcode-like first. */
  static List<Region> regions(GrayImage original, Heat heat) {
    int cols = heat.cols();
    int rows = heat.rows();
    boolean[] hot = new boolean[cols * rows];
    for (int i = 0; i < hot.length; i++) hot[i] = heat.cells()[i] >= heat.threshold();
    // Join fragments one cell apart (the gaps of a 1D symbol, a quiet module row) by dilating once.
    boolean[] joined = new boolean[hot.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        if (!hot[r * cols + c]) continue;
        for (int dr = -1; dr <= 1; dr++) {
          for (int dc = -1; dc <= 1; dc++) {
            int rr = r + dr;
            int cc = c + dc;
            if (rr >= 0 && rr < rows && cc >= 0 && cc < cols) joined[rr * cols + cc] = true;
          }
        }
      }
    }
    int[] label = new int[hot.length];
    List<Region> out = new ArrayList<>();
    int[] stack = new int[hot.length];
    int next = 0;
    for (int start = 0; start < hot.length; start++) {
      if (!joined[start] || label[start] != 0) continue;
      next++;
      int sp = 0;
      stack[sp++] = start;
      label[start] = next;
      int minC = Integer.MAX_VALUE, minR = Integer.MAX_VALUE, maxC = -1, maxR = -1, count = 0;
      double sum = 0;
      while (sp > 0) {
        int i = stack[--sp];
        int r = i / cols;
        int c = i % cols;
        if (hot[i]) {
          minC = Math.min(minC, c);
          maxC = Math.max(maxC, c);
          minR = Math.min(minR, r);
          maxR = Math.max(maxR, r);
          count++;
          sum += heat.cells()[i];
        }
        for (int dr = -1; dr <= 1; dr++) {
          for (int dc = -1; dc <= 1; dc++) {
            int rr = r + dr;
            int cc = c + dc;
            if (rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
            int j = rr * cols + cc;
            if (joined[j] && label[j] == 0) {
              label[j] = next;
              stack[sp++] = j;
            }
          }
        }
      }
      if (count < 3) continue; // two cells: a speck, not a symbol
      int bw = maxC - minC + 1;
      int bh = maxR - minR + 1;
      double density = (double) count / (bw * bh);
      double mean = sum / count;
      double score = mean * density * Math.min(count, 64);
      int x = (int) Math.floor(minC * heat.cellWidth());
      int y = (int) Math.floor(minR * heat.cellHeight());
      int w = (int) Math.ceil(bw * heat.cellWidth());
      int h = (int) Math.ceil(bh * heat.cellHeight());
      out.add(new Region(x, y, Math.min(w, original.width - x), Math.min(h, original.height - y), score));
    }
    out.sort(Comparator.comparingDouble(Region::score).reversed());
    return out;
  }
}
