package com.tracesentinel.history;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.ingest.CommitReceipt;
import com.tracesentinel.ingest.HistoryPort;
import com.tracesentinel.ingest.Judged;
import com.tracesentinel.ingest.ScanEvent;
import com.tracesentinel.ingest.ScanInput;
import com.tracesentinel.ingest.ScanResult;
import com.tracesentinel.ingest.ScanStatus;
import com.tracesentinel.ingest.Voiding;
import com.tracesentinel.reference.Site;
import com.tracesentinel.rules.Anomaly;
import com.tracesentinel.rules.AnomalyType;
import com.tracesentinel.rules.EventType;
import java.nio.ByteBuffer;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The scan history in PostgreSQL, as the ingest core uses it: plain JDBC on the core's own threads. The committer
 * and the judge each keep one connection (opened again after a failure); recovery opens its own.
 *
 * <p>Failures are classified by SQLSTATE, never by message text: class 22 (data), 23 (integrity) and 54 (limits) mean
 * PostgreSQL refused the data; a connection failure (class 08, or no SQLSTATE: an I/O error or a timeout) after
 * COMMIT was sent leaves the outcome in doubt; everything else means nothing was stored.
 */
public final class PostgresHistory implements HistoryPort, AutoCloseable {
  private final DatabaseUrl url;
  private final String writer;
  private volatile boolean fenced;
  /** How long a cluster node's transaction may sit idle before the database ends it (and its locks). */
  public static final int IDLE_IN_TRANSACTION_MS = 5_000;
  private final int socketTimeoutSeconds;
  private final int judgeTimeoutSeconds;
  private final IntFunction<Site> sites;
  private Connection committer;
  /** The committer's COPY buffer, reused group after group (only the committer thread writes history rows). */
  private final PgCopy copy = new PgCopy();
  /**
   * Up to this many rows a group without anomalies is stored by one statement instead of COPY: two round trips
   * instead of four, which is most of a small group's wait (64 tills sending single scans form groups of ~30).
   * Larger groups go through COPY, whose binary rows PostgreSQL need not parse as it must parse these arrays' text;
   * below a batch of 100, so batched load (groups of ~740 scans on average under load-tests/compare.sh's load)
   * stays on COPY entirely.
   */
  static final int ONE_STATEMENT_ROWS = 64;
  /** The most characters of a scan's code kept as scanned ({@code scans.raw_code}). */
  static final int MAX_RAW_CODE = 1_000;
  private Connection judge;
  private final Set<Connection> reads = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /**
   * Committer thread: this writer's markers below it are all deleted, since the group that set it committed and its
   * transaction deleted them. A group whose commit failed or was in doubt leaves it as it was, so its own marker (if
   * any: a resolved doubt always leaves one) goes with the next committed group's.
   */
  private long markersFrom = Long.MIN_VALUE;

  /**
   * @param writer               this service's name, in its connections' application_name
   * @param socketTimeoutSeconds how long a statement may go unanswered before the connection is given up
   */
  public PostgresHistory(DatabaseUrl url, String writer, int socketTimeoutSeconds, IntFunction<Site> sites) {
    this(url, writer, socketTimeoutSeconds, socketTimeoutSeconds, sites);
  }

  /** @param judgeTimeoutSeconds how long the judge's re-send check may go unanswered (see judgeConnection) */
  public PostgresHistory(DatabaseUrl url, String writer, int socketTimeoutSeconds, int judgeTimeoutSeconds,
                         IntFunction<Site> sites) {
    this.url = url;
    this.writer = writer;
    this.socketTimeoutSeconds = socketTimeoutSeconds;
    this.judgeTimeoutSeconds = judgeTimeoutSeconds;
    this.sites = sites;
  }

  // ---- commits (committer thread) ---------------------------------------------------------------------------------

