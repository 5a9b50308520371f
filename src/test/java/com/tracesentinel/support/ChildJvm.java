package com.tracesentinel.support;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The command line of a JVM a test starts (the service's main class, a Kafka broker). A full test run starts dozens,
 * and at the JVM's defaults each start spent 13–14 s of CPU on two cores, most of it compiling (C2, and javac for
 * Chronicle Map's generated classes) and loading classes for a process that lives seconds: the suite outgrew its
 * 10 minutes. So a child JVM compiles with C1 only, and a service child shares the classes the first one archived
 * (a dynamic CDS archive: 4–5 s of CPU a start instead of 13–14, measured by hand on 2026-12-03; Kafka brokers, two
 * a run, do not: see KafkaBroker). The archive takes classes from jars only, so the class path's directories
 * (target/classes) are packed into a jar once per test JVM. An archive the JVM refuses only means a slower start.
 */
public final class ChildJvm {
  private static final Path DIR = Scratch.dir("tracesentinel-childjvm");
  private static final Map<String, Process> DUMPERS = new HashMap<>();
  private static String classPath;

  private ChildJvm() {}

  /**
   * {@code java <flags> -cp <this JVM's class path, directories as jars> <main> <args>}, to be started with
   * {@link #start}, which adds the class-sharing flag.
   */
  public static List<String> command(List<String> jvmFlags, String main, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:TieredStopAtLevel=1");
    // CDS reports a refused archive on stdout: what the tests read as the child's own output.
    command.add("-Xlog:disable");
    command.addAll(jvmFlags);
    command.add("-cp");
    command.add(classPath());
    command.add(main);
    command.addAll(args);
    return command;
  }

  /**
   * Starts a {@link #command}; {@code kind} names whose classes its archive holds (children of one kind load the same
   * ones). The first child of a kind writes the archive as it exits; no child uses it before that one has ended.
   */
  public static synchronized Process start(String kind, ProcessBuilder builder) throws IOException {
    Path archive = DIR.resolve(kind + ".jsa");
    Process dumper = DUMPERS.get(kind);
    List<String> command = new ArrayList<>(builder.command());
    boolean dumps = false;
    if (Files.exists(archive)) {
      command.add(1, "-XX:SharedArchiveFile=" + archive);
    } else if (dumper == null || !dumper.isAlive()) {
      command.add(1, "-XX:ArchiveClassesAtExit=" + archive); // not written when the child is killed with -9
      dumps = true;
    }
    Process child = builder.command(command).start();
    if (dumps) {
      DUMPERS.put(kind, child);
    }
    return child;
  }

  private static synchronized String classPath() {
    if (classPath == null) {
      List<String> entries = new ArrayList<>();
      for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
        Path p = Path.of(entry);
        entries.add(Files.isDirectory(p) ? jarOf(p).toString() : entry);
      }
      classPath = String.join(java.io.File.pathSeparator, entries);
    }
    return classPath;
  }

  private static Path jarOf(Path dir) {
    Path jar = DIR.resolve(dir.getParent().getFileName() + "-" + dir.getFileName() + ".jar");
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out);
         Stream<Path> files = Files.walk(dir)) {
      // Directories get entries too: Flyway finds its migrations by asking for the directory "db/migration".
      for (Path f : (Iterable<Path>) files.filter(f -> !f.equals(dir)).sorted()::iterator) {
        String name = dir.relativize(f).toString().replace('\\', '/');
        boolean directory = Files.isDirectory(f);
        j.putNextEntry(new JarEntry(directory ? name + "/" : name));
        if (!directory) {
          Files.copy(f, j);
        }
        j.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return jar;
  }
}
