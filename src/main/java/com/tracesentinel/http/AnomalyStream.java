package com.tracesentinel.http;

import com.tracesentinel.auth.Role;
import com.tracesentinel.history.AnomalyQueries;
import com.tracesentinel.history.AnomalyQueries.AnomalyRow;
import com.tracesentinel.investigate.AnomalyJson;
import com.tracesentinel.investigate.Investigations;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET /api/v1/anomalies/stream (role investigator or admin): Server-Sent Events, one per new anomaly matching the
 * list's filters, {@code id:} its anomaly id. A reconnection with {@code Last-Event-ID} first replays what was
 * committed after that id (from the database, in id order), then goes on live, with no gap and no duplicate: the
 * session listens to the {@link com.tracesentinel.investigate.AnomalyFeed} before it replays, keeps the batches
 * that arrive meanwhile, and writes only ids above the last one written. More than the replay window
 * (TRACESENTINEL_STREAM_REPLAY anomalies) behind, or an id this database never issued: a {@code resync} event,
 * and the stream goes on from the newest anomaly.
 *
 * <p>A client that reads too slowly is not buffered for: once its write queue is full the session stops writing,
 * and when it drains it catches up from the database like a reconnection (memory stays bounded per client).
 */
final class AnomalyStream {
  private static final Logger LOG = LoggerFactory.getLogger(AnomalyStream.class);
  static final long HEARTBEAT_MS = 15_000;
  static final int REPLAY_PAGE = 500;
  /** Live batches kept while a session replays; beyond, it replays once more instead. */
  static final int MAX_HELD_BATCHES = 50;
  static final int MAX_STREAMS = 1_000;
  /** Of those, one key's: a console tab holds one, and one key's script must not lock the others out. */
  static final int MAX_STREAMS_A_KEY = 100;
  static final int RETRY_MS = 3_000;
  /** How often an open stream asks whether its key was revoked (a cluster node trusts a checked key as long). */
  static final long KEY_CHECK_MS = 5_000;
  private static final Pattern EVENT_ID = Pattern.compile("0|[1-9][0-9]{0,17}");

  private final Vertx vertx;
  private final Investigations investigations;
  private final AnomalyQueries queries;
  private final int maxStreams;
  private final int maxReads;
  private Auth auth;

  /**
   * @param maxStreams streams open at once, over every event loop ({@link #MAX_STREAMS}); beyond, 503
   * @param maxReads   streams' reads of the anomalies (a reconnection's count, a replay's pages) under way at once,
   *                   over every event loop: each holds a pooled connection; the rest wait their turn
   */
  AnomalyStream(Vertx vertx, Investigations investigations, int maxStreams, int maxReads) {
    this.vertx = vertx;
    this.investigations = investigations;
    this.queries = investigations.queries();
    this.maxStreams = maxStreams;
    this.maxReads = maxReads;
  }

  void mount(Router router, Auth auth) {
    this.auth = auth;
    router.get("/api/v1/anomalies/stream").handler(auth.require(Role.INVESTIGATOR)).handler(this::open);
  }

  private void open(RoutingContext ctx) {
    Problem.Errors errors = new Problem.Errors();
    InvestigatorRoutes.Query q = InvestigatorRoutes.Query.of(ctx, errors);
    AnomalyQueries.Filter filter = InvestigatorRoutes.filter(q, errors);
    // api.md lists limit and cursor among the list's filters, which the stream takes: a page's own query reused for
    // the stream was a 400. A stream has no pages, so they are accepted and do not apply, as in a CSV export.
    q.ignore("limit", "cursor");
    q.refuseUnknown(errors);
    String last = ctx.request().getHeader("Last-Event-ID");
    long lastId = -1;
    if (last != null && !last.isBlank()) {
      if (!EVENT_ID.matcher(last.trim()).matches()) {
        errors.add("Last-Event-ID", "must be the id of an event this stream sent (a whole number)");
      } else {
        lastId = Long.parseLong(last.trim());
      }
    }
    errors.throwIfAny();
    if (ctx.response().closed()) {
      // The client left while its key was read from the database: no close event is coming to end a session, which
      // then stayed open for good, counted against MAX_STREAMS and checking its key every 5 s
      RequestLog.ended(ctx);
      return;
    }
    String keyId = Auth.principal(ctx).keyId();
    switch (investigations.streamOpened(keyId, maxStreams, MAX_STREAMS_A_KEY)) {
      case KEY_AT_LIMIT -> throw Problem.tooManyRequests("this key has " + MAX_STREAMS_A_KEY
          + " anomaly streams open; close one first", 30);
      case ALL_AT_LIMIT -> throw Problem.unavailable("too many open anomaly streams (" + maxStreams + "); try again "
          + "shortly", 30);
      case OPENED -> { }
    }
    new Session(ctx, keyId, filter, Vertx.currentContext(), auth.stillLive(ctx)).start(lastId);
  }

