package com.tracesentinel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.ingest.ScanService;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * The core's refusals become problems by their type alone: 503 promises nothing stored, the 500 here says stored, 504
 * says not known.
 */
class CoreRefusalProblemsTest {
  private static Problem problemOf(Throwable t) {
    return assertInstanceOf(Problem.class, ScanRoutes.problem(new CompletionException(t)));
  }

  @Test
  void nothingStoredIsA503WithRetryAfter() {
    Problem p = problemOf(new ScanService.Unavailable("nothing of this request was stored"));
    assertEquals(503, p.status());
    assertEquals(1, p.retryAfterSeconds());
    assertEquals("nothing of this request was stored", p.getMessage());
  }

  @Test
  void refusedDataIsA422() {
    assertEquals(422, problemOf(new ScanService.DataRefused("refused")).status());
  }

  @Test
  void storedButUnansweredIsA500ThatSaysSoAndIsNeverA503() {
    Problem p = problemOf(new ScanService.StoredUnanswered("this request was stored, but its answer could not be "
        + "built; send it again"));
    assertEquals(500, p.status());
    assertTrue(p.getMessage().contains("was stored"), p.getMessage());
  }

  @Test
  void aPartWhoseFateIsNotKnownIsA504NeverA503() {
    Problem p = problemOf(new ScanService.OutcomeUnknown("whether that part was stored is not known"));
    assertEquals(504, p.status());
  }

  @Test
  void anythingElseIsLeftToTheGenericHandler() {
    IllegalStateException other = new IllegalStateException("a bug");
    assertSame(other, ScanRoutes.problem(new CompletionException(other)));
  }
}
