package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.util.function.Supplier;

/**
 * Uploads that send their head and the first bytes of a body they never finish, so the server holds them in hand.
 * A request the server counted between two heads can leave the later head no room (answered with a refusal on
 * its own connection): such an upload is started again until all of them are held.
 */
final class StalledUploads implements AutoCloseable {
  private final TestService svc;
  private final String head;
  private final byte[] bodyStart;
  private final RawHttp[] held;

  StalledUploads(TestService svc, String head, int count) throws IOException {
    this(svc, head, new byte[100], count);
  }

  StalledUploads(TestService svc, String head, byte[] bodyStart, int count) throws IOException {
    this.svc = svc;
    this.head = head;
    this.bodyStart = bodyStart;
    this.held = new RawHttp[count];
    for (int k = 0; k < count; k++) {
      held[k] = start();
    }
  }

  /** Sends the request until the server answers it with the status while the stalled uploads are held. */
  Response awaitAnswer(HttpRequest request, int status) throws IOException, InterruptedException {
    return awaitAnswer(() -> svc.send(request), status);
  }

  /** Makes attempts until one is answered with the status while the stalled uploads are held. */
  Response awaitAnswer(Supplier<Response> attempt, int status) throws IOException, InterruptedException {
    Response r = attempt.get();
    for (int i = 0; i < 100 && r.status() != status; i++) {
      Thread.sleep(50);
      restartAnswered();
      r = attempt.get();
    }
    assertEquals(status, r.status(), r.body());
    return r;
  }

  /** Starts again each upload the server answered (refused), so that all of them are held again. */
  void restartAnswered() throws IOException {
    for (int k = 0; k < held.length; k++) {
      if (held[k].answered()) {
        held[k].close();
        held[k] = start();
      }
    }
  }

  /** Lets go of the first upload: the server sees its connection close. */
  void releaseOne() throws IOException {
    held[0].close();
  }

  private RawHttp start() throws IOException {
    RawHttp c = new RawHttp(svc.port());
    c.send(head);
    c.send(bodyStart);
    return c;
  }

  @Override
  public void close() throws IOException {
    for (RawHttp c : held) {
      if (c != null) {
        c.close();
      }
    }
  }
}
