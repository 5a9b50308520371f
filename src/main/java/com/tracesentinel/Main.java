package com.tracesentinel;

import com.tracesentinel.config.Config;
import com.tracesentinel.nhsa.NhsaImport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code java -jar tracesentinel.jar [serve|demo|rebuild-ledger|verify-ledger|import FILE]}. Configuration comes from
 * the environment only (see {@link Config} and the README); the sub-commands just choose what to do with it.
 */
@Command(name = "tracesentinel", mixinStandardHelpOptions = true, version = "TraceSentinel 0.1",
    description = "Drug trace-code scanning and anomaly service. Configuration: TRACESENTINEL_* environment "
        + "variables (README).",
    subcommands = {Main.Serve.class, Main.Demo.class, Main.RebuildLedger.class, Main.VerifyLedger.class,
        Main.Import.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

  public static void main(String[] args) {
    disableTelemetry();
    System.exit(run(new CommandLine(new Main()), args));
  }

  static int run(CommandLine cli, String[] args) {
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      // A start-up failure (bad configuration, port in use, database unreachable) is one clear line; the full
      // trace goes to the log at DEBUG.
      org.slf4j.LoggerFactory.getLogger(Main.class).debug("Start-up failed", e);
      cmd.getErr().println("tracesentinel: " + rootMessage(e));
      return cmd.getCommandSpec().exitCodeOnExecutionException();
    });
    try {
      return cli.execute(args);
    } catch (Error e) {
      // picocli lets an Error through: main's thread ended without System.exit, and the JVM stayed up with its
      // threads and its embedded PostgreSQL (an import out of memory hung so).
      cli.getErr().println("tracesentinel: " + e.getClass().getSimpleName() + ": " + rootMessage(e));
      CommandLine.ParseResult ran = cli.getParseResult();
      while (ran != null && ran.hasSubcommand()) {
        ran = ran.subcommand();
      }
      return ran == null ? 1 : ran.commandSpec().exitCodeOnExecutionException();
    }
  }

  /**
   * Chronicle's libraries report usage to a public analytics host unless told not to, and this service never
   * calls out: set before any Chronicle class loads.
   */
  public static void disableTelemetry() {
    System.setProperty("chronicle.analytics.disable", "true");
    System.setProperty("chronicle.announcer.disable", "true");
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return t == e || m == null ? described(e) : described(e) + " (" + m + ")";
  }

  // A TimeoutException carries no message: "tracesentinel: null" said nothing of what failed.
  private static String described(Throwable e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  /** No sub-command: serve. */
  @Override
  public Integer call() throws Exception {
    return new Serve().call();
  }

  @Command(name = "serve", mixinStandardHelpOptions = true, description = "Start the service (the default).")
  static class Serve implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      Config config = Config.fromEnvironment();
      TraceSentinel app = start(config);
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          app.close();
        } catch (Exception e) {
          System.err.println("Stopping: " + e);
        } finally {
          stopped.countDown();
        }
      }, "shutdown"));
      app.shutdownHookInstalled();
      if (app.generatedAdminKey() != null) {
        System.out.println();
        // also after every admin key was revoked: a later start then makes one, which is how an admin recovers
        System.out.println("  No admin API key was live, so one was generated. It is shown only this once:");
        System.out.println("    " + app.generatedAdminKey().key());
        System.out.println("  Its id, to revoke it: DELETE /api/v1/keys/" + app.generatedAdminKey().id());
        System.out.println("  (set TRACESENTINEL_ADMIN_KEY to choose your own instead)");
        System.out.println();
      }
      afterStart(app);
      stopped.await();
      return 0;
    }

    TraceSentinel start(Config config) throws Exception {
      return TraceSentinel.start(config);
    }

    void afterStart(TraceSentinel app) throws Exception {}
  }

  @Command(name = "demo", mixinStandardHelpOptions = true, description = "Start the service and load a demo catalogue, sites and a simulated day "
      + "of scans with injected counterfeit, diverted, substituted and split-pack patterns.")
  static final class Demo extends Serve {
    @Override
    TraceSentinel start(Config config) throws Exception {
      if (config.cluster() != null) {
        // it started, loaded scans before any partition was its own, and stopped on "being handed over"
        throw new IllegalArgumentException("demo loads its day into one node and cannot run in cluster mode (unset "
            + "TRACESENTINEL_KAFKA_BOOTSTRAP); a cluster starts with serve and takes data through any node");
      }
      // Not ready until the demo data is in: the README's Quick start waits for /health/ready, then uses it.
      return TraceSentinel.start(config, "the demo data is still loading");
    }

    @Override
    void afterStart(TraceSentinel app) throws Exception {
      System.out.print(TraceSentinel.await(com.tracesentinel.demo.DemoData.loadAndTell(app.services(), System.out)));
      app.releaseReadiness();
    }
  }

  @Command(name = "rebuild-ledger", mixinStandardHelpOptions = true,
      description = "Rebuild the code ledger from the history (service stopped), e.g. after raising "
          + "TRACESENTINEL_LEDGER_CAPACITY.")
  static final class RebuildLedger implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      TraceSentinel.rebuildLedger(Config.fromEnvironment(), System.out);
      return 0;
    }
  }

  // A start that fails (no file, the data directory in use, a bad setting) imported nothing: it must not read as
  // 1, "done, some messages refused", to a script that then moves on.
  @Command(name = "import", mixinStandardHelpOptions = true, exitCodeOnExecutionException = 2,
      description = "Load a file of historical NHSA uploads (service stopped): JSON lines of 3505/3505A/3506/3506A/"
          + "3507 request envelopes, or CSV with the 3505 column names and fixmedins_code. Judged like POST "
          + "/api/v1/nhsa/{infno}; re-running it resumes (what is stored counts as skipped). Exit 0: done; 1: done, "
          + "some messages refused; 2: stopped before the end, or could not start.")
  static final class Import implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the file to import")
    Path file;

    @Override
    public Integer call() throws Exception {
      if (!Files.isReadable(file)) {
        throw new IllegalArgumentException("cannot read " + file);
      }
      // The file is read more than once (its encoding, a resume's checkpoint, the messages): a directory or a pipe
      // failed only once the database had started, as "Is a directory" or "Illegal seek", naming no file.
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("cannot import " + file + ": not a regular file (a directory, a pipe); "
            + "give the path of the file itself");
      }
      TraceSentinel core = TraceSentinel.startCore(Config.fromEnvironment());
      NhsaImport importer = new NhsaImport(core.scans(), core.importCheckpoints(), System.out);
      CountDownLatch reported = new CountDownLatch(1);
      // Ctrl-C: stop reading, settle what was sent, print the summary, then close the core cleanly.
      Thread hook = new Thread(() -> {
        importer.stop();
        try {
          reported.await(60, TimeUnit.SECONDS);
          core.close();
        } catch (Exception e) {
          System.err.println("Stopping: " + e);
        }
      }, "shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      core.shutdownHookInstalled();
      NhsaImport.Summary summary;
      try {
        summary = importer.run(file);
        summary.print(System.out, file);
      } finally {
        reported.countDown();
      }
      core.close();
      return summary.exitCode();
    }
  }

  // A check that could not run must not read as "they differ" to a script that rebuilds on 1.
  @Command(name = "verify-ledger", mixinStandardHelpOptions = true, exitCodeOnExecutionException = 2,
      description = "Compare every ledger entry with the history (service stopped); print each difference. Exit 0 "
          + "when they agree, 1 when they do not, 2 when they could not be compared (the data directory in use, "
          + "the database unreachable).")
  static final class VerifyLedger implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      return TraceSentinel.verifyLedger(Config.fromEnvironment(), System.out) ? 0 : 1;
    }
  }
}
