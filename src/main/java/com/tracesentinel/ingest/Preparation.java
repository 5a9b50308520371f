package com.tracesentinel.ingest;

import com.tracesentinel.code.ParseResult;
import com.tracesentinel.code.TraceCode;
import com.tracesentinel.code.TraceCodes;
import com.tracesentinel.reference.Product;
import com.tracesentinel.reference.ReferenceStore;
import com.tracesentinel.reference.Site;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks a scan passes before any code state is read: its code parses, its site is registered, its time is
 * plausible and its text fields hold text. A scan that fails is REJECTED with the reason; the other scans of its
 * request are not affected. One with a valid code at a registered site still reaches the judge, which answers it
 * REPLAYED when its idempotency key was seen before (a re-send is not judged on what it carries besides its key).
 * Pure apart from reading the reference snapshot.
 */
public final class Preparation {
  /** Scans more than this far in the future are a terminal's clock error, not a sale. */
  public static final Duration MAX_FUTURE = Duration.ofMinutes(10);

  private final ReferenceStore reference;
  private final Duration oldest;

  /** @param oldest how far back a scan may be dated (TRACESENTINEL_SCAN_MAX_AGE_DAYS, default 400 days) */
  public Preparation(ReferenceStore reference, Duration oldest) {
    this.reference = reference;
    this.oldest = oldest;
  }

  public List<Prepared> prepare(List<ScanInput> inputs, Instant now) {
    List<Prepared> prepared = new ArrayList<>(inputs.size());
    for (int i = 0; i < inputs.size(); i++) {
      prepared.add(prepare(i, inputs.get(i), now));
    }
    return prepared;
  }

  Prepared prepare(int index, ScanInput in, Instant now) {
    ParseResult parsed = TraceCodes.parse(in.code());
    TraceCode code = parsed instanceof ParseResult.Valid valid ? valid.code() : null;
    String textProblem = textProblem(in);
    Site site = code == null ? null : reference.siteById(in.siteId());
    if (site == null) {
      // Without a valid code at a registered site there is no idempotency key that could have been seen before.
      if (textProblem != null) {
        return new Prepared.Refused(index, in, code, null, textProblem);
      }
      if (parsed instanceof ParseResult.Invalid invalid) {
        return new Prepared.Refused(index, in, null, null, "invalid code: " + invalid.message());
      }
      return new Prepared.Refused(index, in, code, null, "site " + in.siteId() + " is not registered");
    }
    Product product = reference.product(code.productKey());
    return new Prepared.ToJudge(index, in, code, site,
        ScanEvent.of(in, code, site, product == null ? 1 : Math.max(1, product.packSize())),
        textProblem != null ? textProblem : timeProblem(in, now));
  }

  /** Why the scan's time is not plausible (a terminal's clock error), or null. */
  private String timeProblem(ScanInput in, Instant now) {
    if (in.scannedAt().isAfter(now.plus(MAX_FUTURE))) {
      return "scannedAt " + in.scannedAt() + " is more than 10 minutes in the future";
    }
    if (in.scannedAt().isBefore(now.minus(oldest))) {
      return "scannedAt " + in.scannedAt() + " is more than " + oldest.toDays()
          + " days ago (TRACESENTINEL_SCAN_MAX_AGE_DAYS)";
    }
    return null;
  }

  /** The first text field holding something that is not text (a control character or broken UTF-16), or null. */
  static String textProblem(ScanInput in) {
    String[][] fields = {{"siteId", in.siteId()}, {"documentNo", in.documentNo()}, {"billedDrug", in.billedDrug()},
        {"settlementId", in.settlementId()}, {"deviceId", in.deviceId()}, {"uploadBatch", in.uploadBatch()},
        {"linkedDocumentNo", in.linkedDocumentNo()}};
    for (String[] f : fields) {
      int bad = firstNonText(f[1]);
      if (bad >= 0) {
        return f[0] + " holds " + describe(f[1], bad) + " at position " + bad + ": only printable text is accepted";
      }
    }
    return null;
  }

  /**
   * Index of the first control character (C0, DEL, C1), bidirectional override, embedding or isolate, or unpaired
   * surrogate, or -1. Such characters are never part of a document number, a drug code or a name, and PostgreSQL
   * refuses U+0000 in text outright. A bidirectional control (U+202A–U+202E, U+2066–U+2069) reorders what follows
   * it: a site named with U+202E showed its name reversed in the console, and a document number can be made to read
   * as another.
   */
  public static int firstNonText(String s) {
    if (s == null) {
      return -1;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c) || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')) {
        return i;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return i;
      }
      if (Character.isLowSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * {@code s} without leading and trailing spaces (U+0020 only): the one trim of a scan's text fields, whichever way
   * they came in. A control character is kept where it stands, so the scan is rejected for it ({@link #textProblem})
   * instead of being stored as a different document number.
   */
  public static String trimSpaces(String s) {
    int from = 0;
    int to = s.length();
    while (from < to && s.charAt(from) == ' ') {
      from++;
    }
    while (to > from && s.charAt(to - 1) == ' ') {
      to--;
    }
    return from == 0 && to == s.length() ? s : s.substring(from, to);
  }

  static String describe(String s, int at) {
    return String.format("U+%04X", (int) s.charAt(at));
  }
}
