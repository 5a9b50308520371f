package com.tracesentinel.code;

import com.tracesentinel.code.ParseResult.Invalid;
import java.util.Set;

/**
 * The content rules the GS1 Syntax Dictionary names after a component's format ({@code N3,iso3166},
 * {@code Z..90}, {@code N6,yymmd0}, ...). Each answers for one component, [from, to) of an AI's value, and reports
 * a position relative to the value's first character.
 *
 * <p>The rules and their code lists follow GS1's reference linters ({@code gs1/gs1-syntax-engine},
 * {@code src/c-lib/syntax/lint_*.c}); the lists are facts copied as data. Two linters are not carried: the coupon
 * structures of AIs 8110 and 8112 are only checked for length and character set, since no drug pack carries a
 * North American coupon and a wrong coupon cannot change a box identity.
 */
enum Gs1Linter {
  CSUM((ai, v, from, to) -> {
    int expected = Gtin.expectedCheckDigit(v, from, to - 1);
    int actual = v.charAt(to - 1) - '0';
    return expected == actual ? null : new Invalid(InvalidReason.CHECK_DIGIT,
        ai.title + " check digit is " + actual + ", expected " + expected, to - 1);
  }),
  CSUMALPHA((ai, v, from, to) -> {
    if (to - from < 2) {
      return invalid(ai, "needs at least its two check characters", from);
    }
    for (int i = to - 2; i < to; i++) {
      if (Lists.CSET32.indexOf(v.charAt(i)) < 0) {
        return new Invalid(InvalidReason.INVALID_CHARACTER, ai.label() + " check character "
            + Chars.describe(v.charAt(i)) + " is not in GS1 character set 32", i);
      }
    }
    int sum = 0;
    for (int i = from, weight = to - from - 3; i < to - 2; i++, weight--) {
      sum += Lists.CSET82_ORDER.indexOf(v.charAt(i)) * Lists.PRIMES[weight];
    }
    sum %= 1021;
    String expected = "" + Lists.CSET32.charAt(sum >> 5) + Lists.CSET32.charAt(sum & 31);
    return v.startsWith(expected, to - 2) ? null : new Invalid(InvalidReason.CHECK_DIGIT,
        ai.title + " check characters are " + v.substring(to - 2, to) + ", expected " + expected, to - 2);
  }),
  /** The engine's default GS1 Company Prefix test: the shortest prefix (4 digits) must be digits. */
  GCPPOS1((ai, v, from, to) -> companyPrefix(ai, v, from, to)),
  GCPPOS2((ai, v, from, to) -> companyPrefix(ai, v, from + 1, to)),
  YYMMD0((ai, v, from, to) -> shortDate(ai, v, from, true)),
  YYMMDD((ai, v, from, to) -> shortDate(ai, v, from, false)),
  YYYYMMDD((ai, v, from, to) -> {
    int bad = ShortDates.invalidPartAt(v, from + 2, false);
    return bad < 0 ? null : date(ai, v.substring(from, to) + ": " + ShortDates.explain(v, from + 2, bad),
        from + 2 + bad);
  }),
  HH((ai, v, from, to) -> twoDigitsBelow(ai, v, from, 24, "hour")),
  MI((ai, v, from, to) -> twoDigitsBelow(ai, v, from, 60, "minute")),
  SS((ai, v, from, to) -> twoDigitsBelow(ai, v, from, 60, "second")),
  HHMI((ai, v, from, to) -> {
    Invalid bad = twoDigitsBelow(ai, v, from, 24, "hour");
    return bad != null ? bad : twoDigitsBelow(ai, v, from + 2, 60, "minute");
  }),
  ISO3166((ai, v, from, to) -> listed(ai, v, from, to, Lists.ISO3166_NUMERIC, "an ISO 3166 numeric country code")),
  ISO3166999((ai, v, from, to) -> v.startsWith("999", from) ? null : Gs1Linter.ISO3166.check(ai, v, from, to)),
  ISO3166ALPHA2((ai, v, from, to) -> listed(ai, v, from, to, Lists.ISO3166_ALPHA2, "an ISO 3166 alpha-2 country code")),
  ISO4217((ai, v, from, to) -> listed(ai, v, from, to, Lists.ISO4217_NUMERIC, "an ISO 4217 numeric currency code")),
  /** ISO/IEC 5218 sex codes: not known, male, female, not applicable. */
  ISO5218((ai, v, from, to) -> oneOf(ai, v, from, to, "0129", "an ISO/IEC 5218 code (0, 1, 2 or 9)")),
  MEDIATYPE((ai, v, from, to) -> {
    int type = Integer.parseInt(v, from, to, 10);
    return (type >= 1 && type <= 10) || type >= 80 ? null
        : invalid(ai, v.substring(from, to) + " is not an AIDC media type (01-10, 80-99)", from);
  }),
  PACKAGETYPE((ai, v, from, to) -> listed(ai, v, from, to, Lists.PACKAGE_TYPES, "a GS1 PackageTypeCode")),
  YESNO((ai, v, from, to) -> oneOf(ai, v, from, to, "01", "0 or 1")),
  ZERO((ai, v, from, to) -> oneOf(ai, v, from, to, "0", "0")),
  /** Winding direction of a roll: face out, face in, undetermined. */
  WINDING((ai, v, from, to) -> oneOf(ai, v, from, to, "019", "a winding direction (0, 1 or 9)")),
  NONZERO((ai, v, from, to) -> {
    for (int i = from; i < to; i++) {
      if (v.charAt(i) != '0') {
        return null;
      }
    }
    return invalid(ai, "a dimension of zero is not allowed", from);
  }),
  NOZEROPREFIX((ai, v, from, to) -> to - from > 1 && v.charAt(from) == '0' ? invalid(ai, "must not start with 0", from) : null),
  HASNONDIGIT((ai, v, from, to) -> Chars.firstNonDigit(v, from, to) >= 0 ? null : invalid(ai, "must contain a character other than a digit",
      from)),
  HYPHEN((ai, v, from, to) -> {
    for (int i = from; i < to; i++) {
      if (v.charAt(i) != '-') {
        return invalid(ai, "only '-' (a negative temperature) may follow the six digits", i);
      }
    }
    return null;
  }),
  PIECEOFTOTAL((ai, v, from, to) -> {
    int half = (to - from) / 2;
    int piece = Integer.parseInt(v, from, from + half, 10);
    int total = Integer.parseInt(v, from + half, to, 10);
    if (piece == 0) {
      return invalid(ai, "piece number 0 does not exist", from);
    }
    if (total == 0) {
      return invalid(ai, "a total of 0 pieces is not allowed", from + half);
    }
    return piece > total ? invalid(ai, "piece " + piece + " of " + total + " exceeds the total", from) : null;
  }),
  POSINSEQSLASH((ai, v, from, to) -> {
    int slash = v.indexOf('/', from);
    if (slash <= from || slash >= to - 1 || Chars.firstNonDigit(v, from, slash) >= 0
        || Chars.firstNonDigit(v, slash + 1, to) >= 0) {
      return invalid(ai, "must be position/count, e.g. 1/2", from);
    }
    if (v.charAt(from) == '0' || v.charAt(slash + 1) == '0') {
      return invalid(ai, "position and count start at 1, without leading zeros", from);
    }
    return Integer.parseInt(v, from, slash, 10) > Integer.parseInt(v, slash + 1, to, 10)
        ? invalid(ai, "the position exceeds the count", from) : null;
  }),
  /** The importer index of an EU 2018/574 tobacco facility or machine ID: one base64url character. */
  IMPORTERIDX((ai, v, from, to) -> {
    char c = v.charAt(from);
    return Chars.isDigit(c) || Chars.isAsciiLetter(c) || c == '-' || c == '_' ? null
        : invalid(ai, Chars.describe(c) + " is not an importer index character", from);
  }),
  /** Free text in AIs such as 4300 escapes characters outside CSET 82 as %xx. */
  PCENC((ai, v, from, to) -> {
    for (int i = v.indexOf('%', from); i >= 0 && i < to; i = v.indexOf('%', i + 1)) {
      if (i + 2 >= to || hex(v.charAt(i + 1)) < 0 || hex(v.charAt(i + 2)) < 0) {
        return invalid(ai, "'%' must be followed by two hex digits", i);
      }
    }
    return null;
  }),
  IBAN((ai, v, from, to) -> {
    int n = to - from;
    if (n < 4) {
      return invalid(ai, "is too short for an IBAN", from);
    }
    if (!Lists.ISO3166_ALPHA2.contains(v.substring(from, from + 2))) {
      return invalid(ai, v.substring(from, from + 2) + " is not an IBAN country code", from);
    }
    if (n <= Lists.IBAN_MIN_LENGTH) {
      return invalid(ai, "is too short for an IBAN", from);
    }
    int remainder = 0;
    for (int k = 4; k < n + 4; k++) {
      int i = from + (k < n ? k : k - n);
      char c = v.charAt(i);
      int value = Chars.isDigit(c) ? c - '0' : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : -1;
      if (value < 0) {
        return new Invalid(InvalidReason.INVALID_CHARACTER,
            ai.label() + " contains " + Chars.describe(c) + ", which no IBAN holds", i);
      }
      remainder = (remainder * (value < 10 ? 10 : 100) + value) % 97;
    }
    return remainder == 1 ? null : new Invalid(InvalidReason.CHECK_DIGIT, ai.title + " check digits "
        + v.substring(from + 2, from + 4) + " do not match", from + 2);
  }),
  /** Latitude in ten-thousand-millionths of a degree offset by 90 degrees: 0 to 180 degrees. */
  LATITUDE((ai, v, from, to) -> Long.parseLong(v, from, to, 10) <= 1_800_000_000L ? null : invalid(ai, "latitude out of range", from)),
  LONGITUDE((ai, v, from, to) -> Long.parseLong(v, from, to, 10) <= 3_600_000_000L ? null : invalid(ai, "longitude out of range", from)),
  /** Checked for length and character set only; see the class comment. */
  COUPONCODE((ai, v, from, to) -> null),
  COUPONPOSOFFER((ai, v, from, to) -> null);

