package com.tracesentinel.imaging;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.datamatrix.DataMatrixReader;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * On every fixture, the service's pipeline reads everything that plain ZXing reads with any combination of its
 * hints ({@link PlainZxing}), and nothing that is not on the fixture (no misread). Then a per-group table:
 * fixtures, how many of them plain ZXing reads, how many the service reads.
 */
@Tag("slow")
class ImageDecoderSupersetTest {
  static final ImageDecoder DECODER = new ImageDecoder(DecoderSettings.defaults());

  /**
   * Per group: fixtures; fixtures plain ZXing reads a code on with some hint combination; fixtures the service
   * reads a code on; fixtures the service reads exactly as fixtures.csv says (all codes, nothing else).
   */
  private final Map<String, int[]> tally = new TreeMap<>();

  @TestFactory
  Stream<DynamicTest> pipelineReadsASupersetOfPlainZxing() {
    List<FixtureManifest> all = FixtureManifest.load();
    Stream<DynamicTest> each = all.stream().map(f -> dynamicTest(f.file(), () -> check(f)));
    return Stream.concat(each, Stream.of(dynamicTest("summary", () -> summary(all.size()))));
  }

  private void check(FixtureManifest f) {
    Set<String> expected = new LinkedHashSet<>();
    for (int i = 0; i < f.texts().size(); i++) expected.add(f.formats().get(i) + ":" + f.texts().get(i));
    Set<String> plain = PlainZxing.reads(f.bytes());
    DecodeOutcome.Decoded d = assertInstanceOf(DecodeOutcome.Decoded.class, DECODER.decode(f.bytes()), f.notes());
    Set<String> service = new LinkedHashSet<>();
    for (DecodedSymbol s : d.symbols()) service.add(PlainZxing.key(s));

    int[] t = tally.computeIfAbsent(f.group(), g -> new int[4]);
    t[0]++;
    if (!plain.isEmpty()) t[1]++;
    if (!service.isEmpty()) t[2]++;
    if (service.equals(expected)) t[3]++;

    Set<String> missed = new LinkedHashSet<>(plain);
    missed.removeAll(service);
    assertTrue(missed.isEmpty(), f.file() + ": plain ZXing reads " + printable(missed) + ", the service does not"
        + " (pass " + d.pass() + ")");
    Set<String> misread = new LinkedHashSet<>(service);
    misread.removeAll(expected);
    assertTrue(misread.isEmpty(), f.file() + ": misread " + printable(misread));
  }

  private void summary(int fixtures) {
    String row = "%-12s %8s %12s %8s %14s%n";
    System.out.printf(row, "group", "fixtures", "plain ZXing", "service", "service exact");
    int[] sum = new int[4];
    tally.forEach((group, t) -> {
      System.out.printf(row, group, t[0], t[1], t[2], t[3]);
      for (int i = 0; i < sum.length; i++) sum[i] += t[i];
    });
    System.out.printf(row, "total", sum[0], sum[1], sum[2], sum[3]);
    assertEquals(fixtures, sum[0], "every fixture was checked (run the whole factory, not a filtered part)");
    for (String group : FixtureManifest.SUPERSET_GROUPS) {
      int[] t = tally.get(group);
      // Each class holds symbols that plain ZXing does read (the point of the class), and the service reads all.
      assertTrue(t != null && t[1] > 0, group + ": plain ZXing reads none of its fixtures");
      assertEquals(t[0], t[3], group + ": the service reads every fixture exactly");
    }
  }

  /**
   * The encodation fixtures really use the encodation they are named for: zint picks encodations itself, so the
   * data codewords are checked for the mode latch (ISO/IEC 16022 5.2) that the first non-ASCII segment starts with.
   */
  @Test
  void encodationFixturesUseTheirEncodation() throws Exception {
    Map<String, String> named = Map.of("ascii", "ASCII", "c40", "C40", "text", "Text", "x12", "X12",
        "edifact", "EDIFACT", "base256", "Base256", "gs1_c40", "C40");
    int checked = 0;
    for (FixtureManifest f : FixtureManifest.load()) {
      if (!f.group().equals("encodation") || !f.file().endsWith("_r0.png")) continue;
      String name = f.file().substring("encodation/dm_".length(), f.file().length() - "_r0.png".length());
      GrayImage g = ImageLoader.load(f.bytes(), DecoderSettings.defaults()).image();
      byte[] codewords = new DataMatrixReader().decode(new BinaryBitmap(new HybridBinarizer(new GrayLuminanceSource(g))),
          Map.of(DecodeHintType.PURE_BARCODE, Boolean.TRUE)).getRawBytes();
      assertEquals(named.get(name), firstEncodation(codewords), f.file());
      checked++;
    }
    assertEquals(named.size(), checked, "one upright fixture per encodation");
  }

  /** Walks ASCII-mode codewords up to the first latch to another encodation, or the first pad (all ASCII). */
  static String firstEncodation(byte[] codewords) {
    for (int i = 0; i < codewords.length; i++) {
      switch (codewords[i] & 0xFF) {
        case 129: return "ASCII"; // pad: the data ended in ASCII
        case 230: return "C40";
        case 231: return "Base256";
        case 238: return "X12";
        case 239: return "Text";
        case 240: return "EDIFACT";
        case 235: i++; break; // upper shift: the next codeword is data
        default: break;
      }
    }
    return "ASCII";
  }

  private static String printable(Set<String> texts) {
    return texts.toString().replace("\u001d", "<GS>");
  }
}
