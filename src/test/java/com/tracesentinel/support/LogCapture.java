package com.tracesentinel.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** What one logger writes while it is open: for tests of what is logged (and what never is). */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final Level levelBefore;
  private final ListAppender<ILoggingEvent> seen = new ListAppender<>();

  private LogCapture(Logger logger, Level level) {
    this.logger = logger;
    this.levelBefore = logger.getLevel();
    if (level != null) {
      logger.setLevel(level);
    }
    seen.start();
    logger.addAppender(seen);
  }

  public static LogCapture of(String loggerName) {
    return new LogCapture((Logger) LoggerFactory.getLogger(loggerName), null);
  }

  /** As {@link #of(Class)}, the logger lowered to DEBUG while open: a DEBUG line can be the sign a test waits for. */
  public static LogCapture withDebug(Class<?> loggerOf) {
    return new LogCapture((Logger) LoggerFactory.getLogger(loggerOf.getName()), Level.DEBUG);
  }

  public static LogCapture of(Class<?> loggerOf) {
    return of(loggerOf.getName());
  }

  /** The messages so far, formatted. */
  public List<String> lines() {
    return events().stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  /** The messages so far at WARN or above. */
  public List<String> warnings() {
    return events().stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .map(ILoggingEvent::getFormattedMessage).toList();
  }

  /** The messages so far at ERROR, with their exceptions' class and message. */
  public List<String> errors() {
    return events().stream().filter(e -> e.getLevel() == Level.ERROR).map(e -> e.getFormattedMessage()
        + (e.getThrowableProxy() == null ? "" : ": " + e.getThrowableProxy().getClassName() + ": "
            + e.getThrowableProxy().getMessage())).toList();
  }

  private List<ILoggingEvent> events() {
    synchronized (seen.list) {
      return List.copyOf(seen.list);
    }
  }

  @Override
  public void close() {
    logger.detachAppender(seen);
    logger.setLevel(levelBefore);
  }
}
