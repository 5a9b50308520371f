package com.tracesentinel.imaging;

import com.tracesentinel.imaging.DecodeOutcome.Reason;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageInputStreamImpl;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Turns uploaded bytes into a grey image, refusing what must not be decoded.
 *
 * <p>Order matters for safety: byte limit, then the format is recognised from its signature (ImageIO is only
 * asked for the one reader of that format, so TIFF and friends never reach a decoder), a JPEG's scans are counted
 * ({@link #MAX_JPEG_SCANS}), then width and height are read from the header and checked against the pixel and
 * side limits and against the file's length ({@link Format#maxPixelsPerByte}), and only then are pixels decoded. The stream is memory-backed (no temporary files, whatever
 * {@code ImageIO.setUseCache} says; a WebP's is {@link WebPInput}).
 */
final class ImageLoader {
  /**
   * The longest side accepted, whatever the pixel limit. A 1 × 40,000,000 px image is within 40 MP, but every view
   * gets a quiet zone of up to 128 px all round: 257 × 40,000,256 bytes overflow an int. Bounding each side keeps
   * every padded, scaled or rotated view below 2^31 bytes (16,640² is 277 million) for any pixel limit. It is
   * WebP's own maximum, and at 40 MP it still leaves 2,441 px for the other side.
   */
  static final int MAX_SIDE = 16_384;

  /**
   * The most scans (start-of-scan markers) accepted in a JPEG. ImageIO's JPEG decoder makes a pass over every block
   * of the image for each scan, even an empty one, and cannot be interrupted: a 1 KB file of 100 empty scans
   * announcing 6000 × 6000 px took 4 s here (about 33 ms a scan, 6-12 s under load), and 8 MiB holds 800,000 of
   * them. Real progressive JPEGs have about 10 (libjpeg's standard progression writes 10 for colour, 6 for grey,
   * 18 for CMYK; libjpeg itself only stops at 1,000). 64 leaves room for unusual encoders while bounding such a
   * file to about 2.5 s of decoding at the 40 MP limit.
   */
  static final int MAX_JPEG_SCANS = 64;

  /** Formats read through ImageIO, by the format name its readers register. */
  enum Format {
    /** Deflate makes at most 1,032 bytes of 258 (a match in 2 bits), and a pixel takes a bit at least. */
    PNG("png", 1_032 * 8),
    JPEG("jpeg", Long.MAX_VALUE),
    /** An LZW code of at least 2 bits stands for at most 4,096 pixels. */
    GIF("gif", 4_096 * 4),
    BMP("bmp", Long.MAX_VALUE),
    WEBP("webp", Long.MAX_VALUE);

    final String imageIoName;
    /**
     * The most pixels a byte of the file can stand for, at the format's best compression: a file shorter than its
     * announced pixels allow is truncated. A GIF of 35 bytes announcing 6000 × 6000 px was read as a blank image of
     * 36 MP, its reader filling what was missing, and searched for a code for the whole 2 s budget. A JPEG (its
     * truncation is caught after reading), a BMP (its RLE may end the image early) and a lossless WebP (a one-colour
     * image is a few bytes at any size) have no such bound.
     */
    final long maxPixelsPerByte;

    Format(String imageIoName, long maxPixelsPerByte) {
      this.imageIoName = imageIoName;
      this.maxPixelsPerByte = maxPixelsPerByte;
    }
  }

  static final class Refusal extends Exception {
    final Reason reason;

    Refusal(Reason reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }

    Refusal(Reason reason, String message, Throwable cause) {
      super(message, cause, false, false);
      this.reason = reason;
    }
  }

  record Loaded(GrayImage image, Format format) {}

  private ImageLoader() {}

  static Loaded load(byte[] bytes, DecoderSettings settings) throws Refusal {
    return load(bytes, settings, Long.MAX_VALUE);
  }

  /** Aborts the pixel reads that pass their deadline; one daemon thread, idle but for a photo read too slowly. */
  private static final java.util.concurrent.ScheduledThreadPoolExecutor ABORTS;

  static {
    ABORTS = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "image-load-deadline");
      t.setDaemon(true);
      return t;
    });
    ABORTS.setRemoveOnCancelPolicy(true);
  }

  /**
   * As {@link #load(byte[], DecoderSettings)}, or null when reading the pixels, or turning them grey, passed
   * {@code deadline} ({@link System#nanoTime()}): the time budget counts the loading, and a 16-bit RGBA PNG of 40 MP
   * took 4-6 s to load, against a budget of 2 s, holding a decoder thread all along. The readers stop between rows
   * once aborted, the grey conversion at its next row.
   */
  static Loaded load(byte[] bytes, DecoderSettings settings, long deadline) throws Refusal {
    if (bytes == null || bytes.length == 0) {
      throw new Refusal(Reason.NOT_AN_IMAGE, "empty body");
    }
    if (bytes.length > settings.maxBytes()) {
      throw new Refusal(Reason.TOO_LARGE_BYTES,
          "image is " + bytes.length + " bytes, at most " + settings.maxBytes() + " are accepted");
    }
    Format format = sniff(bytes);
    if (format == Format.JPEG && jpegScans(bytes, MAX_JPEG_SCANS) > MAX_JPEG_SCANS) {
      throw new Refusal(Reason.CORRUPT, "JPEG has more than " + MAX_JPEG_SCANS
          + " scans: not a plausible photo, and each would cost a pass over the whole image");
    }
    ImageReader reader = readerFor(format);
    try (ImageInputStream in = format == Format.WEBP ? new WebPInput(bytes)
        : new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      reader.setInput(in, true, true); // one image, forward only, no metadata
      int width;
      int height;
      try {
        width = reader.getWidth(0);
        height = reader.getHeight(0);
      } catch (IOException | RuntimeException e) {
        throw new Refusal(Reason.CORRUPT, format + " header cannot be read: " + describe(e), e);
      }
      if (width <= 0 || height <= 0) {
        throw new Refusal(Reason.CORRUPT, format + " header gives " + width + "x" + height);
      }
      long pixels = (long) width * height;
      if (pixels > settings.maxPixels()) {
        throw new Refusal(Reason.TOO_MANY_PIXELS, format + " image is " + width + "x" + height + " ("
            + pixels + " pixels), at most " + settings.maxPixels() + " pixels are accepted");
      }
      if (width > MAX_SIDE || height > MAX_SIDE) {
        throw new Refusal(Reason.TOO_MANY_PIXELS, format + " image is " + width + "x" + height
            + ", at most " + MAX_SIDE + " pixels a side are accepted");
      }
      long fewest = pixels / format.maxPixelsPerByte;
      if (bytes.length < fewest) {
        throw new Refusal(Reason.CORRUPT, format + " of " + bytes.length + " bytes cannot hold " + width + "x" + height
            + " pixels (at least " + fewest + " bytes): truncated");
      }
      List<String> warnings = new ArrayList<>();
      reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
      BufferedImage image;
      try {
        image = readPixels(reader, deadline);
      } catch (IOException | RuntimeException e) {
        // ImageIO's PNG reader wraps an OutOfMemoryError in an IIOException: a valid photo that the heap could not
        // hold then (20 photos of 40 MP at once in 1 GB) was answered as damaged.
        if (outOfMemory(e)) {
          throw new Refusal(Reason.NO_MEMORY, format + " pixels do not fit in the heap now", e);
        }
        // The JDK's JPEG reader says "Unsupported Image Type" for colour spaces it lacks (e.g. some YCCK files):
        // a valid file we cannot read, not a damaged one.
        Reason reason = describe(e).toLowerCase(Locale.ROOT).contains("unsupported") ? Reason.UNSUPPORTED_FORMAT
            : Reason.CORRUPT;
        throw new Refusal(reason, format + " data cannot be decoded: " + describe(e), e);
      }
      if (image == null) {
        return null; // read in part: what is missing is not known to hold no code
      }
      // The JPEG reader does not throw on a truncated file: it warns and fills the rest with grey. Treat missing
      // data as corrupt like the other formats do; other warnings (extraneous bytes, a missing EOI after complete
      // data) are common in real files that decode fine, so they pass.
      for (String w : warnings) {
        if (w.toLowerCase(Locale.ROOT).contains("premature end")) {
          throw new Refusal(Reason.CORRUPT, format + " data is truncated: " + w);
        }
      }
      if (image.getWidth() != width || image.getHeight() != height) {
        throw new Refusal(Reason.CORRUPT, format + " decoder returned no image of the announced size");
      }
      GrayImage gray = GrayImage.of(image, deadline);
      return gray == null ? null : new Loaded(gray, format);
    } catch (IOException e) { // closing a memory stream
      throw new Refusal(Reason.CORRUPT, describe(e), e);
    } finally {
      reader.dispose();
    }
  }

  /** How often the abort is asked for again once the deadline has passed, until the read returns. */
  private static final long ABORT_REPEAT_MILLIS = 10;

  /**
   * Image 0's pixels, or null when {@code deadline} passed first (the read stopped, or failed because it was). The
   * abort is asked for again and again until the read returns: ImageIO's readers clear an abort requested before
   * their read begins, so one asked for once, by a deadline that passed while the reader was still setting up (a
   * decoder thread starved of CPU, the image's array allocated slowly), was lost and the photo read whole, 7.7-14.8 s
   * for a 16-bit RGBA PNG of 40 MP on a busy machine against a 2 s budget.
   */
  static BufferedImage readPixels(ImageReader reader, long deadline) throws IOException {
    java.util.concurrent.atomic.AtomicBoolean aborted = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.ScheduledFuture<?> timer = deadline == Long.MAX_VALUE ? null
        : ABORTS.scheduleWithFixedDelay(() -> {
          aborted.set(true);
          reader.abort();
        }, Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(
            ABORT_REPEAT_MILLIS), java.util.concurrent.TimeUnit.NANOSECONDS);
    try {
      BufferedImage image = reader.read(0, reader.getDefaultReadParam());
      if (aborted.get()) {
        return null;
      }
      if (image == null) {
        throw new IOException("the reader returned no image");
      }
      return image;
    } catch (IOException | RuntimeException e) {
      if (aborted.get()) {
        return null;
      }
      throw e;
    } finally {
      if (timer != null) {
        timer.cancel(false);
      }
    }
  }

  /**
   * The bytes of a WebP for TwelveMonkeys' reader, which does not stop at the end of a truncated lossless (VP8L)
   * bitstream: its bit reader catches the EOFException of each read past the end and carries on, so a cut file was
   * decoded to its last pixel and answered "no code found", at the cost of an exception per pixel (a 42-byte file
   * announcing 6000 × 6000 px took 100-160 s). Reading past the end must therefore fail with an IOException that
   * is not an EOFException. Yet the bit reader keeps 8 bytes buffered ahead of the bits it has used, so a whole
   * bitstream that ends at the end of the file is also read up to 8 bytes past it: those read as zeros, and only a
   * read beyond them fails (so a file cut in its last byte or two is read as if zeros were there; one cut shorter
   * is damaged).
   */
  static final class WebPInput extends ImageInputStreamImpl {
    /** How far past the end the bit reader's look-ahead reaches on a complete bitstream. */
    static final int LOOK_AHEAD = 8;

    private final byte[] bytes;

    WebPInput(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read() throws IOException {
      bitOffset = 0;
      readable(1);
      int b = streamPos < bytes.length ? bytes[(int) streamPos] & 0xFF : 0;
      streamPos++;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      bitOffset = 0;
      if (len == 0) return 0;
      int n = readable(len);
      int real = (int) Math.max(0, Math.min(n, bytes.length - streamPos));
      if (real > 0) System.arraycopy(bytes, (int) streamPos, b, off, real);
      java.util.Arrays.fill(b, off + real, off + n, (byte) 0);
      streamPos += n;
      return n;
    }

    /** How many of {@code len} bytes can be read from {@link #streamPos} (at least one), counting the zeros. */
    private int readable(int len) throws IOException {
      long left = bytes.length + (long) LOOK_AHEAD - streamPos;
      if (left <= 0) throw new IOException("the WebP data ends before its image does");
      return (int) Math.min(len, left);
    }
  }

  /**
   * The JDK's own reader when there is one: zxing-javase brings jai-imageio-core, which registers a second BMP
   * reader (and TIFF, PNM… readers that {@link #sniff} never lets anything reach). WebP comes from TwelveMonkeys.
   */
  private static ImageReader readerFor(Format format) throws Refusal {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName);
    ImageReader chosen = null;
    while (readers.hasNext()) {
      ImageReader r = readers.next();
      if (chosen == null || (r.getClass().getName().startsWith("com.sun.imageio.")
          && !chosen.getClass().getName().startsWith("com.sun.imageio."))) {
        if (chosen != null) chosen.dispose();
        chosen = r;
      } else {
        r.dispose();
      }
    }
    if (chosen == null) {
      throw new Refusal(Reason.UNSUPPORTED_FORMAT, format + " images are not supported by this build");
    }
    return chosen;
  }

  /**
   * Counts a JPEG's scans, stopping once there are more than {@code limit}, by walking its marker segments: each
   * length-prefixed segment is skipped whole (the markers of an EXIF thumbnail inside APP1 are not this image's),
   * and a scan's entropy-coded data runs to the next marker that is not a restart marker (0xFF00 is a stuffed 0xFF
   * data byte, 0xFFFF a fill byte). One pass over the bytes, each looked at a bounded number of times. Bytes where
   * a marker should be are skipped as libjpeg skips them; a damaged length or the end of the bytes ends the walk,
   * leaving the decoder to say what is wrong.
   */
  static int jpegScans(byte[] b, int limit) {
    int scans = 0;
    int i = 2; // after SOI
    while (i + 1 < b.length && scans <= limit) {
      int marker = b[i + 1] & 0xFF;
      if ((b[i] & 0xFF) != 0xFF || marker == 0xFF || marker == 0x00) {
        i++;
        continue;
      }
      if (marker == 0xD9) break; // EOI
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) { // TEM, RSTn, SOI: no length
        i += 2;
        continue;
      }
      if (i + 3 >= b.length) break;
      int length = (b[i + 2] & 0xFF) << 8 | b[i + 3] & 0xFF;
      if (length < 2) break;
      i += 2 + length;
      if (marker == 0xDA) {
        scans++;
        while (i + 1 < b.length && !endsEntropyCodedData(b[i], b[i + 1])) i++;
      }
    }
    return scans;
  }

  private static boolean endsEntropyCodedData(byte b, byte next) {
    int n = next & 0xFF;
    return (b & 0xFF) == 0xFF && n != 0x00 && n != 0xFF && (n < 0xD0 || n > 0xD7);
  }

  /** Recognises the format from the first bytes; never trusts a content type or file name. */
  static Format sniff(byte[] b) throws Refusal {
    if (startsWith(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) return Format.PNG;
    if (startsWith(b, 0, 0xFF, 0xD8, 0xFF)) return Format.JPEG;
    if (startsWith(b, 0, 'G', 'I', 'F', '8', '7', 'a') || startsWith(b, 0, 'G', 'I', 'F', '8', '9', 'a')) {
      return Format.GIF;
    }
    if (startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')) return Format.WEBP;
    if (b.length >= 26 && startsWith(b, 0, 'B', 'M')) return Format.BMP;
    String known = knownUnsupported(b);
    if (known != null) {
      throw new Refusal(Reason.UNSUPPORTED_FORMAT,
          known + " images are not accepted: send PNG, JPEG, GIF, BMP or WebP");
    }
    throw new Refusal(Reason.NOT_AN_IMAGE, "not a PNG, JPEG, GIF, BMP or WebP image");
  }

  private static String knownUnsupported(byte[] b) {
    if (startsWith(b, 0, 'I', 'I', 0x2A, 0x00) || startsWith(b, 0, 'M', 'M', 0x00, 0x2A)) return "TIFF";
    if (startsWith(b, 4, 'f', 't', 'y', 'p')) {
      if (startsWith(b, 8, 'a', 'v', 'i', 'f') || startsWith(b, 8, 'a', 'v', 'i', 's')) return "AVIF";
      if (startsWith(b, 8, 'h', 'e', 'i', 'c') || startsWith(b, 8, 'h', 'e', 'i', 'x')
          || startsWith(b, 8, 'm', 'i', 'f', '1') || startsWith(b, 8, 'm', 's', 'f', '1')
          || startsWith(b, 8, 'h', 'e', 'v', 'c')) {
        return "HEIF/HEIC";
      }
      if (startsWith(b, 8, 'j', 'p', '2', ' ')) return "JPEG 2000";
    }
    if (startsWith(b, 0, 0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' ') || startsWith(b, 0, 0xFF, 0x4F, 0xFF, 0x51)) {
      return "JPEG 2000";
    }
    if (startsWith(b, 0, 0xFF, 0x0A) || startsWith(b, 0, 0x00, 0x00, 0x00, 0x0C, 'J', 'X', 'L', ' ')) return "JPEG XL";
    if (startsWith(b, 0, '8', 'B', 'P', 'S')) return "PSD";
    if (startsWith(b, 0, 0x00, 0x00, 0x01, 0x00) || startsWith(b, 0, 0x00, 0x00, 0x02, 0x00)) return "ICO/CUR";
    if (startsWith(b, 0, '%', 'P', 'D', 'F')) return "PDF";
    if (startsWith(b, 0, 'P', '1') || startsWith(b, 0, 'P', '4') || startsWith(b, 0, 'P', '5') || startsWith(b, 0, 'P', '6')) {
      return b.length > 2 && Character.isWhitespace(b[2]) ? "PNM" : null;
    }
    String head = new String(b, 0, Math.min(b.length, 256), java.nio.charset.StandardCharsets.ISO_8859_1)
        .stripLeading().toLowerCase(Locale.ROOT);
    if (head.startsWith("<svg") || (head.startsWith("<?xml") && head.contains("<svg"))) return "SVG";
    return null;
  }

  private static boolean startsWith(byte[] b, int offset, int... sig) {
    if (b.length < offset + sig.length) return false;
    for (int i = 0; i < sig.length; i++) {
      if ((b[offset + i] & 0xFF) != sig[i]) return false;
    }
    return true;
  }

  static boolean outOfMemory(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof OutOfMemoryError) return true;
    }
    return false;
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