  /** A content rule over [from, to) of {@code v}, a component that already has the right length and characters. */
  @FunctionalInterface
  private interface Rule {
    Invalid check(Gs1Ai ai, String v, int from, int to);
  }

  private final Rule rule;

  Gs1Linter(Rule rule) {
    this.rule = rule;
  }

  /** Null when the component conforms, else the violation with its position relative to the value. */
  Invalid check(Gs1Ai ai, String v, int from, int to) {
    return rule.check(ai, v, from, to);
  }

  /** The linter a Syntax Dictionary component names, e.g. "yymmd0"; null for a name this table does not know. */
  static Gs1Linter named(String name) {
    for (Gs1Linter linter : values()) {
      if (linter.name().equalsIgnoreCase(name)) {
        return linter;
      }
    }
    return null;
  }

  private static Invalid invalid(Gs1Ai ai, String what, int at) {
    return new Invalid(InvalidReason.INVALID_VALUE, ai.label() + ": " + what, at);
  }

  private static Invalid date(Gs1Ai ai, String what, int at) {
    return new Invalid(InvalidReason.INVALID_DATE, ai.label() + " " + what, at);
  }

  private static Invalid shortDate(Gs1Ai ai, String v, int from, boolean dayZeroIsLastDay) {
    int bad = ShortDates.invalidPartAt(v, from, dayZeroIsLastDay);
    return bad < 0 ? null : date(ai, v.substring(from, from + ShortDates.LENGTH) + ": "
        + ShortDates.explain(v, from, bad), from + bad);
  }

