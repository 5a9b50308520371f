package com.tracesentinel.http;

import com.tracesentinel.auth.Role;
import com.tracesentinel.code.AsciiCase;
import com.tracesentinel.code.Gtin;
import com.tracesentinel.code.ParseResult;
import com.tracesentinel.code.TraceCodes;
import com.tracesentinel.history.ReferenceRepository;
import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.Site;
import com.tracesentinel.reference.SiteKind;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/** PUT /api/v1/products and /api/v1/sites: JSON arrays or CSV with a header line, validated row by row. */
final class ReferenceRoutes {
  static final int MAX_ROWS = 100_000;
  /**
   * A catalogue's body, at most: 100,000 rows take some 10-20 MB (a national drug list's names and makers), and the
   * API's 1 MiB refused one of more than about 7,000 products while the answer asked for up to 100,000 rows.
   */
  static final long MAX_BODY = 32L * 1024 * 1024;
  /** Ignored fields named in an answer, at most: a catalogue of 100,000 rows with a note each is counted, not listed. */
  static final int MAX_IGNORED_LISTED = 20;
  private static final List<String> PRODUCT_FIELDS =
      List.of("productKey", "drugCode", "genericName", "brandName", "spec", "manufacturer", "packSize");
  private static final List<String> SITE_FIELDS = List.of("siteId", "name", "kind", "regionCode", "regionName");

  private final ReferenceRepository repository;
  private final int dbTimeoutSeconds;

  ReferenceRoutes(ReferenceRepository repository, int dbTimeoutSeconds) {
    this.repository = repository;
    this.dbTimeoutSeconds = dbTimeoutSeconds;
  }

  /** Mounted before the API's shared body handler, whose 1 MiB is not theirs; the key is checked before the body. */
  void mount(Router router, Auth auth) {
    for (String path : List.of("/api/v1/products", "/api/v1/sites")) {
      router.put(path).handler(ImageRoutes.holdBody(MAX_BODY)).handler(auth.require(Role.ADMIN))
          .handler(ReferenceRoutes::requireJsonOrCsv).handler(ctx -> BodyBudget.reserve(ctx, MAX_BODY));
      router.put(path).handler(BodyHandler.create(false).setBodyLimit(MAX_BODY))
          .handler(ctx -> ApiServer.answerWithin(ctx, dbTimeoutSeconds));
    }
    router.put("/api/v1/products").handler(this::putProducts);
    router.put("/api/v1/sites").handler(this::putSites);
  }

  /** As ApiServer.requireJsonBody, CSV besides: a body labelled XML (or text/csvx) was read as JSON. */
  private static void requireJsonOrCsv(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    if (!csv(contentType) && !ApiServer.jsonMediaType(contentType)) {
      throw new Problem(415, "Unsupported media type", "the body must be a JSON array (Content-Type: "
          + "application/json) or CSV (Content-Type: text/csv)");
    }
    ctx.next();
  }

  /** The media type whole, parameters aside: as a prefix, text/csvx was read as CSV. */
  private static boolean csv(String contentType) {
    return contentType != null && AsciiCase.lower(contentType).split(";", 2)[0].trim().equals("text/csv");
  }

