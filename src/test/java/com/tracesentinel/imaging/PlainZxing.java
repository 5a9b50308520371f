package com.tracesentinel.imaging;

import com.google.zxing.Binarizer;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.LuminanceSource;
import com.google.zxing.MultiFormatReader;
import com.google.zxing.ReaderException;
import com.google.zxing.Result;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.GlobalHistogramBinarizer;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.datamatrix.DataMatrixReader;
import com.google.zxing.multi.GenericMultipleBarcodeReader;
import com.google.zxing.multi.qrcode.QRCodeMultiReader;
import com.google.zxing.oned.MultiFormatOneDReader;
import com.google.zxing.qrcode.QRCodeReader;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import javax.imageio.ImageIO;

/**
 * What plain ZXing 3.5.4 reads from an image as it is, with any of its hints: the yardstick that the service's
 * pipeline must match or beat (a superset of texts) on every fixture.
 *
 * <p>"Any of its hints" is every subset of {TRY_HARDER, PURE_BARCODE, ALSO_INVERTED} (8 combinations), each
 * with every entry point a caller might use: {@link MultiFormatReader}, the generic multi-symbol reader around
 * it, {@link DataMatrixReader}, {@link QRCodeReader}, {@link QRCodeMultiReader} and the 1D
 * {@link MultiFormatOneDReader} directly, and both of ZXing's binarizers (Hybrid, as the service uses, and
 * GlobalHistogram, ZXing's choice for low-end devices). The image is read as ZXing's own javase module does
 * ({@link BufferedImageLuminanceSource}), untouched: no padding, scaling or rotation.
 *
 * <p>Hints that are not a matter of effort are fixed to the service's contract, or the texts would not be
 * comparable: POSSIBLE_FORMATS (the service's symbologies), ASSUME_GS1 (without it GS1-128 loses its GS
 * separators) and ITF's ALLOWED_LENGTHS (14, 20 and longer). Texts are normalised by {@link Symbols#toSymbol}
 * exactly as the service's are, and are reported as {@code FORMAT:text}.
 */
final class PlainZxing {
  private PlainZxing() {}

  static final DecodeHintType[] FLAGS = {DecodeHintType.TRY_HARDER, DecodeHintType.PURE_BARCODE,
      DecodeHintType.ALSO_INVERTED};

  private static final List<Function<LuminanceSource, Binarizer>> BINARIZERS =
      List.of(HybridBinarizer::new, GlobalHistogramBinarizer::new);

  /** One way of calling ZXing: reads zero or more results, throws ReaderException for none. */
  private interface Entry {
    Result[] read(BinaryBitmap bitmap, Map<DecodeHintType, Object> hints) throws ReaderException;
  }

  private static final List<Entry> ENTRIES = List.of(
      (b, h) -> new Result[] {new MultiFormatReader().decode(b, h)},
      (b, h) -> new GenericMultipleBarcodeReader(new MultiFormatReader()).decodeMultiple(b, h),
      (b, h) -> new Result[] {new DataMatrixReader().decode(b, h)},
      (b, h) -> new Result[] {new QRCodeReader().decode(b, h)},
      (b, h) -> new QRCodeMultiReader().decodeMultiple(b, h),
      (b, h) -> new Result[] {new MultiFormatOneDReader(h).decode(b, h)});

  /** The hints for one subset of {@link #FLAGS} (bit i set: FLAGS[i] on). */
  static Map<DecodeHintType, Object> hints(int subset) {
    Map<DecodeHintType, Object> h = new EnumMap<>(DecodeHintType.class);
    h.put(DecodeHintType.POSSIBLE_FORMATS, ImageDecoder.FORMATS);
    h.put(DecodeHintType.ASSUME_GS1, Boolean.TRUE);
    h.put(DecodeHintType.ALLOWED_LENGTHS, new int[] {14, 20});
    for (int i = 0; i < FLAGS.length; i++) {
      if ((subset & (1 << i)) != 0) h.put(FLAGS[i], Boolean.TRUE);
    }
    return h;
  }

  /** Every {@code FORMAT:text} that any combination reads from {@code image}. */
  static Set<String> reads(byte[] image) {
    BufferedImage img;
    try {
      img = ImageIO.read(new ByteArrayInputStream(image));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (img == null) throw new IllegalArgumentException("not an image ImageIO reads");
    LuminanceSource source = new BufferedImageLuminanceSource(img);
    Set<String> out = new LinkedHashSet<>();
    for (Function<LuminanceSource, Binarizer> binarizer : BINARIZERS) {
      for (int subset = 0; subset < 1 << FLAGS.length; subset++) {
        Map<DecodeHintType, Object> hints = hints(subset);
        for (Entry entry : ENTRIES) {
          for (Result r : read(entry, new BinaryBitmap(binarizer.apply(source)), hints)) {
            out.add(key(r));
          }
        }
      }
    }
    return out;
  }

  private static List<Result> read(Entry entry, BinaryBitmap bitmap, Map<DecodeHintType, Object> hints) {
    try {
      return List.of(entry.read(bitmap, hints));
    } catch (ReaderException | RuntimeException e) {
      // ReaderException: nothing read. ZXing also throws IllegalArgumentException and the like on degenerate
      // input; for this yardstick both mean "not read".
      return new ArrayList<>();
    }
  }

  static String key(Result r) {
    DecodedSymbol s = Symbols.toSymbol(r, 0, 0);
    return s.format() + ":" + s.text();
  }

  static String key(DecodedSymbol s) {
    return s.format() + ":" + s.text();
  }
}
