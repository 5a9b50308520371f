package com.tracesentinel.nhsa;

import static com.tracesentinel.nhsa.NhsaPayloads.newLayoutLine;
import static com.tracesentinel.nhsa.NhsaPayloads.sale3505;
import static com.tracesentinel.nhsa.NhsaPayloads.sale3505A;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.rules.EventType;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading a file of uploads: line ends, a byte-order mark, lines longer than the read buffer, CSV rows. */
class NhsaFileTest {
  private static final String T = "2026-11-28 10:15:30";

  private static List<NhsaFile.Message> readAll(String content) throws Exception {
    Path file = Files.createTempFile("nhsa-file", ".txt");
    file.toFile().deleteOnExit();
    Files.write(file, content.getBytes(StandardCharsets.UTF_8));
    List<NhsaFile.Message> all = new ArrayList<>();
    try (NhsaFile f = NhsaFile.open(file)) {
      for (NhsaFile.Message m = f.next(); m != null; m = f.next()) {
        all.add(m);
      }
      assertEquals(Files.size(file), f.bytesRead());
    }
    return all;
  }

  @Test
  void jsonLinesWithABomCrLfBlankLinesAndNoLastLineBreak() throws Exception {
    String one = sale3505("P1", newLayoutLine("R-1", "B-1", T, "81000010000009000001")).encode();
    String two = sale3505("P1", newLayoutLine("R-2", "B-2", T, "81000010000009000002")).encode();
    List<NhsaFile.Message> all = readAll("\uFEFF" + one + "\r\n\r\n  \n" + two);
    assertEquals(2, all.size());
    assertEquals(1, all.get(0).line());
    assertEquals(4, all.get(1).line(), "blank lines count as lines");
    assertEquals("R-2", ((NhsaRequest.Upload) all.get(1).request()).codes().get(0).input().documentNo());
  }

