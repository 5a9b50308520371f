package com.tracesentinel.logging;

import ch.qos.logback.core.PropertyDefinerBase;
import java.util.List;
import java.util.Locale;

/**
 * A logger level logback.xml reads from an environment variable ({@code env}), or INFO when it is
 * unset, blank or not a level. Logback itself takes a word it does not know for DEBUG and an empty value for the
 * root's WARN, so {@code TRACESENTINEL_ACCESS_LOG=silent} logged every request and an empty
 * {@code TRACESENTINEL_LOG_LEVEL} hid the start line; {@link com.tracesentinel.config.Config} refuses such a value
 * with one clear line, and this keeps logback quiet until it has.
 */
public final class LogLevel extends PropertyDefinerBase {
  private static final List<String> LEVELS = List.of("trace", "debug", "info", "warn", "error", "off");
  private static final String FALLBACK = "INFO";

  private String variable;

  public void setEnv(String variable) {
    this.variable = variable;
  }

  @Override
  public String getPropertyValue() {
    String v = variable == null ? null : System.getenv(variable);
    return known(v) ? v.trim() : FALLBACK;
  }

  /** A level logback reads as itself (any case). */
  public static boolean known(String value) {
    return value != null && LEVELS.contains(value.trim().toLowerCase(Locale.ROOT));
  }

  /** The levels, for a refusal's message. */
  public static String names() {
    return String.join(", ", LEVELS);
  }
}
