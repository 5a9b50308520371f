package com.tracesentinel.nhsa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.ServiceProcess;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Resuming after an interruption, on real processes: {@code import} is killed with SIGKILL in the middle of a file
 * (no shutdown hook, the embedded PostgreSQL left running), then run again on the same file. The second run stores
 * only what the first did not, counts the rest as skipped, every code ends up stored exactly once, and the ledger
 * equals the history.
 */
@Tag("slow")
class NhsaImportResumeTest {
  // The import is killed once 1,000 codes are in the history, as PostgreSQL itself says (asked every 20 ms), not as
  // its progress line says: that line comes every 250 ms, and on a fast box the first one past the mark can be the
  // final one, printed after every code was stored (seen once on 2026-12-03, with the mark at 5,000 of 40,000).
  private static final int MESSAGES = 4_000;
  private static final int KILL_AFTER_CODES = 1_000;
  private static final int CODES_PER_MESSAGE = 10;

  @Test
  void anImportKilledHalfwayResumesWhereItStoppedWhenRunAgain() throws Exception {
    Path file;
    try (ServiceProcess svc = ServiceProcess.start(Map.of("TRACESENTINEL_LEDGER_CAPACITY", "200000"))) {
      svc.put("/api/v1/sites", "[{\"siteId\":\"PRESUME\",\"name\":\"Resume pharmacy\",\"kind\":\"PHARMACY\","
          + "\"regionCode\":\"440305\",\"regionName\":\"Shenzhen\"}]");
      svc.stop();
      file = svc.dataDir().resolve("uploads.jsonl");
      writeUploads(file);

      Process first = svc.run("import", file.toString());
      long seen = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (first.isAlive() && seen < KILL_AFTER_CODES && System.nanoTime() < deadline) {
        Thread.sleep(20);
        seen = storedSoFar(svc);
      }
      assertTrue(first.isAlive(), "the import ended before it could be killed:\n" + svc.log());
      first.destroyForcibly();
      first.waitFor(30, TimeUnit.SECONDS);
      // Its PostgreSQL is left running: once the killed client's sessions are gone, what it stored is final.
      for (int i = 0; i < 300 && svc.count("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
          + " AND pid <> pg_backend_pid()") > 0; i++) {
        Thread.sleep(100);
      }
      long storedBefore = svc.count("SELECT count(*) FROM scans");
      assertTrue(storedBefore > 0 && storedBefore < MESSAGES * CODES_PER_MESSAGE,
          "killed halfway: " + storedBefore + " stored");

      ServiceProcess.Result second = svc.runToEnd("import", file.toString());
      assertEquals(0, second.exit(), second.log());
      Matcher skipped = Pattern.compile("skipped\\s+([\\d,]+)  already stored").matcher(second.log());
      assertTrue(skipped.find(), second.log());
      assertEquals(storedBefore, Long.parseLong(skipped.group(1).replace(",", "")),
          "what the killed run stored comes back as skipped:\n" + second.log());
      assertTrue(second.log().contains("Imported " + file), second.log());

      ServiceProcess.Result verify = svc.runToEnd("verify-ledger");
      assertEquals(0, verify.exit(), "the ledger equals the history:\n" + verify.log());
      svc.launch();
      assertEquals(MESSAGES * CODES_PER_MESSAGE, svc.count(
          "SELECT count(DISTINCT canonical) FROM scans WHERE status = 'ACCEPTED'"));
      assertEquals(MESSAGES * CODES_PER_MESSAGE, svc.count("SELECT count(*) FROM scans"),
          "every code stored exactly once");
    }
  }

  /** The scans stored so far, or 0 while the import's PostgreSQL is still starting. */
  private static long storedSoFar(ServiceProcess svc) {
    try {
      return svc.count("SELECT count(*) FROM scans");
    } catch (Exception e) {
      return 0;
    }
  }

  /** 3505A messages of 10 one-code lines each, times an hour ago and earlier. */
  private static void writeUploads(Path file) throws Exception {
    StringBuilder b = new StringBuilder();
    Instant start = Instant.now().minusSeconds(3_600 + MESSAGES);
    for (int m = 0; m < MESSAGES; m++) {
      String time = NhsaPayloads.chinaTime(start.plusSeconds(m));
      JsonObject[] lines = new JsonObject[CODES_PER_MESSAGE];
      for (int l = 0; l < lines.length; l++) {
        lines[l] = NhsaPayloads.newLayoutLine("R-" + m, "B-" + m + "-" + l, time,
            String.format("8100001%013d", (long) m * CODES_PER_MESSAGE + l));
      }
      b.append(NhsaPayloads.sale3505A("PRESUME", lines).encode()).append('\n');
    }
    Files.writeString(file, b);
  }
}
