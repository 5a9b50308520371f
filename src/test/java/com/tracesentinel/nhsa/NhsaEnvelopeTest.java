package com.tracesentinel.nhsa;

import static com.tracesentinel.nhsa.NhsaPayloads.delete3507;
import static com.tracesentinel.nhsa.NhsaPayloads.newLayoutLine;
import static com.tracesentinel.nhsa.NhsaPayloads.return3506;
import static com.tracesentinel.nhsa.NhsaPayloads.sale3505;
import static com.tracesentinel.nhsa.NhsaPayloads.sale3505A;
import static com.tracesentinel.nhsa.NhsaPayloads.saleLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.rules.EventType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The envelope reader on messages written from the NHSA field lists: the mapping, the keys, and every refusal. */
class NhsaEnvelopeTest {
  private static final String SITE = "P44030500002";
  private static final String T = "2026-11-28 10:15:30";
  private static final Instant T_UTC = Instant.parse("2026-11-28T02:15:30Z");

  private static NhsaRequest read(String infno, JsonObject message) {
    return NhsaEnvelope.read(infno, NhsaJson.read(message.encode().getBytes(StandardCharsets.UTF_8)));
  }

  private static NhsaRequest.Upload upload(String infno, JsonObject message) {
    return (NhsaRequest.Upload) read(infno, message);
  }

  private static List<NhsaError> refused(String infno, JsonObject message) {
    return assertThrows(NhsaError.Refused.class, () -> read(infno, message)).errors();
  }

  @Test
  void anOldLayoutSaleIsOneScanWithEveryFieldMapped() {
    NhsaRequest.Upload u = upload("3505", sale3505(SITE, saleLine("81000010000009000001", "R-1", "B-1", T)));
    assertEquals(1, u.codes().size());
    ScanInput in = u.codes().get(0).input();
    assertEquals("81000010000009000001", in.code());
    assertEquals(EventType.SALE, in.type());
    assertEquals(SITE, in.siteId());
    assertEquals("R-1", in.documentNo());
    assertEquals(1, in.lineNo());
    assertEquals(T_UTC, in.scannedAt(), "sel_retn_time is China time (UTC+8)");
    assertEquals(1, in.quantity());
    assertFalse(in.split());
    assertEquals("XC10AAA057A001010100383", in.billedDrug());
    assertEquals("S4403R-1", in.settlementId(), "no mdtrt_setl_type (old layout): reimbursed when setl_id is set");
    assertEquals("POS-03", in.deviceId());
    assertEquals("B-1", in.uploadBatch());
    assertNull(in.linkedDocumentNo());
    assertEquals("input.selinfo.drug_trac_codg", u.codes().get(0).field());
    assertEquals(List.of(), u.linesWithoutCode());
  }

  /** Past the 50 errors listed, how many more were found: a sender who mended the 50 met the next 50. */
  @Test
  void errorsBeyondTheFiftyListedAreCounted() {
    JsonObject[] lines = new JsonObject[60];
    for (int i = 0; i < lines.length; i++) {
      lines[i] = newLayoutLine("R-E" + i, "B-E", "2026-11-28 25:00:00", "81000010000009" + String.format("%06d", i));
    }
    List<NhsaError> errors = refused("3505A", sale3505A(SITE, lines));
    assertEquals(51, errors.size());
    assertEquals("input.selinfoDetail[49].sel_retn_time", errors.get(49).field());
    assertEquals(new NhsaError("input", "另有 10 处错误未列出（最多列出 50 处）", "10 more errors not listed (at most 50 are)"),
        errors.get(50));
    JsonObject[] fifty = java.util.Arrays.copyOf(lines, 50);
    assertEquals(50, refused("3505A", sale3505A(SITE, fifty)).size(), "no count when every error is listed");
  }

