package com.tracesentinel.nhsa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinePrefixDigestTest {
  @TempDir
  Path dir;

  private Path file(String text) throws Exception {
    Path f = Files.createTempFile(dir, "lines", ".txt");
    Files.writeString(f, text);
    return f;
  }

  private static byte[] sha(String text) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void eachPrefixIsTheDigestOfItsLinesWithTheirLineEnds() throws Exception {
    try (LinePrefixDigest d = new LinePrefixDigest(file("a\r\nbb\n\nccc"))) {
      assertArrayEquals(sha("a\r\n"), d.through(1));
      assertArrayEquals(sha("a\r\n"), d.through(1), "asked again");
      assertArrayEquals(sha("a\r\nbb\n\n"), d.through(3));
      assertArrayEquals(sha("a\r\nbb\n\nccc"), d.through(4), "the last line ends at the end of the file");
      assertNull(d.through(5));
    }
  }

  @Test
  void withoutItsLastLineBreakAPrefixIsTheDigestOfTheFileThatEndedThere() throws Exception {
    try (LinePrefixDigest d = new LinePrefixDigest(file("a\r\nbb\nccc\r\ndd"))) {
      d.through(2);
      assertArrayEquals(sha("a\r\nbb"), d.withoutLastBreak());
      d.through(3);
      assertArrayEquals(sha("a\r\nbb\nccc"), d.withoutLastBreak(), "a CRLF break");
      d.through(4);
      assertArrayEquals(sha("a\r\nbb\nccc\r\ndd"), d.withoutLastBreak(), "no break to leave out");
    }
  }

  @Test
  void aFileWithFewerLinesHasNoSuchPrefix() throws Exception {
    try (LinePrefixDigest d = new LinePrefixDigest(file("a\nb\n"))) {
      assertNull(d.through(3));
    }
    try (LinePrefixDigest d = new LinePrefixDigest(file(""))) {
      assertNull(d.through(1));
    }
  }

  @Test
  void aLineLongerThanTheReadBufferIsHashedWhole() throws Exception {
    String longLine = "x".repeat(200_000) + "\n";
    try (LinePrefixDigest d = new LinePrefixDigest(file(longLine + longLine + "tail\n"))) {
      assertArrayEquals(sha(longLine + longLine), d.through(2));
    }
  }

  @Test
  void aChangedByteBeforeTheLineChangesItsDigest() throws Exception {
    try (LinePrefixDigest a = new LinePrefixDigest(file("one\ntwo\nthree\n"));
         LinePrefixDigest b = new LinePrefixDigest(file("one\ntwO\nthree\n"))) {
      assertArrayEquals(a.through(1), b.through(1));
      assertFalse(Arrays.equals(a.through(2), b.through(2)));
    }
  }
}
