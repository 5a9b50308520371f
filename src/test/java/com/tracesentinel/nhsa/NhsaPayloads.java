package com.tracesentinel.nhsa;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Realistic NHSA 进销存 messages, written from the field lists of the 3505/3505A/3506/3507 interfaces as pharmacy
 * systems fill them (every field of a sale line, the common envelope header), for tests to adjust.
 */
public final class NhsaPayloads {
  private static final DateTimeFormatter CHINA_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
      .withZone(NhsaEnvelope.CHINA);

  private NhsaPayloads() {}

  /** {@code sel_retn_time} of an instant. */
  public static String chinaTime(Instant t) {
    return CHINA_TIME.format(t);
  }

  /** The common request header every NHSA message carries, with {@code input}. */
  public static JsonObject envelope(String infno, String site, JsonObject input) {
    return new JsonObject()
        .put("infno", infno)
        .put("msgid", site + "20261128101530" + "0001")
        .put("mdtrtarea_admvs", "440300")
        .put("insuplc_admdvs", "440300")
        .put("recer_sys_code", "YDZF")
        .put("dev_no", "POS-03")
        .put("dev_safe_info", "")
        .put("cainfo", "")
        .put("signtype", "SM2")
        .put("infver", "V1.0")
        .put("opter_type", "1")
        .put("opter", "0001")
        .put("opter_name", "收银员01")
        .put("inf_time", "2026-11-28 10:15:31")
        .put("fixmedins_code", site)
        .put("fixmedins_name", "测试大药房")
        .put("sign_no", "")
        .put("input", input);
  }

  /**
   * A 3505 sale line in the old layout (one {@code drug_trac_codg}), whole box, settled by insurance: every field of
   * the interface's list, as a pharmacy system fills it.
   */
  public static JsonObject saleLine(String code, String docNo, String batch, String time) {
    return new JsonObject()
        .put("med_list_codg", "XC10AAA057A001010100383")
        .put("fixmedins_hilist_id", "YP0001234")
        .put("fixmedins_hilist_name", "阿托伐他汀钙片 20mg×7片")
        .put("fixmedins_bchno", batch)
        .put("prsc_dr_cert_type", "01")
        .put("prsc_dr_certno", "")
        .put("prsc_dr_name", "王医生")
        .put("phar_cert_type", "01")
        .put("phar_certno", "")
        .put("phar_name", "李药师")
        .put("phar_prac_cert_no", "ZY4403000123")
        .put("hi_feesetl_type", "1")
        .put("setl_id", "S4403" + docNo)
        .put("mdtrt_sn", "MZ" + docNo)
        .put("psn_no", "44000000000001")
        .put("psn_cert_type", "01")
        .put("certno", "")
        .put("psn_name", "测试患者")
        .put("manu_lotnum", "DX2311")
        .put("manu_date", "2025-06-01")
        .put("expy_end", "2027-12-31")
        .put("rx_flag", "1")
        .put("trdn_flag", "0")
        .put("finl_trns_pric", 28.5)
        .put("rxno", "")
        .put("rx_circ_flag", "0")
        .put("rtal_docno", docNo)
        .put("stoout_no", "")
        .put("bchno", "DX2311")
        .put("drug_trac_codg", code)
        .put("drug_prod_barc", "6901234567892")
        .put("shelf_posi", "A-03")
        .put("sel_retn_cnt", 1)
        .put("sel_retn_time", time)
        .put("sel_retn_opter_name", "收银员01")
        .put("memo", "");
  }

  /** The same line in the new layout: the codes in {@code drugtracinfo}, {@code mdtrt_setl_type} 1 (insurance). */
  public static JsonObject newLayoutLine(String docNo, String batch, String time, String... codes) {
    JsonObject line = saleLine(null, docNo, batch, time).put("mdtrt_setl_type", "1").put("sel_retn_cnt",
        Math.max(1, codes.length));
    line.remove("drug_trac_codg");
    JsonArray list = new JsonArray();
    for (String c : codes) {
      list.add(new JsonObject().put("drug_trac_codg", c));
    }
    return line.put("drugtracinfo", list);
  }

  /** 3505: one line under {@code input.selinfo}. */
  public static JsonObject sale3505(String site, JsonObject line) {
    return envelope("3505", site, new JsonObject().put("selinfo", line));
  }

  /** 3505A: lines under {@code input.selinfoDetail}. */
  public static JsonObject sale3505A(String site, JsonObject... lines) {
    return envelope("3505A", site, new JsonObject().put("selinfoDetail", new JsonArray(List.of(lines))));
  }

  /** 3506: a return line, linked to the sale it returns by {@code medins_prod_sel_no}. */
  public static JsonObject return3506(String site, JsonObject line, String saleSerial) {
    return envelope("3506", site, new JsonObject().put("selinfo", line.put("medins_prod_sel_no", saleSerial)));
  }

  /** 3507: delete an upload. */
  public static JsonObject delete3507(String site, String batch, String invDataType) {
    return envelope("3507", site, new JsonObject().put("data", new JsonObject().put("fixmedins_bchno", batch)
        .put("inv_data_type", invDataType)));
  }
}
