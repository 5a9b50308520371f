package com.tracesentinel.http;

import com.tracesentinel.auth.Principal;
import com.tracesentinel.auth.Role;
import com.tracesentinel.code.AsciiCase;
import com.tracesentinel.code.ParseResult;
import com.tracesentinel.code.TraceCodes;
import com.tracesentinel.imaging.DecodeOutcome;
import com.tracesentinel.imaging.DecodedSymbol;
import com.tracesentinel.imaging.ImageDecoder;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.limits.PhotosInHand;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * Photos of boxes: POST /api/v1/decode (decode only) and POST /api/v1/scans/image (decode, then ingest every code
 * as a scan). Decoding runs on a small bounded worker pool, never on an event loop; when all decoders are busy and
 * the queue is full the answer is 503, not a growing queue.
 */
final class ImageRoutes {
  static final int DECODE_THREADS = 2;
  static final int MAX_WAITING = 16;
  /**
   * The public's photos decode apart, on one thread with a smaller waiting room: on the tills' pool one address at
   * its limit (2 photos in hand, each up to the decode budget) kept both decoder threads busy, and nine addresses
   * held every slot, so the pharmacies' photos (the regulated path) waited behind them or were refused.
   */
  static final int PUBLIC_DECODE_THREADS = 1;
  static final int PUBLIC_MAX_WAITING = 8;

  private final ImageDecoder decoder;
  private final ScanRoutes scans;
  private final WorkerExecutor workers;
  private final WorkerExecutor publicWorkers;
  /** Process-wide, like the named worker pools they guard: every HTTP verticle instance shares them. */
  private static final Semaphore SLOTS = new Semaphore(DECODE_THREADS + MAX_WAITING);
  private static final Semaphore PUBLIC_SLOTS = new Semaphore(PUBLIC_DECODE_THREADS + PUBLIC_MAX_WAITING);
  static final Handler<RoutingContext> RESERVE_SLOT = reserve(SLOTS, "all image decoders are busy");
  /** Set on a photo's request: one holding a decoder slot, whichever route took it, or a public one before its body. */
  private static final String PHOTO = "photo";
  private static final String PUBLIC_BUSY = "all decoders of the public's photos are busy";
  /**
   * A public photo takes its slot once its body is whole: taken at its head, nine addresses sending their bodies at a
   * byte a second held all nine for the 30 s body deadline, and everyone else's photo was a 503, again and again.
   */
  static final Handler<RoutingContext> RESERVE_PUBLIC_SLOT = reserve(PUBLIC_SLOTS, PUBLIC_BUSY);

  /**
   * Before a public photo's body: while every slot is taken by photos received already, megabytes are not taken in.
   * Marks it a photo already, so that the body handler's 413 is counted as one, as a till's is.
   */
  static final Handler<RoutingContext> PUBLIC_DECODERS_FREE = ctx -> {
    if (PUBLIC_SLOTS.availablePermits() == 0) {
      throw Problem.unavailable(PUBLIC_BUSY, 2);
    }
    ctx.put(PHOTO, Boolean.TRUE);
    ctx.next();
  };
  private final Path uploads;

  private final io.micrometer.core.instrument.MeterRegistry registry;

  ImageRoutes(Vertx vertx, ImageDecoder decoder, ScanRoutes scans, Path uploads,
              io.micrometer.core.instrument.MeterRegistry registry) {
    this.decoder = decoder;
    this.registry = registry;
    this.scans = scans;
    this.uploads = uploads;
    this.workers = vertx.createSharedWorkerExecutor("image-decode", DECODE_THREADS);
    this.publicWorkers = vertx.createSharedWorkerExecutor("public-decode", PUBLIC_DECODE_THREADS);
    registerMeters(registry);
  }

  /** The passes that can end a successful decode (DecodeOutcome.Decoded#pass, without "+regions"). */
  static final java.util.List<String> PASSES =
      java.util.List.of("whole", "pure", "upscaled", "downscaled", "rotated", "regions", "tiles");

  /**
   * Every decode series exists at zero from the start (each label set is known), so a dashboard and {@code rate()}
   * see the first photo rather than a series that appears with it. Registering again is a no-op.
   */
  static void registerMeters(io.micrometer.core.instrument.MeterRegistry registry) {
    decodeTimer(registry, "none", "none");
    for (String pass : PASSES) {
      decodeTimer(registry, "found", pass);
    }
    for (DecodeOutcome.Reason reason : DecodeOutcome.Reason.values()) {
      refusedCounter(registry, reason);
    }
  }

