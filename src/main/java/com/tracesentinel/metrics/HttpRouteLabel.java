package com.tracesentinel.metrics;

import io.micrometer.core.instrument.config.MeterFilter;

/**
 * Vert.x Web reports every named route a request passed through, and vertx-micrometer-metrics joins them with
 * {@code >}: a scan went through the {@code /api/*} body handler first, so its label read {@code /api/>/api/v1/scans}.
 * The route that answered is the last one: that alone is kept, so the {@code route} label is the route template
 * ({@code /api/v1/scans}, {@code /api/v1/verify/:code}) whatever filters sit in front of it.
 */
public final class HttpRouteLabel {
  private HttpRouteLabel() {}

  public static MeterFilter lastRoute() {
    return MeterFilter.replaceTagValues("route", HttpRouteLabel::last);
  }

  static String last(String route) {
    int cut = route.lastIndexOf('>');
    return cut < 0 ? route : route.substring(cut + 1);
  }
}
