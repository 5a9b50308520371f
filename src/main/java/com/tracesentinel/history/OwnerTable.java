package com.tracesentinel.history;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The partition_owners table: where a node takes a partition over (its epoch goes up by one, so every commit the old
 * owner still tries is refused) and gives it back. Blocking JDBC, called from the cluster's own threads only.
 */
public final class OwnerTable {
  /** One partition's row. */
  public record Owner(int part, String node, String url, long epoch) {}

  private final DatabaseUrl url;
  private final String node;

  public OwnerTable(DatabaseUrl url, String node) {
    this.url = url;
    this.node = node;
  }

  /**
   * Takes the partitions, in one transaction: waits (up to {@code lockTimeoutMillis}) for the commits in flight of
   * their previous owners, which hold the rows share-locked, then raises each epoch. Returns the new epochs; all or
   * none are taken.
   */
  public Map<Integer, Long> takeOver(Set<Integer> parts, String ownUrl, long lockTimeoutMillis) throws SQLException {
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      try (PreparedStatement lock = c.prepareStatement("SET LOCAL lock_timeout = " + lockTimeoutMillis);
           PreparedStatement st = c.prepareStatement(Sql.TAKE_OVER_PARTITIONS)) {
        lock.execute();
        st.setString(1, node);
        st.setString(2, ownUrl);
        st.setArray(3, c.createArrayOf("int2", parts.stream().map(Integer::shortValue).toArray()));
        Map<Integer, Long> epochs = new HashMap<>();
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            epochs.put((int) rs.getShort(1), rs.getLong(2));
          }
        }
        if (!epochs.keySet().equals(parts)) {
          throw new SQLException("partition_owners has no row for some of partitions " + parts);
        }
        c.commit();
        return epochs;
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    }
  }

  /** Gives the partition back if this node still holds it at that epoch; false when someone took it already. */
  public boolean release(int part, long epoch, long lockTimeoutMillis) throws SQLException {
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      try (PreparedStatement lock = c.prepareStatement("SET LOCAL lock_timeout = " + lockTimeoutMillis);
           PreparedStatement st = c.prepareStatement(Sql.RELEASE_PARTITION)) {
        lock.execute();
        st.setShort(1, (short) part);
        st.setString(2, node);
        st.setLong(3, epoch);
        boolean released = st.executeUpdate() == 1;
        c.commit();
        return released;
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    }
  }

  public List<Owner> owners() throws SQLException {
    List<Owner> out = new ArrayList<>();
    try (Connection c = connect(); PreparedStatement st = c.prepareStatement(Sql.PARTITION_OWNERS);
         ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        out.add(new Owner(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
      }
    }
    return out;
  }

  /**
   * Whether a cluster node ever took a partition in this database: epochs only grow (a partition given back gets a new
   * one too), so a cluster whose nodes all stopped still shows.
   */
  public boolean everTaken() throws SQLException {
    try (Connection c = connect(); PreparedStatement st = c.prepareStatement(Sql.PARTITIONS_EVER_TAKEN);
         ResultSet rs = st.executeQuery()) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  private Connection connect() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", url.user());
    p.setProperty("password", url.password());
    p.setProperty("connectTimeout", "2");
    p.setProperty("socketTimeout", "10");
    p.setProperty("ApplicationName", "tracesentinel-" + node + "-owners");
    return DriverManager.getConnection(url.jdbcUrl(), p);
  }
}
