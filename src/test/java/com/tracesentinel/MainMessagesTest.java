package com.tracesentinel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

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

  @Test
  void anErrorEndsTheCommandWithItsExitCodeAndALine() {
    CommandLine cli = new CommandLine(new Outer());
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    assertEquals(2, Main.run(cli, new String[] {"inner"}));
    assertEquals("tracesentinel: OutOfMemoryError: Requested array size exceeds VM limit", err.toString().strip());
  }

  @Command(name = "outer", subcommands = Inner.class)
  static final class Outer implements Runnable {
    @Override
    public void run() {}
  }

  @Command(name = "inner", exitCodeOnExecutionException = 2)
  static final class Inner implements Runnable {
    @Override
    public void run() {
      throw new OutOfMemoryError("Requested array size exceeds VM limit");
    }
  }
}
