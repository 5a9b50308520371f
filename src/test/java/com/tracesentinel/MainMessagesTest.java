package com.tracesentinel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The one line a failed command prints names what failed, whatever the exception carries. */
class MainMessagesTest {
  @Test
  void anExceptionWithoutAMessageIsNamedByItsKind() {
    assertEquals("TimeoutException", Main.rootMessage(new TimeoutException()));
    assertEquals("disk", Main.rootMessage(new IllegalStateException("disk", new TimeoutException())));
    assertEquals("IllegalStateException (No space left on device)",
        Main.rootMessage(new IllegalStateException(null, new IOException("No space left on device"))));
  }

  @Test
  void aMessageAndItsRootCauseAreBothShown() {
    assertEquals("bad setting", Main.rootMessage(new IllegalArgumentException("bad setting")));
    assertEquals("reading x: java.io.IOException: gone (gone)",
        Main.rootMessage(new UncheckedIOException("reading x: java.io.IOException: gone", new IOException("gone"))));
  }
}
