package com.tracesentinel.nhsa;

import com.tracesentinel.ingest.ScanResult;
import com.tracesentinel.ingest.Voiding;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The business part of an NHSA answer ({@code output.result}: {@code retRslt} "1" or "0" and {@code msgRslt}, Chinese
 * then English) for what the core did with a message, and the envelope's time format. Pure.
 */
public final class NhsaAnswer {
  /** {@code refmsg_time} and {@code respond_time}: China time to the millisecond, as the NHSA platform writes them. */
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmssSSS")
      .withZone(NhsaEnvelope.CHINA);

  /** {@code output.result}. */
  public record Result(String retRslt, String msgRslt) {}

  private NhsaAnswer() {}

  public static String time(Instant t) {
    return TIME.format(t);
  }

  /**
   * An upload, stored: "1" unless a code was REJECTED (then "0", naming the first with its field and reason; the
   * others are stored all the same). A re-sent upload is "1": it was received before.
   */
  public static Result upload(NhsaRequest.Upload upload, List<ScanResult> results) {
    int accepted = 0;
    int flagged = 0;
    int replayed = 0;
    int repeated = 0;
    int rejected = 0;
    ScanResult firstRejected = null;
    // The (document, code) pairs met so far in this message, stored or replayed. A REPLAYED code matching one is the
    // same box listed twice in the message (one receipt, one key), not one more an earlier message stored: counted
    // "before", a first upload read as partly a re-send, and a re-sent one as having stored each copy.
    Set<String> seenHere = new HashSet<>();
    List<ScanResult> inOrder = new ArrayList<>(results);
    inOrder.sort(Comparator.comparingInt(ScanResult::index));
    for (ScanResult r : inOrder) {
      switch (r.status()) {
        case ACCEPTED -> {
          accepted++;
          seenHere.add(keyInMessage(upload, r));
        }
        case FLAGGED -> {
          flagged++;
          seenHere.add(keyInMessage(upload, r));
        }
        case REPLAYED -> {
          if (seenHere.add(keyInMessage(upload, r))) {
            replayed++;
          } else {
            repeated++;
          }
        }
        case REJECTED -> {
          rejected++;
          if (firstRejected == null) {
            firstRejected = r;
          }
        }
      }
    }
    StringBuilder zh = new StringBuilder();
    StringBuilder en = new StringBuilder();
    if (results.isEmpty()) {
      zh.append("报文中没有追溯码，未保存任何扫码");
      en.append("no trace code in the message: no scan stored");
    } else {
      // A re-sent code was stored by the first upload, not this one: counted apart, so that a retry of a message
      // whose answer was lost does not read as a second storing.
      int stored = accepted + flagged + rejected;
      zh.append(rejected == 0 ? "成功" : rejected + " 个追溯码被拒收").append("：本次保存 ").append(stored)
          .append(" 个追溯码（正常 ").append(accepted).append("，预警 ").append(flagged).append("，拒收 ")
          .append(rejected).append("），此前已保存 ").append(replayed).append(" 个");
      en.append(rejected == 0 ? "OK" : rejected + " codes rejected").append(": ").append(stored)
          .append(" codes stored now (accepted ").append(accepted).append(", flagged ").append(flagged)
          .append(", rejected ").append(rejected).append("), ").append(replayed).append(" stored before (replayed)");
      if (repeated > 0) {
        zh.append("，本报文内重复 ").append(repeated).append(" 个（同一单据的同一追溯码，只保存一次）");
        en.append(", ").append(repeated).append(" repeated within this message (the same code on the same document:"
            + " stored once)");
      }
    }
    if (firstRejected != null) {
      Where where = where(firstRejected.error(), upload.codes().get(firstRejected.index()));
      zh.append("；首个拒收 ").append(where.field()).append("：").append(where.zh());
      en.append("; first rejected ").append(where.field()).append(": ").append(firstRejected.error());
    }
    if (!upload.linesWithoutCode().isEmpty()) {
      String lines = lines(upload);
      zh.append("；").append(lines).append(" 没有追溯码，未保存");
      en.append("; ").append(lines).append(" carries no trace code: nothing stored for it");
    }
    return new Result(rejected == 0 ? "1" : "0", zh + " / " + en + " (output.tracesentinel.results)");
  }

