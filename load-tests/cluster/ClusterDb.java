// The cluster's one shared PostgreSQL for load-tests/cluster/run.sh: the service's own embedded PostgreSQL
// (zonky's binaries, SCRAM, 127.0.0.1 only), started from the service jar and kept running until this process is
// stopped (SIGTERM: PostgreSQL's fast shutdown).
//   java -cp target/tracesentinel.jar load-tests/cluster/ClusterDb.java DATA_DIR URL_FILE
// Writes postgresql://postgres:PASSWORD@127.0.0.1:PORT/postgres to URL_FILE once PostgreSQL takes connections.
import com.tracesentinel.history.DatabaseUrl;
import com.tracesentinel.history.EmbeddedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

public class ClusterDb {
  public static void main(String[] args) throws Exception {
    EmbeddedDatabase db = EmbeddedDatabase.start(Path.of(args[0]));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        db.close();
      } catch (Exception e) {
        System.err.println("stopping PostgreSQL: " + e);
      }
      stopped.countDown();
    }));
    DatabaseUrl u = db.url("postgres");
    // The password is base64url: no character of it needs escaping in a URL.
    Path out = Path.of(args[1]);
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    Files.writeString(tmp, "postgresql://" + u.user() + ":" + u.password() + "@" + u.host() + ":" + u.port() + "/"
        + u.database() + "\n");
    Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
    stopped.await();
  }
}
