package com.tracesentinel.logging;

import ch.qos.logback.core.PropertyDefinerBase;

/**
 * Which appender file of {@code logging/} logback.xml includes: {@code json} when TRACESENTINEL_LOG_FORMAT says so,
 * otherwise {@code text}. An unknown value falls back quietly here, because logback would otherwise print a page of
 * its own status messages (a missing include, an appender never defined) before the service could say anything;
 * {@link com.tracesentinel.config.Config} then refuses the value with one clear line.
 */
public final class LogFormat extends PropertyDefinerBase {
  @Override
  public String getPropertyValue() {
    return of(System.getenv("TRACESENTINEL_LOG_FORMAT"));
  }

  static String of(String value) {
    return "json".equals(value == null ? null : value.trim()) ? "json" : "text";
  }
}
