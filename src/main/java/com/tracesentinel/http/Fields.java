package com.tracesentinel.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.tracesentinel.ingest.FieldNames;
import com.tracesentinel.ingest.Preparation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.ParsePosition;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Checks shared by every request field the edge validates itself (query parameters, reference rows, keys). */
final class Fields {
  /** A site id's length, wherever one is written or asked for (a site registered with 100 could not be filtered). */
  static final int MAX_SITE_ID = 100;

  /**
   * ISO-8601's date and time with an offset in any of its forms, +08:00, +0800, +08 or Z (java.time takes only the
   * first and Z, and {@code date +%z} and Python's {@code %z} write the second), and a decimal comma, ISO's preferred
   * sign (10:15:30,5). The offset stays required: a time without one names no instant. Strict, as java.time's own
   * ISO parsers are: a built formatter resolves "smartly", which read 2026-02-29 and 2026-11-31 as the month's last day
   * and 24:00 as the next midnight, so a mistyped or miscomputed date was stored, judged and filtered as another day.
   * One offset, read leniently (the colons as written, minutes and seconds optional): with two optional forms, one
   * after the other, the second read again what the first had, and +08:00+0800 or ZZ was taken as a time. Its
   * seconds, which ISO-8601 offsets do not have (+080000, +08:00:00), are refused after it by {@link #isoTime}.
   */
  private static final DateTimeFormatter ISO_TIME = new DateTimeFormatterBuilder().parseCaseInsensitive()
      .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
      .parseLenient().appendOffset("+HH", "Z").parseStrict()
      .toFormatter().withResolverStyle(ResolverStyle.STRICT);
  /** What precedes the offset (see {@link #noSuch}). */
  private static final DateTimeFormatter ISO_LOCAL_TIME = new DateTimeFormatterBuilder().parseCaseInsensitive()
      .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME).toFormatter();
  /** An offset in one of ISO-8601's forms, its hours and minutes in range or not. */
  private static final Pattern ISO_OFFSET = Pattern.compile("[+-](\\d{2})(?::?(\\d{2}))?");
  /** The longest offset ISO-8601 writes, +08:00. */
  private static final int MAX_OFFSET_LENGTH = 6;
  private static final Pattern DECIMAL_COMMA = Pattern.compile("([Tt]\\d{2}:\\d{2}:\\d{2}),(?=\\d)");

  private Fields() {}

  /** An ISO-8601 time with an offset (see {@link #ISO_TIME}); a DateTimeParseException when it is none. */
  static OffsetDateTime isoTime(String s) {
    OffsetDateTime t = OffsetDateTime.parse(pointed(s), ISO_TIME);
    int offsetAt = offsetAt(s);
    if (s.length() - offsetAt > MAX_OFFSET_LENGTH) {
      throw new DateTimeParseException("an offset has no seconds", s, offsetAt);
    }
    return t;
  }

  /**
   * {@code t} rounded up to a whole microsecond, as PostgreSQL keeps times: a scan's time and an investigator's bound
   * are rounded alike, so that a bound written as a scan's own time with finer digits (.NET writes seven) takes the
   * scan in as {@code from} and leaves it out as {@code to}. The scan's time was cut instead, and from= its own time
   * missed it.
   */
  static Instant wholeMicrosecond(Instant t) {
    int finer = t.getNano() % 1_000;
    return finer == 0 ? t : t.plusNanos(1_000 - finer);
  }

  /**
   * Where the offset of {@code s} begins: its last sign or Z, as nothing but digits and colons follow either in an
   * offset; at or before the date's last '-' when {@code s} has none.
   */
  private static int offsetAt(String s) {
    int at = s.length() - 1;
    while (at > 0 && "+-Zz".indexOf(s.charAt(at)) < 0) {
      at--;
    }
    return at;
  }

  /** {@code s} with its decimal comma, if any, a point. */
  private static String pointed(String s) {
    // Every scan may carry a time: the pattern runs only on the rare one with a comma.
    return s.indexOf(',') < 0 ? s : DECIMAL_COMMA.matcher(s).replaceFirst("$1.");
  }

  /**
   * The error for {@code s}, which {@link #isoTime} refused. A value written as a time is told which of its date, time
   * of day or offset does not exist (2026-11-31, 24:00, +19:00): "must be an ISO-8601 time with an offset" told a
   * client whose value had one nothing, and java.time's own words name its fields in Java's terms. Else it must be one,
   * as {@code example} is.
   */
  static String notIsoTime(String s, String example) {
    String why = noSuch(s);
    return why != null ? why : "must be an ISO-8601 time with an offset, e.g. " + example;
  }

  /**
   * Which part of {@code s}, written as a time, does not exist (see {@link #notIsoTime}); null when none. The offset
   * is read here from its text: java.time's offset reader refuses +24:00 and beyond outright, even unresolved, and
   * reads seconds that an ISO-8601 offset does not have.
   */
  private static String noSuch(String s) {
    String t = pointed(s); // a comma for a point: the parts are where they are in s
    int timeAt = Math.max(s.indexOf('T'), s.indexOf('t'));
    int offsetAt = offsetAt(s);
    if (timeAt < 0 || offsetAt <= timeAt) {
      return null;
    }
    ParsePosition end = new ParsePosition(0);
    TemporalAccessor raw = ISO_LOCAL_TIME.parseUnresolved(t.substring(0, offsetAt), end);
    if (raw == null || end.getIndex() < offsetAt
        || !ChronoField.YEAR.range().isValidValue(raw.getLong(ChronoField.YEAR))) {
      return null;
    }
    long month = raw.getLong(ChronoField.MONTH_OF_YEAR);
    if (!ChronoField.MONTH_OF_YEAR.range().isValidValue(month)) {
      return s.substring(0, timeAt) + " is not a date: a month is 01 to 12";
    }
    YearMonth yearMonth = YearMonth.of((int) raw.getLong(ChronoField.YEAR), (int) month);
    long day = raw.getLong(ChronoField.DAY_OF_MONTH);
    if (day < 1 || day > yearMonth.lengthOfMonth()) {
      return s.substring(0, timeAt) + " is not a date: " + yearMonth + " has " + yearMonth.lengthOfMonth() + " days";
    }
    for (ChronoField f : List.of(ChronoField.HOUR_OF_DAY, ChronoField.MINUTE_OF_HOUR, ChronoField.SECOND_OF_MINUTE)) {
      if (raw.isSupported(f) && !f.range().isValidValue(raw.getLong(f))) {
        return s.substring(timeAt + 1, offsetAt) + " is not a time of day: 00:00 to 23:59:59";
      }
    }
    String offset = s.substring(offsetAt);
    if (offset.equalsIgnoreCase("Z")) {
      return null;
    }
    Matcher hhmm = ISO_OFFSET.matcher(offset);
    if (!hhmm.matches()) {
      return offset + " is not an offset: Z, +08:00, +0800 or +08";
    }
    int minutes = hhmm.group(2) == null ? 0 : Integer.parseInt(hhmm.group(2));
    if (minutes > 59) {
      return offset + " is not an offset: its minutes are 00 to 59";
    }
    return Integer.parseInt(hhmm.group(1)) * 60 + minutes > 18 * 60 ? offset + " is not an offset: -18:00 to +18:00"
        : null;
  }

  /**
   * Why {@code s} is not text (a control character, or half of a surrogate pair), or null when it is text. Such a
   * character is never part of an identifier or a name, and PostgreSQL refuses U+0000 outright.
   */
  static String notText(String s) {
    int at = Preparation.firstNonText(s);
    return at < 0 ? null : String.format("must be text without control characters (U+%04X at position %d)",
        (int) s.charAt(at), at);
  }

  /** A JSON number without a fraction (1.0 is whole, 1.5 is not). */
  static boolean whole(Number n) {
    double d = n.doubleValue();
    return d == Math.rint(d) && !Double.isInfinite(d);
  }

  /**
   * The names none of {@code known}, each under {@code prefix}: ignored, as the API's rule says of unknown fields,
   * except a misspelt known one ({@link FieldNames}), an error naming the known one: a typo stored a pack of 1, and
   * the pack size judges split sales.
   */
  static List<String> ignored(String prefix, Collection<String> names, Collection<String> known,
                              Problem.Errors errors) {
    List<String> ignored = new ArrayList<>();
    for (String name : names) {
      if (!known.contains(name) && !misspelt(prefix, name, known, errors)) {
        ignored.add(prefix + name);
      }
    }
    return ignored;
  }

  /** Whether {@code name}, none of {@code known}, misspells one of them: then an error under {@code prefix}. */
  static boolean misspelt(String prefix, String name, Collection<String> known, Problem.Errors errors) {
    String meant = FieldNames.meant(name, known);
    if (meant != null) {
      errors.add(prefix + name, "did you mean " + meant + "?");
    }
    return meant != null;
  }

  /**
   * The leading sentence of an image decoder's refusal, without what follows a ':' or '(': by its convention a fixed
   * sentence, then what failed underneath, which may be the image library's own words or an exception's name.
   * {@code fallback} when nothing is left.
   */
  static String leadingSentence(String message, String fallback) {
    if (message == null) {
      return fallback;
    }
    int cut = message.length();
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      if (c == ':' || c == '(' || c < ' ') {
        cut = i;
        break;
      }
    }
    String s = message.substring(0, Math.min(cut, 200)).trim();
    return s.isEmpty() ? fallback : s;
  }

  /**
   * A query string's parameters ({@code a=1&b=2}, {@code +} a space), decoded strictly: a name or value that is not
   * percent-encoded UTF-8, or that decodes to a control character, is an error naming the parameter and is left
   * out, so it never reaches a query. Vert.x's own decoding answers an unreadable query with a bare 400.
   */
  static Map<String, List<String>> query(String raw, Problem.Errors errors) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return params;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String rawName = eq < 0 ? pair : pair.substring(0, eq);
      String name = decode(rawName);
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      String label = name == null || notText(name) != null ? rawName : name;
      if (name == null || value == null) {
        errors.add(label, "is not percent-encoded UTF-8");
      } else if (notText(name) != null || notText(value) != null) {
        errors.add(label, notText(notText(name) != null ? name : value));
      } else {
        params.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
      }
    }
    return params;
  }

  /** Percent-decodes one name or value; null when an escape is broken or the bytes are not UTF-8. */
  static String decode(String s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
        int lo = hi < 0 ? -1 : Character.digit(s.charAt(i + 2), 16);
        if (lo < 0) {
          return null;
        }
        bytes.write(hi << 4 | lo);
        i += 2;
      } else if (c == '+') {
        bytes.write(' ');
      } else if (c < 0x100) {
        bytes.write(c); // the request line reaches us byte for byte (ISO-8859-1): raw UTF-8 is read as UTF-8
      } else {
        return null;
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static final JsonFactory JSON = JsonFactory.builder().build();

  /**
   * The first member named twice in a JSON body already read as valid: in the top-level object ("name"), or in one
   * object of a top-level array ("[i].name"); else null. The parsed tree keeps only the last value, where a gateway
   * or an audit log that read the first saw another request.
   */
  static String memberNamedTwice(byte[] body) {
    try (JsonParser p = JSON.createParser(body)) {
      JsonToken first = p.nextToken();
      if (first == JsonToken.START_OBJECT) {
        return repeatedName(p);
      }
      if (first != JsonToken.START_ARRAY) {
        return null;
      }
      for (int i = 0; p.nextToken() == JsonToken.START_OBJECT; i++) {
        String name = repeatedName(p);
        if (name != null) {
          return "[" + i + "]." + name;
        }
      }
      return null;
    } catch (IOException e) {
      return null; // read as valid JSON a moment ago; the body's own checks answer for anything else
    }
  }

  /** Reads the members of the object just opened; the first name seen twice, else null (at its end). */
  private static String repeatedName(JsonParser p) throws IOException {
    Set<String> seen = new HashSet<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      if (!seen.add(p.currentName())) {
        return p.currentName();
      }
      p.nextToken();
      p.skipChildren();
    }
    return null;
  }
}
