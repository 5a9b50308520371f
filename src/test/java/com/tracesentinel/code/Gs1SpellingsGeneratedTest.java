package com.tracesentinel.code;

import static com.tracesentinel.code.Expect.GS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random GS1 boxes, each written in every spelling scanners and people produce, must all give one canonical; distinct
 * boxes must give distinct canonicals. Seeded, so a failure replays.
 */
class Gs1SpellingsGeneratedTest {

  private static final long SEED = 0x7ace_c0deL;
  private static final int BOXES = 300;
  private static final String CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
      + "abcdefghijklmnopqrstuvwxyz";
  private static final String[] SEPARATORS = {GS, "<GS>", "<gs>", "\\u001d", "\\U001D", "^]"};
  private static final String[] GS1_AIM = {"]d2", "]Q3", "]C1", "]e0"};
  private static final String[] NOISE = {"", " ", "\r\n", "\n", "\uFEFF", "\t", "  \r\n", "\u3000", "\0"};
  private static final String[] HOSTS = {"https://id.example.com", "http://ex.cn", "HTTPS://D.EXAMPLE.CN:8443",
      "https://id.gs1.org"};
  private static final String[] PATH_PREFIXES = {"", "/gs1", "/a/01/b", "/dl/v1"};

  record Element(String ai, String value) {
    boolean fixedLength() {
      return Gs1Ai.exact(ai).predefinedLength;
    }
  }

  record Box(String gtin, String serial, String batch, String expiry, List<Element> others) {

    List<Element> elements() {
      List<Element> all = new ArrayList<>();
      all.add(new Element("01", gtin));
      if (expiry != null) {
        all.add(new Element("17", expiry));
      }
      if (batch != null) {
        all.add(new Element("10", batch));
      }
      all.add(new Element("21", serial));
      all.addAll(others);
      return all;
    }

    String canonical() {
      return "(01)" + gtin + "(21)" + Expect.upperAscii(serial);
    }

    Box withSerial(String written) {
      return new Box(gtin, written, batch, expiry, others);
    }

    String elementString() {
      List<Element> rest = new ArrayList<>(elements().subList(1, elements().size()));
      rest.sort(Comparator.comparing(Element::ai));
      return "(01)" + gtin + bracketed(rest);
    }

    LocalDate expiryDate() {
      if (expiry == null) {
        return null;
      }
      YearMonth month = YearMonth.of(2000 + Integer.parseInt(expiry.substring(0, 2)),
          Integer.parseInt(expiry.substring(2, 4)));
      int day = Integer.parseInt(expiry.substring(4));
      return day == 0 ? month.atEndOfMonth() : month.atDay(day);
    }

    @Override
    public String toString() {
      return canonical();
    }
  }

