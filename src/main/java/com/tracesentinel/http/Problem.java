package com.tracesentinel.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * An RFC 9457 problem: thrown anywhere in a route, answered by the router's failure handler as
 * {@code application/problem+json}. Clients never see a stack trace.
 */
public final class Problem extends RuntimeException {
  public record FieldError(String field, String message) {}

  private final int status;
  private final String title;
  private final List<FieldError> errors;
  private final Integer retryAfterSeconds;
  /** Extension members (RFC 9457 §3.2), or null. */
  private final JsonObject extensions;

  public Problem(int status, String title, String detail) {
    this(status, title, detail, List.of(), null, null);
  }

  private Problem(int status, String title, String detail, List<FieldError> errors, Integer retryAfterSeconds,
                  JsonObject extensions) {
    super(detail, null, false, false);
    this.status = status;
    this.title = title;
    this.errors = List.copyOf(errors);
    this.retryAfterSeconds = retryAfterSeconds;
    this.extensions = extensions;
  }

  /** 409: the resource is not in the state the request expects; {@code extensions} say what it is in. */
  public static Problem conflict(String detail, JsonObject extensions) {
    return new Problem(409, "Conflict", detail, List.of(), null, extensions);
  }

  public static Problem badRequest(String detail) {
    return new Problem(400, "Bad request", detail);
  }

  public static Problem validation(List<FieldError> errors) {
    String detail = errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).message()
        : errors.size() + " fields are invalid";
    return new Problem(400, "Invalid request", detail, errors, null, null);
  }

  public static Problem unavailable(String detail, int retryAfterSeconds) {
    return unavailable(detail, retryAfterSeconds, null);
  }

  /** 503 with extension members ({@code extensions} may be null). */
  public static Problem unavailable(String detail, int retryAfterSeconds, JsonObject extensions) {
    return new Problem(503, "Service unavailable", detail, List.of(), retryAfterSeconds, extensions);
  }

  /** 422: the database refused the request's data ({@code extensions} may be null). */
  public static Problem refused(String detail, JsonObject extensions) {
    return new Problem(422, "Unprocessable content", detail, List.of(), null, extensions);
  }

  public static Problem tooManyRequests(String detail, int retryAfterSeconds) {
    return new Problem(429, "Too many requests", detail, List.of(), retryAfterSeconds, null);
  }

  public int status() {
    return status;
  }

  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public JsonObject toJson() {
    JsonObject json = extensions == null ? new JsonObject() : extensions.copy();
    json
        .put("type", "urn:tracesentinel:problem:" + status)
        .put("title", title)
        .put("status", status)
        .put("detail", getMessage());
    if (!errors.isEmpty()) {
      JsonArray list = new JsonArray();
      errors.forEach(e -> list.add(new JsonObject().put("field", e.field()).put("message", e.message())));
      json.put("errors", list);
    }
    return json;
  }

  /** Collects field errors so a client learns about all of them in one answer. */
  public static final class Errors {
    private final List<FieldError> list = new ArrayList<>();

    public void add(String field, String message) {
      if (list.size() < 100) {
        list.add(new FieldError(field, message));
      }
    }

    public boolean any() {
      return !list.isEmpty();
    }

    public void throwIfAny() {
      if (any()) {
        throw validation(list);
      }
    }
  }
}
