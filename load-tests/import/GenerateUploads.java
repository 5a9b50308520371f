// Writes N trace codes of NHSA 3505A uploads as JSON lines, for timing `import`:
//   java load-tests/import/GenerateUploads.java CODES OUT [FIRST_SERIAL]
// Each message is one pharmacy's 3505A with 10 lines of 1-3 new codes (2 on average), every field of the 3505 list
// filled as a pharmacy system fills it; 1 line in 10 a split pack, half of them self-paid. Sites IM0..IM19 and
// products 8970001..8970004 must be registered (run.sh does it). Times spread over the last 300 days, China time.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.time.*;
import java.time.format.DateTimeFormatter;
import java.util.*;

public class GenerateUploads {
  public static void main(String[] args) throws IOException {
    long codes = Long.parseLong(args[0]);
    Path out = Path.of(args[1]);
    Random random = new Random(20261201);
    DateTimeFormatter time = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.of("Asia/Shanghai"));
    Instant start = Instant.now().minus(Duration.ofDays(300));
    long first = args.length > 2 ? Long.parseLong(args[2]) : 0;
    long serial = 0;
    long message = 0;
    try (Writer w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(out), StandardCharsets.UTF_8),
        1 << 20)) {
      while (serial < codes) {
        message++;
        String site = "IM" + random.nextInt(20);
        Instant at = start.plusSeconds(serial * 300 * 86_400L / codes);
        String t = time.format(at);
        StringBuilder m = new StringBuilder(12_000);
        m.append("{\"infno\":\"3505A\",\"msgid\":\"").append(site).append(message)
            .append("\",\"mdtrtarea_admvs\":\"440300\",\"insuplc_admdvs\":\"440300\",\"recer_sys_code\":\"YDZF\",")
            .append("\"dev_no\":\"POS-").append(random.nextInt(4)).append("\",\"dev_safe_info\":\"\",\"cainfo\":\"\",")
            .append("\"signtype\":\"SM2\",\"infver\":\"V1.0\",\"opter_type\":\"1\",\"opter\":\"0001\",")
            .append("\"opter_name\":\"收银员01\",\"inf_time\":\"").append(t).append("\",\"fixmedins_code\":\"")
            .append(site).append("\",\"fixmedins_name\":\"测试大药房\",\"sign_no\":\"\",\"input\":{\"selinfoDetail\":[");
        for (int line = 0; line < 10 && serial < codes; line++) {
          boolean split = random.nextInt(10) == 0;
          boolean insured = random.nextBoolean();
          int n = split ? 1 : 1 + random.nextInt(3);
          int product = 1 + random.nextInt(4);
          String doc = "R" + message;
          if (line > 0) {
            m.append(',');
          }
          m.append("{\"med_list_codg\":\"XTEST00").append(product).append("A001010100001\",")
              .append("\"fixmedins_hilist_id\":\"YP000").append(product).append("\",\"fixmedins_hilist_name\":\"测试药品")
              .append(product).append(" 20mg×24片\",\"fixmedins_bchno\":\"B").append(message).append('-').append(line)
              .append("\",\"prsc_dr_cert_type\":\"01\",\"prsc_dr_certno\":\"\",\"prsc_dr_name\":\"王医生\",")
              .append("\"phar_cert_type\":\"01\",\"phar_certno\":\"\",\"phar_name\":\"李药师\",")
              .append("\"phar_prac_cert_no\":\"ZY0000000001\",\"hi_feesetl_type\":\"").append(insured ? "1" : "")
              .append("\",\"setl_id\":\"").append(insured ? "S" + message : "").append("\",\"mdtrt_sn\":\"MZ")
              .append(message).append("\",\"psn_no\":\"\",\"psn_cert_type\":\"01\",\"certno\":\"\",\"psn_name\":\"\",")
              .append("\"manu_lotnum\":\"DX2311\",\"manu_date\":\"2025-06-01\",\"expy_end\":\"2027-12-31\",")
              .append("\"rx_flag\":\"1\",\"trdn_flag\":\"").append(split ? "1" : "0")
              .append("\",\"finl_trns_pric\":28.5,\"rxno\":\"\",\"rx_circ_flag\":\"0\",\"rtal_docno\":\"").append(doc)
              .append("\",\"stoout_no\":\"\",\"bchno\":\"DX2311\",\"drug_prod_barc\":\"\",\"shelf_posi\":\"A-03\",")
              .append("\"sel_retn_cnt\":").append(split ? 6 : n).append(",\"sel_retn_time\":\"").append(t)
              .append("\",\"sel_retn_opter_name\":\"收银员01\",\"memo\":\"\",\"mdtrt_setl_type\":\"")
              .append(insured ? "1" : "2").append("\",\"drugtracinfo\":[");
          for (int c = 0; c < n && serial < codes; c++) {
            serial++;
            m.append(c == 0 ? "" : ",").append("{\"drug_trac_codg\":\"897000").append(product)
                .append(String.format("%013d", first + serial)).append("\"}");
          }
          m.append("]}");
        }
        m.append("]}}\n");
        w.write(m.toString());
      }
    }
    System.out.printf("%,d codes in %,d messages, %,d bytes: %s%n", serial, message, Files.size(out), out);
  }
}
