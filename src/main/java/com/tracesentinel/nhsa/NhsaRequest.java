package com.tracesentinel.nhsa;

import com.tracesentinel.ingest.ScanInput;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** One NHSA request envelope, read: an upload of sale or return lines, or the deletion of an earlier upload. */
public sealed interface NhsaRequest permits NhsaRequest.Upload, NhsaRequest.Deletion {
  /** The interface number as sent ({@code 3505A}). */
  String infno();

  /** The sender's message id, or null. */
  String msgid();

  /** {@code fixmedins_code}: the site every scan of the message is for. */
  String siteId();

  /**
   * 3505, 3505A (sales), 3506, 3506A (returns): each code of each line is one scan, in the message's order.
   *
   * @param linesWithoutCode 0-based positions of lines that carry no trace code (nothing is stored for them)
   */
  record Upload(String infno, String msgid, String siteId, List<Code> codes, List<Integer> linesWithoutCode)
      implements NhsaRequest {
    /** The scans to ingest, in order. */
    public List<ScanInput> inputs() {
      List<ScanInput> inputs = new ArrayList<>(codes.size());
      for (Code c : codes) {
        inputs.add(c.input());
      }
      return inputs;
    }
  }

  /**
   * One trace code of one line, as a scan.
   *
   * @param line     the line's 0-based position in the message (0 for 3505/3506)
   * @param linePath where the line is in the message ({@code input.selinfoDetail[1]})
   * @param entry    the code's position in the line's {@code drugtracinfo}, or -1 for the old layout's field
   * @param settlementField the line's field the settlement id was read from: {@code setl_id} or {@code mdtrt_sn}
   */
  record Code(ScanInput input, int line, String linePath, int entry, String settlementField) {
    /** Where the code is in the message ({@code input.selinfoDetail[1].drugtracinfo[0].drug_trac_codg}). */
    public String field() {
      return entry < 0 ? linePath + ".drug_trac_codg" : linePath + ".drugtracinfo[" + entry + "].drug_trac_codg";
    }
  }

  /**
   * 3507: deletes the upload {@code fixmedins_bchno} of this site. {@code inv_data_type} 4 (销售信息, sales and their
   * returns) is what this service stores; 1–3 (inventory, stock changes, purchases) name uploads it never holds.
   *
   * @param sentAt the envelope's {@code inf_time} when read from a file, else null
   */
  record Deletion(String infno, String msgid, String siteId, String uploadBatch, String invDataType, Instant sentAt)
      implements NhsaRequest {
    public static final String SALES = "4";

    /** True when the deletion is of sales data, the only kind stored here. */
    public boolean ofSales() {
      return SALES.equals(invDataType);
    }
  }
}
