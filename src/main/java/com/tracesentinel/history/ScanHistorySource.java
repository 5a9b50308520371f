package com.tracesentinel.history;

import com.tracesentinel.rules.EventType;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.List;
import java.util.function.Consumer;

/**
 * Streams stored (non-rejected) scans in judging order, code by code, for replay into the ledger. Plain JDBC with
 * a server-side cursor: it runs at start-up (reconcile) or from the command line (rebuild), never on an event loop.
 */
public final class ScanHistorySource {
  /** One stored scan, as much of it as the ladder and the idempotency fingerprint need. */
  public record StoredScan(byte[] codeKey, long id, EventType type, String product, LocalDate expiry, int siteRef,
                           long at, int quantity, boolean split, String billedDrug, boolean reimbursed,
                           String siteId, String documentNo, int lineNo, String canonical) {}

  private final DatabaseUrl url;

  public ScanHistorySource(DatabaseUrl url) {
    this.url = url;
  }

  /** The stored scans of these codes, grouped by code and in id order within a code. */
  public void scansOf(List<byte[]> codeKeys, Consumer<StoredScan> sink) throws SQLException {
    try (Connection c = connect(); PreparedStatement st = c.prepareStatement(Sql.SCANS_OF_CODES)) {
      st.setArray(1, c.createArrayOf("bytea", codeKeys.toArray(new byte[0][])));
      read(st, sink);
    }
  }

  /** Every stored scan, grouped by code; {@code progress} gets the running count every 100,000 rows. */
  public void allScans(Consumer<StoredScan> sink) throws SQLException {
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      try (PreparedStatement st = c.prepareStatement(Sql.ALL_SCANS)) {
        st.setFetchSize(10_000);
        read(st, sink);
      }
      c.commit();
    }
  }

  public long countStoredScans() throws SQLException {
    try (Connection c = connect(); PreparedStatement st = c.prepareStatement(Sql.COUNT_STORED_SCANS);
         ResultSet rs = st.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void read(PreparedStatement st, Consumer<StoredScan> sink) throws SQLException {
    try (ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        java.sql.Date expiry = rs.getDate("expiry");
        sink.accept(new StoredScan(rs.getBytes("code_key"), rs.getLong("id"), EventType.valueOf(rs.getString("type")),
            rs.getString("product"), expiry == null ? null : expiry.toLocalDate(), rs.getInt("site_ref"),
            rs.getTimestamp("scanned_at").toInstant().getEpochSecond(), rs.getInt("quantity"), rs.getBoolean("split"),
            rs.getString("billed_drug"), rs.getBoolean("reimbursed"), rs.getString("site_id"),
            rs.getString("document_no"), rs.getInt("line_no"), rs.getString("canonical")));
      }
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
  }
}
