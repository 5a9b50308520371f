package com.tracesentinel.nhsa;

import com.tracesentinel.code.ParseResult;
import com.tracesentinel.code.TraceCodes;
import com.tracesentinel.ingest.Preparation;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.rules.EventType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an NHSA request envelope ({@code {"infno", "msgid", "fixmedins_code", "input"}}) into scans of the ingest
 * core, or a deletion. Pure: no I/O, no clock, never throws anything but {@link NhsaError.Refused}, which lists every
 * field that cannot be read (a malformed message stores nothing). A field that reads but whose content the core
 * refuses (an invalid code, a control character in a document number) is left to the core: that one scan is
 * REJECTED with the field named, and the rest of the message is stored.
 *
 * <p>The mapping, per line ({@code input.selinfo} for 3505/3506, each of {@code input.selinfoDetail} for
 * 3505A/3506A), one scan per trace code:
 * <ul>
 *   <li>codes: {@code drugtracinfo[].drug_trac_codg} (new layout), then {@code drug_trac_codg} (old layout) unless
 *   the list already holds its box, however written; a line with neither carries no code and stores nothing;</li>
 *   <li>site {@code fixmedins_code}; document {@code rtal_docno}; upload batch {@code fixmedins_bchno} (what a 3507
 *   names); time {@code sel_retn_time}, {@code yyyy-MM-dd HH:mm:ss} in Asia/Shanghai; billed drug
 *   {@code med_list_codg}; device {@code dev_no} of the envelope; the returned sale {@code medins_prod_sel_no}
 *   (3506 only);</li>
 *   <li>line number: 1 for every code. Neither the line's position in the message nor the code's in its line is
 *   part of the key (site, document, code, sale/return), so a line sent again in any message (a 3505 of its own, a
 *   3505A batch cut differently, its codes in another order, each code alone, a CSV row) comes back REPLAYED;</li>
 *   <li>{@code trdn_flag} 1: a split (拆零) sale of {@code sel_retn_cnt} units, shared out over the line's boxes
 *   (rounded up); 0: each code is one whole box;</li>
 *   <li>reimbursed when {@code mdtrt_setl_type} is 1 (settlement id {@code setl_id}, else {@code mdtrt_sn}); with
 *   2 self-paid; without it (old layout) when {@code setl_id} is present.</li>
 * </ul>
 */
public final class NhsaEnvelope {
  /** Trace codes in one message, at most (a whole 1 MiB body of short codes stays under it). */
  public static final int MAX_CODES = 5_000;
  /** Lines of one 3505A/3506A message, at most. */
  public static final int MAX_LINES = 5_000;
  /** Codes of one line, at most. */
  public static final int MAX_CODES_PER_LINE = 1_000;
  static final int MAX_TEXT = 100;
  static final int MAX_QUANTITY = 1_000_000;
  private static final int MAX_ERRORS = 50;
  /** {@code sel_retn_time} is China time. */
  public static final ZoneId CHINA = ZoneId.of("Asia/Shanghai");
  /** China has kept UTC+8 all year since 1992; a sale is never older. */
  private static final ZoneOffset CHINA_OFFSET = ZoneOffset.ofHours(8);

  /** The interfaces this service takes, and what a line of each is. */
  public enum Interface {
    I3505("3505", EventType.SALE, false), I3505A("3505A", EventType.SALE, true),
    I3506("3506", EventType.RETURN, false), I3506A("3506A", EventType.RETURN, true),
    I3507("3507", null, false);

    public final String infno;
    final EventType type;
    final boolean detailList;

    Interface(String infno, EventType type, boolean detailList) {
      this.infno = infno;
      this.type = type;
      this.detailList = detailList;
    }

    /** The interface of {@code infno} (case-insensitive), or null. */
    public static Interface of(String infno) {
      for (Interface i : values()) {
        if (i.infno.equalsIgnoreCase(infno)) {
          return i;
        }
      }
      return null;
    }
  }

  static final String SUPPORTED = "3505、3505A、3506、3506A、3507";

  /** Every field name read, at any depth: {@link NhsaJson} keeps these and skips the rest. */
  static final Set<String> READ = Set.of("infno", "msgid", "fixmedins_code", "dev_no", "input", "selinfo",
      "selinfoDetail", "data", "rtal_docno", "fixmedins_bchno", "sel_retn_time", "trdn_flag", "sel_retn_cnt",
      "med_list_codg", "mdtrt_setl_type", "setl_id", "mdtrt_sn", "medins_prod_sel_no", "drugtracinfo",
      "drug_trac_codg", "inv_data_type", "inf_time");

