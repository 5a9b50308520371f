package com.tracesentinel.code;

import com.tracesentinel.code.ParseResult.Invalid;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * GS1 Application Identifiers: how long each one's data is, which characters it may hold, and which checks apply.
 *
 * <p>The table below is a subset of GS1's machine-readable Syntax Dictionary ({@code gs1/gs1-syntax-dictionary},
 * file {@code gs1-syntax-dictionary.txt}, Apache-2.0) written in the same notation, so each line can be compared
 * with its source: {@code *} marks a predefined length that needs no GS after it; {@code N}/{@code X}/{@code Y} are
 * digits/CSET 82/CSET 39; {@code ..n} means up to n; {@code [..]} an optional final part; {@code csum} a mod-10
 * check digit; {@code yymmd0}/{@code yymmdd} a date with/without day 00. Left out: AIs whose syntax this notation
 * cannot state (shipping addresses 43xx, certificates 723x, coupons, 8030) and none of them appears on drug packs.
 * An AI missing here makes a scan invalid rather than guessed at, because splitting fields by guesswork could
 * invent a different serial.
 */
final class Gs1Ai {

  private static final String[] DICTIONARY = {
      "00   * N18,csum         SSCC",
      "01   * N14,csum         GTIN",
      "02   * N14,csum         CONTENT",
      "10     X..20            BATCH/LOT",
      "11   * N6,yymmd0        PROD DATE",
      "12   * N6,yymmd0        DUE DATE",
      "13   * N6,yymmd0        PACK DATE",
      "15   * N6,yymmd0        BEST BEFORE or BEST BY",
      "16   * N6,yymmd0        SELL BY",
      "17   * N6,yymmd0        USE BY or EXPIRY",
      "20   * N2               VARIANT",
      "21     X..20            SERIAL",
      "22     X..20            CPV",
      "235    X..28            TPX",
      "240    X..30            ADDITIONAL ID",
      "241    X..30            CUST. PART No.",
      "242    N..6             MTO VARIANT",
      "243    X..20            PCN",
      "250    X..30            SECONDARY SERIAL",
      "251    X..30            REF. TO SOURCE",
      "253    N13,csum [X..17] GDTI",
      "254    X..20            GLN EXTENSION COMPONENT",
      "255    N13,csum [N..12] GCN",
      "30     N..8             VAR. COUNT",
      "37     N..8             COUNT",
      "3900-3909 N..15         AMOUNT",
      "3910-3919 N3 N..15      AMOUNT",
      "3920-3929 N..15         PRICE",
      "3930-3939 N3 N..15      PRICE",
      "3940-3943 N4            PRCNT OFF",
      "3950-3955 N6            PRICE/UoM",
      "400    X..30            ORDER NUMBER",
      "401    X..30            GINC",
      "402    N17,csum         GSIN",
      "403    X..30            ROUTE",
      "410  * N13,csum         SHIP TO LOC",
      "411  * N13,csum         BILL TO",
      "412  * N13,csum         PURCHASE FROM",
      "413  * N13,csum         SHIP FOR LOC",
      "414  * N13,csum         LOC No.",
      "415  * N13,csum         PAY TO",
      "416  * N13,csum         PROD/SERV LOC",
      "417  * N13,csum         PARTY",
      "420    X..20            SHIP TO POST",
      "421    N3 X..9          SHIP TO POST",
      "422    N3               ORIGIN",
      "423    N3 [N..12]       COUNTRY - INITIAL PROCESS",
      "424    N3               COUNTRY - PROCESS",
      "425    N3 [N..12]       COUNTRY - DISASSEMBLY",
      "426    N3               COUNTRY - FULL PROCESS",
      "427    X..3             ORIGIN SUBDIVISION",
      "7001   N13              NSN",
      "7002   X..30            MEAT CUT",
      "7003   N6,yymmdd N4     EXPIRY TIME",
      "7004   N..4             ACTIVE POTENCY",
      "7005   X..12            CATCH AREA",
      "7006   N6,yymmdd        FIRST FREEZE DATE",
      "7008   X..3             AQUATIC SPECIES",
      "7009   X..10            FISHING GEAR TYPE",
      "7010   X..2             PROD METHOD",
      "7020   X..20            REFURB LOT",
      "7021   X..20            FUNC STAT",
      "7022   X..20            REV STAT",
      "7023   X..30            GIAI - ASSEMBLY",
      "7030-7039 N3 X..27      PROCESSOR",
      "710    X..20            NHRN PZN",
      "711    X..20            NHRN CIP",
      "712    X..20            NHRN CN",
      "713    X..20            NHRN DRN",
      "714    X..20            NHRN AIM",
      "715    X..20            NHRN NDC",
      "7240   X..20            PROTOCOL",
      "8001   N14              DIMENSIONS",
      "8002   X..20            CMT No.",
      "8003   N1 N13,csum [X..16] GRAI",
      "8004   X..30            GIAI",
      "8005   N6               PRICE PER UNIT",
      "8006   N14,csum N4      ITIP",
      "8007   X..34            IBAN",
      "8009   X..50            OPTSEN",
      "8010   Y..30            CPID",
      "8011   N..12            CPID SERIAL",
      "8012   X..20            VERSION",
      "8013   X..25            GMN",
      "8017   N18,csum         GSRN - PROVIDER",
      "8018   N18,csum         GSRN - RECIPIENT",
      "8019   N..10            SRIN",
      "8020   X..25            REF No.",
      "8026   N14,csum N4      ITIP CONTENT",
      "8200   X..70            PRODUCT URL",
      "90     X..30            INTERNAL",
      "91-99  X..90            INTERNAL",
  };