  @Test
  void newLayoutLinesGiveOneScanPerCodeEachOfLineNumberOne() {
    JsonObject split = newLayoutLine("R-2", "B-2b", T, "81000030000009000010").put("trdn_flag", "1")
        .put("sel_retn_cnt", "10.0000").put("mdtrt_setl_type", "2").putNull("setl_id");
    NhsaRequest.Upload u = upload("3505A", sale3505A(SITE,
        newLayoutLine("R-2", "B-2a", T, "81000010000009000002", "81000010000009000003", "81000010000009000004"),
        split));
    assertEquals(4, u.codes().size());
    for (int i = 0; i < 3; i++) {
      ScanInput in = u.codes().get(i).input();
      assertEquals(1, in.lineNo(), "not the code's position: a retry may list them in another order");
      assertEquals(1, in.quantity(), "a whole box per code");
      assertEquals("S4403R-2", in.settlementId(), "mdtrt_setl_type 1: the settlement id");
      assertEquals(0, u.codes().get(i).line());
      assertEquals("input.selinfoDetail[0].drugtracinfo[" + i + "].drug_trac_codg", u.codes().get(i).field());
    }
    ScanInput splitScan = u.codes().get(3).input();
    assertEquals(1, splitScan.lineNo());
    assertTrue(splitScan.split());
    assertEquals(10, splitScan.quantity(), "sel_retn_cnt units of the box");
    assertNull(splitScan.settlementId(), "mdtrt_setl_type 2: self-paid");
    assertEquals("B-2b", splitScan.uploadBatch());
    assertEquals(1, u.codes().get(3).line());
  }

  @Test
  void theSameLineHasTheSameKeysInAnyMessage() {
    JsonObject line = newLayoutLine("R-3", "B-3", T, "81000010000009000005", "81000010000009000006");
    NhsaRequest.Upload alone = upload("3505", sale3505(SITE, line.copy()));
    NhsaRequest.Upload third = upload("3505A", sale3505A(SITE,
        newLayoutLine("R-3", "B-3x", T, "81000010000009000007"), newLayoutLine("R-4", "B-4", T), line.copy()));
    List<String> keysAlone = alone.codes().stream().map(c -> c.input().idempotencyKey(c.input().code())).toList();
    List<String> keysThird = third.codes().stream().filter(c -> c.line() == 2)
        .map(c -> c.input().idempotencyKey(c.input().code())).toList();
    assertEquals(2, keysAlone.size());
    assertEquals(keysAlone, keysThird, "a retry cut into other messages is still a re-send");
    assertEquals(List.of(1), third.linesWithoutCode(), "a line with no code stores nothing");
  }

  @Test
  void aLineReSentWithItsCodesInAnotherOrderOrOneCodeAMessageHasTheSameKeys() {
    List<String> first = keys(upload("3505A", sale3505A(SITE, newLayoutLine("R-3b", "B-3b", T,
        "81000010000009000031", "81000010000009000032", "81000010000009000033"))));
    // A system that builds its retry from a query without an order, or sends each box as an old-layout 3505: both
    // were stored again as second sales of the same receipt (DOUBLE_SCAN), never REPLAYED.
    List<String> reordered = keys(upload("3505A", sale3505A(SITE, newLayoutLine("R-3b", "B-3b", T,
        "81000010000009000033", "81000010000009000031", "81000010000009000032"))));
    assertEquals(java.util.Set.copyOf(first), java.util.Set.copyOf(reordered));
    List<String> oneByOne = new java.util.ArrayList<>();
    for (String code : List.of("81000010000009000032", "81000010000009000033")) {
      oneByOne.addAll(keys(upload("3505", sale3505(SITE, saleLine(code, "R-3b", "B-3b", T)))));
    }
    assertTrue(first.containsAll(oneByOne), "each box alone in the old layout: " + oneByOne + " of " + first);
  }

  private static List<String> keys(NhsaRequest.Upload u) {
    return u.codes().stream().map(c -> c.input().idempotencyKey(c.input().code())).toList();
  }