  private final List<NhsaError> errors = new ArrayList<>();
  /** Every error found, also those beyond the {@value #MAX_ERRORS} listed. */
  private int errorsFound;
  /** fixmedins_code once read: a refusal names it. */
  private String site;

  private NhsaEnvelope() {}

  /**
   * Reads a message posted live.
   *
   * @param pathInfno the interface the message was posted to ({@code /api/v1/nhsa/{infno}}), or null when it was
   *                  posted to {@code /api/v1/nhsa}, as to the NHSA gateway's one URL: then the envelope's own
   *                  {@code infno} decides
   * @param body      the message as {@link NhsaJson} read it
   */
  public static NhsaRequest read(String pathInfno, Object body) {
    return new NhsaEnvelope().envelope(pathInfno, body, false);
  }

  /** Reads a message of a file being imported: its envelope's {@code infno} decides, its {@code inf_time} dates it. */
  public static NhsaRequest readImported(Object body) {
    return new NhsaEnvelope().envelope(null, body, true);
  }

  private NhsaRequest envelope(String pathInfno, Object body, boolean imported) {
    if (!(body instanceof Map<?, ?> env)) {
      throw new NhsaError.Refused(new NhsaError("body", "报文须为 JSON 对象", "the message must be a JSON object"));
    }
    Interface iface = null;
    if (pathInfno != null) {
      iface = Interface.of(pathInfno);
      if (iface == null) {
        throw new NhsaError.Refused(new NhsaError("infno", "不支持的交易编号 " + printable(pathInfno) + "，本服务受理 "
            + SUPPORTED, "interface " + printable(pathInfno) + " is not taken here; supported: 3505, 3505A, 3506, "
            + "3506A, 3507"));
      }
    }
    String infno = text(env, "infno", "", "交易编号", "the interface number", pathInfno == null);
    if (infno != null) {
      Interface own = Interface.of(infno);
      if (own == null) {
        fail("infno", "不支持的交易编号 " + printable(infno) + "，本服务受理 " + SUPPORTED, "interface "
            + printable(infno) + " is not taken here; supported: 3505, 3505A, 3506, 3506A, 3507");
      } else if (iface != null && own != iface) {
        fail("infno", "交易编号 " + printable(infno) + " 与请求路径的 " + iface.infno + " 不一致", "interface "
            + printable(infno) + " does not match the path's " + iface.infno);
      } else {
        iface = own;
      }
    }
    String msgid = text(env, "msgid", "", "发送方报文ID", "the message id", false);
    site = text(env, "fixmedins_code", "", "定点医药机构编号", "the institution code", true);
    String device = text(env, "dev_no", "", "设备编号", "the device number", false);
    Map<?, ?> input = object(env.get("input"), "input", "交易输入", "the input", true);
    if (iface == null || input == null || !errors.isEmpty()) {
      throw refused();
    }
    if (iface == Interface.I3507) {
      // Only from a file: a history imported weeks later dated each deletion at the import, so a sale deleted minutes
      // after it was made counted as deleted after the return window (LATE_DELETION). A message posted live is dated
      // when it arrives, not by the sender's clock.
      Instant sent = imported ? chinaTime(env, "", "inf_time", "交易时间", "the message time", false) : null;
      return deletion(iface, msgid, site, input, sent);
    }
    return upload(iface, msgid, site, device, input);
  }

  private NhsaRequest deletion(Interface iface, String msgid, String site, Map<?, ?> input, Instant sent) {
    Map<?, ?> data = object(input.get("data"), "input.data", "交易输入 data", "input.data", true);
    if (data == null) {
      throw refused();
    }
    String batch = text(data, "fixmedins_bchno", "input.data", "定点医药机构批次流水号",
        "the upload's batch number", true);
    String type = text(data, "inv_data_type", "input.data", "进销存数据类型", "the data type", true);
    if (type != null && !(type.length() == 1 && type.charAt(0) >= '1' && type.charAt(0) <= '4')) {
      fail("input.data.inv_data_type", "进销存数据类型须为 1（盘存）、2（库存变更）、3（采购）或 4（销售）",
          "must be 1 (inventory), 2 (stock change), 3 (purchase) or 4 (sales)");
    }
    // A deletion is not a scan the core could reject: what it names must be text before it reaches a query.
    printableText(site, "fixmedins_code", "定点医药机构编号");
    printableText(batch, "input.data.fixmedins_bchno", "定点医药机构批次流水号");
    if (!errors.isEmpty()) {
      throw refused();
    }
    return new NhsaRequest.Deletion(iface.infno, msgid, site, batch, type, sent);
  }

