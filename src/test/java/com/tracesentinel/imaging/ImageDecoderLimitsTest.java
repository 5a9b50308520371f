package com.tracesentinel.imaging;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.imaging.DecodeOutcome.Decoded;
import com.tracesentinel.imaging.DecodeOutcome.Reason;
import com.tracesentinel.imaging.DecodeOutcome.Refused;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadProgressListener;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.junit.jupiter.api.Test;

/** Every refusal reason, the limits, the time budget and concurrent use. */
@Tag("slow")
public class ImageDecoderLimitsTest {
  final ImageDecoder decoder = new ImageDecoder(DecoderSettings.defaults());

  private Refused refused(byte[] bytes) {
    return assertInstanceOf(Refused.class, decoder.decode(bytes));
  }

  /**
   * Loading the pixels counts against the time budget too: a 16-bit RGBA PNG of 40 MP (300 KB of zeros) took 4-6 s
   * to load, against a 2 s budget, holding one of the two decoder threads all the while.
   */
  @Test
  void loadingAPhotoStopsAtTheTimeBudget() throws Exception {
    byte[] png = rgba16Png();
    // Answered as not read in time; that the reading itself stops is aDeadlinePassedBeforeTheReadBeginsStillStopsIt's.
    assertEquals(null, ImageLoader.load(png, DecoderSettings.defaults(), System.nanoTime()),
        "the pixels were read to the end past the deadline");
    ImageDecoder quick = new ImageDecoder(DecoderSettings.defaults().withTimeBudget(Duration.ofMillis(300)));
    Decoded outcome = assertInstanceOf(Decoded.class, quick.decode(png));
    assertTrue(outcome.symbols().isEmpty());
    assertTrue(outcome.budgetExhausted(), "not read in time, rather than no code in it");
  }

  /** A 16-bit RGBA PNG of 40 MP, 300 KB of zeros: read whole, it takes seconds. */
  private static byte[] rgba16Png() throws IOException {
    int side = 6_324;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(out);
    d.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
    ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
    DataOutputStream h = new DataOutputStream(ihdr);
    h.writeInt(side);
    h.writeInt(side);
    h.write(new byte[] {16, 6, 0, 0, 0}); // 16-bit RGBA
    chunk(d, "IHDR", ihdr.toByteArray());
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    try (java.util.zip.DeflaterOutputStream z = new java.util.zip.DeflaterOutputStream(idat,
        new Deflater(Deflater.BEST_COMPRESSION))) {
      byte[] row = new byte[1 + side * 8];
      for (int y = 0; y < side; y++) {
        z.write(row);
      }
    }
    chunk(d, "IDAT", idat.toByteArray());
    chunk(d, "IEND", new byte[0]);
    return out.toByteArray();
  }

  /**
   * ImageIO's readers clear an abort asked for before their read begins: a deadline that passed while the reader was
   * still setting up was lost, and the photo was read whole (7.7-14.8 s on a busy machine against a 2 s budget) before
   * it was answered as not read in time. Asserting the read's end (not its time) keeps this exact on a busy machine.
   */
  @Test
  void aDeadlinePassedBeforeTheReadBeginsStillStopsIt() throws Exception {
    ImageReader reader = ImageIO.getImageReadersByFormatName("png").next();
    reader.setInput(new MemoryCacheImageInputStream(new java.io.ByteArrayInputStream(rgba16Png())), true, true);
    java.util.concurrent.atomic.AtomicBoolean readWhole = new java.util.concurrent.atomic.AtomicBoolean();
    reader.addIIOReadProgressListener(new IIOReadProgressListener() {
      @Override public void imageComplete(ImageReader source) {
        readWhole.set(true);
      }
      @Override public void sequenceStarted(ImageReader source, int minIndex) {}
      @Override public void sequenceComplete(ImageReader source) {}
      @Override public void imageStarted(ImageReader source, int imageIndex) {}
      @Override public void imageProgress(ImageReader source, float percentageDone) {}
      @Override public void thumbnailStarted(ImageReader source, int imageIndex, int thumbnailIndex) {}
      @Override public void thumbnailProgress(ImageReader source, float percentageDone) {}
      @Override public void thumbnailComplete(ImageReader source) {}
      @Override public void readAborted(ImageReader source) {}
    });
    try {
      assertEquals(null, ImageLoader.readPixels(reader, System.nanoTime()));
      assertFalse(readWhole.get(), "the pixels were read to the end past the deadline");
    } finally {
      reader.dispose();
    }
  }

