package com.tracesentinel.imaging;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.Result;
import com.google.zxing.ResultMetadataType;
import com.google.zxing.ResultPoint;
import java.awt.geom.Point2D;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** ZXing results to {@link DecodedSymbol}s: GS1 text normalisation, deduplication, reading order. */
final class Symbols {
  static final char GS = '\u001d';

  private Symbols() {}

  /** A symbol with its extent in original-image pixels, kept until the reading order is decided. */
  record Found(DecodedSymbol symbol, double minX, double minY, double maxX, double maxY) {
    double cx() {
      return symbol.x();
    }

    double cy() {
      return symbol.y();
    }

    /** Half of the symbol's height; a 1D result only spans its scan line, so its height is estimated. */
    double halfHeight() {
      double h = maxY - minY;
      boolean linear = h < 0.1 * (maxX - minX);
      if (linear) h = Math.max(h, 0.3 * (maxX - minX));
      return Math.max(h / 2, 8);
    }
  }

  /**
   * What the trace-code parser reads. ZXing 3.5.4, checked on zint-made symbols: GS1 DataMatrix text starts
   * with GS (the FNC1 in first position) and reports {@code ]d2}; GS1 QR reports {@code ]Q3} and its text has no
   * prefix; Code 128 with {@code ASSUME_GS1} already starts with {@code ]C1} and has GS between fields (without
   * that hint the separators are silently dropped). Every GS1 text here is "identifier + element string".
   */
  static DecodedSymbol toSymbol(Result r, double cx, double cy) {
    String text = r.getText();
    BarcodeFormat format = r.getBarcodeFormat();
    Object sym = r.getResultMetadata() == null ? null : r.getResultMetadata().get(ResultMetadataType.SYMBOLOGY_IDENTIFIER);
    String id = sym == null ? "" : sym.toString();
    boolean gs1 = false;
    switch (format) {
      case DATA_MATRIX -> {
        // ]d2 = FNC1 first; ]d5 = the same with ECI. Normalised to ]d2, the parser's GS1 DataMatrix prefix.
        if (id.equals("]d2") || id.equals("]d5")) {
          gs1 = true;
          text = "]d2" + stripLeadingGs(text);
        }
      }
      case QR_CODE -> {
        if (id.equals("]Q3") || id.equals("]Q4")) {
          gs1 = true;
          text = "]Q3" + stripLeadingGs(text);
        }
      }
      case CODE_128 -> {
        if (text.startsWith("]C1")) {
          gs1 = true;
        } else if (id.equals("]C1")) { // defensive: hint missing
          gs1 = true;
          text = "]C1" + text;
        }
      }
      default -> { }
    }
    return new DecodedSymbol(text, format.name(), gs1, (int) Math.round(cx), (int) Math.round(cy));
  }

  private static String stripLeadingGs(String s) {
    return !s.isEmpty() && s.charAt(0) == GS ? s.substring(1) : s;
  }

  static Found found(Result r, View view) {
    ResultPoint[] pts = r.getResultPoints();
    double minX = Double.MAX_VALUE, minY = Double.MAX_VALUE, maxX = -Double.MAX_VALUE, maxY = -Double.MAX_VALUE;
    int n = 0;
    if (pts != null) {
      for (ResultPoint p : pts) {
        if (p == null) continue;
        Point2D o = view.toOriginal(p.getX(), p.getY());
        minX = Math.min(minX, o.getX());
        minY = Math.min(minY, o.getY());
        maxX = Math.max(maxX, o.getX());
        maxY = Math.max(maxY, o.getY());
        n++;
      }
    }
    if (n == 0) { // no geometry: the middle of the view
      Point2D o = view.toOriginal(view.width() / 2.0, view.height() / 2.0);
      minX = maxX = o.getX();
      minY = maxY = o.getY();
      n = 1;
    }
    // The centre of a DataMatrix's three/four corner points, or the midpoint of a 1D scan line.
    double cx = (minX + maxX) / 2;
    double cy = (minY + maxY) / 2;
    if (r.getBarcodeFormat() == BarcodeFormat.QR_CODE && pts != null && pts.length >= 3
        && pts[0] != null && pts[2] != null) {
      // QR points are finder centres (bottom-left, top-left, top-right): the diagonal's midpoint is the centre
      // at any rotation, where a bounding box of three corners is not.
      Point2D a = view.toOriginal(pts[0].getX(), pts[0].getY());
      Point2D b = view.toOriginal(pts[2].getX(), pts[2].getY());
      cx = (a.getX() + b.getX()) / 2;
      cy = (a.getY() + b.getY()) / 2;
    }
    return new Found(toSymbol(r, cx, cy), minX, minY, maxX, maxY);
  }

  /** One entry per text, the first found kept. */
  static List<Found> dedupe(List<Found> all) {
    Map<String, Found> byText = new LinkedHashMap<>();
    for (Found f : all) byText.putIfAbsent(f.symbol().text(), f);
    return new ArrayList<>(byText.values());
  }

  /**
   * Reading order: symbols whose centres lie within each other's vertical extent form a row; rows go top to
   * bottom, symbols in a row left to right. Robust to the small tilt of a hand-held photo and to a 1D symbol
   * sitting beside a taller 2D one.
   */
  static List<DecodedSymbol> readingOrder(List<Found> found) {
    List<Found> byY = new ArrayList<>(found);
    byY.sort(Comparator.comparingDouble(Found::cy));
    List<List<Found>> rows = new ArrayList<>();
    for (Found f : byY) {
      List<Found> row = rows.isEmpty() ? null : rows.get(rows.size() - 1);
      if (row != null && sameRow(row, f)) {
        row.add(f);
      } else {
        List<Found> fresh = new ArrayList<>();
        fresh.add(f);
        rows.add(fresh);
      }
    }
    List<DecodedSymbol> out = new ArrayList<>();
    for (List<Found> row : rows) {
      row.sort(Comparator.comparingDouble(Found::cx));
      for (Found f : row) out.add(f.symbol());
    }
    return out;
  }

  private static boolean sameRow(List<Found> row, Found f) {
    double rowY = row.stream().mapToDouble(Found::cy).average().orElse(f.cy());
    double rowHalf = row.stream().mapToDouble(Found::halfHeight).max().orElse(0);
    return Math.abs(f.cy() - rowY) <= Math.max(rowHalf, f.halfHeight());
  }
}
