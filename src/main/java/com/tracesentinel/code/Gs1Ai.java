package com.tracesentinel.code;

import com.tracesentinel.code.ParseResult.Invalid;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * GS1 Application Identifiers: how each one's data is built, which characters it may hold and which content rules
 * (check digits, dates, code lists) apply.
 *
 * <p>The table below is GS1's machine-readable Barcode Syntax Dictionary ({@code gs1/gs1-syntax-engine},
 * {@code src/c-lib/gs1-syntax-dictionary.txt}, 2025 release, Apache-2.0), line for line in its own notation, so each
 * line can be compared with its source. Only two liberties: AIs whose lines differ only in a number in the title
 * (7030-7039, 7230-7239) share one range line, and 8110/8112 got the title the dictionary leaves out. Notation:
 * flags {@code *} predefined length (no GS needed after it), {@code !} identification key, {@code ?} allowed as a
 * Digital Link data attribute; components {@code N}/{@code X}/{@code Y}/{@code Z} are digits/CSET 82/CSET 39/CSET 64
 * (base64url), {@code ..n} up to n, {@code [..]} optional, then the content rules ({@link Gs1Linter}); attributes
 * {@code req=}/{@code ex=} (AIs it needs or excludes) and {@code dlpkey} (a Digital Link primary key and its
 * qualifiers).
 *
 * <p>Every AI GS1 defines is known, so a code carrying, say, a production time (8008) or a digital signature (8030)
 * is read; the box identity still comes from AI 01 and AI 21 alone. Digits that start no AI here are refused rather
 * than guessed at, because splitting fields by guesswork could invent a different serial.
 */
final class Gs1Ai {