  private enum Charset { NUMERIC, CSET82, CSET39 }

  private enum Linter { NONE, CHECK_DIGIT, YYMMD0, YYMMDD }

  // One array per AI length: GS1 AIs are prefix-free, so the first length that hits is the AI.
  private static final Gs1Ai[] TWO_DIGIT = new Gs1Ai[100];
  private static final Gs1Ai[] THREE_DIGIT = new Gs1Ai[1000];
  private static final Gs1Ai[] FOUR_DIGIT = new Gs1Ai[10000];

  static {
    for (String line : DICTIONARY) {
      register(line);
    }
    for (String line : tradeMeasures()) {
      register(line);
    }
  }

  static final Gs1Ai GTIN = exact("01");
  static final Gs1Ai CONTENT = exact("02");
  static final Gs1Ai BATCH = exact("10");
  static final Gs1Ai EXPIRY = exact("17");
  static final Gs1Ai SERIAL = exact("21");
  static final Gs1Ai CPV = exact("22");

  final String code;
  final String title;
  /** Data of fixed length that may be followed directly by the next AI, without GS. */
  final boolean predefinedLength;
  final int minLength;
  final int maxLength;
  private final Charset[] charsets;
  private final int[] lengths;
  private final Linter[] linters;

  private Gs1Ai(String code, String title, boolean predefinedLength, Charset[] charsets, int[] minLengths,
                int[] lengths, Linter[] linters) {
    this.code = code;
    this.title = title;
    this.predefinedLength = predefinedLength;
    this.charsets = charsets;
    this.lengths = lengths;
    this.linters = linters;
    int min = 0;
    int max = 0;
    for (int k = 0; k < lengths.length; k++) {
      min += minLengths[k];
      max += lengths[k];
    }
    this.minLength = min;
    this.maxLength = max;
  }

  /** The AI at {@code at} in a raw element string, or null when the digits there start no known AI. */
  static Gs1Ai find(CharSequence s, int at) {
    int value = 0;
    for (int length = 1; length <= 4 && at + length <= s.length(); length++) {
      char c = s.charAt(at + length - 1);
      if (!Chars.isDigit(c)) {
        return null;
      }
      value = value * 10 + (c - '0');
      Gs1Ai ai = length == 2 ? TWO_DIGIT[value] : length == 3 ? THREE_DIGIT[value]
          : length == 4 ? FOUR_DIGIT[value] : null;
      if (ai != null) {
        return ai;
      }
    }
    return null;
  }

  /** The AI spelled exactly by [from, to) (a bracketed AI, a Digital Link key), or null. */
  static Gs1Ai exact(CharSequence s, int from, int to) {
    int length = to - from;
    if (length < 2 || length > 4 || Chars.firstNonDigit(s, from, to) >= 0) {
      return null;
    }
    int value = 0;
    for (int i = from; i < to; i++) {
      value = value * 10 + (s.charAt(i) - '0');
    }
    return length == 2 ? TWO_DIGIT[value] : length == 3 ? THREE_DIGIT[value] : FOUR_DIGIT[value];
  }

  static Gs1Ai exact(String code) {
    return exact(code, 0, code.length());
  }

  String label() {
    return "AI " + code + " (" + title + ")";
  }

  /**
   * Checks a value against this AI's syntax. Returns null when it conforms, else the first violation with its
   * position relative to the value's first character.
   */
  Invalid validate(String value) {
    int n = value.length();
    if (n < minLength) {
      String wanted = minLength == maxLength ? "exactly " + minLength : "at least " + minLength;
      return new Invalid(InvalidReason.VALUE_TOO_SHORT,
          n == 0 ? label() + " has no data" : label() + " needs " + wanted + " characters, got " + n, n);
    }
    if (n > maxLength) {
      String allowed = minLength == maxLength ? "exactly " + maxLength : "at most " + maxLength;
      return new Invalid(InvalidReason.VALUE_TOO_LONG,
          label() + " allows " + allowed + " characters, got " + n, maxLength);
    }
    int at = 0;
    for (int k = 0; k < lengths.length; k++) {
      int end = k == lengths.length - 1 ? n : at + lengths[k];
      Invalid bad = checkCharacters(value, at, end, charsets[k]);
      if (bad == null) {
        bad = lint(value, at, end, linters[k]);
      }
      if (bad != null) {
        return bad;
      }
      at = end;
    }
    return null;
  }