  private static io.micrometer.core.instrument.Timer decodeTimer(io.micrometer.core.instrument.MeterRegistry registry,
                                                                 String outcome, String pass) {
    return io.micrometer.core.instrument.Timer.builder("tracesentinel.decode")
        .description("Image decoding: time and outcome (found, none) by the pass that ended it")
        .tag("outcome", outcome).tag("pass", pass)
        .serviceLevelObjectives(com.tracesentinel.metrics.Histograms.LATENCY_BUCKETS).register(registry);
  }

  private static io.micrometer.core.instrument.Counter refusedCounter(
      io.micrometer.core.instrument.MeterRegistry registry, DecodeOutcome.Reason reason) {
    return io.micrometer.core.instrument.Counter.builder("tracesentinel.decode.refused")
        .description("Uploads refused before decoding, by reason").tag("reason", reason.name())
        .register(registry);
  }

  /**
   * Mount before the general /api body handler: images get their own, larger limit. The key is checked, and a
   * decoder slot taken, before a byte of the body is read: an anonymous client cannot make the service buffer
   * megabytes, and uploads beyond what the decoders can take are refused up front.
   */
  void mount(Router router, Auth auth) {
    long limit = decoder.settings().maxBytes() + 64 * 1024;
    // Vert.x Web wants a route's body handler before its other handlers: the checks are a route of their own.
    router.post("/api/v1/decode").handler(holdBody(limit)).handler(auth.require(Role.SCANNER))
        .handler(ImageRoutes::requireImage).handler(ImageRoutes::fewPhotosPerKey).handler(RESERVE_SLOT);
    router.post("/api/v1/decode").handler(BodyHandler.create(false).setBodyLimit(limit)).handler(this::decodeOnly);
    router.post("/api/v1/scans/image").handler(holdBody(limit)).handler(auth.require(Role.SCANNER))
        .handler(ImageRoutes::fewPhotosPerKey).handler(RESERVE_SLOT).handler(ImageRoutes::formMustEnd);
    router.post("/api/v1/scans/image")
        .handler(BodyHandler.create(uploads.toString()).setBodyLimit(limit).setDeleteUploadedFilesOnEnd(true))
        .handler(this::scanImage);
    // A photo over the limit is refused by its route's body handler (413) before the decoder sees it, so the
    // decoder's TOO_LARGE_BYTES counted only those within the 64 KiB between its limit and the body handler's.
    // Without a path, as NhsaRoutes' failure handler: one with a path fails on a path Vert.x cannot decode.
    router.route().failureHandler(ctx -> {
      if (ctx.statusCode() == 413 && !(ctx.failure() instanceof Problem) && ctx.get(PHOTO) != null) {
        refusedCounter(registry, DecodeOutcome.Reason.TOO_LARGE_BYTES).increment();
      }
      ctx.next();
    });
  }

  /**
   * Stops reading the body until the body handler asks for it: the checks before it are asynchronous (the key is
   * looked up), and a refused request's body is then never read at all (the connection is closed instead). Notes the
   * route's body limit for the 413 that names it.
   */
  static Handler<RoutingContext> holdBody(long limit) {
    return ctx -> {
      if (mayHaveBody(ctx.request())) {
        ctx.request().pause();
      }
      ctx.put(ApiServer.BODY_LIMIT, limit);
      ctx.next();
    };
  }

  /**
   * Whether a body may follow the head. An HTTP/1.1 request without Content-Length or Transfer-Encoding has none:
   * held, its end went unread (the body handler does not resume a GET), so the connection guard took every GET under
   * /api/ for a body still arriving and closed its connection at the body deadline: live streams were cut every 30 s,
   * and a keep-alive connection after any GET.
   */
  private static boolean mayHaveBody(io.vertx.core.http.HttpServerRequest request) {
    if (request.version() == io.vertx.core.http.HttpVersion.HTTP_2) {
      return true; // a stream's end, not a header, tells whether a body follows
    }
    String length = request.getHeader(io.vertx.core.http.HttpHeaders.CONTENT_LENGTH);
    return request.getHeader(io.vertx.core.http.HttpHeaders.TRANSFER_ENCODING) != null
        || length != null && !length.trim().equals("0");
  }