  private NhsaRequest upload(Interface iface, String msgid, String site, String device, Map<?, ?> input) {
    List<Map<?, ?>> lines = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    if (iface.detailList) {
      Object detail = input.get("selinfoDetail");
      if (!(detail instanceof List<?> list) || list.isEmpty()) {
        fail("input.selinfoDetail", detail == null ? "缺少销售/退货明细" : "销售/退货明细须为非空 JSON 数组",
            detail == null ? "the sale or return lines are required" : "must be a non-empty JSON array of lines");
        throw refused();
      }
      if (list.size() > MAX_LINES) {
        fail("input.selinfoDetail", "明细超过 " + MAX_LINES + " 行", "more than " + MAX_LINES + " lines in one message");
        throw refused();
      }
      for (int i = 0; i < list.size(); i++) {
        String path = "input.selinfoDetail[" + i + "]";
        Map<?, ?> line = object(list.get(i), path, "明细行", "a line", true);
        lines.add(line);
        paths.add(path);
      }
    } else {
      lines.add(object(input.get("selinfo"), "input.selinfo", "销售/退货明细 selinfo", "the line", true));
      paths.add("input.selinfo");
    }
    List<NhsaRequest.Code> codes = new ArrayList<>();
    List<Integer> withoutCode = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i) == null) {
        continue;
      }
      int before = codes.size();
      line(iface, site, device, lines.get(i), i, paths.get(i), codes);
      if (codes.size() == before) {
        withoutCode.add(i);
      }
      if (codes.size() > MAX_CODES) {
        fail("input", "追溯码超过 " + MAX_CODES + " 个，请分批上传", "more than " + MAX_CODES
            + " trace codes in one message: send them in several");
        break;
      }
    }
    if (!errors.isEmpty()) {
      throw refused();
    }
    return new NhsaRequest.Upload(iface.infno, msgid, site, List.copyOf(codes), List.copyOf(withoutCode));
  }

  /** Adds the scans of one line to {@code codes}, or its errors. */
  private void line(Interface iface, String site, String device, Map<?, ?> line, int index, String path,
                    List<NhsaRequest.Code> codes) {
    int errorsBefore = errorsFound;
    String doc = text(line, "rtal_docno", path, "零售单据号", "the retail document number", true);
    String batch = text(line, "fixmedins_bchno", path, "定点医药机构批次流水号", "the batch number", true);
    Instant at = chinaTime(line, path, "sel_retn_time", "销售/退货时间", "the sale or return time", true);
    Boolean split = flag(line, path);
    BigDecimal count = count(line, path, iface.type == EventType.RETURN);
    String billed = text(line, "med_list_codg", path, "医疗目录编码", "the catalogue code", false);
    Settlement settlement = settlement(line, path);
    String returned = iface.type == EventType.RETURN ? text(line, "medins_prod_sel_no", path, "商品销售流水号",
        "the sale's serial number", false) : null;
    List<Found> found = codes(line, path);
    if (errorsFound > errorsBefore || found.isEmpty()) {
      return;
    }
    // Shared over boxes, not entries: a box listed twice (or in both layouts) is stored once, so a split line of 10
    // units that listed it twice recorded 5, and the box's split sales could pass its pack size unflagged.
    int quantity = split ? share(count, (int) found.stream().map(f -> box(f.code())).distinct().count()) : 1;
    for (int c = 0; c < found.size(); c++) {
      // Not the code's position: a retry that lists the line's codes in another order, or sends each box as an
      // old-layout line of its own, was stored again as second sales of the receipt (DOUBLE_SCAN).
      ScanInput in = new ScanInput(found.get(c).code(), iface.type, site, doc, 1, at, quantity, split, billed,
          settlement.id(), device, batch, returned);
      codes.add(new NhsaRequest.Code(in, index, path, found.get(c).entry(), settlement.field()));
    }
  }

  /**
   * The units of each of {@code codes} codes sharing a split line's {@code count} (above 0, at most
   * {@link #MAX_QUANTITY}), rounded up. Rounded up to whole units first, which gives the same share: dividing
   * {@code 1e-300000000} itself computed 10^300000000, minutes of an event loop for eleven characters.
   */
  private static int share(BigDecimal count, int codes) {
    if (count.compareTo(BigDecimal.ONE) <= 0) {
      return 1;
    }
    long units = count.setScale(0, RoundingMode.CEILING).longValueExact();
    return (int) ((units + codes - 1) / codes);
  }

  /** A code of a line: its position in {@code drugtracinfo}, or -1 for the old layout's field. */
  private record Found(String code, int entry) {}

  /** The line's codes with where each is: the new layout's list, then the old field unless the list holds it. */
  private List<Found> codes(Map<?, ?> line, String path) {
    List<Found> found = new ArrayList<>();
    Object list = line.get("drugtracinfo");
    if (list != null && !(list instanceof List<?>)) {
      fail(path, "drugtracinfo", "追溯码列表须为 JSON 数组", "must be a JSON array of {\"drug_trac_codg\"}");
    } else if (list != null) {
      List<?> entries = (List<?>) list;
      for (int i = 0; i < entries.size(); i++) {
        Object entry = entries.get(i);
        String code = null;
        if (entry instanceof Map<?, ?> m) {
          code = code(m, path, i);
        } else {
          object(entry, path + ".drugtracinfo[" + i + "]", "追溯码节点", "an entry", true);
        }
        if (code != null) {
          found.add(new Found(code, i));
        }
      }
    }
    String old = code(line, path, -1);
    if (old != null && found.stream().noneMatch(f -> box(f.code()).equals(box(old)))) {
      found.add(new Found(old, -1));
    }
    if (found.size() > MAX_CODES_PER_LINE) {
      fail(path, "drugtracinfo", "一行追溯码超过 " + MAX_CODES_PER_LINE + " 个", "more than " + MAX_CODES_PER_LINE
          + " codes in one line");
      return List.of();
    }
    return found;
  }

  /**
   * The box a code names: its canonical, so that a vendor writing the old field as scanned (AIM prefix, GS) beside
   * the list's bracketed form names one box; the text without its edges when the code is invalid.
   */
  private static String box(String code) {
    return TraceCodes.parse(code) instanceof ParseResult.Valid valid ? valid.code().canonical() : code.strip();
  }

  /**
   * A code as sent (scanner noise included: the parser reads it), of entry {@code entry} of the line's list or, -1,
   * of the line itself, where blank counts as absent.
   */
  private String code(Map<?, ?> o, String linePath, int entry) {
    Object v = o.get("drug_trac_codg");
    String zh;
    String en;
    if (v == null || v instanceof String blank && blank.isBlank()) {
      if (entry < 0) {
        return null;
      }
      zh = "缺少药品追溯码";
      en = "the trace code is required";
    } else if (!(v instanceof String s)) {
      // Not read as its digits, as an identifier sent as a number is: a code has no check digit this service can
      // test, and one that went through a double (as JavaScript's numbers do) lost its last digits while still
      // reading as 20 digits, another box's code.
      zh = v instanceof BigDecimal ? "药品追溯码须为字符串：以数字发送的追溯码可能已丢失末位（20 位超出双精度数的精度），请按扫码原样以字符串发送"
          : "药品追溯码须为字符串";
      en = v instanceof BigDecimal ? "the trace code must be a string, as scanned: sent as a number, a 20-digit code may "
          + "have lost its last digits (a double holds 15 to 17)" : "the trace code must be a string";
    } else {
      return s; // of any length: the parser rejects a long one (TOO_LONG) as it does any invalid code
    }
    fail(entry < 0 ? linePath : linePath + ".drugtracinfo[" + entry + "]", "drug_trac_codg", zh, en);
    return null;
  }

  /** A {@code yyyy-MM-dd HH:mm:ss} field in China time, or null when absent (or unreadable: then named). */
  private Instant chinaTime(Map<?, ?> o, String parent, String name, String zh, String en, boolean required) {
    String s = text(o, name, parent, zh, en, required);
    if (s == null) {
      return null;
    }
    Instant at = chinaTime(s);
    if (at == null && shaped(s)) {
      // Told apart from a wrong format: the sender's format was right, its date (30 February) or time (24:00) not.
      fail(parent, name, zh + "不是实际存在的日期或时间，收到 \"" + printable(s) + "\"",
          "names no such date or time, got \"" + printable(s) + "\"");
    } else if (at == null) {
      fail(parent, name, zh + "须为 yyyy-MM-dd HH:mm:ss（北京时间），收到 \"" + printable(s) + "\"",
          "must be yyyy-MM-dd HH:mm:ss in China time, got \"" + printable(s) + "\"");
    }
    return at;
  }

  /**
   * {@code yyyy-MM-dd HH:mm:ss} in China time, or null when it is not that or names no such time (30 February).
   * Read by hand: every line of a bulk import has one, and a formatter's parse costs more than the rest of the line.
   */
  static Instant chinaTime(String s) {
    if (!shaped(s)) {
      return null;
    }
    try {
      return LocalDateTime.of(digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2), digits(s, 11, 2), digits(s, 14, 2),
          digits(s, 17, 2)).toInstant(CHINA_OFFSET);
    } catch (DateTimeException e) {
      return null;
    }
  }

  /** Whether {@code s} is written as {@code yyyy-MM-dd HH:mm:ss}, whatever the date and time it names. */
  private static boolean shaped(String s) {
    return s.length() == 19 && s.charAt(4) == '-' && s.charAt(7) == '-' && s.charAt(10) == ' ' && s.charAt(13) == ':'
        && s.charAt(16) == ':' && (digits(s, 0, 4) | digits(s, 5, 2) | digits(s, 8, 2) | digits(s, 11, 2)
        | digits(s, 14, 2) | digits(s, 17, 2)) >= 0;
  }

  private static int digits(String s, int from, int n) {
    int v = 0;
    for (int i = from; i < from + n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private Boolean flag(Map<?, ?> line, String path) {
    Object v = line.get("trdn_flag");
    // Only 0 and 1 are written out: 1e999999999 written out is a gigabyte. 1.0 is 1, as in the line's other numbers
    // (a serialiser of doubles writes the flag so).
    BigDecimal within = v instanceof BigDecimal n && n.signum() >= 0 && n.compareTo(BigDecimal.ONE) <= 0
        ? n.stripTrailingZeros() : null;
    String s = v instanceof BigDecimal ? (within != null && within.scale() <= 0 ? within.toPlainString() : "?")
        : v instanceof String t ? t.strip() : null;
    if (v == null || "".equals(s)) {
      fail(path, "trdn_flag", "缺少拆零标志", "the split-pack flag is required");
      return false;
    }
    if ("1".equals(s) || "0".equals(s)) {
      return "1".equals(s);
    }
    fail(path, "trdn_flag", "拆零标志须为 0（否）或 1（是）", "must be 0 (whole box) or 1 (split pack)");
    return false;
  }

  /** {@code sel_retn_cnt}: a number above 0 (a return's may be sent negative: its size counts). */
  private BigDecimal count(Map<?, ?> line, String path, boolean isReturn) {
    Object v = line.get("sel_retn_cnt");
    BigDecimal n = null;
    if (v instanceof BigDecimal d) {
      n = d;
    } else if (v instanceof String s && !s.isBlank()) {
      try {
        // A count is a few digits; parsing a string of a million took BigDecimal seconds.
        n = s.strip().length() > MAX_TEXT ? null : new BigDecimal(s.strip());
      } catch (NumberFormatException e) {
        n = null;
      }
    } else if (v == null || v instanceof String) {
      fail(path, "sel_retn_cnt", "缺少销售/退货数量", "the quantity is required");
      return BigDecimal.ONE;
    }
    if (n != null && isReturn) {
      n = n.abs();
    }
    if (n == null || n.signum() <= 0 || n.compareTo(BigDecimal.valueOf(MAX_QUANTITY)) > 0) {
      if (isReturn) {
        fail(path, "sel_retn_cnt", "退货数量须为非 0、绝对值不超过 " + MAX_QUANTITY + " 的数（可为负数）",
            "must be a number other than 0, at most " + MAX_QUANTITY + " either side of 0 (a return's may be negative)");
      } else {
        fail(path, "sel_retn_cnt", "销售数量须为大于 0、不超过 " + MAX_QUANTITY + " 的数", "must be a number above 0 and at most "
            + MAX_QUANTITY);
      }
      return BigDecimal.ONE;
    }
    return n;
  }

  /**
   * A line's settlement id (null: self-paid) and the field it was read from, which a scan the core rejects for it
   * names: a visit number's control character was blamed on a {@code setl_id} the line did not send.
   */
  private record Settlement(String id, String field) {}

  private Settlement settlement(Map<?, ?> line, String path) {
    String type = text(line, "mdtrt_setl_type", path, "就医结算类型", "the settlement type", false);
    String setlId = text(line, "setl_id", path, "结算ID", "the settlement id", false);
    // Read whatever the type, as setl_id is: a visit number sent as an object was passed over on every line that
    // did not need it, and refused only on the one that did.
    String visit = text(line, "mdtrt_sn", path, "就医流水号", "the visit number", false);
    Settlement bySetlId = new Settlement(setlId, "setl_id");
    if (type == null) {
      return bySetlId;
    }
    if (type.equals("2")) {
      return new Settlement(null, "setl_id");
    }
    if (!type.equals("1")) {
      fail(path, "mdtrt_setl_type", "就医结算类型须为 1（医保）或 2（自费）", "must be 1 (insurance) or 2 (self-paid)");
      return new Settlement(null, "setl_id");
    }
    return setlId != null ? bySetlId : new Settlement(visit != null ? visit : "mdtrt_setl_type=1", "mdtrt_sn");
  }

  /**
   * A text field: a string (spaces trimmed; control characters kept, for the core to reject that scan naming the
   * field) or a whole number written without quotes. Blank counts as absent.
   */
  private String text(Map<?, ?> o, String name, String parent, String zh, String en, boolean required) {
    Object v = o.get(name);
    String s;
    if (v instanceof String t) {
      s = Preparation.trimSpaces(t);
    } else if (v instanceof BigDecimal n && n.stripTrailingZeros().scale() <= 0) {
      // Its digits are counted before they are written: 1e999999999 has a billion.
      BigDecimal whole = n.stripTrailingZeros();
      if ((long) whole.precision() - whole.scale() > MAX_TEXT) {
        tooLong(parent, name, zh, en);
        return null;
      }
      s = whole.toBigInteger().toString();
    } else if (v == null) {
      s = "";
    } else {
      fail(parent, name, zh + "须为字符串", en + " must be a string");
      return null;
    }
    if (s.isEmpty()) {
      if (required) {
        fail(parent, name, "缺少" + zh, en + " is required");
      }
      return null;
    }
    if (s.length() > MAX_TEXT) {
      tooLong(parent, name, zh, en);
      return null;
    }
    return s;
  }

  private void tooLong(String parent, String name, String zh, String en) {
    fail(parent, name, zh + "超过 " + MAX_TEXT + " 个字符", en + " is longer than " + MAX_TEXT + " characters");
  }

  private Map<?, ?> object(Object v, String path, String zh, String en, boolean required) {
    if (v instanceof Map<?, ?> m) {
      return m;
    }
    if (v == null && required) {
      fail(path, "缺少" + zh, en + " is required");
    } else if (v != null) {
      fail(path, zh + "须为 JSON 对象", en + " must be a JSON object");
    }
    return null;
  }

  private void printableText(String s, String path, String zh) {
    int at = Preparation.firstNonText(s);
    if (at >= 0) {
      fail(path, zh + "在第 " + at + " 位含有控制字符 " + String.format("U+%04X", (int) s.charAt(at)),
          String.format("holds the control character U+%04X at position %d: only printable text is accepted",
              (int) s.charAt(at), at));
    }
  }

  private void fail(String parent, String name, String zh, String en) {
    fail(parent.isEmpty() ? name : parent + "." + name, zh, en);
  }

  private void fail(String field, String zh, String en) {
    errorsFound++;
    if (errors.size() < MAX_ERRORS) {
      errors.add(new NhsaError(field, zh, en));
    }
  }

  /**
   * The errors listed, then how many more were found: a sender who fixed the 50 listed sent the message again
   * thinking it mended, and met the next 50.
   */
  private NhsaError.Refused refused() {
    if (errorsFound == errors.size()) {
      return new NhsaError.Refused(errors, site);
    }
    List<NhsaError> listed = new ArrayList<>(errors);
    int more = errorsFound - errors.size();
    listed.add(new NhsaError("input", "另有 " + more + " 处错误未列出（最多列出 " + MAX_ERRORS + " 处）",
        more + " more errors not listed (at most " + MAX_ERRORS + " are)"));
    return new NhsaError.Refused(listed, site);
  }

  /** A value quoted in a message: at most 40 characters, control characters shown as '?'. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 40; i++) {
      char c = s.charAt(i);
      b.append(Character.isISOControl(c) || Character.isSurrogate(c) ? '?' : c);
    }
    return s.length() > 40 ? b + "…" : b.toString();
  }
}