  private static final String DICTIONARY = """
      00         *!?  N18,csum,gcppos2                  dlpkey                                           # SSCC
      01         *!?  N14,csum,gcppos2                  ex=255,37 dlpkey=22,10,21|235                    # GTIN
      02         * ?  N14,csum,gcppos2                  ex=01,03 req=37                                  # CONTENT
      03         *    N14,csum,gcppos2                  ex=01,02,37                                      # MTO GTIN
      10           ?  X..20                             req=01,02,03,8006,8026                           # BATCH/LOT
      11         * ?  N6,yymmd0                         req=01,02,03,8006,8026                           # PROD DATE
      12         * ?  N6,yymmd0                         req=8020                                         # DUE DATE
      13         * ?  N6,yymmd0                         req=01,02,03,8006,8026                           # PACK DATE
      15         * ?  N6,yymmd0                         req=01,02,03,8006,8026                           # BEST BEFORE or BEST BY
      16         * ?  N6,yymmd0                         req=01,02,03,8006,8026                           # SELL BY
      17         * ?  N6,yymmd0                         req=01,02,03,255,8006,8026                       # USE BY or EXPIRY
      20         * ?  N2                                req=01,02,8006,8026                              # VARIANT
      21              X..20                             req=01,03,8006 ex=235                            # SERIAL
      22              X..20                             req=01                                           # CPV
      235             X..28                             req=01                                           # TPX
      240          ?  X..30                             req=01,02,8006,8026                              # ADDITIONAL ID
      241          ?  X..30                             req=01,02,8006,8026                              # CUST. PART No.
      242          ?  N..6                              req=01,02,8006,8026                              # MTO VARIANT
      243          ?  X..20                             req=01                                           # PCN
      250          ?  X..30                             req=01,8006 req=21                               # SECONDARY SERIAL
      251          ?  X..30                             req=01,8006                                      # REF. TO SOURCE
      253         !?  N13,csum,gcppos1 [X..17]          dlpkey                                           # GDTI
      254             X..20                             req=414                                          # GLN EXTENSION COMPONENT
      255         !?  N13,csum,gcppos1 [N..12]          dlpkey ex=01,02,415,8006,8020,8026               # GCN
      30           ?  N..8                              req=01,02                                        # VAR. COUNT
      3100-3105  * ?  N6                                req=01,02 ex=310n                                # NET WEIGHT (kg)
      3110-3115  * ?  N6                                req=01,02 ex=311n                                # LENGTH (m)
      3120-3125  * ?  N6                                req=01,02 ex=312n                                # WIDTH (m)
      3130-3135  * ?  N6                                req=01,02 ex=313n                                # HEIGHT (m)
      3140-3145  * ?  N6                                req=01,02 ex=314n                                # AREA (m²)
      3150-3155  * ?  N6                                req=01,02 ex=315n                                # NET VOLUME (l)
      3160-3165  * ?  N6                                req=01,02 ex=316n                                # NET VOLUME (m³)
      3200-3205  * ?  N6                                req=01,02 ex=320n                                # NET WEIGHT (lb)
      3210-3215  * ?  N6                                req=01,02 ex=321n                                # LENGTH (in)
      3220-3225  * ?  N6                                req=01,02 ex=322n                                # LENGTH (ft)
      3230-3235  * ?  N6                                req=01,02 ex=323n                                # LENGTH (yd)
      3240-3245  * ?  N6                                req=01,02 ex=324n                                # WIDTH (in)
      3250-3255  * ?  N6                                req=01,02 ex=325n                                # WIDTH (ft)
      3260-3265  * ?  N6                                req=01,02 ex=326n                                # WIDTH (yd)
      3270-3275  * ?  N6                                req=01,02 ex=327n                                # HEIGHT (in)
      3280-3285  * ?  N6                                req=01,02 ex=328n                                # HEIGHT (ft)
      3290-3295  * ?  N6                                req=01,02 ex=329n                                # HEIGHT (yd)
      3300-3305  * ?  N6                                req=00,01 ex=330n                                # GROSS WEIGHT (kg)
      3310-3315  * ?  N6                                req=00,01 ex=331n                                # LENGTH (m), log
      3320-3325  * ?  N6                                req=00,01 ex=332n                                # WIDTH (m), log
      3330-3335  * ?  N6                                req=00,01 ex=333n                                # HEIGHT (m), log
      3340-3345  * ?  N6                                req=00,01 ex=334n                                # AREA (m²), log
      3350-3355  * ?  N6                                req=00,01 ex=335n                                # VOLUME (l), log
      3360-3365  * ?  N6                                req=00,01 ex=336n                                # VOLUME (m³), log
      3370-3375  * ?  N6                                req=01    ex=337n                                # KG PER m²
      3400-3405  * ?  N6                                req=00,01 ex=340n                                # GROSS WEIGHT (lb)
      3410-3415  * ?  N6                                req=00,01 ex=341n                                # LENGTH (in), log
      3420-3425  * ?  N6                                req=00,01 ex=342n                                # LENGTH (ft), log
      3430-3435  * ?  N6                                req=00,01 ex=343n                                # LENGTH (yd), log
      3440-3445  * ?  N6                                req=00,01 ex=344n                                # WIDTH (in), log
      3450-3455  * ?  N6                                req=00,01 ex=345n                                # WIDTH (ft), log
      3460-3465  * ?  N6                                req=00,01 ex=346n                                # WIDTH (yd), log
      3470-3475  * ?  N6                                req=00,01 ex=347n                                # HEIGHT (in), log
      3480-3485  * ?  N6                                req=00,01 ex=348n                                # HEIGHT (ft), log
      3490-3495  * ?  N6                                req=00,01 ex=349n                                # HEIGHT (yd), log
      3500-3505  * ?  N6                                req=01,02 ex=350n                                # AREA (in²)
      3510-3515  * ?  N6                                req=01,02 ex=351n                                # AREA (ft²)
      3520-3525  * ?  N6                                req=01,02 ex=352n                                # AREA (yd²)
      3530-3535  * ?  N6                                req=00,01 ex=353n                                # AREA (in²), log
      3540-3545  * ?  N6                                req=00,01 ex=354n                                # AREA (ft²), log
      3550-3555  * ?  N6                                req=00,01 ex=355n                                # AREA (yd²), log
      3560-3565  * ?  N6                                req=01,02 ex=356n                                # NET WEIGHT (t oz)
      3570-3575  * ?  N6                                req=01,02 ex=357n                                # NET VOLUME (oz)
      3600-3605  * ?  N6                                req=01,02 ex=360n                                # NET VOLUME (qt)
      3610-3615  * ?  N6                                req=01,02 ex=361n                                # NET VOLUME (gal.)
      3620-3625  * ?  N6                                req=00,01 ex=362n                                # VOLUME (qt), log
      3630-3635  * ?  N6                                req=00,01 ex=363n                                # VOLUME (gal.), log
      3640-3645  * ?  N6                                req=01,02 ex=364n                                # VOLUME (in³)
      3650-3655  * ?  N6                                req=01,02 ex=365n                                # VOLUME (ft³)
      3660-3665  * ?  N6                                req=01,02 ex=366n                                # VOLUME (yd³)
      3670-3675  * ?  N6                                req=00,01 ex=367n                                # VOLUME (in³), log
      3680-3685  * ?  N6                                req=00,01 ex=368n                                # VOLUME (ft³), log
      3690-3695  * ?  N6                                req=00,01 ex=369n                                # VOLUME (yd³), log
      37           ?  N..8                              req=00 req=02,8026                               # COUNT
      3900-3909    ?  N..15                             req=255,8020 ex=390n,391n,394n,8111              # AMOUNT
      3910-3919    ?  N3,iso4217 N..15                  req=8020 ex=391n                                 # AMOUNT
      3920-3929    ?  N..15                             req=01 req=30,31nn,32nn,35nn,36nn ex=392n,393n   # PRICE
      3930-3939    ?  N3,iso4217 N..15                  req=30,31nn,32nn,35nn,36nn ex=393n               # PRICE
      3940-3943    ?  N4                                req=255 ex=394n,8111                             # PRCNT OFF
      3950-3955    ?  N6  req=30,31nn,32nn,35nn,36nn ex=392n,393n,395n,8005                              # PRICE/UoM
      400          ?  X..30                                                                              # ORDER NUMBER
      401         !?  X..30,gcppos1                     dlpkey                                           # GINC
      402         !?  N17,csum,gcppos1                  dlpkey                                           # GSIN
      403          ?  X..30                             req=00                                           # ROUTE
      410        * ?  N13,csum,gcppos1                                                                   # SHIP TO LOC
      411        * ?  N13,csum,gcppos1                                                                   # BILL TO
      412        * ?  N13,csum,gcppos1                                                                   # PURCHASE FROM
      413        * ?  N13,csum,gcppos1                                                                   # SHIP FOR LOC
      414        *!?  N13,csum,gcppos1                  dlpkey=254|7040                                  # LOC No.
      415        * ?  N13,csum,gcppos1                  req=8020 dlpkey=8020                             # PAY TO
      416        * ?  N13,csum,gcppos1                                                                   # PROD/SERV LOC
      417        * ?  N13,csum,gcppos1                  dlpkey=7040                                      # PARTY
      420          ?  X..20                             ex=421                                           # SHIP TO POST
      421          ?  N3,iso3166 X..9                   ex=4307                                          # SHIP TO POST
      422          ?  N3,iso3166                        req=01,02,8006,8026 ex=426                       # ORIGIN
      423          ?  N3,iso3166 [N3],iso3166 [N3],iso3166 [N3],iso3166 [N3],iso3166  req=01,02 ex=426   # COUNTRY - INITIAL PROCESS
      424          ?  N3,iso3166                        req=01,02 ex=426                                 # COUNTRY - PROCESS
      425          ?  N3,iso3166 [N3],iso3166 [N3],iso3166 [N3],iso3166 [N3],iso3166  req=01,02 ex=426   # COUNTRY - DISASSEMBLY
      426          ?  N3,iso3166                        req=01,02                                        # COUNTRY - FULL PROCESS
      427          ?  X..3                              req=01,02 req=422                                # ORIGIN SUBDIVISION
      4300         ?  X..35,pcenc                       req=00                                           # SHIP TO COMP
      4301         ?  X..35,pcenc                       req=00                                           # SHIP TO NAME
      4302         ?  X..70,pcenc                       req=00                                           # SHIP TO ADD1
      4303         ?  X..70,pcenc                       req=4302                                         # SHIP TO ADD2
      4304         ?  X..70,pcenc                       req=00                                           # SHIP TO SUB
      4305         ?  X..70,pcenc                       req=00                                           # SHIP TO LOC
      4306         ?  X..70,pcenc                       req=00                                           # SHIP TO REG
      4307         ?  X2,iso3166alpha2                  req=00                                           # SHIP TO COUNTRY
      4308         ?  X..30                             req=00                                           # SHIP TO PHONE
      4309         ?  N10,latitude N10,longitude        req=00                                           # SHIP TO GEO
      4310         ?  X..35,pcenc                       req=00                                           # RTN TO COMP
      4311         ?  X..35,pcenc                       req=00                                           # RTN TO NAME
      4312         ?  X..70,pcenc                       req=00                                           # RTN TO ADD1
      4313         ?  X..70,pcenc                       req=4312                                         # RTN TO ADD2
      4314         ?  X..70,pcenc                       req=00                                           # RTN TO SUB
      4315         ?  X..70,pcenc                       req=00                                           # RTN TO LOC
      4316         ?  X..70,pcenc                       req=00                                           # RTN TO REG
      4317         ?  X2,iso3166alpha2                  req=00                                           # RTN TO COUNTRY
      4318         ?  X..20                             req=00                                           # RTN TO POST
      4319         ?  X..30                             req=00                                           # RTN TO PHONE
      4320         ?  X..35,pcenc                       req=00                                           # SRV DESCRIPTION
      4321         ?  N1,yesno                          req=00                                           # DANGEROUS GOODS
      4322         ?  N1,yesno                          req=00                                           # AUTH TO LEAVE
      4323         ?  N1,yesno                          req=00                                           # SIG REQUIRED
      4324         ?  N6,yymmd0 N4,hhmi                 req=00                                           # NOT BEF DEL DT
      4325         ?  N6,yymmd0 N4,hhmi                 req=00                                           # NOT AFT DEL DT
      4326         ?  N6,yymmdd                         req=00                                           # REL DATE
      4330         ?  N6 [X1],hyphen                    req=00 ex=4331                                   # MAX TEMP F.
      4331         ?  N6 [X1],hyphen                    req=00 ex=4330                                   # MAX TEMP C.
      4332         ?  N6 [X1],hyphen                    req=00 ex=4333                                   # MIN TEMP F.
      4333         ?  N6 [X1],hyphen                    req=00 ex=4332                                   # MIN TEMP C.
      7001         ?  N13                               req=01,02,8006,8026                              # NSN
      7002         ?  X..30                             req=01,02                                        # MEAT CUT
      7003         ?  N6,yymmdd N4,hhmi                 req=01,02                                        # EXPIRY TIME
      7004         ?  N..4                              req=01 req=10                                    # ACTIVE POTENCY
      7005         ?  X..12                             req=01,02                                        # CATCH AREA
      7006         ?  N6,yymmdd                         req=01,02                                        # FIRST FREEZE DATE
      7007         ?  N6,yymmdd [N6],yymmdd             req=01,02                                        # HARVEST DATE
      7008         ?  X..3                              req=01,02                                        # AQUATIC SPECIES
      7009         ?  X..10                             req=01,02                                        # FISHING GEAR TYPE
      7010         ?  X..2                              req=01,02                                        # PROD METHOD
      7011         ?  N6,yymmdd [N4],hhmi               req=01,02                                        # TEST BY DATE
      7020         ?  X..20                             req=01,8006 req=416                              # REFURB LOT
      7021         ?  X..20                             req=01,8006                                      # FUNC STAT
      7022         ?  X..20                             req=7021                                         # REV STAT
      7023         ?  X..30,gcppos1                                                                      # GIAI - ASSEMBLY
      7030-7039    ?  N3,iso3166999 X..27               req=01,02                                        # PROCESSOR
      7040            N1 X1 X1 X1,importeridx                                                            # UIC+EXT
      7041            X..4,packagetype                  req=00                                           # UFRGT UNIT TYPE
      710          ?  X..20                             req=01                                           # NHRN PZN
      711          ?  X..20                             req=01                                           # NHRN CIP
      712          ?  X..20                             req=01                                           # NHRN CN
      713          ?  X..20                             req=01                                           # NHRN DRN
      714          ?  X..20                             req=01                                           # NHRN AIM
      715          ?  X..20                             req=01                                           # NHRN NDC
      716          ?  X..20                             req=01                                           # NHRN AIC
      7230-7239    ?  X2 X..28                          req=01,8004                                      # CERT
      7240         ?  X..20                             req=01,8006                                      # PROTOCOL
      7241         ?  N2,mediatype                      req=8017,8018                                    # AIDC MEDIA TYPE
      7242         ?  X..25                             req=8017,8018                                    # VCN
      7250         ?  N8,yyyymmdd                       req=8018 ex=7251                                 # DOB
      7251         ?  N8,yyyymmdd N4,hhmi               req=8018 ex=7250                                 # DOB TIME
      7252         ?  N1,iso5218                        req=8018                                         # BIO SEX
      7253         ?  X..40,pcenc                       req=8017,8018 ex=7256,7259                       # FAMILY NAME
      7254         ?  X..40,pcenc                       req=8017,8018 ex=7256,7259                       # GIVEN NAME
      7255         ?  X..10                             req=8017,8018 ex=7256,7259                       # SUFFIX
      7256         ?  X..90,pcenc                       req=8017,8018                                    # FULL NAME
      7257         ?  X..70,pcenc                       req=8018                                         # PERSON ADDR
      7258         ?  X3,posinseqslash                  req=8018+7259                                    # BIRTH SEQUENCE
      7259         ?  X..40,pcenc                       req=8018 ex=7256                                 # BABY
      8001         ?  N4,nonzero N5,nonzero N3,nonzero N1,winding N1  req=01                             # DIMENSIONS
      8002         ?  X..20                                                                              # CMT No.
      8003        !?  N1,zero N13,csum,gcppos1 [X..16]  dlpkey                                           # GRAI
      8004        !?  X..30,gcppos1                     dlpkey=7040                                      # GIAI
      8005         ?  N6                                req=01,02                                        # PRICE PER UNIT
      8006         ?  N14,csum,gcppos2 N4,pieceoftotal  ex=01,37 dlpkey=22,10,21                         # ITIP
      8007         ?  X..34,iban                        req=415                                          # IBAN
      8008         ?  N6,yymmdd N2,hh [N2],mi [N2],ss   req=01,02                                        # PROD TIME
      8009         ?  X..50                             req=00,01                                        # OPTSEN
      8010        !?  Y..30,gcppos1                     dlpkey=8011                                      # CPID
      8011            N..12,nozeroprefix                req=8010                                         # CPID SERIAL
      8012         ?  X..20                             req=01,8006                                      # VERSION
      8013        !?  X..25,csumalpha,gcppos1           dlpkey                                           # GMN
      8014            X..25,csumalpha,gcppos1,hasnondigit  req=01                                        # MUDI
      8017        !?  N18,csum,gcppos1                  ex=8018 dlpkey=8019                              # GSRN - PROVIDER
      8018        !?  N18,csum,gcppos1                  ex=8017 dlpkey=8019                              # GSRN - RECIPIENT
      8019            N..10                             req=8017,8018                                    # SRIN
      8020            X..25                             req=415                                          # REF No.
      8026         ?  N14,csum,gcppos2 N4,pieceoftotal  req=37 ex=02,8006                                # ITIP CONTENT
      8030         ?  Z..90  req=00,01+21,253,255,8003,8004,8006+21,8010+8011,8017,8018                  # DIGSIG
      8110         ?  X..70,couponcode                                                                   # COUPON
      8111         ?  N4                                req=255                                          # POINTS
      8112         ?  X..70,couponposoffer                                                               # COUPON POS
      8200            X..70                             req=01                                           # PRODUCT URL
      90           ?  X..30                                                                              # INTERNAL
      91-99        ?  X..90                                                                              # INTERNAL
      """;