  /** How long a form may take to be read once its body has arrived: its files are written by then, in milliseconds. */
  private static final long FORM_END_MILLIS = 5_000;
  private static final String FORM_READ = "formRead";

  /**
   * Netty's form decoder looks for a part's end (the boundary line) in the charset the part is labelled with, and in
   * UTF-16 or UTF-32 never finds it: a file part so labelled never ended, and its upload went unanswered until the
   * 60 s idle timeout closed the connection, its decoder slot held all along. A form still unread a few seconds
   * after its body arrived is refused, naming that cause.
   */
  static void formMustEnd(RoutingContext ctx) {
    if (!ctx.request().isEnded()) {
      ctx.request().end().onSuccess(v -> {
        long timer = ctx.vertx().setTimer(FORM_END_MILLIS, id -> {
          if (ctx.get(FORM_READ) == null && !ctx.response().ended()) {
            ctx.fail(Problem.badRequest("a part of the form never ended: the form decoder looks for the boundary "
                + "in the charset a part is labelled with, so a part labelled UTF-16 or UTF-32 cannot be read; "
                + "send it in UTF-8, labelled so or not labelled"));
            // The body handler never ends such an upload, so it would never delete its file either. After the answer:
            // a cancelled upload fails the request with the upload's own exception, which, first, was a 500.
            ctx.cancelAndCleanupFileUploads();
          }
        });
        ctx.addEndHandler(ar -> ctx.vertx().cancelTimer(timer));
      });
    }
    ctx.next();
  }