  @Test
  void theOldFieldBesideTheListIsAddedOnlyWhenTheListLacksIt() {
    JsonObject both = newLayoutLine("R-5", "B-5", T, "81000010000009000008").put("drug_trac_codg",
        " 81000010000009000008 ");
    assertEquals(1, upload("3505", sale3505(SITE, both)).codes().size());
    both.put("drug_trac_codg", "81000010000009000009");
    NhsaRequest.Upload u = upload("3505", sale3505(SITE, both));
    assertEquals(2, u.codes().size());
    assertEquals(1, u.codes().get(1).input().lineNo());
    assertEquals("input.selinfo.drug_trac_codg", u.codes().get(1).field());
  }

  @Test
  void aSplitLineWithSeveralCodesSharesItsUnitsRoundedUp() {
    JsonObject line = newLayoutLine("R-6", "B-6", T, "81000030000009000011", "81000030000009000012")
        .put("trdn_flag", 1).put("sel_retn_cnt", 5);
    NhsaRequest.Upload u = upload("3505", sale3505(SITE, line));
    assertEquals(3, u.codes().get(0).input().quantity());
    assertEquals(3, u.codes().get(1).input().quantity());
  }

  @Test
  void oneBoxWrittenTwiceInASplitLineIsOneCodeWithAllItsUnits() {
    String box = "(01)06901234567892(21)NHS1";
    JsonObject both = newLayoutLine("R-6b", "B-6b", T, box).put("trdn_flag", 1).put("sel_retn_cnt", 10)
        .put("drug_trac_codg", "]d2010690123456789221NHS1\r\n");
    NhsaRequest.Upload u = upload("3505", sale3505(SITE, both));
    assertEquals(1, u.codes().size());
    assertEquals(10, u.codes().get(0).input().quantity());
    JsonObject twice = newLayoutLine("R-6c", "B-6c", T, box, "(01)06901234567892(21)nhs1").put("trdn_flag", 1)
        .put("sel_retn_cnt", 10);
    assertEquals(List.of(10, 10), upload("3505", sale3505(SITE, twice)).codes().stream()
        .map(c -> c.input().quantity()).toList());
  }

  @Test
  void insuranceWithoutASettlementIdUsesTheVisitNumber() {
    JsonObject line = newLayoutLine("R-7", "B-7", T, "81000010000009000013").putNull("setl_id");
    assertEquals("MZR-7", upload("3505", sale3505(SITE, line)).codes().get(0).input().settlementId());
  }

  /** A visit number that is not text was passed over on every line that did not need it (setl_id present, self-paid). */
  @Test
  void aVisitNumberThatIsNotTextIsRefusedOnEveryLine() {
    for (String type : new String[] {null, "1", "2"}) {
      JsonObject line = newLayoutLine("R-26", "B-26", T, "81000010000009000026").put("mdtrt_setl_type", type)
          .put("mdtrt_sn", new JsonObject().put("id", "MZ-26"));
      NhsaError e = refused("3505A", sale3505A(SITE, line)).get(0);
      assertEquals("input.selinfoDetail[0].mdtrt_sn", e.field(), "mdtrt_setl_type " + type);
      assertEquals("the visit number must be a string", e.en());
    }
    JsonObject digits = newLayoutLine("R-26", "B-26", T, "81000010000009000026").putNull("setl_id")
        .put("mdtrt_sn", 4403026);
    assertEquals("4403026", upload("3505A", sale3505A(SITE, digits)).codes().get(0).input().settlementId(),
        "an identifier sent as a whole number reads as its digits");
  }