  enum Charset { NUMERIC, CSET82, CSET39, CSET64 }

  /** One part of an AI's data, e.g. the {@code N3,iso3166} country of AI 422. */
  private record Component(Charset charset, int min, int max, boolean optional, Gs1Linter[] linters) {}

  // One array per AI length: GS1 AIs are prefix-free, so the first length that hits is the AI.
  private static final Gs1Ai[] TWO_DIGIT = new Gs1Ai[100];
  private static final Gs1Ai[] THREE_DIGIT = new Gs1Ai[1000];
  private static final Gs1Ai[] FOUR_DIGIT = new Gs1Ai[10000];

  static {
    for (String line : DICTIONARY.split("\n")) {
      if (!line.isBlank()) {
        register(line);
      }
    }
  }

  static final Gs1Ai GTIN = exact("01");
  static final Gs1Ai CONTENT = exact("02");
  static final Gs1Ai BATCH = exact("10");
  static final Gs1Ai EXPIRY = exact("17");
  static final Gs1Ai SERIAL = exact("21");
  static final Gs1Ai CPV = exact("22");
  static final Gs1Ai TPX = exact("235");

  final String code;
  final String title;
  /** Data of fixed length that may be followed directly by the next AI, without GS. */
  final boolean predefinedLength;
  /** Allowed in a Digital Link query string. */
  final boolean dataAttribute;
  /** A Digital Link primary key: the path's key/value pairs are read from the right until one of these. */
  final boolean dlPrimaryKey;
  final int minLength;
  final int maxLength;
  /**
   * The {@code req=} groups: each needs one of its alternatives present, an alternative being one or more AI patterns
   * (written joined by + in the dictionary). Split once here because pairings are checked on every scan.
   */
  final String[][][] requires;
  /** The {@code ex=} patterns, {@code n} standing for any digit. */
  final String[] excludes;
  private final Component[] components;

