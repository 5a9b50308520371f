package com.tracesentinel.code;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Well-formed UTF-8 (RFC 3629), as every body this service reads must be. The JSON reader decodes some ill-formed
 * sequences instead of refusing them: an overlong "/" (C0 AF) became "/", so two different byte strings made one
 * idempotency key, and an encoded surrogate became a lone UTF-16 half.
 */
public final class Utf8 {
  private Utf8() {}

  /**
   * Whether {@code length} bytes from {@code offset} are JSON text in UTF-8 as far as the encoding goes: well-formed,
   * and no zero byte among the first four. From a zero byte there (never in UTF-8 JSON) Jackson takes the bytes for
   * UTF-16 or UTF-32 and decodes them so: a body in UTF-16 without a byte-order mark was read and stored as if sent in
   * UTF-8, and an import's UTF-16 line too.
   */
  public static boolean jsonText(byte[] bytes, int offset, int length) {
    for (int i = offset; i < offset + Math.min(4, length); i++) {
      if (bytes[i] == 0) {
        return false;
      }
    }
    return wellFormed(bytes, offset, length);
  }

  public static boolean wellFormed(byte[] bytes, int offset, int length) {
    return firstMalformed(bytes, offset, length) < 0;
  }

  /** Where the first ill-formed sequence starts, counted from {@code offset}; -1 when there is none. */
  public static int firstMalformed(byte[] bytes, int offset, int length) {
    int end = offset + length;
    int i = offset;
    while (i < end && bytes[i] >= 0) {
      i++;
    }
    if (i == end) {
      return -1; // ASCII, as nearly every scan is
    }
    CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, i, end - i);
    CharBuffer out = CharBuffer.allocate(Math.min(end - i, 4096) + 1);
    while (true) {
      CoderResult r = strict.decode(in, out, true);
      if (r.isError()) {
        return in.position() - offset;
      }
      if (r.isUnderflow()) {
        return strict.flush(out).isError() ? in.position() - offset : -1;
      }
      out.clear();
    }
  }

  public static boolean wellFormed(byte[] bytes) {
    return wellFormed(bytes, 0, bytes.length);
  }
}
