package com.tracesentinel.metrics;

import io.micrometer.core.instrument.config.MeterFilter;
import io.vertx.core.http.HttpMethod;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Vert.x labels its HTTP meters with the request's method as the client wrote it, and HTTP lets a client write any
 * token there: every made-up method ({@code FOO1}, {@code FOO2}, ...) was a new series of every HTTP meter (about 80
 * with the latency buckets), so anyone who could reach the port could grow {@code /metrics} and the heap without
 * bound. A method Vert.x does not know is labelled {@code OTHER}.
 */
public final class HttpMethodLabel {
  static final String OTHER = "OTHER";
  private static final Set<String> KNOWN =
      HttpMethod.values().stream().map(HttpMethod::name).collect(Collectors.toUnmodifiableSet());

  private HttpMethodLabel() {}

  public static MeterFilter knownOnly() {
    return MeterFilter.replaceTagValues("method", HttpMethodLabel::known);
  }

  static String known(String method) {
    return KNOWN.contains(method) ? method : OTHER;
  }
}
