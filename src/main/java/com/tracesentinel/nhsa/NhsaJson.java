package com.tracesentinel.nhsa;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.tracesentinel.code.Utf8;
import com.tracesentinel.ingest.FieldNames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one NHSA message into plain Java values: {@code Map<String, Object>} (in field order), {@code List<Object>},
 * {@code String}, {@code BigDecimal} for every number, {@code Boolean} and null; of an object, only the fields
 * {@link NhsaEnvelope} reads are kept (a sale line has some 35, a dozen of them read), the others are checked as
 * JSON and skipped. One reader for the HTTP route and the bulk import, so both see a message the same way. Strict:
 * UTF-8 only, one value and nothing after it, a field that is read, named twice in one object, is refused (which of
 * two {@code rtal_docno} counts would be a guess), and so is one misspelt ({@code MED_LIST_CODG}: its value was
 * lost as an unknown field's).
 */
public final class NhsaJson {
  /** Jackson's defaults, set here so that a refusal can name them. */
  static final int MAX_DEPTH = 1_000;
  static final int MAX_NUMBER_LENGTH = 1_000;
  static final int MAX_NAME_LENGTH = 50_000;
  private static final JsonFactory FACTORY = JsonFactory.builder().streamReadConstraints(StreamReadConstraints
      .builder().maxNestingDepth(MAX_DEPTH).maxNumberLength(MAX_NUMBER_LENGTH).maxNameLength(MAX_NAME_LENGTH).build())
      .build();

  private NhsaJson() {}

  /** The value of {@code json} (UTF-8 bytes); {@link NhsaError.Refused} naming where it stops being JSON. */
  public static Object read(byte[] json) {
    return read(json, 0, json.length);
  }

  /** The value of {@code length} bytes of UTF-8 from {@code offset}. */
  public static Object read(byte[] json, int offset, int length) {
    if (!Utf8.jsonText(json, offset, length)) {
      throw notUtf8(Utf8.firstMalformed(json, offset, length));
    }
    try (JsonParser p = FACTORY.createParser(json, offset, length)) {
      return withinLimits(p);
    } catch (JsonProcessingException e) {
      throw notJson(e.getLocation());
    } catch (IOException e) {
      throw notJson(null);
    }
  }

  /** The value of one line of text. */
  public static Object read(String json) {
    try (JsonParser p = FACTORY.createParser(json)) {
      return withinLimits(p);
    } catch (JsonProcessingException e) {
      throw notJson(e.getLocation());
    } catch (IOException e) {
      throw notJson(null);
    }
  }

  /**
   * A message past one of the reader's limits is JSON all the same: it was refused as "not JSON in UTF-8", which sent
   * its sender looking for a broken byte. Named by the limit, told apart by Jackson's words (all three listed when
   * they are not recognised).
   */
  private static Object withinLimits(JsonParser p) throws IOException {
    try {
      return readWhole(p);
    } catch (StreamConstraintsException e) {
      JsonLocation at = p.currentLocation();
      String where = "（第 " + at.getLineNr() + " 行第 " + at.getColumnNr() + " 列）";
      String whereEn = " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
      String what = String.valueOf(e.getOriginalMessage());
      String zh;
      String en;
      if (what.startsWith("Document nesting depth")) {
        zh = "JSON 嵌套超过 " + MAX_DEPTH + " 层";
        en = "JSON nested deeper than " + MAX_DEPTH + " levels";
      } else if (what.startsWith("Number value length")) {
        zh = "数字超过 " + MAX_NUMBER_LENGTH + " 个字符";
        en = "a number longer than " + MAX_NUMBER_LENGTH + " characters";
      } else if (what.startsWith("Name length")) {
        zh = "字段名超过 " + MAX_NAME_LENGTH + " 个字符";
        en = "a field name longer than " + MAX_NAME_LENGTH + " characters";
      } else {
        zh = "报文超出读取限制（嵌套不超过 " + MAX_DEPTH + " 层，数字不超过 " + MAX_NUMBER_LENGTH + " 个字符，字段名不超过 "
            + MAX_NAME_LENGTH + " 个字符）";
        en = "the message passes the reader's limits (nesting " + MAX_DEPTH + " levels, a number "
            + MAX_NUMBER_LENGTH + " characters, a field name " + MAX_NAME_LENGTH + " characters)";
      }
      throw new NhsaError.Refused(new NhsaError("body", zh + where, en + whereEn));
    }
  }

  private static Object readWhole(JsonParser p) throws IOException {
    if (p.nextToken() == null) {
      throw new NhsaError.Refused(new NhsaError("body", "报文为空", "the message is empty"));
    }
    Object value = value(p, "");
    if (p.nextToken() != null) {
      JsonLocation at = p.currentTokenLocation();
      throw new NhsaError.Refused(new NhsaError("body", "JSON 报文之后还有多余内容（第 " + at.getLineNr() + " 行第 "
          + at.getColumnNr() + " 列）", "more follows the JSON value (line " + at.getLineNr() + ", column "
          + at.getColumnNr() + ")"));
    }
    return value;
  }

  /** The value at the current token; {@code path} (where it is in the message) is built only for containers. */
  private static Object value(JsonParser p, String path) throws IOException {
    switch (p.currentToken()) {
      case START_OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
          if (!NhsaEnvelope.READ.contains(name)) {
            String meant = FieldNames.meant(name, NhsaEnvelope.READ);
            if (meant != null) {
              throw new NhsaError.Refused(new NhsaError(child(path, name), "字段名有误，应为 " + meant,
                  "did you mean " + meant + "?"));
            }
            p.nextToken();
            p.skipChildren();
            continue;
          }
          if (map.containsKey(name)) {
            throw new NhsaError.Refused(new NhsaError(child(path, name), "字段重复出现", "the field appears twice"));
          }
          map.put(name, p.nextToken().isStructStart() ? value(p, child(path, name)) : value(p, null));
        }
        return map;
      }
      case START_ARRAY -> {
        List<Object> list = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          list.add(t.isStructStart() ? value(p, path + "[" + list.size() + "]") : value(p, null));
        }
        return list;
      }
      case VALUE_STRING -> {
        return p.getText();
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        try {
          return p.getDecimalValue();
        } catch (NumberFormatException e) {
          // Valid JSON (1e2147483648) that no BigDecimal holds: Jackson throws it unchecked, and it escaped as a
          // 500 on the route and ended an import with Jackson's text, without its line or the lines before it.
          JsonLocation at = p.currentTokenLocation();
          throw new NhsaError.Refused(new NhsaError("body", "数值超出可读范围（第 " + at.getLineNr() + " 行第 "
              + at.getColumnNr() + " 列）", "a number is out of the readable range (line " + at.getLineNr()
              + ", column " + at.getColumnNr() + ")"));
        }
      }
      case VALUE_TRUE -> {
        return Boolean.TRUE;
      }
      case VALUE_FALSE -> {
        return Boolean.FALSE;
      }
      case VALUE_NULL -> {
        return null;
      }
      default -> throw notJson(p.currentTokenLocation());
    }
  }

  private static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  /**
   * Where a message stops being UTF-8 ({@code bad}, from 0), or -1 for a zero byte among the first four: a message a
   * HIS sent in GBK (as Chinese Windows writes text) was told only "not JSON in UTF-8", without where.
   */
  private static NhsaError.Refused notUtf8(int bad) {
    if (bad < 0) {
      return new NhsaError.Refused(new NhsaError("body", "报文不是合法的 UTF-8 JSON：前 4 个字节中有 0 字节（疑为 UTF-16 或 "
          + "UTF-32），请以 UTF-8 发送", "the message is not JSON in UTF-8: a zero byte among the first four (UTF-16 or "
          + "UTF-32?); send it in UTF-8"));
    }
    return new NhsaError.Refused(new NhsaError("body", "报文不是合法的 UTF-8 JSON：第 " + (bad + 1) + " 个字节起不是 UTF-8"
        + "（GBK 等其他编码须转为 UTF-8 发送）", "the message is not JSON in UTF-8: byte " + (bad + 1) + " is not "
        + "well-formed UTF-8 (a message in GBK or another encoding must be sent as UTF-8)"));
  }

  private static NhsaError.Refused notJson(JsonLocation at) {
    if (at == null || at.getLineNr() < 1) {
      return new NhsaError.Refused(new NhsaError("body", "报文不是合法的 UTF-8 JSON", "the message is not JSON in UTF-8"));
    }
    return new NhsaError.Refused(new NhsaError("body", "报文不是合法的 UTF-8 JSON（第 " + at.getLineNr() + " 行第 "
        + at.getColumnNr() + " 列）", "the message is not JSON in UTF-8 (line " + at.getLineNr() + ", column "
        + at.getColumnNr() + ")"));
  }
}