  @Override
  public CommitReceipt commit(long groupId, List<Judged> scans, List<Voiding> voidings, Map<Integer, Long> holds,
                              CommitGate gate)
      throws CommitFailure {
    boolean commitSent = false;
    Connection c = null;
    try {
      c = committerConnection();
      List<Judged.Row> rows = new ArrayList<>();
      List<ScanEvent> inFlightReplays = new ArrayList<>();
      for (Judged j : scans) {
        if (j instanceof Judged.Row row) {
          rows.add(row);
        } else if (j instanceof Judged.Replay replay && replay.original() == null) {
          inFlightReplays.add(replay.event());
        }
      }
      Instant ingestedAt = Instant.now();
      ScanArrays arrays = inOneStatement(rows, voidings, holds, inFlightReplays, ingestedAt);
      if (arrays != null) {
        markAndInsert(c, groupId, arrays);
        passGate(c, gate);
        commitSent = true;
        c.commit();
        markersFrom = groupId;
        return CommitReceipt.EMPTY;
      }
      // The marker first: the driver sends BEGIN with this statement, whereas a COPY opening the transaction costs
      // a round trip of its own for BEGIN. Where it stands in the transaction does not matter: it commits with it.
      try (PreparedStatement st = c.prepareStatement(Sql.MARK_COMMIT)) {
        setMarker(st, groupId);
        st.executeUpdate();
      }
      checkFence(c, holds);
      if (!rows.isEmpty()) {
        copyScans(c, rows, ingestedAt);
      }
      Map<CommitReceipt.AnomalyRef, CommitReceipt.ConflictScan> conflicts = insertAnomalies(c, rows);
      for (Voiding v : voidings) {
        voidUpload(c, v);
      }
      Map<ByteBuffer, ScanResult.Original> originals = originalsByIdem(c, inFlightReplays);
      passGate(c, gate);
      commitSent = true;
      c.commit();
      markersFrom = groupId;
      return new CommitReceipt(conflicts, originals);
    } catch (CommitFailure.Fenced fenced) {
      discardOnFailure(c);
      throw fenced;
    } catch (SQLException e) {
      discardOnFailure(c);
      throw classify(e, commitSent);
    } catch (RuntimeException e) {
      // The driver's own failure (a broken protocol state shows as one): once COMMIT was sent, its outcome is unknown.
      discardOnFailure(c);
      String why = "the commit failed in the driver: " + e;
      throw commitSent ? new CommitFailure.InDoubt(why, e) : new CommitFailure.Unavailable(why, e);
    }
  }

  private void passGate(Connection c, CommitGate gate) throws CommitFailure.Unavailable {
    if (!gate.mayCommit()) {
      discardOnFailure(c);
      throw new CommitFailure.Unavailable("the group was given up before COMMIT (the database had not answered "
          + "within the stall limit): rolled back", null);
    }
  }

  /**
   * A group small and plain enough for {@link Sql#MARK_INSERT}: scans only (no upload deletion, no anomaly
   * whose conflict document must be read back, no re-send whose original must be), outside a cluster's fencing, with
   * every time printable. Null when it must go through COPY.
   */
  private static ScanArrays inOneStatement(List<Judged.Row> rows, List<Voiding> voidings, Map<Integer, Long> holds,
                                           List<ScanEvent> inFlightReplays, Instant ingestedAt) {
    if (rows.isEmpty() || rows.size() > ONE_STATEMENT_ROWS || !voidings.isEmpty() || !holds.isEmpty()
        || !inFlightReplays.isEmpty()) {
      return null;
    }
    ScanArrays arrays = new ScanArrays();
    for (Judged.Row r : rows) {
      if (!r.anomalies().isEmpty()) {
        return null;
      }
      scanRow(arrays.row(), r, ingestedAt);
    }
    return arrays.printable() ? arrays : null;
  }

  /** The marker parameters both group statements start with; returns the next parameter's index. */
  private int setMarker(PreparedStatement st, long groupId) throws SQLException {
    st.setString(1, writer);
    st.setLong(2, markersFrom);
    st.setLong(3, groupId);
    st.setString(4, writer);
    st.setLong(5, groupId);
    return 6;
  }