  private void putProducts(RoutingContext ctx) {
    Set<String> packSizeOmitted = new HashSet<>();
    Upload<Product> products = rows(ctx, "productKey", PRODUCT_FIELDS, (row, errors) -> {
      String key = row.text("productKey", true, 100, errors);
      if (key != null && !key.matches("\\d{7}|\\d{14}|MA\\..+")) {
        errors.add(row.field("productKey"), "must be a 7-digit CN20 prefix, a GTIN-14 or an MA product part");
      } else if (key != null && key.length() == 14 && !Gtin.isValidGtin14(key)) {
        // Every GS1 code is checked against its check digit before it is judged, so no scan could ever match it.
        errors.add(row.field("productKey"), "is not a GTIN-14: its last digit is not the check digit");
      } else if (key != null && key.startsWith("MA.") && !key.equals(maProductKey(key))) {
        // Likewise an MA key no code yields (MA.156.M0.100.L1 holds a batch unit; a scan's key ends before it).
        errors.add(row.field("productKey"), "is not an MA product part: a code with it yields " + maProductKey(key));
      }
      Integer packSize = row.integer("packSize", 1, 1_000_000, errors);
      if (packSize == null && key != null) {
        packSizeOmitted.add(key);
      }
      return new Product(key, row.text("drugCode", false, 100, errors), row.text("genericName", true, 200, errors),
          row.text("brandName", false, 200, errors), row.text("spec", false, 200, errors),
          row.text("manufacturer", false, 200, errors), packSize == null ? 1 : packSize);
    });
    repository.upsertProducts(products.rows(), packSizeOmitted).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else {
        ApiServer.reply(ctx, 200, products.ignored().answer(ar.result()).encode());
      }
    });
  }

  /** The product key a code of this MA product part yields (the parser's, on the part with a serial added). */
  private static String maProductKey(String key) {
    ParseResult parsed = TraceCodes.parse(key + ".S0");
    return parsed instanceof ParseResult.Valid v ? v.code().productKey()
        : "no product (" + ((ParseResult.Invalid) parsed).message() + ")";
  }

  private void putSites(RoutingContext ctx) {
    Upload<Site> sites = rows(ctx, "siteId", SITE_FIELDS, (row, errors) -> {
      String kindText = row.text("kind", true, 20, errors);
      SiteKind kind = SiteKind.PHARMACY;
      if (kindText != null) {
        kind = AsciiCase.constantNamed(SiteKind.class, kindText);
        if (kind == null) {
          errors.add(row.field("kind"), "must be PHARMACY, HOSPITAL or CLINIC");
        }
      }
      String region = row.text("regionCode", true, 6, errors);
      if (region != null && !region.matches("\\d{6}")) {
        errors.add(row.field("regionCode"), "must be a 6-digit administrative division code");
      }
      return new Site(0, row.text("siteId", true, Fields.MAX_SITE_ID, errors), row.text("name", true, 200, errors),
          kind, region, row.text("regionName", true, 200, errors));
    });
    repository.upsertSites(sites.rows()).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else {
        ApiServer.reply(ctx, 200, sites.ignored().answer(ar.result().size()).encode());
      }
    });
  }

  /** No charset named, or UTF-8: what Vert.x decodes the body as then. */
  private static boolean isUtf8(String contentType) {
    int at = AsciiCase.lower(contentType).indexOf("charset=");
    if (at < 0) {
      return true;
    }
    String charset = contentType.substring(at + 8).split(";")[0].trim().replace("\"", "");
    return charset.equalsIgnoreCase("utf-8") || charset.equalsIgnoreCase("utf8");
  }

  /** The fields (JSON) or columns (CSV) ignored as none of a row's: the first few named, all counted. */
  private static final class Ignored {
    private final List<String> listed = new ArrayList<>();
    private int count;

    void addAll(List<String> names) {
      count += names.size();
      names.stream().limit(MAX_IGNORED_LISTED - listed.size()).forEach(listed::add);
    }

    /** The 200 answer: the operator sees what was ignored, which may be a field they meant to be stored. */
    JsonObject answer(int upserted) {
      JsonObject json = new JsonObject().put("upserted", upserted);
      if (count > 0) {
        json.put("ignoredFields", new JsonArray(listed)).put("ignoredFieldCount", count);
      }
      return json;
    }
  }

  private record Upload<T>(List<T> rows, Ignored ignored) {}

  /**
   * The rows, each read and checked; a key named by two rows is refused (which of two pack sizes or names is meant
   * is the sender's to say, not the order's).
   */
  private static <T> Upload<T> rows(RoutingContext ctx, String key, List<String> fields,
                                    BiFunction<Row, Problem.Errors, T> read) {
    String contentType = ctx.request().getHeader("Content-Type");
    boolean csv = csv(contentType);
    // An empty body has no buffer: it is no rows, refused below, where reading its bytes was a 500.
    Buffer body = ctx.body().buffer();
    if (csv && body != null && isUtf8(contentType) && !com.tracesentinel.code.Utf8.wellFormed(body.getBytes())) {
      // Decoded leniently, bad bytes became U+FFFD: two different byte strings could name one site.
      throw Problem.badRequest("the CSV is not well-formed UTF-8 (name its charset in Content-Type if it is another)");
    }
    Ignored ignored = new Ignored();
    List<Row> rows = csv ? csvRows(csvText(ctx), fields, ignored) : jsonRows(ctx);
    if (rows.isEmpty() || rows.size() > MAX_ROWS) {
      throw Problem.badRequest("send 1 to " + MAX_ROWS + " rows");
    }
    Problem.Errors errors = new Problem.Errors();
    List<T> out = new ArrayList<>(rows.size());
    Map<String, String> firstRowOf = new HashMap<>();
    for (Row row : rows) {
      ignored.addAll(Fields.ignored(row.prefix(), row.values().keySet(), fields, errors));
      out.add(read.apply(row, errors));
      Object k = row.values().get(key);
      String earlier = k == null ? null : firstRowOf.putIfAbsent(k.toString().trim(), row.prefix());
      if (earlier != null) {
        errors.add(row.field(key), "is also on " + earlier.replaceAll("[.:] *$", "") + ": send each once");
      }
    }
    errors.throwIfAny();
    return new Upload<>(out, ignored);
  }

  /** The CSV decoded in the charset its Content-Type names (UTF-8 when none). */
  private static String csvText(RoutingContext ctx) {
    try {
      return ctx.body().asString();
    } catch (IllegalArgumentException e) {
      // Charset.forName's refusal of a name it does not know or that is none (charset=foo, charset=): it was a 500.
      throw Problem.badRequest("Content-Type names a charset this service does not know (\"" + e.getMessage()
          + "\"): send UTF-8, or name one such as GBK or GB18030");
    }
  }

  private static List<Row> jsonRows(RoutingContext ctx) {
    JsonArray array;
    try {
      array = ctx.body().asJsonArray();
    } catch (DecodeException | ClassCastException e) {
      throw Problem.badRequest("the body must be a JSON array of objects (or CSV with Content-Type: text/csv)");
    }
    if (array == null) {
      throw Problem.badRequest("the body must be a JSON array of objects (or CSV with Content-Type: text/csv)");
    }
    String twice = Fields.memberNamedTwice(ctx.body().buffer().getBytes());
    if (twice != null) {
      // The tree keeps the last value: {"siteId":"IM1","siteId":"IM2"} upserted IM2, where a gateway that read the
      // first would have passed another row. Scans and NHSA messages refuse it too.
      throw Problem.validation(List.of(new Problem.FieldError(twice, "is given twice")));
    }
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      Object o = array.getValue(i);
      if (!(o instanceof JsonObject json)) {
        throw Problem.validation(List.of(new Problem.FieldError("[" + i + "]", "must be an object")));
      }
      rows.add(new Row("[" + i + "].", json.getMap()));
    }
    return rows;
  }

  /**
   * CSV with a header line; a column that is none of {@code fields} is left out of the rows and added to
   * {@code ignored}. Cells are not trimmed by the parser: a control character at a cell's edge must reach the row
   * checks rather than vanish with the spaces.
   */
  private static List<Row> csvRows(String body, List<String> fields, Ignored ignored) {
    if (body == null) {
      return List.of();
    }
    CSVFormat format = CSVFormat.DEFAULT.builder().setIgnoreEmptyLines(true).get();
    List<Row> rows = new ArrayList<>();
    // Only a byte order mark is dropped: a U+FEFF inside a cell is the sender's text, as it is in JSON (dropped, it
    // made the site id PFE U+FEFF 1 another upload's PFE1, and overwrote that site).
    String text = body.startsWith("\uFEFF") ? body.substring(1) : body;
    Lines lines = new Lines(text);
    long linesRead = 0;
    try (CSVParser parser = CSVParser.parse(new StringReader(text), format)) {
      try {
        List<String> header = null;
        for (CSVRecord record : parser) {
          long line = lines.ofRecordAt(record.getCharacterPosition());
          linesRead = parser.getCurrentLineNumber();
          if (header == null) {
            header = record.stream().map(String::trim).toList();
            ignored.addAll(columnsIgnored(header, fields, "line " + line + ": "));
            continue;
          }
          if (record.stream().skip(header.size()).anyMatch(cell -> !cell.isBlank())) {
            // A cell under no column is data the upload would drop without a word.
            throw Problem.badRequest("line " + line + " has " + record.size() + " cells, the header names "
                + header.size() + " columns");
          }
          Map<String, Object> values = new HashMap<>();
          for (int i = 0; i < Math.min(header.size(), record.size()); i++) {
            String v = record.get(i);
            if (header.get(i).isEmpty()) {
              if (!v.isBlank()) {
                throw Problem.badRequest("line " + line + " has a value in column " + (i + 1)
                    + ", which the header leaves unnamed");
              }
              continue;
            }
            if (fields.contains(header.get(i))) {
              values.put(header.get(i), v.isEmpty() ? null : v);
            }
          }
          rows.add(new Row("line " + line + ": ", values));
        }
      } catch (Problem p) {
        throw p;
      } catch (RuntimeException e) {
        // The parser's message names its exception classes: the client learns where, not how.
        throw Problem.badRequest("the CSV could not be read from line " + lines.ofRecordAfter(linesRead)
            + ": a quoted cell is not closed, or text follows its closing quote");
      }
    } catch (IOException e) {
      throw Problem.badRequest("the CSV could not be read");
    }
    return rows;
  }

  /**
   * Where each record starts, in the lines an editor shows: a record's number is not that (a quoted cell may hold line
   * ends, blank lines are skipped), and neither is the parser's position of a record, which lies before the blank
   * lines skipped ahead of it. Read forward only, once over the text.
   */
  private static final class Lines {
    private final String text;
    private int at;
    private long line = 1;

    Lines(String text) {
      this.text = text;
    }

    /** The line of the record at {@code position}, the parser's character position of it. */
    long ofRecordAt(long position) {
      while (at < position) {
        step();
      }
      return afterBlankLines();
    }

    /** The line of the record after the first {@code count} lines (those the parser had read before it). */
    long ofRecordAfter(long count) {
      while (line <= count && at < text.length()) {
        step();
      }
      return afterBlankLines();
    }

    private long afterBlankLines() {
      while (at < text.length() && (text.charAt(at) == '\r' || text.charAt(at) == '\n')) {
        step();
      }
      return line;
    }

    /** One character on; CR LF, CR and LF each end a line, as they do for the parser. */
    private void step() {
      char c = text.charAt(at++);
      if (c == '\n' || c == '\r' && (at == text.length() || text.charAt(at) != '\n')) {
        line++;
      }
    }
  }

  /**
   * The header's columns that are none of {@code fields}, named under {@code prefix}: ignored as unknown JSON fields
   * are, or refused when misspelt. A column named twice is refused (the later of two same-named columns won). An
   * unnamed column left empty, as a trailing comma makes, is no column.
   */
  private static List<String> columnsIgnored(List<String> header, List<String> fields, String prefix) {
    Set<String> named = new LinkedHashSet<>();
    for (String column : header) {
      if (!column.isEmpty() && !named.add(column)) {
        throw Problem.badRequest("the header names the column " + column + " twice");
      }
    }
    Problem.Errors errors = new Problem.Errors();
    List<String> ignored = Fields.ignored(prefix, named, fields, errors);
    errors.throwIfAny();
    return ignored;
  }

  /** One input row, JSON or CSV alike; every CSV cell is text, so numbers are accepted as text too. */
  private record Row(String prefix, Map<String, Object> values) {
    String field(String name) {
      return prefix + name;
    }

    String text(String name, boolean required, int max, Problem.Errors errors) {
      Object v = values.get(name);
      if (v != null && !(v instanceof String) && !(v instanceof Number)) {
        // A JSON object, list or boolean names nothing: its Java rendering ("{a=1}", "[x]") was stored as the name.
        errors.add(field(name), "must be a string (or a number)");
        return null;
      }
      String notText = v == null ? null : Fields.notText(v.toString());
      if (notText != null) {
        errors.add(field(name), notText);
        return null;
      }
      if (v == null || v.toString().isBlank()) {
        if (required) {
          errors.add(field(name), "is required");
        }
        return null;
      }
      String s = v.toString().trim();
      if (s.length() > max) {
        errors.add(field(name), "must be at most " + max + " characters");
        return null;
      }
      return s;
    }

    /** A whole number: 24 or "24"; 1.5 and "1.5" are refused, never rounded. Null when absent, or refused. */
    Integer integer(String name, int min, int max, Problem.Errors errors) {
      Object v = values.get(name);
      if (v == null || v.toString().isBlank()) {
        return null;
      }
      Long n = null;
      if (v instanceof Number num) {
        n = Fields.whole(num) ? num.longValue() : null;
      } else {
        try {
          n = Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
          // reported below
        }
      }
      if (n == null) {
        errors.add(field(name), "must be a whole number");
        return null;
      }
      if (n < min || n > max) {
        errors.add(field(name), "must be between " + min + " and " + max);
        return null;
      }
      return n.intValue();
    }
  }
}
