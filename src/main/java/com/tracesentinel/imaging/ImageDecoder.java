package com.tracesentinel.imaging;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.MultiFormatReader;
import com.google.zxing.NotFoundException;
import com.google.zxing.Result;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.multi.GenericMultipleBarcodeReader;
import com.tracesentinel.imaging.DecodeOutcome.Decoded;
import com.tracesentinel.imaging.DecodeOutcome.Refused;
import com.tracesentinel.imaging.ImageLoader.Refusal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Reads barcodes from an uploaded photo of a medicine box.
 *
 * <p><b>Thread safety:</b> immutable and thread-safe; share one instance. Each {@link #decode(byte[])} call
 * builds its own ZXing readers (ZXing readers are stateful) and allocates only per-call buffers. It is CPU-bound
 * and blocking (up to the time budget, plus one ZXing call): run it on a bounded worker pool, never on an event
 * loop. Memory per call is about 5 bytes per pixel of the upload while loading (the decoded RGB raster plus its
 * grey copy), then about 2 bytes per pixel: about 200 MB at the 40-megapixel limit, 60 MB for a 12 MP photo.
 *
 * <p><b>Passes</b>, cheapest first; the first pass that finds anything ends the search, except that the few most
 * barcode-like regions that no found symbol covers are still read ({@code whole+regions} etc.): ZXing's
 * DataMatrix detector searches from the centre, so a DataMatrix beside an EAN-13 would otherwise go unreported.
 * <ol>
 *   <li>{@code whole}: the image with a paper-coloured quiet zone added (symbols printed edge to edge are not
 *       found otherwise), ZXing's multi-symbol reader over all accepted formats; TRY_HARDER and the inverted
 *       (light-on-dark) retry only up to 1 MP (on a 2 MP photo TRY_HARDER cost 4 times the rest of the search);</li>
 *   <li>{@code pure}: the image as uploaded (shrunk to at most 1200 px), unpadded, read with PURE_BARCODE for
 *       DataMatrix and QR (also inverted): an upright symbol alone in the image, cropped to its edge or on plain
 *       paper, is sampled module by module, no detector. The detectors miss many of these even with the quiet
 *       zone added (upright rectangular and DMRE DataMatrix such as 8×144 or 24×48, some upright squares, among
 *       the fixtures those in C40, Text and X12 encodation, one pixel per module) where plain ZXing in
 *       pure-barcode mode reads them. One binarization of at most 1.4 MP (a few ms); no completion, since a
 *       pure read means the image holds that one symbol;</li>
 *   <li>{@code upscaled}: images up to {@value #UPSCALE_MAX_SIDE} px enlarged 2 and 3 times (while at most
 *       {@value #REGION_MAX_SIDE} px), padded, with TRY_HARDER and the inverted retry: symbols of one or two
 *       pixels per module, which ZXing's detectors do not find at that size (a 65×65 px QR code), in any
 *       orientation;</li>
 *   <li>{@code downscaled}: images bigger than about 1300 px shrunk to 1024 px (large symbols close to the
 *       camera; 1D symbols anywhere, with TRY_HARDER);</li>
 *   <li>{@code rotated}: the image (at most 1200 px) turned by 45° (the DataMatrix detector fails near 45°) and
 *       by ±22° (1D symbols tilted too far for a scan line);</li>
 *   <li>{@code regions}: patches dense in sharp edges (see {@link Localizer}) cropped at full resolution with a
 *       margin, padded, and read one by one with TRY_HARDER and the inverted retry (crops under 300 px enlarged
 *       twice). When that fails, crops of at most {@value #TINY_REGION_SIDE} px (a symbol of one or two pixels
 *       per module) are read in pure-barcode mode in the four right-angle turns and then enlarged 4 times, and
 *       squarish ones are turned by 45°: finds a small symbol anywhere in a 12 MP photo, the DataMatrix that
 *       the whole-image detector misses off-centre, and a low-resolution symbol alone on a page. On images
 *       larger than about 1560 px this pass comes before {@code rotated}, being cheaper there;</li>
 *   <li>{@code tiles}: 700-px tiles overlapping by half, busiest first, cheap hints, until the budget ends.</li>
 * </ol>
 * A print whose whole range is under 64 grey levels is contrast-stretched first (ZXing's binarizer ignores
 * blocks with less than 24 levels of range). Every view but {@code pure} gets a paper-coloured quiet zone
 * ({@link #quietZone}): whole, upscaled, downscaled and rotated images, each region crop and each tile. Every
 * pass after {@code whole} starts only while the budget lasts. Results are deduplicated by text and put in
 * reading order.
 *
 * <p>On every fixture in {@code src/test/resources/imaging} the passes read a superset of what plain ZXing reads
 * with any combination of TRY_HARDER, PURE_BARCODE and ALSO_INVERTED ({@code ImageDecoderSupersetTest}).
 *
 * <p><b>Formats</b> (the multi reader is never restricted to one format; {@code pure} reads DataMatrix and QR
 * only, ZXing's 1D readers ignoring PURE_BARCODE): DATA_MATRIX, QR_CODE, CODE_128 (also
 * GS1-128 and the CN20 20-digit codes), ITF and CODE_39 (CN20 codes also appear in these; ITF limited to 14 digits,
 * i.e. ITF-14, and 20 or more, to keep ITF's false positives out), EAN_13 (GTIN-13 on retail packs).
 */
public final class ImageDecoder {
  static final List<BarcodeFormat> FORMATS = List.of(BarcodeFormat.DATA_MATRIX, BarcodeFormat.QR_CODE,
      BarcodeFormat.CODE_128, BarcodeFormat.ITF, BarcodeFormat.CODE_39, BarcodeFormat.EAN_13);
  static final long TRY_HARDER_MAX_PIXELS = 1_000_000;
  static final int DOWNSCALED_MAX_SIDE = 1024;
  static final int ROTATED_MAX_SIDE = 1200;
  static final int REGION_MAX_SIDE = 1000;
  static final int TILE = 700;
  static final int TILE_STEP = 350;
  static final int MAX_REGIONS = 24;
  static final int MAX_COMPLETION_REGIONS = 8;

  static final int UPSCALE_MAX_SIDE = 400;
  static final int TINY_REGION_SIDE = 240;
  /** The formats ZXing's pure-barcode reader serves (its 1D readers ignore the hint). */
  static final List<BarcodeFormat> PURE_FORMATS = List.of(BarcodeFormat.DATA_MATRIX, BarcodeFormat.QR_CODE);

  private static final Map<Effort, Map<DecodeHintType, Object>> HINTS = new EnumMap<>(Effort.class);

  static {
    for (Effort e : Effort.values()) HINTS.put(e, hints(e));
  }

  private final DecoderSettings settings;
  private final Consumer<String> trace;

  public ImageDecoder(DecoderSettings settings) {
    this(settings, null);
  }

  /** With a trace of every attempt (pass, view size, time): for tuning and the benchmark, not for production. */
  ImageDecoder(DecoderSettings settings, Consumer<String> trace) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.trace = trace;
  }

  public DecoderSettings settings() {
    return settings;
  }

  /** How hard ZXing looks at one view. */
  enum Effort {
    /** Default hints: 1D symbols only on ~15 rows around the middle. For big views. */
    FAST,
    /** TRY_HARDER: 1D on many rows and turned 90°, finer 2D finder scan. For views up to about 1 MP. */
    HARD,
    /**
     * HARD, and when nothing is found, again on the inverted bit matrix (ALSO_INVERTED): light-on-dark codes,
     * laser-marked on dark cartons. Doubles the cost of a miss, so only where a symbol is likely: small
     * images read whole, and localised regions.
     */
    HARD_INVERTED,
    /**
     * PURE_BARCODE (and ALSO_INVERTED), DataMatrix and QR only: the view is taken to be one axis-aligned symbol
     * and its modules are sampled directly, no detector. Reads symbols cropped to their edge that the detectors
     * miss (rectangular DataMatrix, some encodations' module patterns, one pixel per module), and costs one
     * binarization. One symbol at most.
     */
    PURE
  }

  private static Map<DecodeHintType, Object> hints(Effort effort) {
    Map<DecodeHintType, Object> h = new EnumMap<>(DecodeHintType.class);
    h.put(DecodeHintType.POSSIBLE_FORMATS, effort == Effort.PURE ? PURE_FORMATS : FORMATS);
    // Only Code128Reader looks at ASSUME_GS1 (by presence: even FALSE would switch it on). With it, GS1-128 text
    // starts with "]C1" and keeps GS between variable-length fields; plain Code 128 is unaffected.
    h.put(DecodeHintType.ASSUME_GS1, Boolean.TRUE);
    // Only ITFReader looks at this; ZXing also accepts any length above the largest one listed.
    h.put(DecodeHintType.ALLOWED_LENGTHS, new int[] {14, 20});
    if (effort == Effort.HARD || effort == Effort.HARD_INVERTED) h.put(DecodeHintType.TRY_HARDER, Boolean.TRUE);
    if (effort == Effort.HARD_INVERTED || effort == Effort.PURE) h.put(DecodeHintType.ALSO_INVERTED, Boolean.TRUE);
    if (effort == Effort.PURE) h.put(DecodeHintType.PURE_BARCODE, Boolean.TRUE);
    return Collections.unmodifiableMap(h);
  }

  /**
   * Decodes every symbol it can find in {@code image} within the time budget. Never throws for bad input:
   * anything that is not a readable image of acceptable size comes back as {@link Refused}.
   */
  public DecodeOutcome decode(byte[] image) {
    try {
      return decodeInTime(image);
    } catch (OutOfMemoryError e) {
      // The arrays too large for the heap were this photo's own, garbage once it is given up: the service goes on,
      // and the photo can be sent again once the photos decoding beside it are done.
      return new Refused(DecodeOutcome.Reason.NO_MEMORY, "the photo's pixels do not fit in the heap now");
    }
  }

  private DecodeOutcome decodeInTime(byte[] image) {
    long start = System.nanoTime();
    ImageLoader.Loaded loaded;
    try {
      loaded = ImageLoader.load(image, settings, start + settings.timeBudget().toNanos());
    } catch (Refusal r) {
      return new Refused(r.reason, r.getMessage());
    }
    if (loaded == null) {
      return new Decoded(List.of(), "none", (System.nanoTime() - start) / 1_000, true);
    }
    if (trace != null) {
      trace.accept(String.format("load %s %dx%d %.1f ms", loaded.format(), loaded.image().width,
          loaded.image().height, (System.nanoTime() - start) / 1e6));
    }
    int orientation = loaded.format() == ImageLoader.Format.JPEG ? ExifOrientation.read(image) : 1;
    return new Search(loaded.image(), orientation, start).run();
  }

  /**
   * Decodes a few generated box-like images (an off-centre DataMatrix and a Code 128, as PNG and JPEG) so that
   * the first real upload does not pay for class loading and JIT: on a cold JVM on this 2-core box the first
   * 12 MP photo took about 2 s, i.e. the whole default budget. Optional; call once at startup on the worker
   * pool, never on an event loop. Takes well under a second once classes are loaded.
   */
  public void warmUp() {
    byte[][] samples = WarmUp.samples();
    for (int i = 0; i < 3; i++) {
      for (byte[] sample : samples) decode(sample);
    }
  }

  /** One call's search state. */
  private final class Search {
    final GrayImage image;
    /** Stored pixels to what the viewer sees (EXIF orientation): reported centres and reading order use it. */
    final java.awt.geom.AffineTransform displayed;
    final long start;
    final long deadline;
    boolean exhausted;
    Localizer.Heat heat;
    List<Localizer.Region> regions;
    View mid;

    Search(GrayImage image, int orientation, long start) {
      this.image = image.stretchedIfFlat();
      this.displayed = ExifOrientation.toDisplayed(orientation, image.width, image.height);
      this.start = start;
      this.deadline = start + settings.timeBudget().toNanos();
    }

    Decoded run() {
      View full = View.of(image);
      int maxSide = image.maxSide();

      List<Symbols.Found> found = attempt("whole", full.padded(quietZone(full)),
          image.pixels() <= TRY_HARDER_MAX_PIXELS ? Effort.HARD_INVERTED : Effort.FAST);
      if (!found.isEmpty()) return complete(full, found, "whole");

      // An upload that is just a symbol cropped to its edge: sampled directly, as is (a quiet zone is no help).
      if (!expired()) {
        found = attempt("pure", mid(), Effort.PURE);
        if (!found.isEmpty()) return done(found, "pure");
      }
      // A small image of a symbol with one or two pixels per module, in any orientation. Twice and three times
      // only: a larger factor adds no pixel per module a detector needs, and going on while the image stayed under
      // 1,000 px made a 1×1 upload cost ~1,000 attempts (its whole budget).
      for (int factor = 2; factor <= 3 && maxSide <= UPSCALE_MAX_SIDE && maxSide * factor <= REGION_MAX_SIDE
          && !expired(); factor++) {
        View up = full.scaled(factor);
        found = attempt("upscaled", up.padded(quietZone(up)), Effort.HARD_INVERTED);
        if (!found.isEmpty()) return complete(full, found, "upscaled");
      }

      if (maxSide > DOWNSCALED_MAX_SIDE * 1.3 && !expired()) {
        View small = mid().scaledToMaxSide(DOWNSCALED_MAX_SIDE);
        found = attempt("downscaled", small.padded(quietZone(small)), Effort.HARD);
        if (!found.isEmpty()) return complete(full, found, "downscaled");
      }

      // On a large photo the few localised regions (each also tried at 45°) are cheaper than three turns of the
      // whole image and more likely to hold the symbol, so they go first there.
      boolean large = maxSide > ROTATED_MAX_SIDE * 1.3;
      if (large) {
        found = regionsPass(full);
        if (!found.isEmpty()) return done(found, "regions");
      }
      for (double angle : new double[] {45, 22, -22}) {
        if (expired()) break;
        View r = mid().padded(quietZone(mid())).rotated(angle);
        found = attempt("rotated", r, r.image().pixels() <= TRY_HARDER_MAX_PIXELS ? Effort.HARD : Effort.FAST);
        if (!found.isEmpty()) return complete(full, found, "rotated");
      }
      if (!large) {
        found = regionsPass(full);
        if (!found.isEmpty()) return done(found, "regions");
      }
      if (maxSide > TILE * 1.5 && !expired()) {
        found = tiles(full, heat());
        if (!found.isEmpty()) return done(found, "tiles");
      }
      return done(List.of(), "none");
    }

    List<Symbols.Found> regionsPass(View full) {
      return expired() ? List.of() : regions(full, regions(), MAX_REGIONS, true, List.of());
    }

    /** The image at most {@link #ROTATED_MAX_SIDE} wide: made once, the source of every smaller view. */
    View mid() {
      if (mid == null) mid = View.of(image).scaledToMaxSide(ROTATED_MAX_SIDE);
      return mid;
    }

    /**
     * A pass found something, but ZXing's whole-image detectors miss some symbols beside others (the DataMatrix
     * detector looks from the centre outwards): a box with a DataMatrix and an EAN-13 would otherwise report only
     * the EAN-13. So the few most barcode-like regions that nothing found so far covers are still read, cheaply
     * (no rotation retries), within the budget.
     */
    Decoded complete(View full, List<Symbols.Found> found, String pass) {
      if (expired()) return done(found, pass);
      List<Symbols.Found> more = regions(full, regions(), MAX_COMPLETION_REGIONS, false, found);
      if (more.isEmpty()) return done(found, pass);
      List<Symbols.Found> all = new ArrayList<>(found);
      all.addAll(more);
      return done(all, pass + "+regions");
    }

    Localizer.Heat heat() {
      if (heat == null) heat = Localizer.heat(mid(), image.width, image.height);
      return heat;
    }

    List<Localizer.Region> regions() {
      if (regions == null) {
        regions = Localizer.regions(image, heat());
        if (trace != null) trace.accept("regions: " + regions.size() + " " + regions.subList(0, Math.min(6, regions.size())));
      }
      return regions;
    }

    /**
     * Reads each region not yet covered, cropped with a margin. With {@code retry}, a miss is read again: a tiny
     * crop as in {@link #tiny}, a squarish one turned by 45°.
     */
    List<Symbols.Found> regions(View full, List<Localizer.Region> regions, int limit, boolean retry,
        List<Symbols.Found> already) {
      List<Symbols.Found> all = new ArrayList<>();
      int tried = 0;
      for (Localizer.Region g : regions) {
        if (tried >= limit || expired()) break;
        // Skip areas that a symbol already read covers.
        if (covered(already, g) || covered(all, g)) continue;
        tried++;
        int margin = Math.max(24, g.maxSide() / 4);
        View crop = full.cropped(g.x() - margin, g.y() - margin, g.width() + 2 * margin, g.height() + 2 * margin);
        int side = crop.image().maxSide();
        View padded = readable(side > REGION_MAX_SIDE ? crop.scaledToMaxSide(REGION_MAX_SIDE)
            : side < 300 ? crop.scaled(2) : crop); // modules of 2 px read better at 4
        List<Symbols.Found> f = attempt("regions", padded, Effort.HARD_INVERTED);
        if (f.isEmpty() && retry && side <= TINY_REGION_SIDE && !expired()) f = tiny(crop);
        // The 45° retry is for a DataMatrix: squarish regions only (text blocks and 1D symbols are long).
        boolean squarish = Math.max(g.width(), g.height()) <= 2.5 * Math.min(g.width(), g.height());
        if (f.isEmpty() && retry && squarish && !expired()) f = attempt("regions", padded.rotated(45), Effort.HARD);
        all.addAll(f);
      }
      return all;
    }

    /**
     * A crop this small around a symbol means one or two pixels per module (a low-resolution scan or
     * screenshot), too fine for the detectors. A symbol alone on paper is sampled directly (pure-barcode mode,
     * in each of the four right-angle turns since that mode reads upright symbols only); otherwise it is
     * enlarged 4 times, to the 4 px per module that the detectors want.
     */
    List<Symbols.Found> tiny(View crop) {
      List<Symbols.Found> f = List.of();
      View v = readable(crop);
      for (int turn = 0; turn < 4 && f.isEmpty() && !expired(); turn++, v = v.turned()) {
        f = attempt("regions", v, Effort.PURE);
      }
      if (f.isEmpty() && !expired()) f = attempt("regions", readable(crop.scaled(4)), Effort.HARD);
      return f;
    }

    /** A crop ready for ZXing: contrast-stretched when flat, with a quiet zone. */
    View readable(View crop) {
      GrayImage flat = crop.image().stretchedIfFlat();
      View v = flat == crop.image() ? crop : new View(flat, crop.toOriginal());
      return v.padded(quietZone(v));
    }

    List<Symbols.Found> tiles(View full, Localizer.Heat heat) {
      record Tile(int x, int y, double heat) {}
      List<Tile> tiles = new ArrayList<>();
      for (int y = 0; y < image.height; y += TILE_STEP) {
        for (int x = 0; x < image.width; x += TILE_STEP) {
          int tx = Math.min(x, Math.max(0, image.width - TILE));
          int ty = Math.min(y, Math.max(0, image.height - TILE));
          double h = heat.sum(tx, ty, TILE, TILE);
          if (h > 0) tiles.add(new Tile(tx, ty, h)); // a perfectly flat tile holds no symbol
          if (x + TILE >= image.width) break;
        }
        if (y + TILE >= image.height) break;
      }
      tiles.sort(Comparator.comparingDouble(Tile::heat).reversed());
      List<Symbols.Found> all = new ArrayList<>();
      for (Tile t : tiles) {
        if (expired()) break;
        View tile = full.cropped(t.x(), t.y(), TILE, TILE);
        all.addAll(attempt("tiles", tile.padded(quietZone(tile)), Effort.FAST));
      }
      return all;
    }

    private boolean covered(List<Symbols.Found> found, Localizer.Region g) {
      // Found symbols are in displayed coordinates, regions in stored ones.
      java.awt.geom.Point2D c = displayed.transform(
          new java.awt.geom.Point2D.Double(g.x() + g.width() / 2.0, g.y() + g.height() / 2.0), null);
      double cx = c.getX();
      double cy = c.getY();
      for (Symbols.Found f : found) {
        if (cx >= f.minX() && cx <= f.maxX() && cy >= f.minY() - f.halfHeight() && cy <= f.maxY() + f.halfHeight()) {
          return true;
        }
      }
      return false;
    }

    List<Symbols.Found> attempt(String pass, View view, Effort effort) {
      long t0 = System.nanoTime();
      List<Symbols.Found> out = new ArrayList<>();
      try {
        BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new GrayLuminanceSource(view.image())));
        Result[] results = effort == Effort.PURE
            ? new Result[] {new MultiFormatReader().decode(bitmap, HINTS.get(effort))}
            : new GenericMultipleBarcodeReader(new MultiFormatReader()).decodeMultiple(bitmap, HINTS.get(effort));
        java.awt.geom.AffineTransform toShown = new java.awt.geom.AffineTransform(displayed);
        toShown.concatenate(view.toOriginal());
        View shown = new View(view.image(), toShown);
        for (Result r : results) out.add(Symbols.found(r, shown));
      } catch (NotFoundException e) {
        // nothing here
      } catch (RuntimeException e) {
        // ZXing occasionally throws on degenerate input (e.g. IllegalArgumentException from a detector): a miss.
        if (trace != null) trace.accept(pass + " ZXing failed: " + e);
      }
      if (trace != null) {
        trace.accept(String.format("%-10s %5dx%-5d %-13s %6.1f ms -> %d", pass, view.width(), view.height(),
            effort, (System.nanoTime() - t0) / 1e6, out.size()));
      }
      return out;
    }

    boolean expired() {
      if (System.nanoTime() >= deadline) exhausted = true;
      return exhausted;
    }

    Decoded done(List<Symbols.Found> found, String pass) {
      List<DecodedSymbol> symbols = Symbols.readingOrder(Symbols.dedupe(found));
      return new Decoded(symbols, symbols.isEmpty() ? "none" : pass, (System.nanoTime() - start) / 1000, exhausted);
    }
  }

  /** A white margin wide enough for the quiet zone of a symbol that fills the view (ITF needs 10 modules). */
  static int quietZone(View v) {
    return Math.max(16, Math.min(128, v.image().maxSide() / 10));
  }
}
