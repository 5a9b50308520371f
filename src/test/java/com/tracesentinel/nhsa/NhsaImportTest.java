package com.tracesentinel.nhsa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.config.Config;
import com.tracesentinel.TraceSentinel;
import com.tracesentinel.demo.DemoData;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code import}'s engine on the core started without HTTP (as the sub-command starts it) on a real PostgreSQL: the
 * shipped sample files, a second run that finds everything stored, and messages the file gets wrong.
 */
@Tag("slow")
class NhsaImportTest {
  private static TestService svc;
  private static Map<String, String> env;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
    TraceSentinel.await(svc.app().services().referenceRepository().upsertProducts(DemoData.PRODUCTS)
        .compose(n -> svc.app().services().referenceRepository().upsertSites(DemoData.sites())));
    svc.app().close();
    env = new HashMap<>(svc.env());
    // The samples are dated November 2026: keep them importable whenever the test runs.
    env.put("TRACESENTINEL_SCAN_MAX_AGE_DAYS", "10000");
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  private record Run(NhsaImport.Summary summary, String printed) {}

  private static Run importFile(Path file) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    try (TraceSentinel core = TraceSentinel.startCore(Config.from(env))) {
      NhsaImport.Summary summary = new NhsaImport(core.scans(), core.importCheckpoints(), out, 3, 2).run(file);
      summary.print(out, file);
      return new Run(summary, bytes.toString(StandardCharsets.UTF_8));
    }
  }

  /** A 3505 of one code on receipt {@code R-tag}, upload {@code B-tag}. */
  private static String sale(String site, String code, String tag, String time) {
    return NhsaPayloads.sale3505(site, NhsaPayloads.saleLine(code, "R-" + tag, "B-" + tag, time)).encode();
  }

  private static long count(String sql) {
    return TestDatabase.count(svc.db(), sql);
  }

  @Test
  void theSampleFileIsJudgedLikeTheRouteAndASecondRunSkipsWhatIsStored() throws Exception {
    Path sample = Path.of("docs/nhsa-sample.jsonl");
    Run first = importFile(sample);
    NhsaImport.Summary s = first.summary();
    assertEquals(0, s.exitCode(), first.printed());
    assertEquals(9, s.messages, first.printed());
    assertEquals(8, s.uploads);
    assertEquals(1, s.deletions);
    assertEquals(12, s.codes(), first.printed());
    assertEquals(3, s.skipped(), "the 3505A sent twice: " + first.printed());
    assertEquals(0, s.rejected(), first.printed());
    assertEquals(1, s.scansVoided(), "the upload the 3507 deletes");
    assertEquals(Map.of("PRODUCT_MISMATCH", 1L, "REPEAT_SALE", 1L, "SPLIT_ACROSS_SITES", 1L), s.anomalies(),
        first.printed());
    assertTrue(first.printed().contains("Imported docs/nhsa-sample.jsonl"), first.printed());
    assertEquals(1, count("SELECT count(*) FROM scans WHERE canonical = '81000010000009000001' AND type = 'RETURN'"
        + " AND linked_document_no = 'R20261129-0001' AND upload_batch = '3506-20261129-0001'"));
    assertEquals(1, count("SELECT count(*) FROM scans WHERE canonical = '81000030000009000001' AND split"
        + " AND quantity = 12 AND settlement_id IS NULL AND site_id = 'P44030500002'"));

    Run second = importFile(sample);
    NhsaImport.Summary again = second.summary();
    assertEquals(0, again.exitCode(), second.printed());
    assertEquals(12, again.codes());
    assertEquals(12, again.skipped(), "settled through the 3507 on the last line: " + second.printed());
    assertEquals(0, again.stored(), "the deleted upload is not stored again: " + second.printed());
    assertEquals(0, again.scansVoided());
    assertEquals(Map.of(), again.anomalies());
    assertTrue(second.printed().contains("resumed   after line 9"), second.printed());
    assertEquals(1, count("SELECT count(*) FROM scans WHERE canonical = '81000010000009000002' AND voided_at IS NULL"
        + " AND site_id = 'P44030500002'"), "never stored twice");

    ByteArrayOutputStream verify = new ByteArrayOutputStream();
    assertTrue(TraceSentinel.verifyLedger(Config.from(env), new PrintStream(verify, true)), verify.toString());
  }

  /**
   * A deletion frees its upload's idempotency hashes (a corrected upload must be judged afresh), so a re-run that
   * sent the deleted upload again stored it again, judged it again and deleted it again: a LATE_DELETION each run,
   * and a REPEAT_SALE against the sale another site made of its code after the deletion.
   */
  @Test
  void aRerunDoesNotJudgeAgainAnUploadTheFileDeletes() throws Exception {
    Path file = Files.createTempFile("nhsa-rerun", ".jsonl");
    file.toFile().deleteOnExit();
    String code = "81000010000009000501";
    String deleted = sale("P44030500002", code, "RR-1", "2026-11-29 09:00:00");
    String deletion = NhsaPayloads.delete3507("P44030500002", "B-RR-1", "4").encode();
    String resold = sale("P11010500002", code, "RR-2", "2026-11-30 15:00:00");
    Files.writeString(file, deleted + "\n" + deletion + "\n" + resold + "\n");
    String anomaliesOfTheCode = "SELECT count(*) FROM anomalies WHERE canonical = '" + code + "'";

    Run first = importFile(file);
    assertEquals(0, first.summary().exitCode(), first.printed());
    assertEquals(2, first.summary().stored(), first.printed());
    assertEquals(1, first.summary().scansVoided(), first.printed());
    long anomalies = count(anomaliesOfTheCode);

    Run second = importFile(file);
    assertEquals(0, second.summary().exitCode(), second.printed());
    assertEquals(0, second.summary().stored(), second.printed());
    assertEquals(2, second.summary().skipped(), second.printed());
    assertEquals(0, second.summary().scansVoided(), second.printed());
    assertEquals(Map.of(), second.summary().anomalies(), second.printed());
    assertTrue(second.printed().contains("resumed   after line 2"), second.printed());
    assertEquals(anomalies, count(anomaliesOfTheCode), "no anomaly raised again");
    assertEquals(1, count("SELECT count(*) FROM scans WHERE canonical = '" + code + "' AND site_id = 'P44030500002'"),
        "the deleted upload stored once");

    // Lines before the checkpoint that are not the same bytes: nothing is taken as settled, as before checkpoints.
    Files.writeString(file, deleted.replace("\"memo\":\"\"", "\"memo\":\"edited\"") + "\n" + deletion + "\n"
        + resold + "\n");
    Run edited = importFile(file);
    assertEquals(1, edited.summary().stored(), "the upload is judged again: " + edited.printed());
    assertEquals(1, edited.summary().scansVoided(), edited.printed());
    assertTrue(!edited.printed().contains("resumed"), edited.printed());

    ByteArrayOutputStream verify = new ByteArrayOutputStream();
    assertTrue(TraceSentinel.verifyLedger(Config.from(env), new PrintStream(verify, true)), verify.toString());
  }

  /**
   * A file written without a line break after its last line (lines joined with '\n'), then grown by more lines: it
   * still starts with the bytes the first run settled, the last of them now followed by its line break.
   */
  @Test
  void aFileWhoseLastDeletionHadNoLineBreakResumesAfterItWhenItGrows() throws Exception {
    Path file = Files.createTempFile("nhsa-grown", ".jsonl");
    file.toFile().deleteOnExit();
    String code = "81000010000009000701";
    String deletedUpload = sale("P44030500002", code, "GR-1", "2026-11-29 09:00:00") + "\n"
        + NhsaPayloads.delete3507("P44030500002", "B-GR-1", "4").encode();
    Files.writeString(file, deletedUpload);
    Run first = importFile(file);
    assertEquals(1, first.summary().scansVoided(), first.printed());

    Files.writeString(file, deletedUpload + "\n" + sale("P44030500002", "81000010000009000702", "GR-2",
        "2026-11-30 15:00:00") + "\n");
    Run grown = importFile(file);
    assertTrue(grown.printed().contains("resumed   after line 2"), grown.printed());
    assertEquals(1, grown.summary().stored(), "only the new line: " + grown.printed());
    assertEquals(0, grown.summary().scansVoided(), grown.printed());
    assertEquals(1, count("SELECT count(*) FROM scans WHERE canonical = '" + code + "'"), "the deleted upload once");
  }

  /**
   * A history imported weeks after it happened: the deletion's lateness is measured at its own {@code inf_time}, not
   * at the import (which made every deletion in an old file a LATE_DELETION).
   */
  @Test
  void anImportedDeletionIsLateOnlyWhenItsOwnTimeIsPastTheReturnWindow() throws Exception {
    Path file = Files.createTempFile("nhsa-late", ".jsonl");
    file.toFile().deleteOnExit();
    String prompt = "81000010000009000601";
    String late = "81000010000009000602";
    String lines = NhsaPayloads.sale3505("P44030500002", NhsaPayloads.saleLine(prompt, "R-LT-1", "B-LT-1",
        "2026-10-01 09:00:00")).encode() + "\n"
        + NhsaPayloads.delete3507("P44030500002", "B-LT-1", "4").put("inf_time", "2026-10-01 09:02:00").encode() + "\n"
        + NhsaPayloads.sale3505("P44030500002", NhsaPayloads.saleLine(late, "R-LT-2", "B-LT-2",
        "2026-10-01 09:00:00")).encode() + "\n"
        + NhsaPayloads.delete3507("P44030500002", "B-LT-2", "4").put("inf_time", "2026-10-21 09:00:00").encode() + "\n";
    Files.writeString(file, lines);

    Run run = importFile(file);
    assertEquals(0, run.summary().exitCode(), run.printed());
    assertEquals(2, run.summary().scansVoided(), run.printed());
    assertTrue(run.printed().contains("4 messages (2 uploads, 2 deletions)"), run.printed());
    assertTrue(run.printed().contains("2 scans voided by 3507 messages (1 late deletion)"), run.printed());
    assertEquals(0, count("SELECT count(*) FROM anomalies WHERE canonical = '" + prompt + "'"),
        "deleted two minutes after the sale");
    assertEquals(1, count("SELECT count(*) FROM anomalies WHERE canonical = '" + late + "' AND type = 'LATE_DELETION'"
        + " AND scanned_at = '2026-10-21 01:00:00+00'"), "deleted 20 days after the sale, dated then");

    String badTime = lines.replace("2026-10-21 09:00:00", "2026/10/21 09:00");
    Files.writeString(file, badTime);
    Run refused = importFile(file);
    assertEquals(1, refused.summary().exitCode(), refused.printed());
    assertTrue(refused.printed().contains("line 4: inf_time: 交易时间须为 yyyy-MM-dd HH:mm:ss"), refused.printed());
  }

  @Test
  void aCsvOfThe3505ColumnsIsImportedRowByRow() throws Exception {
    Run run = importFile(Path.of("docs/nhsa-sample.csv"));
    NhsaImport.Summary s = run.summary();
    assertEquals(0, s.exitCode(), run.printed());
    assertEquals(4, s.messages);
    assertEquals(4, s.stored(), run.printed());
    assertEquals(1, count("SELECT count(*) FROM scans WHERE canonical = '81000030000009000101' AND split"
        + " AND quantity = 8 AND site_id = 'P44030500004' AND line_no = 1"));
    assertEquals(1, count("SELECT count(*) FROM scans WHERE canonical = '81000010000009000102' AND type = 'RETURN'"
        + " AND status = 'ACCEPTED' AND linked_document_no = 'R20261130-0101'"));
  }

  @Test
  void aMessageTheFileGetsWrongIsListedAndTheOthersAreStored() throws Exception {
    Path file = Files.createTempFile("nhsa-bad", ".jsonl");
    file.toFile().deleteOnExit();
    String good = Files.readAllLines(Path.of("docs/nhsa-sample.jsonl")).get(0)
        .replace("81000010000009000001", "81000010000009000201").replace("3505-20261129-0001", "B-BAD-1");
    String badTime = good.replace("81000010000009000201", "81000010000009000202")
        .replace("\"sel_retn_time\":\"2026-11-29 09:12:05\"", "\"sel_retn_time\":\"29/11/2026\"");
    String badCode = good.replace("81000010000009000201", "8100001000000900020X").replace("R20261129-0001", "R-X");
    Files.writeString(file, good + "\n\n" + badTime + "\n{\"infno\": \"3505\"\n" + badCode + "\n");
    Run run = importFile(file);
    NhsaImport.Summary s = run.summary();
    assertEquals(1, s.exitCode(), run.printed());
    assertEquals(2, s.refused(), run.printed());
    assertEquals(1, s.rejected(), run.printed());
    assertTrue(run.printed().contains("line 3: input.selinfo.sel_retn_time: 销售/退货时间须为 yyyy-MM-dd HH:mm:ss"),
        run.printed());
    assertTrue(run.printed().contains("line 4: body: 报文不是合法的 UTF-8 JSON"), run.printed());
    assertTrue(run.printed().contains("1× input.selinfo.drug_trac_codg: invalid code"), run.printed());
    assertTrue(run.printed().contains("(first on line 5)"), run.printed());
    assertEquals(1, count("SELECT count(*) FROM scans WHERE canonical = '81000010000009000201'"));
    assertEquals(0, count("SELECT count(*) FROM scans WHERE canonical = '81000010000009000202'"));

    Path csv = Files.createTempFile("nhsa-bad", ".csv");

    csv.toFile().deleteOnExit();
    Files.writeString(csv, "\uFEFFfixmedins_code,rtal_docno,fixmedins_bchno,drug_trac_codg,trdn_flag,sel_retn_cnt,"
        + "sel_retn_time\nP44030500005,R-C1,B-C1,81000010000009000203,0,1,2026-11-30 10:00\n");
    Run csvRun = importFile(csv);
    assertTrue(csvRun.printed().contains("line 2: sel_retn_time: 销售/退货时间须为"), csvRun.printed());
  }

  @Test
  void aLineWithANumberOutOfRangeIsRefusedAndTheLinesAroundItAreStored() throws Exception {
    Path file = Files.createTempFile("nhsa-number", ".jsonl");
    file.toFile().deleteOnExit();
    String first = Files.readAllLines(Path.of("docs/nhsa-sample.jsonl")).get(0)
        .replace("81000010000009000001", "81000010000009000401").replace("3505-20261129-0001", "B-NUM-1");
    String outOfRange = first.replace("81000010000009000401", "81000010000009000402")
        .replace("\"sel_retn_cnt\":1", "\"sel_retn_cnt\":1e2147483648");
    String last = first.replace("81000010000009000401", "81000010000009000403");
    Files.writeString(file, first + "\n" + outOfRange + "\n" + last + "\n");
    Run run = importFile(file);
    NhsaImport.Summary s = run.summary();
    assertEquals(1, s.exitCode(), run.printed());
    assertEquals(1, s.refused(), run.printed());
    assertEquals(2, s.stored(), run.printed());
    assertTrue(run.printed().contains("line 2: body: 数值超出可读范围"), run.printed());
    assertEquals(2, count("SELECT count(*) FROM scans WHERE canonical IN ('81000010000009000401', "
        + "'81000010000009000403')"));
  }

  @Test
  void theRowsBeforeACsvRowThatCannotBeReadAreStoredAndTheMessageNamesWhereItStarts() throws Exception {
    Path csv = Files.createTempFile("nhsa-quote", ".csv");
    csv.toFile().deleteOnExit();
    String header = "fixmedins_code,rtal_docno,fixmedins_bchno,drug_trac_codg,trdn_flag,sel_retn_cnt,sel_retn_time\n";
    String good = "P44030500005,R-Q1,B-Q1,81000010000009000301,0,1,2026-11-30 10:00:00\n"
        + "P44030500005,R-Q2,B-Q2,81000010000009000302,0,1,2026-11-30 10:01:00\n";
    // The quote opened on line 4 is never closed: the parser only finds out at the end of the file.
    String broken = "P44030500005,\"R-Q3,B-Q3,81000010000009000303,0,1,2026-11-30 10:02:00\n"
        + "P44030500005,R-Q4,B-Q4,81000010000009000304,0,1,2026-11-30 10:03:00\n";
    Files.writeString(csv, header + good + broken);
    Run run = importFile(csv);
    NhsaImport.Summary s = run.summary();
    assertEquals(2, s.exitCode(), run.printed());
    assertEquals(2, s.stored(), "the two rows before the broken one: " + run.printed());
    assertTrue(run.printed().contains("line 4"), run.printed());
    assertTrue(run.printed().contains("Correct the file there and run the same command again"), run.printed());
    assertEquals(2, count("SELECT count(*) FROM scans WHERE canonical IN ('81000010000009000301', "
        + "'81000010000009000302')"));

    Files.writeString(csv, header + good + broken.replace("\"R-Q3", "R-Q3"));
    Run fixed = importFile(csv);
    assertEquals(0, fixed.summary().exitCode(), fixed.printed());
    assertEquals(2, fixed.summary().skipped(), fixed.printed());
    assertEquals(2, fixed.summary().stored(), fixed.printed());
  }
}