  private static Invalid twoDigitsBelow(Gs1Ai ai, String v, int at, int limit, String what) {
    int value = (v.charAt(at) - '0') * 10 + v.charAt(at + 1) - '0';
    return value < limit ? null : date(ai, what + " " + v.substring(at, at + 2) + " does not exist", at);
  }

  private static Invalid companyPrefix(Gs1Ai ai, String v, int from, int to) {
    if (to - from < 4) {
      return invalid(ai, "is too short to start with a GS1 Company Prefix", from);
    }
    int bad = Chars.firstNonDigit(v, from, from + 4);
    return bad < 0 ? null : invalid(ai, "a GS1 Company Prefix is digits, found " + Chars.describe(v.charAt(bad)),
        bad);
  }

  private static Invalid listed(Gs1Ai ai, String v, int from, int to, Set<String> list, String what) {
    String code = v.substring(from, to);
    return list.contains(code) ? null : invalid(ai, code + " is not " + what, from);
  }

  private static Invalid oneOf(Gs1Ai ai, String v, int from, int to, String allowed, String wanted) {
    return to - from == 1 && allowed.indexOf(v.charAt(from)) >= 0 ? null
        : invalid(ai, "must be " + wanted + ", found " + v.substring(from, to), from);
  }

  static int hex(char c) {
    if (Chars.isDigit(c)) {
      return c - '0';
    }
    char upper = Chars.toUpperAscii(c);
    return upper >= 'A' && upper <= 'F' ? upper - 'A' + 10 : -1;
  }