  /** One client's stream; everything but {@link #accept} runs on the client's connection context. */
  private final class Session implements Consumer<List<AnomalyRow>> {
    private final RoutingContext ctx;
    private final String keyId;
    private final HttpServerResponse response;
    private final AnomalyQueries.Filter filter;
    private final Context context;
    /** Every matching anomaly up to this id has been written (the resume point). */
    private long sent;
    /** The id of the last event written, or told in a heartbeat; -1 until the stream's start is known. */
    private long told = -1;
    private boolean live;
    private final List<List<AnomalyRow>> held = new ArrayList<>();
    private boolean overflow;
    private boolean closed;
    private long heartbeat = -1;
    private long keyCheck = -1;
    private final Supplier<Future<Boolean>> keyLive;

    Session(RoutingContext ctx, String keyId, AnomalyQueries.Filter filter, Context context,
            Supplier<Future<Boolean>> keyLive) {
      this.ctx = ctx;
      this.keyId = keyId;
      this.response = ctx.response();
      this.filter = filter;
      this.context = context;
      this.keyLive = keyLive;
    }

    void start(long lastId) {
      response.setChunked(true)
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
          .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY) // never compressed: each event goes out at once
          .putHeader("X-Accel-Buffering", "no");
      response.closeHandler(v -> close());
      response.exceptionHandler(e -> close());
      investigations.feed().listen(this); // before reading anything: no batch read from now on can be missed
      heartbeat = vertx.setPeriodic(HEARTBEAT_MS, id -> heartbeat());
      keyCheck = vertx.setPeriodic(KEY_CHECK_MS, id -> checkKey());
      long feedAt = Math.max(0, investigations.feed().position());
      if (lastId < 0) {
        // a new stream starts at the newest anomaly committed now (the feed may be up to a tick behind it)
        investigations.feed().newest().onComplete(ar -> {
          if (closed) {
            return;
          }
          if (ar.failed()) {
            fail(ar.cause());
            return;
          }
          sent = ar.result();
          if (begin("id: " + sent + "\n\n")) {
            replay();
          }
        });
        return;
      }
      int window = investigations.settings().replayWindow();
      Future<Long> newest = lastId <= feedAt ? Future.succeededFuture(feedAt) : investigations.feed().newest();
      newest.compose(max -> lastId > max ? Future.succeededFuture(Long.MAX_VALUE)
          : inTurn(() -> queries.countAfter(lastId, window + 1L))).onComplete(ar -> {
            if (closed) {
              return;
            }
            if (ar.failed()) {
              fail(ar.cause());
              return;
            }
            if (ar.result() > window) {
              resync(lastId, window);
            } else {
              sent = lastId;
              if (begin("")) {
                replay();
              }
            }
          });
    }

    /** Too far behind (or an id from elsewhere): say so, and go on from the newest anomaly. */
    private void resync(long lastId, int window) {
      investigations.feed().newest().onComplete(ar -> {
        if (closed) {
          return;
        }
        if (ar.failed()) {
          fail(ar.cause());
          return;
        }
        sent = ar.result();
        if (begin("id: " + sent + "\nevent: resync\ndata: " + new JsonObject()
            .put("lastEventId", lastId).put("resumeFrom", sent).put("replayWindow", window)
            .put("detail", "more than " + window + " anomalies were committed after event " + lastId
                + ", or this service never sent it: reload the list, then follow this stream").encode() + "\n\n")) {
          investigations.streamResynced();
          replay();
        }
      });
    }

    /**
     * Sends the answer's head with the first event once the stream's start ({@link #sent}) is known. Sent before, a
     * client had its 200 while the start was still being read: an anomaly it caused then was counted as before the
     * start, and never came. False when the request's deadline has answered meanwhile (the database was not).
     */
    private boolean begin(String first) {
      if (response.ended()) {
        close();
        return false;
      }
      told = sent;
      response.write("retry: " + RETRY_MS + "\n\n" + first);
      return true;
    }

