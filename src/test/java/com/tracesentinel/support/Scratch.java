package com.tracesentinel.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.stream.Stream;

/**
 * Temporary directories of a test JVM (data directories, embedded PostgreSQL clusters), removed when the JVM exits:
 * a full run used to leave ~4 GB in /tmp behind. One shutdown hook closes what must stop first (the shared test
 * PostgreSQL) and then deletes, because separate hooks run in no particular order.
 */
public final class Scratch {
  private static final Deque<AutoCloseable> CLOSE_FIRST = new ArrayDeque<>();
  private static final Deque<Path> DIRS = new ArrayDeque<>();
  private static boolean hooked;

  private Scratch() {}

  /** A new directory under the system's temp directory, deleted with everything in it when the JVM exits. */
  public static synchronized Path dir(String prefix) {
    hook();
    try {
      Path dir = Files.createTempDirectory(prefix);
      DIRS.push(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Closed at JVM exit before any directory is deleted (last registered, first closed). */
  public static synchronized void closeAtExit(AutoCloseable resource) {
    hook();
    CLOSE_FIRST.push(resource);
  }

  private static void hook() {
    if (!hooked) {
      hooked = true;
      Runtime.getRuntime().addShutdownHook(new Thread(Scratch::cleanUp, "scratch-cleanup"));
    }
  }

  private static synchronized void cleanUp() {
    for (AutoCloseable c : CLOSE_FIRST) {
      try {
        c.close();
      } catch (Exception ignored) {
        // the JVM is going away; deleting what it leaves is all that is left to do
      }
    }
    for (Path dir : DIRS) {
      delete(dir);
    }
  }

  /** Deletes a tree, deepest first, skipping what cannot be deleted (a process the test left running). */
  public static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort
        }
      });
    } catch (IOException | UncheckedIOException ignored) {
      // a file vanished under the walk
    }
  }
}