  /** The code lists, apart so that the rules above may use them (enum constants are built before static fields). */
  private static final class Lists {

    /** The engine's IBAN_MIN_LENGTH: its tests refuse 14 characters and accept Belgium's 16. */
    static final int IBAN_MIN_LENGTH = 14;

    static final int[] PRIMES = {
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103,
        107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223, 227,
        229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307, 311, 313, 317, 331, 337, 347, 349, 353,
        359, 367, 373, 379, 383, 389, 397, 401, 409, 419, 421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487,
        491, 499, 503, 509};

    /** CSET 82 in the order that gives each character its check-pair weight. */
    static final String CSET82_ORDER = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
        + "abcdefghijklmnopqrstuvwxyz";
    static final String CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

    static final Set<String> ISO3166_NUMERIC = set("""
        004 008 010 012 016 020 024 028 031 032 036 040 044 048 050 051 052 056 060 064 068 070 072 074 076 084 086
        090 092 096 100 104 108 112 116 120 124 132 136 140 144 148 152 156 158 162 166 170 174 175 178 180 184 188
        191 192 196 203 204 208 212 214 218 222 226 231 232 233 234 238 239 242 246 248 250 254 258 260 262 266 268
        270 275 276 288 292 296 300 304 308 312 316 320 324 328 332 334 336 340 344 348 352 356 360 364 368 372 376
        380 384 388 392 398 400 404 408 410 414 417 418 422 426 428 430 434 438 440 442 446 450 454 458 462 466 470
        474 478 480 484 492 496 498 499 500 504 508 512 516 520 524 528 531 533 534 535 540 548 554 558 562 566 570
        574 578 580 581 583 584 585 586 591 598 600 604 608 612 616 620 624 626 630 634 638 642 643 646 652 654 659
        660 662 663 666 670 674 678 682 686 688 690 694 702 703 704 705 706 710 716 724 728 729 732 740 744 748 752
        756 760 762 764 768 772 776 780 784 788 792 795 796 798 800 804 807 818 826 831 832 833 834 840 850 854 858
        860 862 876 882 887 894""");

    static final Set<String> ISO3166_ALPHA2 = set("""
        AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
        CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO
        FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE
        JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO
        MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
        PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM
        TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW""");