    /** Reads what was committed after {@link #sent} from the database, then flushes the batches held meanwhile. */
    private void replay() {
      if (closed) {
        return;
      }
      live = false;
      // Up to where the feed has read, which this session listens to: what lies beyond comes live. A settled id of
      // its own took the anomaly ids' lock exclusively for every page, so each replay queued the writers' commits
      // behind it, and 300 clients reconnecting at once held the pool until starts and lists were 503s.
      inTurn(() -> queries.between(sent, investigations.feed().position(), REPLAY_PAGE)).onComplete(ar -> {
        if (closed) {
          return;
        }
        if (ar.failed()) {
          fail(ar.cause());
          return;
        }
        write(ar.result());
        if (response.writeQueueFull()) {
          response.drainHandler(v -> replay());
        } else if (ar.result().size() == REPLAY_PAGE || overflow) {
          if (ar.result().size() < REPLAY_PAGE) {
            overflow = false;
            held.clear();
          }
          replay();
        } else {
          live = true;
          List<List<AnomalyRow>> batches = new ArrayList<>(held);
          held.clear();
          batches.forEach(this::deliver);
        }
      });
    }

    /**
     * A read of the anomalies in its turn among every stream's ({@link Investigations#whenStreamMayRead}), sent from
     * and answered on this session's context.
     */
    private <T> Future<T> inTurn(Supplier<Future<T>> read) {
      Promise<T> result = Promise.promise();
      investigations.whenStreamMayRead(maxReads, () -> context.runOnContext(v -> {
        if (closed) {
          investigations.streamReadDone();
          result.fail("the stream closed before its turn to read");
          return;
        }
        read.get().onComplete(ar -> {
          investigations.streamReadDone();
          result.handle(ar);
        });
      }));
      return result.future();
    }

    /** From the feed, on its context. */
    @Override
    public void accept(List<AnomalyRow> batch) {
      context.runOnContext(v -> deliver(batch));
    }

    private void deliver(List<AnomalyRow> batch) {
      if (closed) {
        return;
      }
      if (!live) {
        if (held.size() < MAX_HELD_BATCHES) {
          held.add(batch);
        } else {
          overflow = true;
        }
        return;
      }
      write(batch);
      if (response.writeQueueFull()) {
        live = false;
        response.drainHandler(v -> replay());
      }
    }

    /** Writes the matching anomalies above {@link #sent}, in id order, as one chunk. */
    private void write(List<AnomalyRow> rows) {
      StringBuilder out = new StringBuilder();
      int events = 0;
      for (AnomalyRow a : rows) {
        if (a.id() <= sent) {
          continue;
        }
        sent = a.id();
        if (filter.matches(a)) {
          out.append("id: ").append(a.id()).append("\ndata: ").append(AnomalyJson.of(a).encode()).append("\n\n");
          told = a.id();
          events++;
        }
      }
      if (events > 0) {
        response.write(out.toString());
        investigations.streamEvents(events);
      }
    }

    /**
     * Every 15 s: a comment (keeps proxies and the idle timeout from closing a quiet stream) and, when anomalies
     * that did not match went by, an id-only event that moves the client's Last-Event-ID past them, so a filtered
     * stream does not fall out of the replay window for want of matches.
     */
    private void heartbeat() {
      if (closed || told < 0 || response.writeQueueFull()) {
        return; // nothing before the head: begin() sends it once the start is known
      }
      if (live && sent > told) {
        told = sent;
        response.write(": keep-alive\nid: " + sent + "\n\n");
      } else {
        response.write(": keep-alive\n\n");
      }
    }

    /**
     * A revoked key's stream ends (its reconnection then gets 401): revoking an investigator's key must stop what it
     * sees, not only its next request. A key that cannot be checked now (the database is down) keeps its stream.
     */
    private void checkKey() {
      keyLive.get().onSuccess(live -> context.runOnContext(v -> {
        if (!live && !closed) {
          close();
          response.end();
        }
      }));
    }

    private void fail(Throwable cause) {
      LOG.warn("Anomaly stream closed: reading the anomalies failed: {}", cause.toString());
      close();
      if (response.headWritten()) {
        response.reset();
      } else {
        // the start could not be read (the database down, the anomaly ids' lock not had): nothing is sent yet, and a
        // reset told the client nothing to retry on
        ctx.fail(Problem.unavailable("the anomalies cannot be read now; try again shortly", 5));
      }
    }

    private void close() {
      if (closed) {
        return;
      }
      closed = true;
      investigations.feed().forget(this);
      if (heartbeat >= 0) {
        vertx.cancelTimer(heartbeat);
      }
      if (keyCheck >= 0) {
        vertx.cancelTimer(keyCheck);
      }
      investigations.streamClosed(keyId);
      // A started stream's answer never ends, nor does one its client left while its start was read: the access log
      // line is written as it closes. A start that failed with the client there is logged as the problem it gets.
      if (response.headWritten() || response.closed()) {
        RequestLog.ended(ctx);
      }
    }
  }
}