  static Stream<Box> boxes() {
    return generateBoxes().stream();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("boxes")
  void everySpellingGivesTheSameBox(Box box) {
    Random random = new Random(SEED ^ box.canonical().hashCode());
    for (String spelling : spellings(box, random)) {
      String input = NOISE[random.nextInt(NOISE.length)] + spelling + NOISE[random.nextInt(NOISE.length)];
      if (ScannerNoise.clean(input).text().length() > TraceCodes.MAX_LENGTH) {
        // only a Digital Link, percent-encoding long values, can outgrow the field; that is the length rule
        assertTrue(Gs1DigitalLink.isUri(spelling), spelling);
        Expect.invalid(input, InvalidReason.TOO_LONG, TraceCodes.MAX_LENGTH);
        continue;
      }
      TraceCode code = Expect.valid(input);
      assertEquals(CodeFamily.GS1, code.family(), Expect.show(input));
      assertEquals(box.canonical(), code.canonical(), Expect.show(input));
      assertEquals(box.gtin(), code.productKey(), Expect.show(input));
      assertEquals(box.serial(), code.serial(), Expect.show(input));
      assertEquals(box.batch(), code.batch(), Expect.show(input));
      assertEquals(box.expiryDate(), code.expiry(), Expect.show(input));
      assertEquals(box.elementString(), code.elementString(), Expect.show(input));
    }
  }

  /**
   * Caps Lock (lower case), upper case and any mix of the serial's letters, in every spelling: one canonical, and the
   * serial and element string as scanned.
   */
  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("boxes")
  void everySpellingInEveryLetterCaseGivesOneCanonical(Box box) {
    Random random = new Random(SEED ^ box.canonical().hashCode() ^ 0xCA5E);
    for (String written : List.of(box.serial().toLowerCase(Locale.ROOT), box.serial().toUpperCase(Locale.ROOT),
        swapCase(box.serial()), mixCase(box.serial(), random))) {
      Box scanned = box.withSerial(written);
      for (String spelling : spellings(scanned, random)) {
        if (ScannerNoise.clean(spelling).text().length() > TraceCodes.MAX_LENGTH) {
          continue; // a long Digital Link: everySpellingGivesTheSameBox pins that
        }
        TraceCode code = Expect.valid(spelling);
        assertEquals(box.canonical(), code.canonical(), Expect.show(spelling));
        assertEquals(written, code.serial(), Expect.show(spelling));
        assertEquals(scanned.elementString(), code.elementString(), Expect.show(spelling));
      }
    }
  }

  @Test
  void mostDigitalLinksFitTheField() {
    Random random = new Random(SEED);
    long fitting = generateBoxes().stream()
        .filter(box -> digitalLink(box, HOSTS[0], "", random).length() <= TraceCodes.MAX_LENGTH).count();
    assertTrue(fitting > BOXES / 2, "Digital Links within 100 characters: " + fitting + " of " + BOXES);
  }

  @Test
  void distinctBoxesGetDistinctCanonicals() {
    Map<String, Box> byCanonical = new HashMap<>();
    for (Box box : generateBoxes()) {
      String canonical = Expect.valid(bracketed(box.elements())).canonical();
      Box earlier = byCanonical.putIfAbsent(canonical, box);
      assertTrue(earlier == null || earlier.canonical().equals(box.canonical()),
          () -> earlier + " and " + box + " share " + canonical);
    }
    // every tenth box is the one before it with its serial's case swapped: the same box
    assertTrue(byCanonical.size() > BOXES * 8 / 10, "boxes are nearly all distinct: " + byCanonical.size());
  }

  /** Mutated spellings must never throw, and a failure's position must lie inside the cleaned input. */
  @Test
  void mutatedSpellingsNeverThrow() {
    Random random = new Random(SEED);
    List<Box> boxes = generateBoxes();
    String alphabet = CSET82 + GS + " #^]<>\\%/?&=.\uFEFF\u00e9\r\n";
    int parsed = 0;
    for (Box box : boxes) {
      for (String spelling : spellings(box, random)) {
        StringBuilder s = new StringBuilder(spelling);
        for (int edits = 1 + random.nextInt(3); edits > 0 && s.length() > 0; edits--) {
          int at = random.nextInt(s.length());
          switch (random.nextInt(4)) {
            case 0 -> s.deleteCharAt(at);
            case 1 -> s.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
            case 2 -> s.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
            default -> s.setLength(at);
          }
        }
        ParseResult result = TraceCodes.parse(s.toString());
        assertNotNull(result);
        if (result instanceof ParseResult.Invalid invalid) {
          assertTrue(invalid.position() >= -1 && invalid.position() <= TraceCodes.MAX_LENGTH,
              () -> Expect.show(s.toString()) + " -> " + invalid);
        }
        parsed++;
      }
    }
    assertTrue(parsed > 5_000);
  }

  private static List<Box> generateBoxes() {
    Random random = new Random(SEED);
    List<Box> boxes = new ArrayList<>();
    while (boxes.size() < BOXES) {
      Box box = randomBox(random);
      int n = boxes.size();
      if (n > 0 && n % 10 == 0 && hasLetter(boxes.get(n - 1).serial())) {
        // the box before, its serial typed with Caps Lock: the same box
        Box previous = boxes.get(n - 1);
        box = new Box(previous.gtin(), swapCase(previous.serial()), box.batch(), box.expiry(), box.others());
      } else if (n > 0 && n % 10 == 1) {
        // near twin: same serial under another GTIN
        box = new Box(box.gtin(), boxes.get(n - 1).serial(), box.batch(), box.expiry(), box.others());
      }
      if (fitsEverySpelling(box)) {
        boxes.add(box);
      }
    }
    return boxes;
  }

  private static Box randomBox(Random random) {
    List<Element> others = new ArrayList<>();
    for (int k = random.nextInt(3); k > 0; k--) {
      Element extra = switch (random.nextInt(5)) {
        case 0 -> new Element("11", randomDate(random));
        case 1 -> new Element("240", randomValue(random, 1, 10));
        case 2 -> new Element("91", randomValue(random, 1, 10));
        case 3 -> new Element("3103", digits(random, 6));
        default -> new Element("714", randomValue(random, 1, 8));
      };
      if (others.stream().noneMatch(e -> e.ai().equals(extra.ai()))) {
        others.add(extra);
      }
    }
    // Serials of 4+ characters, as EU FMD's randomised serials are: "01" + GTIN + "21" + 2 digits is 20 digits,
    // which without a GS1 marker is read as CN20 by design (see TraceCodes). The 20-character maxima are pinned by
    // Gs1ElementStringsTest; shorter values here keep most Digital Links within the 100-character field.
    return new Box(randomGtin(random), randomValue(random, 4, 16),
        random.nextInt(4) > 0 ? randomValue(random, 1, 12) : null,
        random.nextInt(4) > 0 ? randomDate(random) : null, others);
  }

  private static List<String> spellings(Box box, Random random) {
    List<String> out = new ArrayList<>();
    List<Element> pharmaOrder = box.elements();
    out.add(bracketed(pharmaOrder));
    List<Element> shuffled = new ArrayList<>(pharmaOrder);
    Collections.shuffle(shuffled, random);
    out.add(spacedBracketed(shuffled, random.nextBoolean()));
    for (String separator : SEPARATORS) {
      out.add(raw(pharmaOrder, separator, false, random));
      out.add(separator + raw(shuffled(pharmaOrder, random), separator, true, random));
    }
    for (String aim : GS1_AIM) {
      String separator = SEPARATORS[random.nextInt(SEPARATORS.length)];
      out.add(aim + raw(shuffled(pharmaOrder, random), separator, true, random));
      out.add(aim + separator + raw(shuffled(pharmaOrder, random), separator, true, random));
    }
    for (String host : HOSTS) {
      out.add(digitalLink(box, host, PATH_PREFIXES[random.nextInt(PATH_PREFIXES.length)], random));
    }
    return out;
  }

  /**
   * Without a leading GS or AIM identifier, a raw string is recognised as GS1 by a GS inside it or by starting with
   * AI 01, so unmarked spellings keep the pharma order.
   */
  private static String raw(List<Element> elements, String separator, boolean marked, Random random) {
    StringBuilder s = new StringBuilder();
    for (int k = 0; k < elements.size(); k++) {
      Element e = elements.get(k);
      s.append(e.ai()).append(e.value());
      boolean last = k == elements.size() - 1;
      if (!last && (!e.fixedLength() || (marked && random.nextInt(3) == 0))) {
        s.append(separator.repeat(random.nextInt(5) == 0 ? 2 : 1));
      } else if (last && random.nextBoolean()) {
        s.append(separator);
      }
    }
    return s.toString();
  }

  private static String bracketed(List<Element> elements) {
    StringBuilder s = new StringBuilder();
    for (Element e : elements) {
      s.append('(').append(e.ai()).append(')').append(escapeBrackets(e.value()));
    }
    return s.toString();
  }

  /** The spacing printed labels put between fields, which people copy when they type a code. */
  private static String spacedBracketed(List<Element> elements, boolean spaceAfterAi) {
    StringBuilder s = new StringBuilder();
    for (Element e : elements) {
      s.append(" (").append(e.ai()).append(')').append(spaceAfterAi ? " " : "").append(escapeBrackets(e.value()));
    }
    return s.toString();
  }

  /** In the bracketed form every '(' opens an AI, so one in the data is written "\\(", as GS1's syntax has it. */
  private static String escapeBrackets(String value) {
    return value.replace("(", "\\(");
  }

  private static String digitalLink(Box box, String host, String prefix, Random random) {
    StringBuilder s = new StringBuilder(host).append(prefix).append("/01/").append(shortestGtinForm(box.gtin(),
        random));
    if (box.batch() != null) {
      s.append("/10/").append(percentEncode(box.batch(), random));
    }
    s.append("/21/").append(percentEncode(box.serial(), random));
    List<String> query = new ArrayList<>();
    if (box.expiry() != null) {
      query.add("17=" + box.expiry());
    }
    for (Element e : box.others()) {
      query.add(e.ai() + "=" + percentEncode(e.value(), random));
    }
    if (random.nextBoolean()) {
      query.add("linkType=gs1:pip");
    }
    Collections.shuffle(query, random);
    if (!query.isEmpty()) {
      s.append('?').append(String.join("&", query));
    }
    return s.toString();
  }

  private static String shortestGtinForm(String gtin, Random random) {
    List<String> forms = new ArrayList<>(List.of(gtin));
    for (int length : new int[] {13, 12, 8}) {
      if (gtin.startsWith("000000".substring(0, 14 - length))) {
        forms.add(gtin.substring(14 - length));
      }
    }
    return forms.get(random.nextInt(forms.size()));
  }

  /** Everything outside RFC 3986's unreserved set is encoded; unreserved characters are, harmlessly, sometimes. */
  private static String percentEncode(String value, Random random) {
    StringBuilder s = new StringBuilder();
    for (char c : value.toCharArray()) {
      boolean unreserved = Character.isLetterOrDigit(c) || "-._~".indexOf(c) >= 0;
      if (unreserved && random.nextInt(8) > 0) {
        s.append(c);
      } else {
        s.append('%').append(String.format(random.nextBoolean() ? "%02X" : "%02x", (int) c));
      }
    }
    return s.toString();
  }

  /** The bracketed form with label spacing is the longest spelling other than a Digital Link. */
  private static boolean fitsEverySpelling(Box box) {
    return spacedBracketed(box.elements(), true).trim().length() <= TraceCodes.MAX_LENGTH;
  }

  private static List<Element> shuffled(List<Element> elements, Random random) {
    List<Element> copy = new ArrayList<>(elements);
    Collections.shuffle(copy, random);
    return copy;
  }

  private static String randomGtin(Random random) {
    String data = switch (random.nextInt(10)) {
      case 0 -> "000000" + digits(random, 7);
      case 1 -> "00" + digits(random, 11);
      case 2, 3, 4, 5, 6 -> "069" + digits(random, 10);
      default -> (1 + random.nextInt(8)) + digits(random, 12);
    };
    return data + Gtin.expectedCheckDigit(data, 0, data.length());
  }

  /** Random CSET 82 text, minus the one spelling that is ambiguous by nature: "<GS>" in any case is a separator. */
  private static String randomValue(Random random, int min, int max) {
    while (true) {
      StringBuilder s = new StringBuilder();
      for (int k = min + random.nextInt(max - min + 1); k > 0; k--) {
        s.append(CSET82.charAt(random.nextInt(CSET82.length())));
      }
      String value = s.toString();
      if (!value.toUpperCase().contains("<GS>")) {
        return value;
      }
    }
  }

  private static String randomDate(Random random) {
    YearMonth month = YearMonth.of(2020 + random.nextInt(20), 1 + random.nextInt(12));
    int day = random.nextInt(month.lengthOfMonth() + 1);
    return String.format("%02d%02d%02d", month.getYear() - 2000, month.getMonthValue(), day);
  }

  private static String digits(Random random, int count) {
    StringBuilder s = new StringBuilder();
    for (int k = 0; k < count; k++) {
      s.append((char) ('0' + random.nextInt(10)));
    }
    return s.toString();
  }

  private static boolean hasLetter(String s) {
    return s.chars().anyMatch(Character::isLetter);
  }

  private static String mixCase(String s, Random random) {
    StringBuilder out = new StringBuilder();
    for (char c : s.toCharArray()) {
      out.append(random.nextBoolean() ? Character.toLowerCase(c) : Character.toUpperCase(c));
    }
    return out.toString();
  }

  private static String swapCase(String s) {
    StringBuilder out = new StringBuilder();
    for (char c : s.toCharArray()) {
      out.append(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
    }
    return out.toString();
  }
}