  /** A scan's idempotency key within one message (site and type are the message's): its document and code. */
  private static String keyInMessage(NhsaRequest.Upload upload, ScanResult r) {
    return upload.codes().get(r.index()).input().documentNo() + '\u0000' + r.canonical();
  }

  /**
   * A deletion, committed. Deleting an upload with no stored scan (never received, already deleted, or a deletion
   * sent again) is "1" too: afterwards the upload is not counted, which is what the sender asked for.
   */
  public static Result deletion(NhsaRequest.Deletion d, Voiding.Result r) {
    String late = r.lateDeletions().isEmpty() ? "" : "（其中 " + r.lateDeletions().size() + " 个销售超过退货期限才删除，"
        + "已记录预警）";
    String lateEn = r.lateDeletions().isEmpty() ? "" : " (" + r.lateDeletions().size() + " of them sales deleted "
        + "after the return window: LATE_DELETION recorded)";
    if (r.scansVoided() == 0) {
      return new Result("1", "成功：批次 " + d.uploadBatch() + " 没有已保存的扫码，无需删除 / OK: upload "
          + d.uploadBatch() + " has no stored scan, nothing to delete");
    }
    return new Result("1", "成功：已作废批次 " + d.uploadBatch() + " 的 " + r.scansVoided() + " 个扫码" + late
        + " / OK: " + r.scansVoided() + " scans of upload " + d.uploadBatch() + " voided" + lateEn);
  }

  /** A deletion of inventory, stock-change or purchase data ({@code inv_data_type} 1–3): nothing of it is here. */
  public static Result notSales(NhsaRequest.Deletion d) {
    return new Result("1", "成功：本服务只保存销售/退货数据（inv_data_type 4），批次 " + d.uploadBatch() + " 无需删除"
        + " / OK: only sales and returns (inv_data_type 4) are stored here; nothing to delete for upload "
        + d.uploadBatch());
  }

  /** Where a rejected scan's problem is in the message, and its gist in Chinese. */
  public record Where(String field, String zh) {}

  /**
   * The core names the scan's own field when a text field is not text ("documentNo holds U+0000 …"), the site when
   * it is not registered, the time when it is out of range; otherwise the code is what it refused.
   */
  public static Where where(String error, NhsaRequest.Code code) {
    String line = code.linePath();
    String e = error == null ? "" : error;
    String[][] fields = {{"documentNo ", ".rtal_docno"}, {"uploadBatch ", ".fixmedins_bchno"},
        {"billedDrug ", ".med_list_codg"}, {"settlementId ", "." + code.settlementField()},
        {"linkedDocumentNo ", ".medins_prod_sel_no"}};
    for (String[] f : fields) {
      if (e.startsWith(f[0])) {
        return new Where(line + f[1], "含有控制字符或无效字符");
      }
    }
    if (e.startsWith("siteId ")) {
      return new Where("fixmedins_code", "含有控制字符或无效字符");
    } else if (e.startsWith("deviceId ")) {
      return new Where("dev_no", "含有控制字符或无效字符");
    } else if (e.startsWith("site ")) {
      return new Where("fixmedins_code", "定点医药机构未在本服务登记");
    } else if (e.startsWith("scannedAt ")) {
      return new Where(line + ".sel_retn_time", "销售/退货时间超出可受理范围");
    } else if (e.startsWith("invalid code")) {
      return new Where(code.field(), "药品追溯码无效");
    }
    return new Where(code.field(), "暂时无法受理，请稍后重发");
  }

  /** The lines without a code, as paths ({@code input.selinfoDetail[2]}), at most 10. */
  private static String lines(NhsaRequest.Upload upload) {
    NhsaEnvelope.Interface iface = NhsaEnvelope.Interface.of(upload.infno());
    if (iface == null || !iface.detailList) {
      return "input.selinfo";
    }
    StringBuilder b = new StringBuilder();
    List<Integer> lines = upload.linesWithoutCode();
    for (int i = 0; i < lines.size() && i < 10; i++) {
      b.append(i == 0 ? "" : ", ").append("input.selinfoDetail[").append(lines.get(i)).append(']');
    }
    return lines.size() > 10 ? b + ", …" : b.toString();
  }
}
