package com.tracesentinel.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import org.junit.jupiter.api.Test;

class LoggingFiltersTest {

  @Test
  void anUnknownLogFormatFallsBackToTextForLogback() {
    assertEquals("text", LogFormat.of(null));
    assertEquals("text", LogFormat.of("text"));
    assertEquals("json", LogFormat.of("json"));
    assertEquals("text", LogFormat.of("xml"));
  }

  @Test
  void onlyMicrometersWarningAboutSharedVertxGaugesIsDropped() {
    LoggerContext context = new LoggerContext();
    SharedVertxGauges filter = new SharedVertxGauges();
    String vertx = "This Gauge has been already registered (MeterId{name='vertx.net.client.active.connections', "
        + "tags=[tag(application=tracesentinel)]}), the registration will be ignored.";
    String ours = "This Gauge has been already registered (MeterId{name='tracesentinel.ledger.codes', tags=[]}), "
        + "the registration will be ignored.";
    var micrometer = context.getLogger(SharedVertxGauges.LOGGER);
    assertEquals(FilterReply.DENY, filter.decide(null, micrometer, Level.WARN, vertx, null, null));
    assertEquals(FilterReply.NEUTRAL, filter.decide(null, micrometer, Level.WARN, ours, null, null));
    assertEquals(FilterReply.NEUTRAL, filter.decide(null, context.getLogger("com.tracesentinel.X"), Level.WARN, vertx,
        null, null));
    assertEquals(FilterReply.NEUTRAL, filter.decide(null, micrometer, Level.WARN, null, null, null));
  }
}
