package com.tracesentinel.nhsa;

import com.tracesentinel.ingest.FieldNames;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.FilterReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A file of historical NHSA uploads, read message by message: JSON lines (one request envelope a line, as sent to
 * 3505/3505A/3506/3506A/3507; blank lines skipped) or CSV with a header of the 3505 field names, one line (one code)
 * a row, plus {@code fixmedins_code} and, optionally, {@code infno} (3505 when absent; 3506 rows may carry
 * {@code medins_prod_sel_no}, 3507 rows {@code fixmedins_bchno} and {@code inv_data_type}). Which it is: the first
 * character that is not white space, {@code {} for JSON lines. UTF-8, a byte-order mark ignored.
 */
public final class NhsaFile implements Closeable {
  /** One message of the file: read, or refused with why; {@code line} is where it ends in the file (1-based). */
  public record Message(long line, NhsaRequest request, NhsaError.Refused refused) {}

  /**
   * A JSON line's longest (bytes) and a CSV row's (characters), far above a message of 5,000 codes with every field
   * filled. A file without line breaks (or one long line of garbage) was read whole into one array: past 1 GiB the
   * import stopped saying only "-2147483648".
   */
  static final int MAX_LINE = 16 << 20;

  private final Counting bytes;
  private final JsonLines lines;
  private final CSVParser csv;
  private final Iterator<CSVRecord> rows;
  private final List<String> header;
  private final RowBudget rowBudget;

  private NhsaFile(Counting bytes, JsonLines lines, CSVParser csv, RowBudget rowBudget) {
    this.bytes = bytes;
    this.lines = lines;
    this.csv = csv;
    this.rowBudget = rowBudget;
    this.rows = csv == null ? null : csv.iterator();
    this.header = csv == null ? List.of() : csv.getHeaderNames().stream().map(String::strip).toList();
  }

  public static NhsaFile open(Path file) throws IOException {
    Counting bytes = new Counting(Files.newInputStream(file));
    BufferedInputStream in = new BufferedInputStream(bytes, 1 << 16);
    in.mark(3);
    int b0 = in.read();
    int b1 = in.read();
    int b2 = in.read();
    if ((b0 == 0xFF && b1 == 0xFE) || (b0 == 0xFE && b1 == 0xFF)) {
      // Read as UTF-8, its first line became a CSV header and the messages after it were refused for fields they have.
      in.close();
      throw new IOException(file + " is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8");
    }
    if (b0 != 0xEF || b1 != 0xBB || b2 != 0xBF) {
      in.reset();
    }
    in.mark(1 << 16);
    int c;
    do {
      c = in.read();
    } while (c == ' ' || c == '\t' || c == '\r' || c == '\n');
    in.reset();
    if (c < 0) {
      // "0 messages", exit 0, for an empty export or a file truncated to nothing, read as a finished import.
      in.close();
      throw new IOException(file + " holds no messages (it is empty, or blank lines only): nothing to import");
    }
    if (c == '{') {
      return new NhsaFile(bytes, new JsonLines(in), null, null);
    }
    if (c == '[') {
      // Read as CSV, it stopped on the parser's own words about quotes.
      in.close();
      throw new IOException(file + " is a JSON array: write one request envelope a line (JSON lines), or CSV");
    }
    long notUtf8 = firstLineNotUtf8(file);
    if (notUtf8 > 0) {
      // Decoded leniently, every byte that is not UTF-8 became U+FFFD: the GBK receipts 销售001 and 零售001 both read
      // as the same document, and the second sale of a box was skipped as a re-send of the first (REPLAYED, never
      // stored, never flagged) in an import that exited 0. The JSON lines check each line; a CSV row cannot be told
      // apart from the ones around it once the reader's buffer is past it, so the whole file is checked first.
      in.close();
      throw new IOException(file + ": line " + notUtf8 + " is not UTF-8 (a GBK file, as Excel saves CSV on Chinese "
          + "Windows?): save it as UTF-8");
    }
    // Cells are not trimmed by the parser: a control character at a cell's edge must reach the core's checks.
    CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setIgnoreEmptyLines(true)
        .setAllowMissingColumnNames(true).get();
    RowBudget budget = new RowBudget(new InputStreamReader(in, StandardCharsets.UTF_8));
    CSVParser parser;
    try {
      parser = format.parse(budget);
    } catch (IOException e) {
      in.close();
      throw budget.exceeded ? new IOException(file + ": its header row is longer than " + (MAX_LINE >> 20)
          + " MiB characters (a quoted cell never closed?)") : e;
    }
    NhsaFile csv = new NhsaFile(bytes, null, parser, budget);
    String twice = csv.columnReadTwice();
    if (twice != null) {
      csv.close();
      // The later of the two cells was taken and the other dropped, without a word.
      throw new IOException(file + ": the header names the column " + twice + " twice: which of a row's two cells "
          + "counts would be a guess");
    }
    if (csv.header.stream().noneMatch(NhsaEnvelope.READ::contains)) {
      csv.close();
      // Any text file parses as CSV: its first line became a header of no known column and the file imported as
      // "0 messages", exit 0.
      throw new IOException(file + ": its first line names no NHSA field, so it is neither JSON lines of request "
          + "envelopes nor CSV with a header of 3505 field names (fixmedins_code, drug_trac_codg, ...)");
    }
    String misspelt = csv.columnMisspelt();
    if (misspelt != null) {
      csv.close();
      // Its cells were read past as an unknown column's, as a JSON message's misspelt field was.
      throw new IOException(file + ": " + misspelt);
    }
    return csv;
  }

  /** The 1-based line of the first byte of {@code file} that is not UTF-8 (or a sequence cut off at its end), or -1. */
  static long firstLineNotUtf8(Path file) throws IOException {
    java.nio.charset.CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
    java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(1 << 16);
    // At most one char per byte (a 4-byte sequence is 2 chars): decoding never overflows it.
    java.nio.CharBuffer chars = java.nio.CharBuffer.allocate(1 << 16);
    long line = 1;
    try (java.nio.channels.ReadableByteChannel channel = Files.newByteChannel(file)) {
      boolean eof = false;
      while (!eof) {
        eof = channel.read(bytes) < 0;
        bytes.flip();
        java.nio.charset.CoderResult result = utf8.decode(bytes, chars, eof);
        chars.flip();
        while (chars.hasRemaining()) {
          if (chars.get() == '\n') {
            line++;
          }
        }
        chars.clear();
        if (result.isError()) {
          return line;
        }
        bytes.compact();
      }
    }
    return -1;
  }

  /** A column the messages are read from that the header names twice (another may be, as it is read past). */
  private String columnReadTwice() {
    Set<String> seen = new HashSet<>();
    for (String name : header) {
      if (NhsaEnvelope.READ.contains(name) && !seen.add(name)) {
        return name;
      }
    }
    return null;
  }

  /** A column that misspells one the messages are read from, said with the one it means; else null. */
  private String columnMisspelt() {
    for (String name : header) {
      String meant = NhsaEnvelope.READ.contains(name) ? null : FieldNames.meant(name, NhsaEnvelope.READ);
      if (meant != null) {
        return "the header's column " + name + " is not read: did you mean " + meant + "?";
      }
    }
    return null;
  }

  /** Bytes of the file read so far (read ahead by a buffer: for progress only). */
  public long bytesRead() {
    return bytes.count;
  }

  /** The next message, or null at the end of the file. */
  public Message next() throws IOException {
    return csv == null ? nextJsonLine() : nextRow();
  }

  private Message nextJsonLine() throws IOException {
    while (lines.next()) {
      if (lines.tooLong) {
        return new Message(lines.number, null, new NhsaError.Refused(new NhsaError("body", "此行超过 "
            + (MAX_LINE >> 20) + " MiB，不是一条请求报文（文件缺少换行？）", "the line is longer than "
            + (MAX_LINE >> 20) + " MiB: not one request envelope (a file without its line breaks?)")));
      }
      if (!lines.blank()) {
        try {
          return new Message(lines.number, NhsaEnvelope.readImported(NhsaJson.read(lines.buf, lines.start,
              lines.length)), null);
        } catch (NhsaError.Refused refused) {
          return new Message(lines.number, null, refused);
        }
      }
    }
    return null;
  }

  private Message nextRow() {
    CSVRecord row;
    // An unclosed quote is only noticed at the end of the file: name the line its row starts on, not the last one.
    long rowStarts = csv.getCurrentLineNumber() + 1;
    rowBudget.sinceRow = 0;
    try {
      if (!rows.hasNext()) {
        return null;
      }
      row = rows.next();
    } catch (RuntimeException e) {
      if (rowBudget.exceeded) {
        throw new NhsaError.Refused(new NhsaError("line " + rowStarts, "CSV 无法读取：从此行起的一行超过 "
            + (MAX_LINE >> 20) + " MiB 字符（引号未闭合？）", "the CSV cannot be read: the row from this line on is "
            + "longer than " + (MAX_LINE >> 20) + " MiB characters (a quoted cell never closed?)"));
      }
      // The parser's message names its exception classes: say where, not how.
      throw new NhsaError.Refused(new NhsaError("line " + rowStarts, "CSV 无法读取：从此行起的一行中引号未闭合，"
          + "或引号后还有内容", "the CSV cannot be read: in the row from this line on a quoted cell is not closed, or "
          + "text follows its closing quote"));
    }
    long at = csv.getCurrentLineNumber();
    for (int i = header.size(); i < row.size(); i++) {
      if (!row.get(i).isBlank()) {
        // A cell under no column (a second code appended, a comma left unquoted) was dropped without a word.
        return new Message(at, null, new NhsaError.Refused(new NhsaError("row", "此行有 " + row.size()
            + " 个单元格，表头只有 " + header.size() + " 列", "the row has " + row.size() + " cells, the header names "
            + header.size() + " columns: a cell under no column would be dropped")));
      }
    }
    try {
      return new Message(at, NhsaEnvelope.readImported(envelope(row)), null);
    } catch (NhsaError.Refused refused) {
      // A row's field is its column, not a path in an envelope it never had.
      return new Message(at, null, new NhsaError.Refused(refused.errors().stream().map(e -> new NhsaError(
          e.field().replace("input.selinfoDetail[0].", "").replace("input.selinfo.", "").replace("input.data.", ""), e.zh(),
          e.en())).toList(), refused.siteId()));
    }
  }

  /** A row as the message it stands for: the envelope's own columns, the rest the line (or a 3507's data). */
  private Map<String, Object> envelope(CSVRecord row) {
    Map<String, Object> envelope = new LinkedHashMap<>();
    Map<String, Object> fields = new LinkedHashMap<>();
    for (int i = 0; i < header.size() && i < row.size(); i++) {
      String name = header.get(i);
      String value = row.get(i);
      if (value.isEmpty()) {
        continue;
      }
      switch (name) {
        case "infno", "msgid", "fixmedins_code", "dev_no", "inf_time" -> envelope.put(name, value);
        default -> fields.put(name, value);
      }
    }
    Object infno = envelope.computeIfAbsent("infno", k -> "3505");
    // Decided as the envelope reader decides the interface (spaces, any case): " 3507 " was refused for lacking
    // input.data, a 3505A row for lacking its list of lines. A row is one line, of the list when the interface has one.
    NhsaEnvelope.Interface iface = NhsaEnvelope.Interface.of(((String) infno).strip());
    envelope.put("input", iface == NhsaEnvelope.Interface.I3507 ? Map.of("data", fields)
        : iface != null && iface.detailList ? Map.of("selinfoDetail", List.of(fields)) : Map.of("selinfo", fields));
    return envelope;
  }

  @Override
  public void close() throws IOException {
    if (csv != null) {
      csv.close();
    }
    bytes.close();
  }

  /** Lines of UTF-8 bytes, handed to the JSON reader as they are (no decoding to a String first). */
  private static final class JsonLines {
    private final InputStream in;
    byte[] buf = new byte[1 << 16];
    private int end;
    private int next;
    private boolean eof;
    int start;
    int length;
    long number;
    /** The line was longer than {@link #MAX_LINE}: read past, its bytes not kept. */
    boolean tooLong;

    JsonLines(InputStream in) {
      this.in = in;
    }

    /** Moves to the next line (its bytes at buf[start, start + length), without the line break); false at the end. */
    boolean next() throws IOException {
      int from = next;
      int scan = next;
      while (true) {
        for (; scan < end; scan++) {
          if (buf[scan] == '\n') {
            set(from, scan);
            next = scan + 1;
            return true;
          }
        }
        if (eof) {
          if (from == end) {
            return false;
          }
          set(from, end);
          next = end;
          return true;
        }
        // Keep the partial line: move it to the front, or grow the buffer for a line longer than it.
        int partial = end - from;
        if (partial >= MAX_LINE) {
          skipRestOfLine();
          return true;
        }
        if (from > 0) {
          System.arraycopy(buf, from, buf, 0, partial);
        } else if (partial == buf.length) {
          buf = Arrays.copyOf(buf, buf.length * 2);
        }
        from = 0;
        scan = partial;
        end = partial;
        int n = in.read(buf, end, buf.length - end);
        if (n < 0) {
          eof = true;
        } else {
          end += n;
        }
      }
    }

    /** Reads past the rest of a line too long to be a message, keeping what follows its line break. */
    private void skipRestOfLine() throws IOException {
      number++;
      tooLong = true;
      start = 0;
      length = 0;
      while (true) {
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
          eof = true;
          end = 0;
          next = 0;
          return;
        }
        for (int i = 0; i < n; i++) {
          if (buf[i] == '\n') {
            end = n;
            next = i + 1;
            return;
          }
        }
      }
    }

    private void set(int from, int to) {
      tooLong = false;
      number++;
      start = from;
      length = to > from && buf[to - 1] == '\r' ? to - from - 1 : to - from;
    }

    boolean blank() {
      for (int i = start; i < start + length; i++) {
        byte b = buf[i];
        if (b != ' ' && b != '\t' && b != '\r') {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * The characters the CSV parser read since the row before: a quote never closed made the rest of the file one cell,
   * read into memory whole, and the import died of an OutOfMemoryError, then hung with its database running.
   */
  private static final class RowBudget extends FilterReader {
    long sinceRow;
    boolean exceeded;

    RowBudget(Reader in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int c = super.read();
      count(c < 0 ? 0 : 1);
      return c;
    }

    @Override
    public int read(char[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      count(Math.max(n, 0));
      return n;
    }

    private void count(int n) throws IOException {
      sinceRow += n;
      if (sinceRow > MAX_LINE) {
        exceeded = true;
        throw new IOException("a CSV row longer than " + (MAX_LINE >> 20) + " MiB characters");
      }
    }
  }

  private static final class Counting extends FilterInputStream {
    private volatile long count;

    Counting(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