  /** Before the body is read: anything but an image is refused without receiving megabytes of it. */
  static void requireImage(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !AsciiCase.lower(type).startsWith("image/")) {
      throw new Problem(415, "Unsupported media type", "send the photo as the body with Content-Type: image/…");
    }
    ctx.next();
  }

  /** Photos each key has in hand; process-wide like the slots. */
  private static final PhotosInHand PHOTOS_IN_HAND = new PhotosInHand(VerifyRoutes.PHOTOS_AT_ONCE);

  /**
   * The decoder slots are shared by every till and the public: one key sending the heads of 18 photos and trickling
   * their bodies held them all for the 30 s body deadline, and every other photo was a 503. A key may have as many
   * photos in hand as one address of the public.
   */
  static void fewPhotosPerKey(RoutingContext ctx) {
    String key = Auth.principal(ctx).keyId();
    if (!PHOTOS_IN_HAND.take(key)) {
      throw Problem.tooManyRequests("at most " + PHOTOS_IN_HAND.max() + " photos at once from one key; send the next "
          + "when one is answered", 1);
    }
    ctx.addEndHandler(v -> PHOTOS_IN_HAND.answered(key));
    ctx.next();
  }

  /** Takes one of the slots for the request (released when the response ends), or answers 503 before the body. */
  private static Handler<RoutingContext> reserve(Semaphore slots, String busy) {
    return ctx -> {
      if (!slots.tryAcquire()) {
        throw Problem.unavailable(busy, 2);
      }
      ctx.put(PHOTO, Boolean.TRUE);
      java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);
      ctx.addEndHandler(v -> {
        if (held.getAndSet(false)) {
          slots.release();
        }
      });
      ctx.next();
    };
  }

  private void decodeOnly(RoutingContext ctx) {
    decode(ctx.body().buffer()).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      JsonArray codes = new JsonArray();
      for (DecodedSymbol s : ar.result()) {
        JsonObject json = new JsonObject().put("text", s.text()).put("format", s.format()).put("gs1", s.gs1());
        ParseResult parsed = TraceCodes.parse(s.text());
        if (parsed instanceof ParseResult.Valid valid) {
          json.put("canonical", valid.code().canonical()).put("valid", true);
        } else {
          json.put("valid", false).put("error", ((ParseResult.Invalid) parsed).message());
        }
        codes.add(json);
      }
      ctx.json(new JsonObject().put("codes", codes));
    });
  }

  private void scanImage(RoutingContext ctx) {
    ctx.put(FORM_READ, Boolean.TRUE);
    FileUpload image = null;
    FileUpload scanPart = null;
    int images = ctx.request().formAttributes().getAll("image").size();
    int scanParts = ctx.request().formAttributes().getAll("scan").size();
    for (FileUpload f : ctx.fileUploads()) {
      if (f.name().equals("image")) {
        image = f;
        images++;
      } else if (f.name().equals("scan")) {
        scanPart = f;
        scanParts++;
      }
    }
    // Which photo and which scan were meant is the client's to say: of two, one was used silently (the last photo,
    // the first scan), and a gateway that checked the other part would have passed another scan than the one stored.
    Problem.Errors parts = new Problem.Errors();
    if (images > 1) {
      parts.add("image", "give one part, not " + images);
    }
    if (scanParts > 1) {
      parts.add("scan", "give one part, not " + scanParts);
    }
    parts.throwIfAny();
    if (image == null) {
      // A part without a file name reaches us as a text field, its bytes lost (curl -F 'image=<photo.png' sends one).
      throw Problem.validation(List.of(new Problem.FieldError("image", images == 0
          ? "a multipart part named image is required"
          : "the part has no file name, so it was read as text, not as a photo: send it as a file (its "
              + "Content-Disposition with a filename; curl -F image=@photo.png)")));
    }
    String scanField = ctx.request().getFormAttribute("scan");
    // The scan part's siteId and documentNo make the scans' idempotency keys, so its bytes must be well-formed UTF-8
    // as the body of POST /api/v1/scans must: a malformed byte read as U+FFFD would make one key of two byte strings.
    // A text part reaches us decoded, where a bad byte is already U+FFFD: one there is refused for that reason.
    Future<String> scanText = scanField != null
        ? scanField.indexOf('\uFFFD') < 0 ? Future.succeededFuture(scanField) : Future.failedFuture(notUtf8())
        : scanPart == null ? Future.succeededFuture(null)
        : ctx.vertx().fileSystem().readFile(scanPart.uploadedFileName()).compose(b ->
            com.tracesentinel.code.Utf8.wellFormed(b.getBytes()) ? Future.succeededFuture(b.toString())
                : Future.failedFuture(notUtf8()));
    Principal caller = Auth.principal(ctx);
    String imageFile = image.uploadedFileName();
    JsonObject[] template = new JsonObject[1];
    scanText
        .compose(text -> {
          template[0] = parseTemplate(text);
          String siteId = checked(template[0]).siteId();
          if (caller.role() == Role.SCANNER && !caller.siteId().equals(siteId)) {
            return Future.failedFuture(
                new Problem(403, "Forbidden", "this key may only post scans for its own site " + caller.siteId()));
          }
          return ctx.vertx().fileSystem().readFile(imageFile);
        })
        .compose(this::decode)
        .compose(symbols -> {
          if (symbols.isEmpty()) {
            return Future.failedFuture(new Problem(422, "No code found",
                "no DataMatrix, QR or barcode could be read from the photo; retake it closer and sharper"));
          }
          Instant now = Instant.now();
          Problem.Errors errors = new Problem.Errors();
          List<ScanInput> inputs = new ArrayList<>();
          // A label often prints one box's code twice (a DataMatrix and a GS1-128 or Digital Link QR): posted once per
          // symbol, one photographed box was a second scan of itself, a DOUBLE_SCAN on a sale and a RETURN_MISMATCH
          // alert on a return. So a box is one scan; each decoded symbol names the result it was posted as.
          int[] resultOf = new int[symbols.size()];
          java.util.Map<String, Integer> boxes = new java.util.HashMap<>();
          for (int i = 0; i < symbols.size(); i++) {
            String text = symbols.get(i).text();
            Integer same = TraceCodes.parse(text) instanceof ParseResult.Valid valid
                ? boxes.putIfAbsent(valid.code().canonical(), inputs.size()) : null;
            if (same != null) {
              resultOf[i] = same;
              continue;
            }
            resultOf[i] = inputs.size();
            JsonObject scan = template[0].copy().put("code", text).put("lineNo", inputs.size() + 1);
            inputs.add(ScanJson.parse(scan, "scan.", now, errors));
          }
          errors.throwIfAny();
          return scans.ingest(ctx, inputs, now).map(stored -> {
            JsonObject out = ScanRoutes.results(stored);
            JsonArray decoded = new JsonArray();
            for (int i = 0; i < symbols.size(); i++) {
              DecodedSymbol s = symbols.get(i);
              decoded.add(new JsonObject().put("text", s.text()).put("format", s.format()).put("gs1", s.gs1())
                  .put("result", resultOf[i]));
            }
            return out.put("decoded", decoded);
          });
        })
        .onComplete(ar -> {
          if (ar.failed()) {
            ctx.fail(ar.cause());
          } else {
            ctx.json(ar.result());
          }
        });
  }

  private static JsonObject parseTemplate(String scanJson) {
    if (scanJson == null) {
      throw Problem.validation(List.of(new Problem.FieldError("scan",
          "a multipart part named scan with the scan's JSON (without code) is required")));
    }
    Problem.Errors errors = new Problem.Errors();
    // A JSON file saved with a byte order mark (Windows PowerShell's and Notepad's UTF-8) is read by POST
    // /api/v1/scans, whose parser skips the mark; the same file as the scan part was "not a JSON object".
    String json = scanJson.startsWith("\uFEFF") ? scanJson.substring(1) : scanJson;
    JsonObject template = ScanJson.readTemplate(json, "scan.", errors);
    if (template == null) {
      throw Problem.validation(List.of(new Problem.FieldError("scan", "is not a JSON object")));
    }
    errors.throwIfAny();
    template.remove("code");
    template.remove("lineNo");
    return template;
  }

  /**
   * The scan part read as POST /api/v1/scans reads a scan (its code aside), before the site check and the decoding:
   * compared as sent, a part without its siteId was a 403, not a 400 naming it, and one whose siteId was padded with
   * spaces (trimmed when stored) a 403 for the key's own site; and a wrong field was found only after the photo was
   * read, a 422 when the photo held no code.
   */
  private static ScanInput checked(JsonObject template) {
    Problem.Errors errors = new Problem.Errors();
    ScanInput scan = ScanJson.parse(template.copy().put("code", ""), "scan.", Instant.now(), errors);
    errors.throwIfAny();
    return scan;
  }

  private static Problem notUtf8() {
    return Problem.validation(List.of(new Problem.FieldError("scan", "is not well-formed UTF-8")));
  }

  /** Decodes a till's photo on the tills' pool (the caller holds a {@link #RESERVE_SLOT} slot). */
  Future<List<DecodedSymbol>> decode(Buffer body) {
    return decode(body, workers);
  }

  /** Decodes a photo of the public on its own pool (the caller holds a {@link #RESERVE_PUBLIC_SLOT} slot). */
  Future<List<DecodedSymbol>> decodeForPublic(Buffer body) {
    return decode(body, publicWorkers);
  }

  /** Refusals become problems. */
  private Future<List<DecodedSymbol>> decode(Buffer body, WorkerExecutor pool) {
    if (body == null || body.length() == 0) {
      return Future.failedFuture(Problem.badRequest("the image is empty"));
    }
    byte[] bytes = body.getBytes();
    return pool.<DecodeOutcome>executeBlocking(() -> decoder.decode(bytes), false)
        .compose(outcome -> {
          if (outcome instanceof DecodeOutcome.Decoded decoded) {
            decodeTimer(registry, decoded.symbols().isEmpty() ? "none" : "found",
                decoded.pass().replace("+regions", ""))
                .record(decoded.micros(), java.util.concurrent.TimeUnit.MICROSECONDS);
            return Future.succeededFuture(decoded.symbols());
          }
          DecodeOutcome.Refused refused = (DecodeOutcome.Refused) outcome;
          // what the image library said (or its exception's name) is not for the client: a damaged image gets a
          // fixed detail, an undecodable format the leading sentence; the size refusals are our own numbers
          String detail = switch (refused.reason()) {
            case CORRUPT -> "the image is damaged or truncated and cannot be decoded";
            case UNSUPPORTED_FORMAT -> Fields.leadingSentence(refused.message(), "this image format is not accepted")
                + ": send PNG, JPEG, GIF, BMP or WebP";
            case NOT_AN_IMAGE, TOO_LARGE_BYTES, TOO_MANY_PIXELS -> refused.message();
            case NO_MEMORY -> "not enough memory to decode this photo while others are decoded; send it again";
          };
          refusedCounter(registry, refused.reason()).increment();
          return Future.failedFuture(switch (refused.reason()) {
            case NOT_AN_IMAGE, CORRUPT -> Problem.badRequest(detail);
            case UNSUPPORTED_FORMAT -> new Problem(415, "Unsupported media type", detail);
            case TOO_LARGE_BYTES, TOO_MANY_PIXELS -> new Problem(413, "Payload too large", detail);
            case NO_MEMORY -> Problem.unavailable(detail, 2);
          });
        });
  }

  void close() {
    workers.close();
    publicWorkers.close();
  }
}
