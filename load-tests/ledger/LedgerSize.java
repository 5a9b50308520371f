// Prints the ledger file's size per code of capacity for each capacity given: what Chronicle Map allocates for the
// ledger's 16-byte keys and StateCodec.BYTES values, checksums on, preallocated. Run by load-tests/ledger/size.sh.
import com.tracesentinel.ledger.CodeLedger;
import java.nio.file.*;
public class LedgerSize {
  public static void main(String[] a) throws Exception {
    System.setProperty("chronicle.analytics.disable", "true");
    System.setProperty("chronicle.announcer.disable", "true");
    for (String cap : a) {
      Path d = Files.createTempDirectory("lsz");
      CodeLedger l = CodeLedger.open(d, Long.parseLong(cap), false);
      l.close(true);
      long bytes = 0;
      try (var s = Files.list(d)) {
        for (Path p : (Iterable<Path>) s::iterator) {
          bytes += Files.size(p);
          Files.delete(p);
        }
      }
      Files.delete(d);
      System.out.printf("capacity %s: %d bytes, %.1f B a code%n", cap, bytes, bytes / Double.parseDouble(cap));
    }
  }
}
