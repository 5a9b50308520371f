package com.tracesentinel.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node KRaft Kafka broker, started as its own process from the broker jars on the test classpath (never
 * inside the test JVM, whose Jackson and logging it would share), on 127.0.0.1 with a temporary log directory.
 * Output goes to {@code <dir>/broker.log}.
 */
public final class KafkaBroker implements AutoCloseable {
  private final Path dir;
  private final int port;
  private Process process;

  private KafkaBroker(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /**
   * Tried up to three times, each on new ports: two test JVMs now pick free ports side by side (bind to 0, close,
   * hand the number on), so another process may take one before the broker binds it; a broker that exited at start
   * (once in a full run, printing nothing after its storage format) is started again rather than failing the class.
   */
  public static KafkaBroker start() throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return startOnce();
      } catch (IllegalStateException exited) {
        if (attempt == 3) {
          throw exited;
        }
      }
    }
  }

  private static KafkaBroker startOnce() throws Exception {
    Path dir = Scratch.dir("tracesentinel-kafka");
    int port = freePort();
    int controller = freePort();
    Path props = dir.resolve("server.properties");
    Files.writeString(props, String.join("\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controller,
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name=PLAINTEXT",
        "log.dirs=" + dir.resolve("data"),
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "group.consumer.session.timeout.ms=6000",
        "group.consumer.min.session.timeout.ms=1000",
        "group.min.session.timeout.ms=1000",
        "") + "\n");
    Path log = dir.resolve("broker.log");
    run(List.of("kafka.tools.StorageTool", "format", "-t", UUID.randomUUID().toString().replace("-", "")
        .substring(0, 22), "-c", props.toString()), log).waitFor(60, TimeUnit.SECONDS);
    return new KafkaBroker(dir, port, listening(dir, port));
  }

  /** The broker of {@code dir}'s properties, started and listening on {@code port}. */
  private static Process listening(Path dir, int port) throws Exception {
    Path log = dir.resolve("broker.log");
    Process broker = run(List.of("kafka.Kafka", dir.resolve("server.properties").toString()), log);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!broker.isAlive()) {
        throw new IllegalStateException("the broker exited with " + broker.exitValue() + ": " + Files.readString(log));
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        return broker;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    broker.destroyForcibly();
    throw new IllegalStateException("the broker did not listen within 60 s: " + Files.readString(log));
  }

  /** Starts the broker again after {@link #close}, on the same ports and log directory: Kafka coming back. */
  public void restart() throws Exception {
    process = listening(dir, port);
  }

  private static Process run(List<String> mainAndArgs, Path log) throws IOException {
    List<String> command = ChildJvm.command(List.of("-Xmx512m"), mainAndArgs.get(0),
        mainAndArgs.subList(1, mainAndArgs.size()));
    // No shared class archive: a run starts two brokers, and writing the archive cost the first 20 s more than the
    // second saved.
    return new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }

  public String bootstrap() {
    return "127.0.0.1:" + port;
  }

  public Path dir() {
    return dir;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

}