  private Gs1Ai(String code, String title, String flags, Component[] components, String[][][] requires,
                String[] excludes, boolean dlPrimaryKey) {
    this.code = code;
    this.title = title;
    this.predefinedLength = flags.indexOf('*') >= 0;
    this.dataAttribute = flags.indexOf('?') >= 0;
    this.dlPrimaryKey = dlPrimaryKey;
    this.components = components;
    this.requires = requires;
    this.excludes = excludes;
    int min = 0;
    int max = 0;
    for (Component c : components) {
      min += c.optional ? 0 : c.min;
      max += c.max;
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

  /** Whether this AI matches a dictionary pattern such as {@code 8006}, {@code 31nn} or {@code 394n}. */
  boolean matches(String pattern) {
    if (pattern.length() != code.length()) {
      return false;
    }
    for (int i = 0; i < code.length(); i++) {
      if (pattern.charAt(i) != 'n' && pattern.charAt(i) != code.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks a value against this AI's syntax. Returns null when it conforms, else the first violation with its
   * position relative to the value's first character. Each component takes as many characters as it may, as GS1's
   * engine does, so a variable final component gets the rest.
   */
  Invalid validate(String value) {
    int n = value.length();
    if (n < minLength || n > maxLength) {
      // A character that cannot stand there at all (a space in a date, a letter in a GTIN) says more than a count.
      Invalid bad = checkCharactersOnly(value, Math.min(n, maxLength));
      if (bad != null) {
        return bad;
      }
    }
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
    for (Component c : components) {
      int end = Math.min(n, at + c.max);
      if (end == at && c.optional) {
        continue;
      }
      if (end - at < c.min) {
        return new Invalid(InvalidReason.VALUE_TOO_SHORT, label() + " is cut short: a part of " + c.min
            + " characters has " + (end - at), end);
      }
      Invalid bad = checkCharacters(value, at, end, c.charset);
      for (int k = 0; bad == null && k < c.linters.length; k++) {
        bad = c.linters[k].check(this, value, at, end);
      }
      if (bad != null) {
        return bad;
      }
      at = end;
    }
    return null;
  }

  private Invalid checkCharactersOnly(String value, int limit) {
    int at = 0;
    for (Component c : components) {
      int end = Math.min(limit, at + c.max);
      Invalid bad = checkCharacters(value, at, end, c.charset);
      if (bad != null || end == limit) {
        return bad;
      }
      at = end;
    }
    return null;
  }

  private Invalid checkCharacters(String value, int from, int to, Charset charset) {
    if (charset == Charset.CSET64) {
      return checkBase64Url(value, from, to);
    }
    for (int i = from; i < to; i++) {
      char c = value.charAt(i);
      boolean allowed = switch (charset) {
        case NUMERIC -> Chars.isDigit(c);
        case CSET82 -> Chars.isCset82(c);
        default -> Chars.isCset39(c);
      };
      if (!allowed) {
        return charset == Charset.NUMERIC
            ? new Invalid(InvalidReason.NOT_NUMERIC, label() + " must be digits here, found " + Chars.describe(c), i)
            : new Invalid(InvalidReason.INVALID_CHARACTER, label() + " contains " + Chars.describe(c)
                + ", which is not in GS1 character set " + (charset == Charset.CSET82 ? "82" : "39"), i);
      }
    }
    return null;
  }

  /** CSET 64 is base64url; '=' padding is optional, but when present it must complete a multiple of 3. */
  private Invalid checkBase64Url(String value, int from, int to) {
    int end = to;
    while (end > from && value.charAt(end - 1) == '=') {
      end--;
    }
    int pads = to - end;
    if (pads > 2 || (pads > 0 && (to - from) % 3 != 0)) {
      return new Invalid(InvalidReason.INVALID_CHARACTER,
          label() + " has misplaced '=' padding for base64url (GS1 character set 64)", end);
    }
    for (int i = from; i < end; i++) {
      char c = value.charAt(i);
      if (!(Chars.isDigit(c) || Chars.isAsciiLetter(c) || c == '-' || c == '_')) {
        return new Invalid(InvalidReason.INVALID_CHARACTER,
            label() + " contains " + Chars.describe(c) + ", which is not in GS1 character set 64 (base64url)", i);
      }
    }
    return null;
  }

  /** Reads one dictionary line; a malformed line is a bug in this file, so it fails class loading loudly. */
  private static void register(String line) {
    int hash = line.indexOf('#');
    String title = hash < 0 ? "" : line.substring(hash + 1).trim();
    String[] tokens = (hash < 0 ? line : line.substring(0, hash)).trim().split("\\s+");
    String[] range = tokens[0].split("-");
    int t = 1;
    String flags = "";
    while (t < tokens.length && tokens[t].matches("[*!?]+")) {
      flags += tokens[t++];
    }
    List<Component> components = new ArrayList<>();
    while (t < tokens.length && isComponent(tokens[t])) {
      components.add(component(tokens[t++], line));
    }
    List<String[][]> requires = new ArrayList<>();
    List<String> excludes = new ArrayList<>();
    boolean dlPrimaryKey = false;
    for (; t < tokens.length; t++) {
      String token = tokens[t];
      if (token.startsWith("req=")) {
        requires.add(Arrays.stream(token.substring(4).split(",")).map(a -> a.split("\\+")).toArray(String[][]::new));
      } else if (token.startsWith("ex=")) {
        excludes.addAll(Arrays.asList(token.substring(3).split(",")));
      } else if (token.startsWith("dlpkey")) {
        dlPrimaryKey = true;
      } else {
        throw new IllegalStateException("unknown attribute '" + token + "' in " + line);
      }
    }
    int first = Integer.parseInt(range[0]);
    int last = range.length == 1 ? first : Integer.parseInt(range[1]);
    Gs1Ai[] table = switch (range[0].length()) {
      case 2 -> TWO_DIGIT;
      case 3 -> THREE_DIGIT;
      case 4 -> FOUR_DIGIT;
      default -> throw new IllegalStateException("AIs have 2 to 4 digits: " + line);
    };
    Component[] parts = components.toArray(new Component[0]);
    String[][][] req = requires.toArray(new String[0][][]);
    String[] ex = excludes.toArray(new String[0]);
    for (int value = first; value <= last; value++) {
      String code = String.format("%0" + range[0].length() + "d", value);
      table[value] = new Gs1Ai(code, title, flags, parts, req, ex, dlPrimaryKey);
    }
  }

  private static Component component(String spec, String line) {
    int close = spec.indexOf(']');
    boolean optional = spec.startsWith("[");
    String type = optional ? spec.substring(1, close) : spec.split(",")[0];
    String rest = optional ? spec.substring(close + 1) : spec.substring(type.length());
    Charset charset = switch (type.charAt(0)) {
      case 'N' -> Charset.NUMERIC;
      case 'X' -> Charset.CSET82;
      case 'Y' -> Charset.CSET39;
      case 'Z' -> Charset.CSET64;
      default -> throw new IllegalStateException("unknown character set in " + line);
    };
    boolean variable = type.startsWith("..", 1);
    int max = Integer.parseInt(type.substring(variable ? 3 : 1));
    List<Gs1Linter> linters = new ArrayList<>();
    for (String name : rest.split(",")) {
      if (!name.isEmpty()) {
        Gs1Linter linter = Gs1Linter.named(name);
        if (linter == null) {
          throw new IllegalStateException("unknown linter '" + name + "' in " + line);
        }
        linters.add(linter);
      }
    }
    return new Component(charset, variable ? 1 : max, max, optional, linters.toArray(new Gs1Linter[0]));
  }

  private static boolean isComponent(String token) {
    String type = token.startsWith("[") ? token.substring(1) : token;
    return type.length() >= 2 && "NXYZ".indexOf(type.charAt(0)) >= 0
        && (Chars.isDigit(type.charAt(1)) || type.startsWith("..", 1));
  }
}