  /**
   * A code sent as a JSON number is refused, saying why: unlike an identifier's, its digits are not trusted, since a
   * 20-digit code that went through a double reads as another box's 20 digits.
   */
  @Test
  void aTraceCodeSentAsANumberIsRefusedSayingWhy() {
    for (JsonObject line : new JsonObject[] {saleLine("@N@", "R-27", "B-27", T),
        newLayoutLine("R-27", "B-27", T, "@N@")}) {
      NhsaError e = assertThrows(NhsaError.Refused.class, () -> readWith("3505", sale3505(SITE, line),
          "81000010000009000000")).errors().get(0);
      assertTrue(e.field().endsWith("drug_trac_codg"), e.field());
      assertTrue(e.en().startsWith("the trace code must be a string, as scanned: sent as a number, a 20-digit code may "
          + "have lost its last digits"), e.en());
      assertTrue(e.zh().contains("以数字发送的追溯码可能已丢失末位"), e.zh());
    }
  }

  @Test
  void aReturnIsLinkedToTheSaleItReturns() {
    JsonObject line = saleLine("81000010000009000014", "RT-1", "B-8", T).put("sel_retn_cnt", -1);
    NhsaRequest.Upload u = upload("3506", return3506(SITE, line, "R-1"));
    ScanInput in = u.codes().get(0).input();
    assertEquals(EventType.RETURN, in.type());
    assertEquals("R-1", in.linkedDocumentNo());
    assertEquals(1, in.quantity(), "a return's count may be sent negative");
    JsonObject detail = NhsaPayloads.envelope("3506A", SITE, new JsonObject().put("selinfoDetail",
        new JsonArray().add(line.copy())));
    assertEquals(EventType.RETURN, upload("3506A", detail).codes().get(0).input().type());
    assertNull(upload("3505", sale3505(SITE, line.copy().put("sel_retn_cnt", 1))).codes().get(0).input()
        .linkedDocumentNo(), "a sale links nothing");
    NhsaError zeroReturn = refused("3506", return3506(SITE, line.copy().put("sel_retn_cnt", 0), "R-1")).get(0);
    assertTrue(zeroReturn.en().contains("other than 0") && zeroReturn.en().contains("may be negative"),
        "a return's count is not told to be above 0: " + zeroReturn.en());
    NhsaError negativeSale = refused("3505", sale3505(SITE, line.copy().put("sel_retn_cnt", -1))).get(0);
    assertTrue(negativeSale.en().startsWith("must be a number above 0"), negativeSale.en());
  }

  @Test
  void aDeletionNamesTheUploadAndItsDataType() {
    NhsaRequest.Deletion d = (NhsaRequest.Deletion) read("3507", delete3507(SITE, "B-9", "4"));
    assertEquals(SITE, d.siteId());
    assertEquals("B-9", d.uploadBatch());
    assertTrue(d.ofSales());
    assertFalse(((NhsaRequest.Deletion) read("3507", delete3507(SITE, "B-9", "1"))).ofSales());
    List<NhsaError> errors = refused("3507", delete3507(SITE, "B\u00009", "7"));
    assertEquals(List.of("input.data.inv_data_type", "input.data.fixmedins_bchno"),
        errors.stream().map(NhsaError::field).toList());
  }

  @Test
  void aFileLineNeedsItsOwnInfnoAndAPostedOneMustMatchThePath() {
    JsonObject m = sale3505(SITE, saleLine("81000010000009000015", "R-10", "B-10", T));
    assertEquals("3505", read(null, m).infno());
    assertEquals("infno", refused("3506", m).get(0).field());
    m.remove("infno");
    assertEquals("3505", read("3505", m).infno(), "the path names the interface");
    assertEquals("infno", refused(null, m).get(0).field());
    NhsaError unsupported = refused("3501", m).get(0);
    assertTrue(unsupported.zh().contains("不支持的交易编号 3501"), unsupported.zh());
    assertTrue(unsupported.en().contains("3505, 3505A, 3506, 3506A, 3507"), unsupported.en());
  }