  private void markAndInsert(Connection c, long groupId, ScanArrays arrays) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(Sql.MARK_INSERT)) {
      int i = setMarker(st, groupId);
      for (Array a : arrays.arrays(c)) {
        st.setArray(i++, a);
      }
      st.executeUpdate();
    }
  }

  private void copyScans(Connection c, List<Judged.Row> rows, Instant ingestedAt) throws SQLException {
    PgCopy copy = this.copy.reset();
    for (Judged.Row r : rows) {
      scanRow(copy.row(Sql.SCAN_COLUMNS), r, ingestedAt);
    }
    copy.end();
    // Straight from the buffer: copyIn(sql, InputStream) would copy it through a new 64 KB array per group.
    CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(Sql.COPY_SCANS);
    try {
      in.writeToCopy(copy.buffer(), 0, copy.length());
      in.endCopy();
    } catch (SQLException e) {
      // The COPY's own failure decides how the group is classified; a failed cancel only rides along with it.
      if (in.isActive()) {
        try {
          in.cancelCopy();
        } catch (SQLException cancel) {
          e.addSuppressed(cancel);
        }
      }
      throw e;
    }
  }

  /** One history row, in {@link Sql#COPY_SCANS}'s column order. */
  private static <T extends ScanColumns<T>> void scanRow(T out, Judged.Row r, Instant ingestedAt) {
    ScanInput in = r.input();
    ScanEvent e = r.event();
    boolean judged = r.status() != ScanStatus.REJECTED;
    byte[] key = codeKey(r);
    out.int8(r.scanId())
        .int2(key == null || !judged ? null : CodeKey.partitionOf(key)) // REJECTED: apart (V16)
        .timestamptz(storableTime(in.scannedAt()))
        .timestamptz(ingestedAt)
        .bytea(key)
        .bytea(judged ? e.idem() : null)
        .text(r.code() == null ? null : r.code().canonical())
        .text(r.code() == null ? null : r.code().productKey())
        .text(keptRawCode(in.code()))
        .text(in.type().name())
        .text(in.siteId())
        .int4(r.site() == null ? null : r.site().ref())
        .text(in.documentNo())
        .int4(in.lineNo())
        .int4(in.quantity())
        .bool(in.split())
        .text(in.billedDrug())
        .text(in.settlementId())
        .text(in.deviceId())
        .date(r.code() == null ? null : r.code().expiry())
        .text(r.status().name())
        .text(r.error())
        .text(in.uploadBatch())
        .text(in.linkedDocumentNo())
        .int4(judged ? e.facts().packSize() : null);
  }

  /**
   * The code as scanned, its first {@link #MAX_RAW_CODE} characters: enough to show what a till sent (the code itself
   * holds at most 100 once scanner noise is removed), while a garbled one of up to the 1 MiB body is REJECTED without
   * its megabyte stored. Never cut inside a surrogate pair.
   */
  static String keptRawCode(String raw) {
    if (raw == null || raw.length() <= MAX_RAW_CODE) {
      return raw;
    }
    int end = Character.isHighSurrogate(raw.charAt(MAX_RAW_CODE - 1)) ? MAX_RAW_CODE - 1 : MAX_RAW_CODE;
    return raw.substring(0, end);
  }

  /** The row's code key: the judged scan's own, or (a refused scan with a valid code) its code's. */
  private static byte[] codeKey(Judged.Row r) {
    if (r.event() != null) {
      return r.event().codeKey();
    }
    return r.code() == null ? null : CodeKey.of(r.code().canonical());
  }

  /** PostgreSQL keeps years 4713 BC to 294276 AD: a refused scan's absurd time is stored as unknown, not as a failure. */
  private static Instant storableTime(Instant t) {
    return t.getEpochSecond() < -210_000_000_000L || t.getEpochSecond() > 9_000_000_000_000L ? null : t;
  }

  private static CommitReceipt.ConflictScan conflictScan(ResultSet rs) throws SQLException {
    java.sql.Timestamp at = rs.getTimestamp(4);
    return new CommitReceipt.ConflictScan(rs.getString(3), at == null ? null : at.toInstant());
  }

  private Map<CommitReceipt.AnomalyRef, CommitReceipt.ConflictScan> insertAnomalies(Connection c,
                                                                                 List<Judged.Row> rows)
      throws SQLException {
    ConflictingScans conflicting = conflictingScans(c, rows);
    List<Long> scanId = new ArrayList<>();
    List<String> at = new ArrayList<>();
    List<String> type = new ArrayList<>();
    List<String> suspicion = new ArrayList<>();
    List<String> level = new ArrayList<>();
    List<byte[]> key = new ArrayList<>();
    List<String> canonical = new ArrayList<>();
    List<String> product = new ArrayList<>();
    List<String> siteId = new ArrayList<>();
    List<String> region = new ArrayList<>();
    List<String> detail = new ArrayList<>();
    List<String> conflictSite = new ArrayList<>();
    List<String> conflictAt = new ArrayList<>();
    List<String> conflictDocument = new ArrayList<>();
    Map<CommitReceipt.AnomalyRef, CommitReceipt.ConflictScan> conflicts = new HashMap<>();
    for (Judged.Row r : rows) {
      for (Anomaly a : r.anomalies()) {
        scanId.add(r.scanId());
        at.add(microseconds(r.input().scannedAt()));
        type.add(a.type().name());
        suspicion.add(a.suspicion().name());
        level.add(a.level().name());
        key.add(r.event().codeKey());
        canonical.add(r.code().canonical());
        product.add(r.code().productKey());
        siteId.add(r.input().siteId());
        region.add(r.site().regionCode());
        detail.add(a.detail());
        Site other = conflictSite(a);
        conflictSite.add(other == null ? null : other.siteId());
        ConflictingScans.Candidate found = other == null ? null : conflicting.conflictOf(r.scanId(),
            ByteBuffer.wrap(r.event().codeKey()), other.siteId(), a.conflictsWith().at());
        Instant conflictTime = found != null ? found.scannedAt()
            : a.conflictsWith() == null ? null : Instant.ofEpochSecond(a.conflictsWith().at());
        conflictAt.add(conflictTime == null ? null : microseconds(conflictTime));
        conflictDocument.add(found == null ? null : found.documentNo());
        conflicts.put(new CommitReceipt.AnomalyRef(r.scanId(), a.type().name()),
            new CommitReceipt.ConflictScan(found == null ? null : found.documentNo(), conflictTime));
      }
    }
    if (scanId.isEmpty()) {
      return Map.of();
    }
    lockAnomalyIdsToWrite(c);
    try (PreparedStatement st = c.prepareStatement(Sql.INSERT_ANOMALIES)) {
      int i = 1;
      st.setArray(i++, c.createArrayOf("int8", scanId.toArray()));
      st.setArray(i++, c.createArrayOf("timestamptz", at.toArray()));
      st.setArray(i++, c.createArrayOf("text", type.toArray()));
      st.setArray(i++, c.createArrayOf("text", suspicion.toArray()));
      st.setArray(i++, c.createArrayOf("text", level.toArray()));
      st.setArray(i++, c.createArrayOf("bytea", key.toArray(new byte[0][])));
      st.setArray(i++, c.createArrayOf("text", canonical.toArray()));
      st.setArray(i++, c.createArrayOf("text", product.toArray()));
      st.setArray(i++, c.createArrayOf("text", siteId.toArray()));
      st.setArray(i++, c.createArrayOf("text", region.toArray()));
      st.setArray(i++, c.createArrayOf("text", detail.toArray()));
      st.setArray(i++, c.createArrayOf("text", conflictSite.toArray()));
      st.setArray(i++, c.createArrayOf("timestamptz", conflictAt.toArray()));
      st.setArray(i, c.createArrayOf("text", conflictDocument.toArray()));
      st.executeUpdate();
    }
    return conflicts;
  }

  private Site conflictSite(Anomaly a) {
    return a.conflictsWith() == null ? null : sites.apply(a.conflictsWith().siteRef());
  }

  /** Truncated to the microsecond as PgCopy stores a scan's time: PostgreSQL would round the text. */
  private static String microseconds(Instant t) {
    return t.truncatedTo(java.time.temporal.ChronoUnit.MICROS).toString();
  }

  /** The stored sales and destructions of every code of the group with an anomaly that names a conflict. */
  private ConflictingScans conflictingScans(Connection c, List<Judged.Row> rows) throws SQLException {
    Set<ByteBuffer> codes = new LinkedHashSet<>();
    Set<Long> twinsInGroup = new HashSet<>();
    for (Judged.Row r : rows) {
      for (Anomaly a : r.anomalies()) {
        if (a.type() == AnomalyType.DOUBLE_SCAN || a.type() == AnomalyType.SOLD_AFTER_DESTROY) {
          twinsInGroup.add(r.scanId());
        }
        if (conflictSite(a) != null) {
          codes.add(ByteBuffer.wrap(r.event().codeKey()));
        }
      }
    }
    Map<ByteBuffer, List<ConflictingScans.Candidate>> candidates = new HashMap<>();
    if (codes.isEmpty()) {
      return new ConflictingScans(candidates, twinsInGroup);
    }
    List<ByteBuffer> keys = new ArrayList<>(codes);
    Short[] parts = new Short[keys.size()];
    byte[][] keyBytes = new byte[keys.size()][];
    for (int i = 0; i < keys.size(); i++) {
      keyBytes[i] = keys.get(i).array();
      parts[i] = (short) CodeKey.partitionOf(keyBytes[i]);
    }
    try (PreparedStatement st = c.prepareStatement(Sql.CONFLICT_CANDIDATES)) {
      st.setArray(1, c.createArrayOf("int2", parts));
      st.setArray(2, c.createArrayOf("bytea", keyBytes));
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          candidates.computeIfAbsent(keys.get(rs.getInt(1) - 1), k -> new ArrayList<>())
              .add(new ConflictingScans.Candidate(rs.getLong(2), rs.getString(3), rs.getString(4),
                  rs.getTimestamp(5).toInstant(), rs.getBoolean(6)));
        }
      }
    }
    return new ConflictingScans(candidates, twinsInGroup);
  }

  /** See Sql.LOCK_ANOMALY_IDS_TO_WRITE; taking it twice in one transaction is harmless (shared, released at its end). */
  private static void lockAnomalyIdsToWrite(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.executeQuery(Sql.LOCK_ANOMALY_IDS_TO_WRITE).close();
    }
  }

  private static void voidUpload(Connection c, Voiding v) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(Sql.VOID_SCANS)) {
      st.setObject(1, java.time.OffsetDateTime.ofInstant(v.at(), java.time.ZoneOffset.UTC));
      st.setString(2, v.siteId());
      st.setString(3, v.uploadBatch());
      st.setArray(4, c.createArrayOf("int8", v.scanIds().toArray()));
      st.executeUpdate();
    }
    try (PreparedStatement st = c.prepareStatement(Sql.MARK_ANOMALIES_VOIDED)) {
      st.setObject(1, java.time.OffsetDateTime.ofInstant(v.at(), java.time.ZoneOffset.UTC));
      st.setArray(2, c.createArrayOf("int8", v.scanIds().toArray()));
      st.executeUpdate();
    }
    try (Statement lock = c.createStatement(); PreparedStatement st = c.prepareStatement(Sql.RING_UNFOLD)) {
      lock.executeQuery(Sql.LOCK_RINGS_FEED).close();
      st.setString(1, v.siteId());
      st.setString(2, v.uploadBatch());
      st.setArray(3, c.createArrayOf("int8", v.scanIds().toArray()));
      st.executeUpdate();
    }
    if (v.lateDeletions().isEmpty()) {
      return;
    }
    lockAnomalyIdsToWrite(c);
    int n = v.lateDeletions().size();
    Object[] ids = new Object[n];
    byte[][] keys = new byte[n][];
    String[][] text = new String[6][n];
    String[] saleAt = new String[n];
    for (int i = 0; i < n; i++) {
      Voiding.LateDeletion d = v.lateDeletions().get(i);
      ids[i] = d.saleScanId();
      keys[i] = d.codeKey();
      text[0][i] = d.canonical();
      text[1][i] = d.product();
      text[2][i] = d.siteId();
      text[3][i] = d.region();
      text[4][i] = d.detail();
      text[5][i] = d.saleDocumentNo();
      saleAt[i] = d.saleAt().toString();
    }
    try (PreparedStatement st = c.prepareStatement(Sql.INSERT_LATE_DELETIONS)) {
      st.setString(1, v.at().toString());
      st.setArray(2, c.createArrayOf("int8", ids));
      st.setArray(3, c.createArrayOf("bytea", keys));
      for (int i = 0; i < 5; i++) {
        st.setArray(4 + i, c.createArrayOf("text", text[i]));
      }
      st.setArray(9, c.createArrayOf("timestamptz", saleAt));
      st.setArray(10, c.createArrayOf("text", text[5]));
      st.executeUpdate();
    }
  }

  @Override
  public List<Voiding.UploadedScan> uploadScans(String siteId, String uploadBatch) throws SQLException {
    return onJudgeConnection(c -> uploadScans(c, siteId, uploadBatch));
  }

  private static List<Voiding.UploadedScan> uploadScans(Connection c, String siteId, String uploadBatch)
      throws SQLException {
    List<Voiding.UploadedScan> out = new ArrayList<>();
    try (PreparedStatement st = c.prepareStatement(Sql.UPLOAD_SCANS)) {
      st.setString(1, siteId);
      st.setString(2, uploadBatch);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          java.sql.Timestamp at = rs.getTimestamp("scanned_at");
          out.add(new Voiding.UploadedScan(rs.getLong("id"), rs.getBytes("code_key"), rs.getString("canonical"),
              rs.getString("product"), EventType.valueOf(rs.getString("type")),
              ScanStatus.valueOf(rs.getString("status")), at == null ? null : at.toInstant(),
              rs.getString("document_no"), rs.getInt("site_ref")));
        }
      }
    }
    return out;
  }

  @Override
  public boolean committed(long groupId) throws SQLException {
    try (Connection c = connect(2); Statement set = c.createStatement();
         PreparedStatement st = c.prepareStatement(Sql.RESOLVE_COMMIT)) {
      // A group transaction that still hangs holds the marker's index entry: give up waiting before the client's
      // socket timeout, so no backend is left waiting after this connection is gone; the caller asks again.
      set.execute(Sql.RESOLVE_LOCK_TIMEOUT);
      st.setString(1, writer);
      st.setLong(2, groupId);
      return st.executeUpdate() == 0;
    }
  }

  @Override
  public CommitReceipt receiptOf(List<Judged> scans) throws SQLException {
    List<Long> ids = new ArrayList<>();
    List<ScanEvent> inFlightReplays = new ArrayList<>();
    for (Judged j : scans) {
      if (j instanceof Judged.Row row && !row.anomalies().isEmpty()) {
        ids.add(row.scanId());
      } else if (j instanceof Judged.Replay replay && replay.original() == null) {
        inFlightReplays.add(replay.event());
      }
    }
    try (Connection c = connect(socketTimeoutSeconds)) {
      Map<CommitReceipt.AnomalyRef, CommitReceipt.ConflictScan> conflicts = new HashMap<>();
      try (PreparedStatement st = c.prepareStatement(Sql.ANOMALY_CONFLICTS)) {
        st.setArray(1, c.createArrayOf("int8", ids.toArray()));
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            conflicts.put(new CommitReceipt.AnomalyRef(rs.getLong(1), rs.getString(2)), conflictScan(rs));
          }
        }
      }
      return new CommitReceipt(conflicts, originalsByIdem(c, inFlightReplays));
    }
  }

  // ---- re-sends (judge thread) ------------------------------------------------------------------------------------

  @Override
  public List<ScanResult.Original> findOriginals(List<ScanEvent> events) throws SQLException {
    boolean reused = judge != null && !judge.isClosed();
    try {
      return findOriginals(judgeConnection(), events);
    } catch (SQLException e) {
      dropJudgeConnection();
      if (!reused || !connectionLost(e) || timedOut(e)) {
        throw e;
      }
      // A connection opened before the database restarted fails on its first use although the database is back
      // (the committer's own fresh one already commits): ask once more on a new one, or those re-sends would be
      // answered "could not check" the first time they come back after every restart. Not after a timeout: the
      // database is not answering, and a new connection would hold the judge for its login limit as well.
      try {
        return findOriginals(judgeConnection(), events);
      } catch (SQLException | RuntimeException again) {
        dropJudgeConnection();
        throw again;
      }
    } catch (RuntimeException e) {
      dropJudgeConnection();
      throw e;
    }
  }

  /**
   * A deletion's reads, on the judge's connection and within its limits: on connections of their own, without a
   * login limit (and the codes' scans without a socket limit), a frozen database held the judge, so every site's
   * scans, as long as it stayed frozen (12 s of a 12 s freeze, where the stall limit promises 1.5 s).
   */
  private <T> T onJudgeConnection(JudgeRead<T> read) throws SQLException {
    try {
      return read.on(judgeConnection());
    } catch (SQLException | RuntimeException e) {
      dropJudgeConnection();
      throw e;
    }
  }

  private interface JudgeRead<T> {
    T on(Connection c) throws SQLException;
  }

  /**
   * The judge waits for these answers, and while it waits no request is judged nor refused: its socket and login
   * time out after the stall limit (rounded up to whole seconds), not the committer's longer limit, so a frozen
   * database holds the judge about as long as it holds a commit.
   */
  private Connection judgeConnection() throws SQLException {
    if (judge == null || judge.isClosed()) {
      // Without a login limit a server that accepts the connection and never answers (frozen) holds the judge until
      // it wakes.
      judge = connect(judgeTimeoutSeconds, fenced, judgeTimeoutSeconds);
      judge.setAutoCommit(true);
    }
    return judge;
  }

  /** A broken connection is dropped whatever the driver threw, or every later look-up would fail on it too. */
  private void dropJudgeConnection() {
    closeQuietly(judge);
    judge = null;
  }

  private Map<ByteBuffer, ScanResult.Original> originalsByIdem(Connection c, List<ScanEvent> events)
      throws SQLException {
    if (events.isEmpty()) {
      return Map.of();
    }
    List<ScanResult.Original> found = findOriginals(c, events);
    Map<ByteBuffer, ScanResult.Original> byIdem = new HashMap<>();
    for (int i = 0; i < events.size(); i++) {
      if (found.get(i) != null) {
        byIdem.put(ByteBuffer.wrap(events.get(i).idem()), found.get(i));
      }
    }
    return byIdem;
  }

  private static List<ScanResult.Original> findOriginals(Connection c, List<ScanEvent> events) throws SQLException {
    int n = events.size();
    byte[][] keys = new byte[n][];
    byte[][] idems = new byte[n][];
    Integer[] parts = new Integer[n];
    for (int i = 0; i < n; i++) {
      keys[i] = events.get(i).codeKey();
      idems[i] = events.get(i).idem();
      parts[i] = CodeKey.partitionOf(keys[i]);
    }
    String[] status = new String[n];
    long[] firstId = new long[n];
    List<List<ScanResult.Finding>> findings = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      findings.add(new ArrayList<>());
    }
    try (PreparedStatement st = c.prepareStatement(Sql.FIND_ORIGINALS)) {
      st.setArray(1, c.createArrayOf("bytea", keys));
      st.setArray(2, c.createArrayOf("bytea", idems));
      st.setArray(3, c.createArrayOf("int2", parts));
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          int i = (int) (rs.getLong("i") - 1);
          long id = rs.getLong("id");
          if (status[i] == null) {
            status[i] = rs.getString("status");
            firstId[i] = id;
          } else if (firstId[i] != id) {
            continue;
          }
          if (rs.getString("type") != null) {
            java.sql.Timestamp conflictAt = rs.getTimestamp("conflict_at");
            String conflictSite = rs.getString("conflict_site_id");
            findings.get(i).add(new ScanResult.Finding(rs.getString("type"), rs.getString("suspicion"),
                rs.getString("level"), rs.getString("detail"), conflictSite == null && conflictAt == null ? null
                : new ScanResult.Conflict(conflictSite, rs.getString("conflict_document_no"),
                    conflictAt == null ? null : conflictAt.toInstant())));
          }
        }
      }
    }
    List<ScanResult.Original> out = new ArrayList<>(Collections.nCopies(n, null));
    for (int i = 0; i < n; i++) {
      if (status[i] != null) {
        out.set(i, new ScanResult.Original(ScanStatus.valueOf(status[i]), List.copyOf(findings.get(i))));
      }
    }
    return out;
  }

  /**
   * Cluster mode: commits carry the partitions' ownership epochs they were judged under, and connections that sit idle
   * inside a transaction are ended by the database (see {@link #IDLE_IN_TRANSACTION_MS}).
   */
  public void enableOwnershipFence() {
    this.fenced = true;
  }

  /**
   * A cluster node's commit goes through only while the database still names this node the owner of every partition
   * it writes, at the epoch it judged them under. The rows stay share-locked until the commit ends, so a takeover
   * (an UPDATE of them) waits for this group and every later group of the old owner sees the new epoch.
   */
  private void checkFence(Connection c, Map<Integer, Long> holds) throws SQLException, CommitFailure.Fenced {
    if (holds.isEmpty()) {
      return;
    }
    java.util.Set<Integer> lost = new java.util.TreeSet<>(holds.keySet());
    try (PreparedStatement st = c.prepareStatement(Sql.FENCE)) {
      st.setArray(1, c.createArrayOf("int2", holds.keySet().toArray()));
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          int part = rs.getInt(1);
          if (writer.equals(rs.getString(2)) && rs.getLong(3) == holds.get(part)) {
            lost.remove(part);
          }
        }
      }
    }
    if (!lost.isEmpty()) {
      throw new CommitFailure.Fenced(lost);
    }
  }

  // ---- recovery (start-up and command line) -----------------------------------------------------------------------

  @Override
  public void scansOf(List<byte[]> codeKeys, Consumer<ScanEvent> sink) throws SQLException {
    reading(fenced, c -> { // a start's reconcile: no one waits behind it, and a slow read is no failure
      scansOfExcept(c, codeKeys, java.util.Set.of(), sink);
      return null;
    });
  }

  @Override
  public void scansOfExcept(List<byte[]> codeKeys, java.util.Set<Long> excluded, Consumer<ScanEvent> sink)
      throws SQLException {
    onJudgeConnection(c -> {
      scansOfExcept(c, codeKeys, excluded, sink);
      return null;
    });
  }

  private static void scansOfExcept(Connection c, List<byte[]> codeKeys, java.util.Set<Long> excluded,
                                    Consumer<ScanEvent> sink) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(Sql.SCANS_OF_CODES)) {
      java.util.Set<Integer> parts = new java.util.TreeSet<>();
      for (byte[] key : codeKeys) {
        parts.add(CodeKey.partitionOf(key));
      }
      st.setArray(1, c.createArrayOf("int2", parts.toArray()));
      st.setArray(2, c.createArrayOf("bytea", codeKeys.toArray(new byte[0][])));
      st.setArray(3, c.createArrayOf("int8", excluded.toArray()));
      read(st, sink);
    }
  }

  @Override
  public java.util.BitSet soldAt(List<byte[]> codeKeys, List<Integer> siteRefs) throws SQLException {
    return onJudgeConnection(c -> {
      java.util.BitSet sold = new java.util.BitSet(codeKeys.size());
      try (PreparedStatement st = c.prepareStatement(Sql.SOLD_AT)) {
        st.setArray(1, c.createArrayOf("bytea", codeKeys.toArray(new byte[0][])));
        st.setArray(2, c.createArrayOf("int4", siteRefs.toArray()));
        st.setArray(3, c.createArrayOf("int2", codeKeys.stream().map(k -> (short) CodeKey.partitionOf(k)).toArray()));
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            sold.set(rs.getInt(1) - 1);
          }
        }
      }
      return sold;
    });
  }

  @Override
  public void allScans(Consumer<ScanEvent> sink) throws SQLException {
    reading(false, c -> { // no limit on idle transactions: see connectForReading
      c.setAutoCommit(false); // a server-side cursor: rows stream instead of filling the heap
      try (PreparedStatement st = c.prepareStatement(Sql.ALL_SCANS)) {
        st.setFetchSize(10_000);
        read(st, sink);
      }
      c.commit();
      return null;
    });
  }

  @Override
  public void partitionScans(Set<Integer> parts, Consumer<ScanEvent> sink) throws SQLException {
    try (Connection c = connectForReading()) {
      c.setAutoCommit(false);
      try (PreparedStatement st = c.prepareStatement(Sql.PARTITION_SCANS)) {
        st.setFetchSize(10_000);
        st.setArray(1, c.createArrayOf("int2", parts.stream().map(Integer::shortValue).toArray()));
        read(st, sink);
      }
      c.commit();
    }
  }

  @Override
  public long highestCommittedGroup() throws SQLException {
    return queryLong(Sql.HIGHEST_COMMITTED_GROUP);
  }

  @Override
  public long countStoredScans() throws SQLException {
    return queryLong(Sql.COUNT_STORED_SCANS);
  }

  /** True when the history holds at least one judged scan: a ledger without entries then needs a rebuild. */
  public boolean hasStoredScans() throws SQLException {
    return queryLong(Sql.ANY_STORED_SCAN) != 0;
  }

  private long queryLong(String sql) throws SQLException {
    return reading(fenced, c -> {
      try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  /**
   * A read on a connection of its own, without a socket limit (a rebuild's first rows may take minutes to sort), which
   * {@link #abortReads} ends while it is under way.
   */
  private <T> T reading(boolean limitIdleTransactions, JudgeRead<T> read) throws SQLException {
    // A frozen server accepts the connection and never answers the login: bounded, so that no read escapes an abort.
    Connection c = connect(0, limitIdleTransactions, socketTimeoutSeconds);
    reads.add(c);
    try (c) {
      return read.on(c);
    } finally {
      reads.remove(c);
    }
  }

  /**
   * Ends every read under way (a start's rebuild or reconcile, whose caller gave up on a database that stopped
   * answering): each fails at once with a connection error, where it would have waited as long as the server stayed
   * frozen.
   */
  public void abortReads() {
    for (Connection c : reads) {
      try {
        c.abort(Runnable::run);
      } catch (SQLException | RuntimeException ignored) {
        // ended all the same, or already
      }
    }
  }

  private static void read(PreparedStatement st, Consumer<ScanEvent> sink) throws SQLException {
    try (ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        java.sql.Date expiry = rs.getDate("expiry");
        sink.accept(ScanEvent.stored(rs.getBytes("code_key"), rs.getBytes("idem"),
            EventType.valueOf(rs.getString("type")), rs.getString("product"),
            expiry == null ? null : expiry.toLocalDate(), rs.getInt("site_ref"),
            rs.getTimestamp("scanned_at").toInstant().getEpochSecond(), rs.getInt("quantity"), rs.getBoolean("split"),
            rs.getString("billed_drug"), rs.getBoolean("reimbursed"), rs.getInt("pack_size")));
      }
    }
  }

  // ---- connections ------------------------------------------------------------------------------------------------

  private Connection committerConnection() throws SQLException {
    if (committer == null || committer.isClosed()) {
      committer = connect(socketTimeoutSeconds);
      committer.setAutoCommit(false);
    }
    return committer;
  }

  /** After a failure: roll back on a healthy connection, drop a broken one (the next commit opens a new one). */
  private void discardOnFailure(Connection c) {
    if (c == null) {
      return;
    }
    try {
      if (c.isValid(1)) {
        c.rollback();
        return;
      }
    } catch (SQLException | RuntimeException ignored) {
      // broken: dropped below (on a connection the server ended, the driver's isValid once threw
      // NoSuchElementException from its protocol state, and the committer thread died of it)
    }
    closeQuietly(c);
    if (c == committer) {
      committer = null;
    }
  }

  private Connection connect(int socketTimeout) throws SQLException {
    return connect(socketTimeout, fenced);
  }

  /**
   * For a cursor that streams the history (a rebuild, a verification, recovery): it holds no owner row, so the limit
   * on idle transactions is not set. Between two fetches of its cursor the caller folds 10,000 rows into the ledger,
   * which on a busy node can take longer than that limit: the database then ended the read, and a partition's rebuild
   * started over, again and again.
   */
  private Connection connectForReading() throws SQLException {
    return connect(0, false);
  }

  private Connection connect(int socketTimeout, boolean limitIdleTransactions) throws SQLException {
    return connect(socketTimeout, limitIdleTransactions, 0);
  }

  /** @param loginTimeout seconds the server may take to accept the login (0: the driver's default, unlimited) */
  private Connection connect(int socketTimeout, boolean limitIdleTransactions, int loginTimeout) throws SQLException {
    Properties p = new Properties();
    if (loginTimeout > 0) {
      p.setProperty("loginTimeout", Integer.toString(loginTimeout));
    }
    p.setProperty("user", url.user());
    p.setProperty("password", url.password());
    p.setProperty("connectTimeout", "2");
    p.setProperty("socketTimeout", Integer.toString(socketTimeout));
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("ApplicationName", "tracesentinel-" + writer);
    if (limitIdleTransactions) {
      // A cluster node stopped (or cut off) inside a group commit holds its partitions' owner rows share-locked, and
      // a takeover waits on them: the database ends such a transaction after this long.
      p.setProperty("options", "-c idle_in_transaction_session_timeout=" + IDLE_IN_TRANSACTION_MS);
    }
    return DriverManager.getConnection(url.jdbcUrl(), p);
  }

  /** SQLSTATE decides; a message is never parsed. */
  static CommitFailure classify(SQLException e, boolean commitSent) {
    String state = e.getSQLState();
    String cls = state == null || state.length() < 2 ? "" : state.substring(0, 2);
    if (commitSent && connectionLost(e)) {
      return new CommitFailure.InDoubt("the connection failed after COMMIT was sent (" + describe(e) + ")", e);
    }
    if (cls.equals("22") || cls.equals("23") || cls.equals("54")) {
      return new CommitFailure.DataRefused(state, e);
    }
    return new CommitFailure.Unavailable(describe(e), e);
  }

  /** The server did not answer in time (frozen, or the network dropped packets), as opposed to ending the connection. */
  static boolean timedOut(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** The connection, not the statement, failed: the server went away, restarted, or could not be reached. */
  static boolean connectionLost(SQLException e) {
    String state = e.getSQLState();
    return state == null || state.startsWith("08") || state.startsWith("57P");
  }

  private static String describe(SQLException e) {
    return e.getSQLState() == null ? e.getClass().getSimpleName() : "SQLSTATE " + e.getSQLState();
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException | RuntimeException ignored) {
        // already broken
      }
    }
  }

  @Override
  public synchronized void close() {
    closeQuietly(committer);
    closeQuietly(judge);
  }
}