  private Invalid checkCharacters(String value, int from, int to, Charset charset) {
    for (int i = from; i < to; i++) {
      char c = value.charAt(i);
      switch (charset) {
        case NUMERIC -> {
          if (!Chars.isDigit(c)) {
            return new Invalid(InvalidReason.NOT_NUMERIC,
                label() + " must be digits here, found " + Chars.describe(c), i);
          }
        }
        case CSET82 -> {
          if (!Chars.isCset82(c)) {
            return new Invalid(InvalidReason.INVALID_CHARACTER,
                label() + " contains " + Chars.describe(c) + ", which is not in GS1 character set 82", i);
          }
        }
        case CSET39 -> {
          if (!Chars.isCset39(c)) {
            return new Invalid(InvalidReason.INVALID_CHARACTER,
                label() + " contains " + Chars.describe(c) + ", which is not in GS1 character set 39", i);
          }
        }
      }
    }
    return null;
  }

  private Invalid lint(String value, int from, int to, Linter linter) {
    switch (linter) {
      case CHECK_DIGIT -> {
        int expected = Gtin.expectedCheckDigit(value, from, to - 1);
        int actual = value.charAt(to - 1) - '0';
        return expected == actual ? null : new Invalid(InvalidReason.CHECK_DIGIT,
            title + " check digit is " + actual + ", expected " + expected, to - 1);
      }
      case YYMMD0, YYMMDD -> {
        int bad = ShortDates.invalidPartAt(value, from, linter == Linter.YYMMD0);
        return bad < 0 ? null : new Invalid(InvalidReason.INVALID_DATE,
            label() + " " + value.substring(from, to) + ": " + ShortDates.explain(value, from, bad), from + bad);
      }
      default -> {
        return null;
      }
    }
  }

  /** AIs 31nn-36nn: six-digit trade measures, the last AI digit placing the decimal point (0-5). */
  private static List<String> tradeMeasures() {
    // Highest third digit defined for each of 31..36 in the Syntax Dictionary (e.g. 3100-3165 but 3300-3375).
    int[] lastThirdDigit = {6, 9, 7, 9, 7, 9};
    List<String> lines = new ArrayList<>();
    for (int group = 0; group < lastThirdDigit.length; group++) {
      for (int third = 0; third <= lastThirdDigit[group]; third++) {
        String stem = "3" + (group + 1) + third;
        lines.add(stem + "0-" + stem + "5 * N6 TRADE MEASURE");
      }
    }
    return lines;
  }

  /** Reads one dictionary line; a malformed line is a bug in this file, so it fails class loading loudly. */
  private static void register(String line) {
    String[] tokens = line.trim().split("\\s+");
    String[] range = tokens[0].split("-");
    int t = 1;
    boolean predefined = tokens[t].equals("*");
    if (predefined) {
      t++;
    }
    List<String> components = new ArrayList<>();
    while (t < tokens.length && isComponent(tokens[t])) {
      components.add(tokens[t++]);
    }
    String title = String.join(" ", Arrays.copyOfRange(tokens, t, tokens.length));
    int parts = components.size();
    Charset[] charsets = new Charset[parts];
    int[] minLengths = new int[parts];
    int[] lengths = new int[parts];
    Linter[] linters = new Linter[parts];
    for (int k = 0; k < parts; k++) {
      String spec = components.get(k);
      boolean optional = spec.startsWith("[");
      String[] specAndLinter = spec.replace("[", "").replace("]", "").split(",");
      String type = specAndLinter[0];
      boolean variable = type.startsWith("..", 1);
      if ((variable || optional) && k != parts - 1) {
        throw new IllegalStateException("only the last component may vary in length: " + line);
      }
      charsets[k] = switch (type.charAt(0)) {
        case 'N' -> Charset.NUMERIC;
        case 'X' -> Charset.CSET82;
        case 'Y' -> Charset.CSET39;
        default -> throw new IllegalStateException("unknown character set in " + line);
      };
      lengths[k] = Integer.parseInt(type.substring(variable ? 3 : 1));
      minLengths[k] = optional ? 0 : variable ? 1 : lengths[k];
      linters[k] = specAndLinter.length == 1 ? Linter.NONE : switch (specAndLinter[1]) {
        case "csum" -> Linter.CHECK_DIGIT;
        case "yymmd0" -> Linter.YYMMD0;
        case "yymmdd" -> Linter.YYMMDD;
        default -> throw new IllegalStateException("unknown linter in " + line);
      };
    }
    int first = Integer.parseInt(range[0]);
    int last = range.length == 1 ? first : Integer.parseInt(range[1]);
    Gs1Ai[] table = switch (range[0].length()) {
      case 2 -> TWO_DIGIT;
      case 3 -> THREE_DIGIT;
      case 4 -> FOUR_DIGIT;
      default -> throw new IllegalStateException("AIs have 2 to 4 digits: " + line);
    };
    for (int value = first; value <= last; value++) {
      String code = String.format("%0" + range[0].length() + "d", value);
      table[value] = new Gs1Ai(code, title, predefined, charsets, minLengths, lengths, linters);
    }
  }

  private static boolean isComponent(String token) {
    String type = token.startsWith("[") ? token.substring(1) : token;
    return type.length() >= 2 && "NXY".indexOf(type.charAt(0)) >= 0
        && (Chars.isDigit(type.charAt(1)) || type.startsWith("..", 1));
  }
}