    static final Set<String> ISO4217_NUMERIC = set("""
        008 012 032 036 044 048 050 051 052 060 064 068 072 084 090 096 104 108 116 124 132 136 144 152 156 170 174
        188 191 192 203 208 214 222 230 232 238 242 262 270 292 320 324 328 332 340 344 348 352 356 360 364 368 376
        388 392 398 400 404 408 410 414 417 418 422 426 430 434 446 454 458 462 480 484 496 498 504 512 516 524 532
        533 548 554 558 566 578 586 590 598 600 604 608 634 643 646 654 682 690 694 702 704 706 710 728 748 752 756
        760 764 776 780 784 788 800 807 818 826 834 840 858 860 882 886 901 925 927 928 929 930 931 932 933 934 936
        938 940 941 943 944 946 947 948 949 950 951 952 953 955 956 957 958 959 960 961 962 963 964 965 967 968 969
        970 971 972 973 975 976 977 978 979 980 981 984 985 986 990 994 997 999""");

    /** UN/ECE Recommendation 21 package types as GS1's PackageTypeCode list holds them. */
    static final Set<String> PACKAGE_TYPES = set("""
        1A 1B 1D 1F 1G 1W 200 201 202 203 204 205 206 210 211 212 2C 3A 3H 43 44 4A 4B 4C 4D 4F 4G 4H 5H 5L 5M 6H 6P
        7A 7B 8 8A 8B 8C 9 AA AB AC AD AF AG AH AI AJ AL AM AP APE AT AV B4 BB BC BD BE BF BG BGE BH BI BJ BK BL BM BME
        BN BO BP BQ BR BRI BS BT BU BV BW BX BY BZ CA CB CBL CC CCE CD CE CF CG CH CI CJ CK CL CM CN CO CP CQ CR CS CT
        CU CV CW CX CY CZ DA DB DC DG DH DI DJ DK DL DM DN DP DPE DR DS DT DU DV DW DX DY E1 E2 E3 EC ED EE EF EG EH EI
        EN FB FC FD FE FI FL FO FOB FP FPE FR FT FW FX GB GI GL GR GU GY GZ HA HB HC HG HN HR IA IB IC ID IE IF IG IH
        IK IL IN IZ JB JC JG JR JT JY KG KI LAB LE LG LT LU LV LZ MA MB MC ME MPE MR MS MT MW MX NA NE NF NG NS NT NU NV
        OA OB OC OD OE OF OK OPE OT OU P2 PA PAE PB PC PD PE PF PG PH PI PJ PK PL PLP PN PO POP PP PPE PR PT PU PUE PV
        PX PY PZ QA QB QC QD QF QG QH QJ QK QL QM QN QP QQ QR QS RB1 RB2 RB3 RCB RD RG RJ RK RL RO RT RZ S1 SA SB SC SD
        SE SEC SH SI SK SL SM SO SP SS ST STL SU SV SW SX SY SZ T1 TB TC TD TE TEV TG THE TI TK TL TN TO TR TRE TS TT
        TTE TU TV TW TWE TY TZ UC UN UUE VA VG VI VK VL VN VO VP VQ VR VS VY WA WB WC WD WF WG WH WJ WK WL WM WN WP WQ
        WR WRP WS WT WU WV WW WX WY WZ X11 X12 X15 X16 X17 X18 X19 X20 X3 XA XB XC XD XF XG XH XJ XK YA YB YC YD YF YG
        YH YJ YK YL YM YN YP YQ YR YS YT YV YW YX YY YZ ZA ZB ZC ZD ZF ZG ZH ZJ ZK ZL ZM ZN ZP ZQ ZR ZS ZT ZU ZV ZW ZX
        ZY ZZ""");

    private static Set<String> set(String words) {
      return Set.of(words.trim().split("\\s+"));
    }
  }
}
