package com.tracesentinel.history;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;

/**
 * Rows in PostgreSQL's binary COPY format, written into one growing buffer: the cheapest way to hand PostgreSQL many
 * rows (no text parsing on its side, no statement per row). Text is encoded as UTF-8 directly into the buffer; a
 * U+0000, which PostgreSQL refuses in text, becomes U+FFFD, and an unpaired surrogate becomes '?', so no text value
 * can fail a whole group.
 */
final class PgCopy implements ScanColumns<PgCopy> {
  private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
  private static final long PG_EPOCH_SECONDS = 946_684_800L; // 2000-01-01T00:00:00Z
  private static final long PG_EPOCH_DAYS = 10_957L;

  private byte[] buf = new byte[64 * 1024];
  private int len;

  PgCopy() {
    reset();
  }

  /** Empties the buffer for the next COPY, keeping its capacity: a group's rows no longer allocate 64 KB anew. */
  PgCopy reset() {
    len = 0;
    write(SIGNATURE, 0, SIGNATURE.length);
    int32(0); // flags
    int32(0); // header extension length
    return this;
  }

  byte[] buffer() {
    return buf;
  }

  int length() {
    return len;
  }

  /** Ends the data: call once, after the last row. */
  PgCopy end() {
    int16(-1);
    return this;
  }

  PgCopy row(int fields) {
    int16(fields);
    return this;
  }

  PgCopy nul() {
    int32(-1);
    return this;
  }

  @Override
  public PgCopy int8(long v) {
    int32(8);
    int64(v);
    return this;
  }

  @Override
  public PgCopy int2(Integer v) {
    if (v == null) {
      return nul();
    }
    int32(2);
    int16(v);
    return this;
  }

  @Override
  public PgCopy int4(Integer v) {
    if (v == null) {
      return nul();
    }
    int32(4);
    int32(v);
    return this;
  }

  @Override
  public PgCopy bool(boolean v) {
    int32(1);
    ensure(1);
    buf[len++] = (byte) (v ? 1 : 0);
    return this;
  }

  @Override
  public PgCopy bytea(byte[] v) {
    if (v == null) {
      return nul();
    }
    int32(v.length);
    write(v, 0, v.length);
    return this;
  }

  @Override
  public PgCopy timestamptz(Instant v) {
    if (v == null) {
      return nul();
    }
    int32(8);
    int64((v.getEpochSecond() - PG_EPOCH_SECONDS) * 1_000_000L + v.getNano() / 1_000);
    return this;
  }

  @Override
  public PgCopy date(LocalDate v) {
    if (v == null) {
      return nul();
    }
    int32(4);
    int32((int) (v.toEpochDay() - PG_EPOCH_DAYS));
    return this;
  }

  @Override
  public PgCopy text(String s) {
    if (s == null) {
      return nul();
    }
    // Codes, sites and documents are ASCII: one pass copies them, and only other text is checked and encoded.
    int n = s.length();
    ensure(4 + n);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == 0 || c >= 0x80) {
        return encoded(s);
      }
      buf[len + 4 + i] = (byte) c;
    }
    int32(n);
    len += n;
    return this;
  }

  private PgCopy encoded(String s) {
    String t = storable(s);
    int lengthAt = len;
    int32(0);
    ensure(t.length() * 3);
    int start = len;
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c < 0x80) {
        buf[len++] = (byte) c;
      } else if (Character.isHighSurrogate(c)) { // storable: always followed by its low half
        ensure(4);
        putUtf8(Character.toCodePoint(c, t.charAt(++i)));
      } else {
        putUtf8(c);
      }
    }
    int n = len - start;
    buf[lengthAt] = (byte) (n >>> 24);
    buf[lengthAt + 1] = (byte) (n >>> 16);
    buf[lengthAt + 2] = (byte) (n >>> 8);
    buf[lengthAt + 3] = (byte) n;
    return this;
  }

  private void putUtf8(int cp) {
    if (cp < 0x800) {
      buf[len++] = (byte) (0xC0 | (cp >>> 6));
      buf[len++] = (byte) (0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      buf[len++] = (byte) (0xE0 | (cp >>> 12));
      buf[len++] = (byte) (0x80 | ((cp >>> 6) & 0x3F));
      buf[len++] = (byte) (0x80 | (cp & 0x3F));
    } else {
      buf[len++] = (byte) (0xF0 | (cp >>> 18));
      buf[len++] = (byte) (0x80 | ((cp >>> 12) & 0x3F));
      buf[len++] = (byte) (0x80 | ((cp >>> 6) & 0x3F));
      buf[len++] = (byte) (0x80 | (cp & 0x3F));
    }
  }

  private void int16(int v) {
    ensure(2);
    buf[len++] = (byte) (v >>> 8);
    buf[len++] = (byte) v;
  }

  private void int32(int v) {
    ensure(4);
    buf[len++] = (byte) (v >>> 24);
    buf[len++] = (byte) (v >>> 16);
    buf[len++] = (byte) (v >>> 8);
    buf[len++] = (byte) v;
  }

  private void int64(long v) {
    int32((int) (v >>> 32));
    int32((int) v);
  }

  private void write(byte[] b, int off, int n) {
    ensure(n);
    System.arraycopy(b, off, buf, len, n);
    len += n;
  }

  private void ensure(int more) {
    if (len + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }
  }

  /** The text this class writes for {@code s}: itself unless it holds a U+0000 or an unpaired surrogate. */
  static String storable(String s) {
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == 0 || Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1)))) {
        break;
      }
      i += Character.isHighSurrogate(c) ? 2 : 1;
    }
    if (i >= s.length()) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length()).append(s, 0, i);
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        out.append('\uFFFD');
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        out.append(c).append(s.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        out.append('?');
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