  @Test
  void everyUnreadableFieldIsListedWithItsPathInChineseAndEnglish() {
    JsonObject line = newLayoutLine("R-11", "B-11", T, "81000010000009000016");
    line.remove("rtal_docno");
    line.put("sel_retn_time", "2026/11/28 10:15").put("trdn_flag", "2").put("sel_retn_cnt", 0)
        .put("mdtrt_setl_type", "3").put("med_list_codg", new JsonObject());
    line.getJsonArray("drugtracinfo").add(new JsonObject().put("drug_trac_codg", ""));
    List<NhsaError> errors = refused("3505A", sale3505A(SITE, saleLine("81000010000009000017", "R-12", "B-12", T),
        line));
    String p = "input.selinfoDetail[1].";
    assertEquals(List.of(p + "rtal_docno", p + "sel_retn_time", p + "trdn_flag", p + "sel_retn_cnt",
        p + "med_list_codg", p + "mdtrt_setl_type", p + "drugtracinfo[1].drug_trac_codg"),
        errors.stream().map(NhsaError::field).toList());
    for (NhsaError e : errors) {
      assertTrue(e.zh().codePoints().anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN),
          "Chinese: " + e.zh());
      assertTrue(e.en().matches("[ -~]+"), "English: " + e.en());
    }
    assertTrue(errors.get(1).text().contains("2026/11/28 10:15"), "quotes what was sent: " + errors.get(1).text());
  }

  /** The format right and the date impossible: told "must be yyyy-MM-dd HH:mm:ss", its sender had nothing to change. */
  @Test
  void aTimeInTheRightFormatThatDoesNotExistIsNamedAsSuch() {
    for (String when : new String[] {"2026-02-30 10:15:30", "2026-11-28 24:00:00", "2025-02-29 10:00:00"}) {
      NhsaError e = refused("3505", sale3505(SITE, saleLine("81000010000009000025", "R-25", "B-25", when))).get(0);
      assertEquals("input.selinfo.sel_retn_time", e.field());
      assertEquals("names no such date or time, got \"" + when + "\"", e.en());
      assertEquals("销售/退货时间不是实际存在的日期或时间，收到 \"" + when + "\"", e.zh());
    }
    NhsaError format = refused("3505", sale3505(SITE, saleLine("81000010000009000025", "R-25", "B-25",
        "2026-11-28T10:15:30"))).get(0);
    assertTrue(format.en().startsWith("must be yyyy-MM-dd HH:mm:ss in China time"), format.en());
    assertEquals(Instant.parse("2024-02-29T02:00:00Z"), NhsaEnvelope.chinaTime("2024-02-29 10:00:00"), "a leap day");
  }

  @Test
  void aMessageWithoutItsPartsIsRefusedNamingThem() {
    JsonObject m = sale3505(SITE, saleLine("81000010000009000018", "R-13", "B-13", T));
    m.remove("input");
    m.put("fixmedins_code", 44030500002L);
    assertEquals(List.of("input"), refused("3505", m).stream().map(NhsaError::field).toList(),
        "a code sent as a number reads as its digits");
    assertEquals("input.selinfo", refused("3505", m.put("input", new JsonObject())).get(0).field());
    m.put("infno", "3505A");
    assertEquals("input.selinfoDetail", refused("3505A", m.put("input", new JsonObject()
        .put("selinfoDetail", new JsonArray()))).get(0).field());
    assertEquals("input.selinfoDetail[0]", refused("3505A", m.put("input", new JsonObject()
        .put("selinfoDetail", new JsonArray().add("x")))).get(0).field());
    assertEquals("body", assertThrows(NhsaError.Refused.class, () -> NhsaEnvelope.read("3505", List.of()))
        .errors().get(0).field());
  }

  @Test
  void anUnknownFieldIsIgnoredAndAMisspeltOneRefusedNamingTheFieldMeant() {
    JsonObject line = saleLine("81000010000009000001", "R-1", "B-1", T).put("shelf_posi", "A-3")
        .put("memo", new JsonObject().put("medListCodg", "nested, not a field of the line"));
    assertEquals(1, upload("3505", sale3505(SITE, line).put("opter_name", "Li")).codes().size(),
        "fields this service does not read are ignored");
    // "MED_LIST_CODG" was an unknown field, ignored: the sale was stored without its billed drug, so it was never
    // compared with the code's product
    JsonObject misspelt = saleLine("81000010000009000001", "R-1", "B-1", T);
    misspelt.put("MED_LIST_CODG", misspelt.remove("med_list_codg"));
    NhsaError e = refused("3505", sale3505(SITE, misspelt)).get(0);
    assertEquals("input.selinfo.MED_LIST_CODG", e.field());
    assertEquals("did you mean med_list_codg?", e.en());
    assertEquals("字段名有误，应为 med_list_codg", e.zh());
    assertEquals("dev-no", refused("3505", sale3505(SITE, line).put("dev-no", "POS-1")).get(0).field());
  }

  @Test
  void textThatIsNotJsonIsRefusedWithWhereItStops() {
    NhsaError notJson = assertThrows(NhsaError.Refused.class,
        () -> NhsaJson.read("{\"infno\": \"3505\",\n \"input\": {".getBytes(StandardCharsets.UTF_8))).errors().get(0);
    assertEquals("body", notJson.field());
    assertTrue(notJson.en().contains("line 2"), notJson.en());
    assertEquals("input.selinfo.rtal_docno", assertThrows(NhsaError.Refused.class, () -> NhsaJson.read(
        "{\"input\": {\"selinfo\": {\"rtal_docno\": \"A\", \"rtal_docno\": \"B\"}}}")).errors().get(0).field(),
        "a field sent twice is ambiguous");
    assertThrows(NhsaError.Refused.class, () -> NhsaJson.read("{} {}"));
    assertThrows(NhsaError.Refused.class, () -> NhsaJson.read(new byte[0]));
    assertThrows(NhsaError.Refused.class, () -> NhsaJson.read(new byte[] {'"', (byte) 0xC3, '"'}), "broken UTF-8");
  }

  @Test
  void aNumberNoBigDecimalHoldsIsRefusedNamingWhereItIs() {
    String message = sale3505(SITE, saleLine("81000010000009000020", "R-17", "B-17", T)).encode();
    for (String number : new String[] {"1e2147483648", "-1e-2147483649"}) {
      byte[] json = message.replace("\"sel_retn_cnt\":1", "\"sel_retn_cnt\":" + number)
          .getBytes(StandardCharsets.UTF_8);
      NhsaError e = assertThrows(NhsaError.Refused.class, () -> NhsaJson.read(json), number).errors().get(0);
      assertEquals("body", e.field());
      assertTrue(e.en().startsWith("a number is out of the readable range (line 1, column "), e.en());
    }
  }

  /** Well-formed JSON past a limit of the reader was refused as "not JSON in UTF-8": its sender looked for a bad byte. */
  @Test
  void aMessagePastTheReadersLimitsIsRefusedNamingTheLimit() {
    String message = sale3505(SITE, saleLine("81000010000009000024", "R-24", "B-24", T)).encode();
    String rest = message.substring(1);
    java.util.Map<String, String> expected = new java.util.LinkedHashMap<>();
    expected.put("{\"memo\":" + "[".repeat(1_001) + "]".repeat(1_001) + "," + rest,
        "JSON nested deeper than 1000 levels (line 1, column ");
    expected.put("{\"memo\":" + "1".repeat(1_001) + "," + rest, "a number longer than 1000 characters (line 1, column ");
    expected.put("{\"" + "a".repeat(50_001) + "\":1," + rest, "a field name longer than 50000 characters (line 1, column ");
    for (java.util.Map.Entry<String, String> json : expected.entrySet()) {
      NhsaError e = assertThrows(NhsaError.Refused.class,
          () -> NhsaJson.read(json.getKey().getBytes(StandardCharsets.UTF_8))).errors().get(0);
      assertEquals("body", e.field());
      assertTrue(e.en().startsWith(json.getValue()), e.en());
      assertEquals(e.en(), assertThrows(NhsaError.Refused.class, () -> NhsaJson.read(json.getKey())).errors().get(0)
          .en(), "a line of an import is read the same way");
    }
    assertEquals(1, ((NhsaRequest.Upload) NhsaEnvelope.read("3505", NhsaJson.read("{\"memo\":" + "[".repeat(900)
        + "]".repeat(900) + "," + rest))).codes().size(), "within the limits, an unread field is read past");
  }

  /** The message with the string "@N@" replaced by {@code raw}, a JSON number as a vendor may write it. */
  private static NhsaRequest readWith(String infno, JsonObject message, String raw) {
    return NhsaEnvelope.read(infno, NhsaJson.read(message.encode().replace("\"@N@\"", raw)
        .getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aShortNumberOfHugeMagnitudeIsReadWithoutWritingItOutOrDividingByIt() {
    // Eleven characters each: written out, divided or rounded, they took seconds to minutes of an event loop (an
    // HTTP answer, and SIGTERM, waited for it) or gigabytes, or threw ArithmeticException (a 500).
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
      for (String number : new String[] {"1e999999999", "-1e300000000"}) {
        NhsaError e = assertThrows(NhsaError.Refused.class, () -> readWith("3505", sale3505(SITE,
            saleLine("81000010000009000021", "@N@", "B-18", T)), number)).errors().get(0);
        assertEquals("input.selinfo.rtal_docno", e.field(), number);
        assertTrue(e.en().contains("longer than 100 characters"), e.en());
      }
      NhsaError flag = assertThrows(NhsaError.Refused.class, () -> readWith("3505", sale3505(SITE,
          saleLine("81000010000009000022", "R-19", "B-19", T).put("trdn_flag", "@N@")), "1e300000000")).errors()
          .get(0);
      assertEquals("input.selinfo.trdn_flag", flag.field());
      JsonObject split = saleLine("81000030000009000023", "R-20", "B-20", T).put("trdn_flag", "1")
          .put("sel_retn_cnt", "@N@");
      for (String tiny : new String[] {"1e-999999999", "1e-3000000", "\"5e-3000000\""}) {
        NhsaRequest.Upload u = (NhsaRequest.Upload) readWith("3505", sale3505(SITE, split.copy()), tiny);
        assertEquals(1, u.codes().get(0).input().quantity(), "a positive count under one unit is one unit: " + tiny);
      }
      assertEquals(3, ((NhsaRequest.Upload) readWith("3505", sale3505(SITE, split.copy()), "\"2.5000\""))
          .codes().get(0).input().quantity());
      assertEquals("input.selinfo.sel_retn_cnt", assertThrows(NhsaError.Refused.class, () -> readWith("3505",
          sale3505(SITE, split.copy()), "\"0." + "0".repeat(400_000) + "1\"")).errors().get(0).field(),
          "a count of 400,000 digits is not a count (parsing it alone took seconds)");
    });
  }

  @Test
  void controlCharactersInAnUploadAreLeftToTheCoreToRejectThatScan() {
    NhsaRequest.Upload u = upload("3505", sale3505(SITE, saleLine("81000010000009000019", "R\u000014", "B-14", T)));
    assertEquals("R\u000014", u.codes().get(0).input().documentNo());
  }

  @Test
  void tooManyCodesInOneMessageAreRefused() {
    String[] codes = new String[NhsaEnvelope.MAX_CODES_PER_LINE];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = String.format("810000100%011d", i);
    }
    JsonObject[] lines = new JsonObject[6];
    for (int i = 0; i < lines.length; i++) {
      lines[i] = newLayoutLine("R-15", "B-15-" + i, T, codes);
    }
    assertEquals("input", refused("3505A", sale3505A(SITE, lines)).get(0).field());
    String[] tooMany = Arrays.copyOf(codes, codes.length + 1);
    tooMany[codes.length] = "81000010000009999999";
    assertEquals("input.selinfo.drugtracinfo", refused("3505", sale3505(SITE, newLayoutLine("R-16", "B-16", T,
        tooMany))).get(0).field());
  }

  @Test
  void aRejectedSettlementIsNamedByTheFieldItCameFrom() {
    JsonObject byVisit = saleLine("81000010000009000001", "R-1", "B-1", T).put("mdtrt_setl_type", "1")
        .putNull("setl_id").put("mdtrt_sn", "MZ\u0000");
    NhsaRequest.Code code = upload("3505", sale3505(SITE, byVisit)).codes().get(0);
    assertEquals("MZ\u0000", code.input().settlementId());
    String refused = "settlementId holds U+0000 at position 2: only printable text is accepted";
    assertEquals("input.selinfo.mdtrt_sn", NhsaAnswer.where(refused, code).field(),
        "setl_id was not sent: the id at fault is the visit number");
    JsonObject bySettlement = saleLine("81000010000009000001", "R-1", "B-1", T).put("mdtrt_setl_type", "1")
        .put("setl_id", "S\u0000");
    assertEquals("input.selinfo.setl_id", NhsaAnswer.where(refused,
        upload("3505", sale3505(SITE, bySettlement)).codes().get(0)).field());
  }

  @Test
  void aMessageInUtf16OrUtf32WithoutAByteOrderMarkIsNotJsonInUtf8() {
    // ASCII only: a non-ASCII character's UTF-16 bytes are seldom well-formed UTF-8, and were refused already
    JsonObject line = new JsonObject().put("rtal_docno", "R-1").put("fixmedins_bchno", "B-1")
        .put("sel_retn_time", T).put("trdn_flag", "0").put("sel_retn_cnt", 1)
        .put("drug_trac_codg", "81000010000009000001");
    String message = new JsonObject().put("infno", "3505").put("fixmedins_code", SITE)
        .put("input", new JsonObject().put("selinfo", line)).encode();
    assertTrue(StandardCharsets.US_ASCII.newEncoder().canEncode(message), message);
    for (java.nio.charset.Charset wide : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE,
        java.nio.charset.Charset.forName("UTF-32LE"))) {
      byte[] bytes = message.getBytes(wide);
      NhsaError.Refused refused = assertThrows(NhsaError.Refused.class, () -> NhsaJson.read(bytes), wide.name());
      assertEquals("the message is not JSON in UTF-8: a zero byte among the first four (UTF-16 or UTF-32?); send it in "
          + "UTF-8", refused.errors().get(0).en());
    }
  }

  /** A HIS on Chinese Windows may send GBK: it was told "not JSON in UTF-8", without where or what to do. */
  @Test
  void aMessageInGbkIsRefusedNamingTheFirstByteThatIsNotUtf8() {
    String message = sale3505(SITE, saleLine("81000010000009000028", "R-28", "B-28", T)).encode();
    // The message's Chinese (王医生, 阿托伐他汀…) starts with a GBK byte no UTF-8 sequence starts with or continues.
    int firstChinese = message.codePoints().takeWhile(c -> c < 0x80).toArray().length;
    byte[] gbk = message.getBytes(java.nio.charset.Charset.forName("GBK"));
    NhsaError e = assertThrows(NhsaError.Refused.class, () -> NhsaJson.read(gbk)).errors().get(0);
    assertEquals("body", e.field());
    assertEquals("the message is not JSON in UTF-8: byte " + (firstChinese + 1) + " is not well-formed UTF-8 (a message "
        + "in GBK or another encoding must be sent as UTF-8)", e.en());
    assertTrue(e.zh().contains("第 " + (firstChinese + 1) + " 个字节起不是 UTF-8"), e.zh());
    byte[] inALine = ("{}\n" + message).getBytes(java.nio.charset.Charset.forName("GBK"));
    assertTrue(assertThrows(NhsaError.Refused.class, () -> NhsaJson.read(inALine, 3, inALine.length - 3)).errors()
        .get(0).en().contains("byte " + (firstChinese + 1) + " "), "counted from the line's start, as an import reads");
  }
}