  @Test
  void aUtf16FileIsRefusedBeforeAnythingIsReadNotMisreadAsCsv() throws Exception {
    String one = sale3505("P1", newLayoutLine("R-1", "B-1", T, "81000010000009000001")).encode();
    for (byte[] bom : new byte[][] {{(byte) 0xFF, (byte) 0xFE}, {(byte) 0xFE, (byte) 0xFF}}) {
      Path file = Files.createTempFile("nhsa-utf16", ".txt");
      file.toFile().deleteOnExit();
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      bytes.writeBytes(bom);
      bytes.writeBytes((one + "\n" + one + "\n").getBytes(StandardCharsets.UTF_8));
      Files.write(file, bytes.toByteArray());
      java.io.IOException refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
          () -> NhsaFile.open(file).close());
      org.junit.jupiter.api.Assertions.assertTrue(refused.getMessage().contains("UTF-16"), refused.getMessage());
    }
  }

  @Test
  void aJsonArrayIsRefusedSayingSoNotReadAsCsv() throws Exception {
    String one = sale3505("P1", newLayoutLine("R-1", "B-1", T, "81000010000009000001")).encode();
    Path file = Files.createTempFile("nhsa-array", ".json");
    file.toFile().deleteOnExit();
    Files.writeString(file, "\n  [" + one + ",\n" + one + "]\n");
    java.io.IOException refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
        () -> NhsaFile.open(file).close());
    org.junit.jupiter.api.Assertions.assertTrue(refused.getMessage().endsWith("is a JSON array: write one request "
        + "envelope a line (JSON lines), or CSV"), refused.getMessage());
  }

  @Test
  void aFileThatIsNotNhsaDataIsRefusedNotImportedAsNoMessages() throws Exception {
    for (String content : new String[] {"", "\n \r\n\t\n", "\uFEFF", "hello world\n", "code,site\n8100,PA1\n"}) {
      Path file = Files.createTempFile("nhsa-not", ".txt");
      file.toFile().deleteOnExit();
      Files.writeString(file, content);
      java.io.IOException refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
          () -> NhsaFile.open(file).close(), content);
      assertTrue(refused.getMessage().contains(content.isBlank() || content.equals("\uFEFF")
          ? "holds no messages" : "names no NHSA field"), refused.getMessage());
    }
  }

  @Test
  void aLineLongerThanTheReadBufferIsReadWhole() throws Exception {
    JsonObject[] lines = new JsonObject[300];
    for (int i = 0; i < lines.length; i++) {
      lines[i] = newLayoutLine("R-" + i, "B-" + i, T, String.format("8100001%013d", i));
    }
    String big = sale3505A("P1", lines).encode();
    assertTrue(big.length() > 3 * 65_536, "longer than the buffer: " + big.length());
    List<NhsaFile.Message> all = readAll(big + "\n" + big + "\n{\"infno\":\n");
    assertEquals(3, all.size());
    assertEquals(300, ((NhsaRequest.Upload) all.get(1).request()).codes().size());
    assertNull(all.get(2).request());
    assertEquals("body", all.get(2).refused().errors().get(0).field());
  }

  /** A file without line breaks was read whole into one array: past 1 GiB the import stopped on "-2147483648". */
  @Test
  void aLineTooLongToBeAMessageIsRefusedAndTheNextLinesAreRead() throws Exception {
    String one = sale3505("P1", newLayoutLine("R-1", "B-1", T, "81000010000009000001")).encode();
    String two = sale3505("P1", newLayoutLine("R-2", "B-2", T, "81000010000009000002")).encode();
    String huge = "{\"infno\":\"3505\",\"msgid\":\"" + "a".repeat(NhsaFile.MAX_LINE + 70_000) + "\"}";
    List<NhsaFile.Message> all = readAll(one + "\n" + huge + "\n" + two + "\n" + huge);
    assertEquals(4, all.size());
    assertEquals("R-1", ((NhsaRequest.Upload) all.get(0).request()).codes().get(0).input().documentNo());
    assertNull(all.get(1).request());
    assertEquals(2, all.get(1).line());
    assertTrue(all.get(1).refused().getMessage().contains("the line is longer than 16 MiB"),
        all.get(1).refused().getMessage());
    assertEquals(3, all.get(2).line());
    assertEquals("R-2", ((NhsaRequest.Upload) all.get(2).request()).codes().get(0).input().documentNo());
    assertEquals(4, all.get(3).line(), "the last line, without a line break, too long as well");
    assertNull(all.get(3).request());
  }

  /**
   * A quote never closed made the rest of the file one cell, read into memory whole: on a 1.2 GB file the import died
   * of an OutOfMemoryError, then hung with its database running.
   */
  @Test
  void aCsvRowLongerThanAMessageStopsTheReadingThereNotAtTheEndOfTheFile() throws Exception {
    String header = "fixmedins_code,rtal_docno,fixmedins_bchno,drug_trac_codg,trdn_flag,sel_retn_cnt,sel_retn_time\n";
    Path file = Files.createTempFile("nhsa-long-row", ".csv");
    file.toFile().deleteOnExit();
    Files.writeString(file, header + "P1,R-1,B-1,81000010000009000001,0,1," + T + "\n"
        + "P1,\"R-2" + "a".repeat(3 * NhsaFile.MAX_LINE) + "\n");
    try (NhsaFile f = NhsaFile.open(file)) {
      assertEquals("R-1", ((NhsaRequest.Upload) f.next().request()).codes().get(0).input().documentNo());
      NhsaError.Refused refused = org.junit.jupiter.api.Assertions.assertThrows(NhsaError.Refused.class, f::next);
      assertEquals("line 3", refused.errors().get(0).field());
      assertTrue(refused.getMessage().contains("the row from this line on is longer than 16 MiB characters"),
          refused.getMessage());
      assertTrue(f.bytesRead() < 2L * NhsaFile.MAX_LINE, "stopped at the limit, not the file's end: " + f.bytesRead());
    }
    Files.writeString(file, "fixmedins_code,\"" + "a".repeat(2 * NhsaFile.MAX_LINE) + "\n");
    java.io.IOException refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
        () -> NhsaFile.open(file).close());
    assertTrue(refused.getMessage().endsWith(": its header row is longer than 16 MiB characters (a quoted cell never "
        + "closed?)"), refused.getMessage());
  }

  @Test
  void csvRowsAreMessagesOfTheirColumns() throws Exception {
    List<NhsaFile.Message> all = readAll("\uFEFFfixmedins_code, infno ,rtal_docno,fixmedins_bchno,drug_trac_codg,"
        + "trdn_flag,sel_retn_cnt,sel_retn_time,medins_prod_sel_no,inv_data_type\r\n"
        + "P1,,R-1,B-1,81000010000009000001,0,1," + T + ",,\r\n"
        + "P1,3506,R-2,B-2,81000010000009000001,0,1," + T + ",R-1,\r\n"
        + "P1,3507,,B-1,,,,,,4\r\n"
        + "P1,3505,R-3,B-3,\"81000010000009000003\",1,x," + T + ",,\r\n");
    assertEquals(4, all.size());
    NhsaRequest.Upload sale = (NhsaRequest.Upload) all.get(0).request();
    assertEquals("3505", sale.infno(), "3505 when the row names none");
    assertEquals(Instant.parse("2026-11-28T02:15:30Z"), sale.codes().get(0).input().scannedAt());
    assertEquals("R-1", ((NhsaRequest.Upload) all.get(1).request()).codes().get(0).input().linkedDocumentNo());
    assertEquals("B-1", ((NhsaRequest.Deletion) all.get(2).request()).uploadBatch());
    assertEquals(5, all.get(3).line());
    assertEquals("sel_retn_cnt", all.get(3).refused().errors().get(0).field(), "a row's field is its column");
  }

  @Test
  void aCsvColumnReadTwiceOrACellUnderNoColumnIsRefusedNotDropped() throws Exception {
    String header = "fixmedins_code,rtal_docno,fixmedins_bchno,drug_trac_codg,trdn_flag,sel_retn_cnt,sel_retn_time";
    List<NhsaFile.Message> all = readAll(header + ",memo,memo\n"
        + "P1,R-1,B-1,81000010000009000001,0,1," + T + ",a,b\n"
        // A second code of the line appended to its row: it was dropped, the row stored with the first alone.
        + "P1,R-2,B-2,81000010000009000002,0,1," + T + ",a,b,81000010000009000005\n"
        + "P1,R-3,B-3,81000010000009000003,0,1," + T + ",,,\n");
    assertEquals(3, all.size());
    assertEquals("R-1", ((NhsaRequest.Upload) all.get(0).request()).codes().get(0).input().documentNo(),
        "a column nothing reads may be named twice");
    assertNull(all.get(1).request(), "nothing of a row with a cell under no column is stored");
    NhsaError shifted = all.get(1).refused().errors().get(0);
    assertEquals("row", shifted.field());
    assertEquals(3, all.get(1).line());
    assertTrue(shifted.en().contains("10 cells, the header names 9 columns"), shifted.en());
    assertEquals("R-3", ((NhsaRequest.Upload) all.get(2).request()).codes().get(0).input().documentNo(),
        "empty cells after the last column are no data");

    for (String twice : List.of(header + ",rtal_docno", header.replace("fixmedins_code", "infno") + ", infno ")) {
      Path file = Files.createTempFile("nhsa-twice", ".csv");
      file.toFile().deleteOnExit();
      Files.writeString(file, twice + "\nP1,R-4,B-4,81000010000009000004,0,1," + T + ",R-5\n");
      java.io.IOException refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
          () -> NhsaFile.open(file).close(), twice);
      String column = twice.endsWith("rtal_docno") ? "rtal_docno" : "infno";
      assertTrue(refused.getMessage().contains("names the column " + column + " twice"), refused.getMessage());
    }
  }

  @Test
  void aMisspeltCsvColumnIsRefusedNotReadPast() throws Exception {
    // "MED_LIST_CODG" was read past as an unknown column: every sale was stored without its billed drug
    Path file = Files.createTempFile("nhsa-misspelt", ".csv");
    file.toFile().deleteOnExit();
    Files.writeString(file, "fixmedins_code,rtal_docno,fixmedins_bchno,drug_trac_codg,trdn_flag,sel_retn_cnt,"
        + "sel_retn_time,MED_LIST_CODG\nP1,R-1,B-1,81000010000009000001,0,1," + T + ",XC10AAA057A001010100383\n");
    java.io.IOException refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
        () -> NhsaFile.open(file).close());
    assertTrue(refused.getMessage().endsWith(": the header's column MED_LIST_CODG is not read: did you mean "
        + "med_list_codg?"), refused.getMessage());
  }

  /**
   * A CSV saved in GBK (Excel's CSV on Chinese Windows): read as UTF-8 with every bad byte replaced, the receipts
   * 销售001 and 零售001 both became the same run of U+FFFD and "001", so the second sale of the box was skipped as
   * a re-send of the first (REPLAYED, never stored, never flagged) and the import exited 0. Refused before anything
   * is read, as a UTF-16 file is, naming the first line that is not UTF-8.
   */
  @Test
  void aCsvThatIsNotUtf8IsRefusedBeforeAnythingIsReadNotMergingDocumentNumbers() throws Exception {
    String csv = "fixmedins_code,rtal_docno,fixmedins_bchno,drug_trac_codg,trdn_flag,sel_retn_cnt,sel_retn_time\r\n"
        + "P1,R-1,B-1,81000010000009000001,0,1," + T + "\r\n"
        + "P1,销售001,B-1,81000010000009000001,0,1," + T + "\r\n"
        + "P1,零售001,B-1,81000010000009000001,0,1," + T + "\r\n";
    Path file = Files.createTempFile("nhsa-gbk", ".csv");
    file.toFile().deleteOnExit();
    Files.write(file, csv.getBytes(java.nio.charset.Charset.forName("GBK")));
    java.io.IOException refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
        () -> NhsaFile.open(file).close());
    assertTrue(refused.getMessage().contains("line 3 is not UTF-8"), refused.getMessage());
    // The same text in UTF-8 is read, each receipt its own document.
    Files.write(file, csv.getBytes(StandardCharsets.UTF_8));
    List<NhsaFile.Message> all = readAll(csv);
    assertEquals("销售001", ((NhsaRequest.Upload) all.get(1).request()).codes().get(0).input().documentNo());
    assertEquals("零售001", ((NhsaRequest.Upload) all.get(2).request()).codes().get(0).input().documentNo());
    // A sequence cut off by the end of the file is not UTF-8 either.
    Files.write(file, java.util.Arrays.copyOf(csv.getBytes(StandardCharsets.UTF_8),
        csv.getBytes(StandardCharsets.UTF_8).length - 14));
    Files.write(file, new byte[] {(byte) 0xE9}, java.nio.file.StandardOpenOption.APPEND);
    refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
        () -> NhsaFile.open(file).close());
    assertTrue(refused.getMessage().contains("line 4 is not UTF-8"), refused.getMessage());
  }

  @Test
  void aCsvRowsInfnoIsReadAsTheEnvelopeReadsIt() throws Exception {
    List<NhsaFile.Message> all = readAll("fixmedins_code,infno,rtal_docno,fixmedins_bchno,drug_trac_codg,"
        + "trdn_flag,sel_retn_cnt,sel_retn_time,inv_data_type\n"
        + "P1, 3507 ,,B-1,,,,,4\n"
        + "P1,3505a,R-1,B-2,81000010000009000001,0,1," + T + ",\n"
        + "P1,3506A,R-2,B-3,81000010000009000001,0,1," + T + ",\n"
        + "P1,3505A,R-3,B-4,81000010000009000002,0,1,2026-11-28,\n");
    assertEquals(4, all.size());
    assertEquals("sel_retn_time", all.get(3).refused().errors().get(0).field(), "a row's field is its column");
    assertEquals("B-1", ((NhsaRequest.Deletion) all.get(0).request()).uploadBatch(),
        "was refused: input.data is required");
    NhsaRequest.Upload sale = (NhsaRequest.Upload) all.get(1).request();
    assertEquals("R-1", sale.codes().get(0).input().documentNo(), "was refused: the lines are required");
    assertEquals(EventType.RETURN, ((NhsaRequest.Upload) all.get(2).request()).codes().get(0).input().type());
  }

  @Test
  void chinaTimeIsReadByHandAsStrictlyAsAFormatter() {
    assertEquals(Instant.parse("2026-11-28T02:15:30Z"), NhsaEnvelope.chinaTime("2026-11-28 10:15:30"));
    assertEquals(Instant.parse("2024-02-28T16:00:00Z"), NhsaEnvelope.chinaTime("2024-02-29 00:00:00"));
    for (String bad : List.of("2026-02-30 10:00:00", "2026-11-28 24:00:00", "2026-11-28 10:60:00",
        "2026-11-28T10:15:30", "2026-11-28 10:15", "2026-1-28 10:15:30", "２026-11-28 10:15:30",
        "2026-11-28 10:15:3x")) {
      assertNull(NhsaEnvelope.chinaTime(bad), bad);
    }
  }
}