  /**
   * A valid photo whose pixels the heap cannot hold at that moment is not a damaged one: ImageIO's PNG reader wraps the
   * OutOfMemoryError in an IIOException, and 20 photos of 40 MP at once in a 1 GB heap had one of them answered 400
   * "damaged or truncated". Read in a JVM of its own whose heap cannot hold its 320 MB of pixels.
   */
  @Test
  void pixelsTheHeapCannotHoldAreNotADamagedPhoto() throws Exception {
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx200m",
        "-cp", System.getProperty("java.class.path"), DecodeInSmallHeap.class.getName())
        .redirectErrorStream(true).start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, child.waitFor(), out);
    assertTrue(out.lines().anyMatch(line -> line.startsWith("NO_MEMORY ")), out);
  }

  /** Decodes {@link #rgba16Png()} with a budget that lets it be read whole, and prints the refusal's reason. */
  static final class DecodeInSmallHeap {
    public static void main(String[] args) throws IOException {
      DecodeOutcome outcome = new ImageDecoder(DecoderSettings.defaults().withTimeBudget(Duration.ofSeconds(60)))
          .decode(rgba16Png());
      System.out.println(outcome instanceof Refused r ? r.reason() + " " + r.message() : outcome);
    }
  }

  /**
   * The grey conversion of such an image counts too: read just within a 2 s budget, its 40 MP took another 1.1-1.4 s
   * to turn grey (the general path, a colour-model call per pixel), and the photo was answered after 3.1 s.
   */
  @Test
  void greyConversionStopsAtTheDeadline() {
    java.awt.image.ComponentColorModel rgba16 = new java.awt.image.ComponentColorModel(
        java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_sRGB), true, false,
        java.awt.Transparency.TRANSLUCENT, java.awt.image.DataBuffer.TYPE_USHORT);
    BufferedImage image = new BufferedImage(rgba16, rgba16.createCompatibleWritableRaster(64, 64), false, null);
    assertEquals(null, GrayImage.of(image, System.nanoTime()), "converted whole past the deadline");
    assertEquals(64, GrayImage.of(image, Long.MAX_VALUE).width);
  }

  @Test
  void notAnImage() {
    assertEquals(Reason.NOT_AN_IMAGE, refused(new byte[0]).reason());
    assertEquals(Reason.NOT_AN_IMAGE, refused("(01)06901234567892(21)SN0001".getBytes(StandardCharsets.UTF_8)).reason());
    assertEquals(Reason.NOT_AN_IMAGE, refused("{\"code\":\"x\"}".getBytes(StandardCharsets.UTF_8)).reason());
    assertEquals(Reason.NOT_AN_IMAGE, refused(new byte[] {0x42}).reason()); // a lone 'B' is not a BMP
  }

  @Test
  void knownButUnsupportedFormats() throws IOException {
    BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
    ByteArrayOutputStream tiff = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(img, "tiff", tiff), "JDK writes TIFF");
    Refused r = refused(tiff.toByteArray());
    assertEquals(Reason.UNSUPPORTED_FORMAT, r.reason());
    assertTrue(r.message().contains("TIFF"), r.message());

    byte[] heic = new byte[64];
    System.arraycopy(new byte[] {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c'}, 0, heic, 0, 12);
    assertEquals(Reason.UNSUPPORTED_FORMAT, refused(heic).reason());
    assertEquals(Reason.UNSUPPORTED_FORMAT, refused("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".getBytes(StandardCharsets.UTF_8)).reason());
  }

  @Test
  void tooManyBytes() {
    byte[] png = FixtureManifest.read("dm_gs1.png");
    assertEquals(Reason.TOO_LARGE_BYTES, assertInstanceOf(Refused.class, withMaxBytes(png.length - 1).decode(png))
        .reason());
    assertInstanceOf(Decoded.class, withMaxBytes(png.length).decode(png));

    byte[] big = Arrays.copyOf(png, (int) DecoderSettings.DEFAULT_MAX_BYTES + 1); // 8 MiB + 1, PNG signature
    assertEquals(Reason.TOO_LARGE_BYTES, refused(big).reason());
  }

  @Test
  void pixelBombIsRefusedFromTheHeader() throws IOException {
    // A valid PNG whose IHDR claims 100000 x 100000 (10 gigapixels; 40 GB as RGBA) with a tiny IDAT.
    byte[] bomb = png(100_000, 100_000);
    Runtime rt = Runtime.getRuntime();
    long t0 = System.nanoTime();
    Refused r = refused(bomb);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(Reason.TOO_MANY_PIXELS, r.reason());
    assertTrue(r.message().contains("100000x100000"), r.message());
    assertTrue(ms < 1000, "refused from the header, took " + ms + " ms");
    assertTrue(rt.totalMemory() < 8L << 30, "no raster was allocated");

    // Same for a real JPEG whose frame header (SOF0) is patched to claim 60000 x 60000.
    BufferedImage small = new BufferedImage(16, 16, BufferedImage.TYPE_3BYTE_BGR);
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(small, "jpeg", jpeg));
    byte[] j = jpeg.toByteArray();
    int sof = 2;
    while (!((j[sof] & 0xFF) == 0xFF && (j[sof + 1] & 0xFF) == 0xC0)) sof++;
    j[sof + 5] = (byte) 0xEA; // height 0xEA60 = 60000
    j[sof + 6] = 0x60;
    j[sof + 7] = (byte) 0xEA; // width
    j[sof + 8] = 0x60;
    Refused jr = refused(j);
    assertEquals(Reason.TOO_MANY_PIXELS, jr.reason(), jr.message());
  }

  @Test
  void pixelLimitIsInclusive() {
    byte[] png = FixtureManifest.read("dm_gs1.png"); // 192 x 192
    long pixels = 192 * 192;
    assertInstanceOf(Decoded.class, withMaxPixels(pixels).decode(png));
    assertEquals(Reason.TOO_MANY_PIXELS, assertInstanceOf(Refused.class, withMaxPixels(pixels - 1).decode(png))
        .reason());
  }

  private static ImageDecoder withMaxBytes(long maxBytes) {
    return new ImageDecoder(new DecoderSettings(maxBytes, DecoderSettings.DEFAULT_MAX_PIXELS,
        DecoderSettings.DEFAULT_TIME_BUDGET));
  }

  private static ImageDecoder withMaxPixels(long maxPixels) {
    return new ImageDecoder(new DecoderSettings(DecoderSettings.DEFAULT_MAX_BYTES, maxPixels,
        DecoderSettings.DEFAULT_TIME_BUDGET));
  }

  @Test
  void truncatedAndDamagedFilesAreCorrupt() {
    for (String file : List.of("dm_rot10.png", "photo_2mp.jpg", "code128_cn20.gif", "qr_gs1.bmp", "dm_gs1.webp")) {
      byte[] b = FixtureManifest.read(file);
      Refused r = refused(Arrays.copyOf(b, b.length / 2));
      assertEquals(Reason.CORRUPT, r.reason(), file + ": " + r.message());
    }
    // Signature only: the header cannot be read.
    assertEquals(Reason.CORRUPT, refused(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}).reason());
    // Right header, garbage pixel data.
    byte[] b = FixtureManifest.read("dm_lowcontrast.png").clone();
    for (int i = 60; i < b.length - 12; i++) b[i] ^= 0x5A;
    assertEquals(Reason.CORRUPT, refused(b).reason());
  }

  /** Degenerate but valid images go through every pass without an exception and report nothing. */
  @Test
  void oddShapesAndPixelFormatsDecodeToNothing() throws IOException {
    int[][] sizes = {{1, 1}, {3, 2500}, {2500, 3}, {17, 9}};
    int[] types = {BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_USHORT_GRAY, BufferedImage.TYPE_INT_ARGB,
        BufferedImage.TYPE_BYTE_BINARY, BufferedImage.TYPE_BYTE_INDEXED};
    for (int[] size : sizes) {
      for (int type : types) {
        BufferedImage img = new BufferedImage(size[0], size[1], type);
        for (int x = 0; x < size[0]; x += 2) img.setRGB(x, 0, 0xFFFFFFFF); // a little structure
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, "png", png));
        Decoded d = assertInstanceOf(Decoded.class, decoder.decode(png.toByteArray()), size[0] + "x" + size[1] + " type " + type);
        assertTrue(d.symbols().isEmpty());
      }
    }
  }

  /**
   * A tiny image is enlarged twice and three times, no more: the upscaling went on while the image stayed under
   * 1,000 px, so a 1×1 PNG (67 bytes, the public photo route takes it without a key) made ~1,000 attempts and spent
   * the whole 2 s budget, a 17×9 one 57 attempts and 1.2 s.
   */
  @Test
  void aTinyImageIsEnlargedTwiceNotHundredsOfTimes() throws IOException {
    for (int[] size : new int[][] {{1, 1}, {17, 9}}) {
      List<String> attempts = new java.util.ArrayList<>();
      // Counted in attempts: a budget that a busy machine could exhaust would end the count early
      ImageDecoder traced = new ImageDecoder(DecoderSettings.defaults().withTimeBudget(Duration.ofMinutes(10)),
          attempts::add);
      ByteArrayOutputStream png = new ByteArrayOutputStream();
      assertTrue(ImageIO.write(new BufferedImage(size[0], size[1], BufferedImage.TYPE_BYTE_GRAY), "png", png));
      Decoded d = assertInstanceOf(Decoded.class, traced.decode(png.toByteArray()));
      assertFalse(d.budgetExhausted(), size[0] + "x" + size[1]);
      assertEquals(2, attempts.stream().filter(a -> a.startsWith("upscaled ")).count(), String.join("\n", attempts));
    }
  }

  /**
   * Told by the passes tried, not by the time taken (a busy machine stretches any time): the same photo, whose small
   * DataMatrix only the region pass finds, is given up after the first pass when its budget has run out, and read to
   * the region pass when the budget is no constraint.
   */
  @Test
  void budgetBoundsTheSearch() {
    List<String> hurriedAttempts = new java.util.concurrent.CopyOnWriteArrayList<>();
    ImageDecoder hurried = new ImageDecoder(DecoderSettings.defaults().withTimeBudget(Duration.ofMillis(1)),
        hurriedAttempts::add);
    Decoded d = assertInstanceOf(Decoded.class, hurried.decode(FixtureManifest.read("photo_12mp.jpg")));
    assertTrue(d.symbols().isEmpty(), "the small DataMatrix needs the region pass");
    assertTrue(d.budgetExhausted());
    assertEquals("none", d.pass());
    assertEquals(List.of(), laterPasses(hurriedAttempts), "passes tried after the budget ran out");

    List<String> unhurriedAttempts = new java.util.concurrent.CopyOnWriteArrayList<>();
    ImageDecoder unhurried = new ImageDecoder(DecoderSettings.defaults().withTimeBudget(Duration.ofMinutes(10)),
        unhurriedAttempts::add);
    Decoded found = assertInstanceOf(Decoded.class, unhurried.decode(FixtureManifest.read("photo_12mp.jpg")));
    assertFalse(found.budgetExhausted());
    assertEquals(1, found.symbols().size(), String.join("\n", unhurriedAttempts));
    assertTrue(found.pass().startsWith("regions"), found.pass());
    assertFalse(laterPasses(unhurriedAttempts).isEmpty(), String.join("\n", unhurriedAttempts));
  }

  /** The attempts of a trace made by passes after the first ("whole"): the image's load is not a pass. */
  private static List<String> laterPasses(List<String> attempts) {
    return attempts.stream().filter(a -> !a.startsWith("load ") && !a.startsWith("whole ")).toList();
  }

  @Test
  void warmUpSamplesDecode() {
    for (byte[] sample : WarmUp.samples()) {
      Decoded d = assertInstanceOf(Decoded.class, decoder.decode(sample));
      assertEquals(List.of("DATA_MATRIX", "CODE_128"), d.symbols().stream().map(DecodedSymbol::format).toList());
    }
    decoder.warmUp();
  }

  @Test
  void oneInstanceServesConcurrentCalls() throws Exception {
    List<String> files = List.of("multi_label.png", "photo_2mp.jpg", "qr_rot30_q40.jpg", "itf_cn20_q40.jpg");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<DecodeOutcome>> futures = files.stream()
          .flatMap(f -> java.util.stream.Stream.of(f, f))
          .map(f -> pool.submit(() -> decoder.decode(FixtureManifest.read(f))))
          .toList();
      for (int i = 0; i < futures.size(); i++) {
        String file = files.get(i / 2);
        Decoded d = assertInstanceOf(Decoded.class, futures.get(i).get());
        FixtureManifest m = FixtureManifest.load().stream().filter(x -> x.file().equals(file)).findFirst().orElseThrow();
        assertEquals(m.texts(), d.symbols().stream().map(DecodedSymbol::text).toList(), file);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** A minimal valid grey PNG with the given header size and one deflated row of data. */
  public static byte[] png(int width, int height) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(out);
    d.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
    ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
    DataOutputStream h = new DataOutputStream(ihdr);
    h.writeInt(width);
    h.writeInt(height);
    h.write(new byte[] {8, 0, 0, 0, 0}); // 8-bit greyscale, deflate, no filter, no interlace
    chunk(d, "IHDR", ihdr.toByteArray());
    Deflater z = new Deflater();
    z.setInput(new byte[1024]);
    z.finish();
    byte[] buf = new byte[2048];
    int n = z.deflate(buf);
    chunk(d, "IDAT", Arrays.copyOf(buf, n));
    chunk(d, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(DataOutputStream d, String type, byte[] data) throws IOException {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    d.writeInt(data.length);
    d.write(t);
    d.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    d.writeInt((int) crc.getValue());
  }
}
