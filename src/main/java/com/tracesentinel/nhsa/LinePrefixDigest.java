package com.tracesentinel.nhsa;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 of a file's first lines, read once from the start: what tells an import that the part of a file an earlier
 * run settled is still the same bytes. A line ends at '\n' (the last may end at the end of the file); a file whose
 * rows end at a lone '\r' is one line to it, so only the whole file can match, which errs on the safe side.
 */
final class LinePrefixDigest implements Closeable {
  private final InputStream in;
  private final MessageDigest sha;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int len;
  private long lines;
  private boolean openLine;
  private boolean ended;
  private byte[] withoutBreak;

  LinePrefixDigest(Path file) throws IOException {
    in = Files.newInputStream(file);
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /**
   * The digest of the file's first {@code n} lines, or null when it has fewer. Calls must come with {@code n} not
   * decreasing: the file is read once.
   */
  byte[] through(long n) throws IOException {
    while (lines < n) {
      if (pos == len) {
        len = ended ? -1 : in.read(buf);
        pos = 0;
        if (len < 0) {
          ended = true;
          len = 0;
          if (!openLine) {
            return null;
          }
          openLine = false;
          withoutBreak = null;
          lines++; // a last line without its '\n'
          continue;
        }
      }
      int start = pos;
      while (pos < len && lines < n) {
        if (buf[pos++] == '\n') {
          lines++;
          openLine = false;
        } else {
          openLine = true;
        }
      }
      if (lines == n && !openLine && pos > start && buf[pos - 1] == '\n') {
        int end = pos - 1 > start && buf[pos - 2] == '\r' ? pos - 2 : pos - 1;
        sha.update(buf, start, end - start);
        withoutBreak = digest();
        sha.update(buf, end, pos - end);
      } else {
        withoutBreak = null;
        sha.update(buf, start, pos - start);
      }
    }
    return lines == n ? digest() : null;
  }

  /**
   * After {@link #through}, the digest of the same lines without the last one's line break. A file whose last line
   * had none when a run settled it, grown by more lines since, starts with those bytes all the same: its digest
   * through them now holds the break the earlier one did not.
   */
  byte[] withoutLastBreak() {
    return withoutBreak != null ? withoutBreak : digest();
  }

  private byte[] digest() {
    try {
      return ((MessageDigest) sha.clone()).digest();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's SHA-256 can be cloned", e);
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
