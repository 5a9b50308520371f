package com.tracesentinel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DataDirLockTest {

  @Test
  void aDataDirThatIsAFileIsNamedWithItsVariable() throws Exception {
    Path file = Files.writeString(com.tracesentinel.support.Scratch.dir("tracesentinel-datadir-file")
        .resolve("not-a-dir"), "x");
    IOException e = assertThrows(IOException.class, () -> DataDirLock.acquire(file));
    // was the bare path: "tracesentinel: /srv/data"
    assertEquals("TRACESENTINEL_DATA_DIR=" + file + " cannot be used: " + file + " is a file, not a directory",
        e.getMessage());
    Path under = file.resolve("data");
    IOException below = assertThrows(IOException.class, () -> DataDirLock.acquire(under));
    assertEquals(true, below.getMessage().startsWith("TRACESENTINEL_DATA_DIR=" + under + " cannot be used: "),
        below.getMessage());
  }
}
