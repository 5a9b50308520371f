package com.tracesentinel.history;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * A group's scan rows as one array per column, for {@link Sql#MARK_INSERT}. Values are stored exactly as
 * {@link PgCopy} stores them: times to the microsecond (truncated), text with U+0000 and unpaired surrogates replaced.
 * A time or date the driver cannot print in PostgreSQL's input form (outside years 1 to 9999) makes the group
 * {@link #printable() unprintable}: it then goes through COPY instead.
 */
final class ScanArrays implements ScanColumns<ScanArrays> {
  private static final long FIRST_SECOND = -62_135_596_800L; // 0001-01-01T00:00:00Z
  private static final long LAST_SECOND = 253_402_300_799L; // 9999-12-31T23:59:59Z

  private final List<String> types = new ArrayList<>();
  private final List<List<Object>> columns = new ArrayList<>();
  private int column;
  private int rows;
  private boolean printable = true;

  /** Starts the next row. */
  ScanArrays row() {
    rows++;
    column = 0;
    return this;
  }

  boolean printable() {
    return printable;
  }

  /** The arrays, in column order, for the statement's parameters. */
  List<Array> arrays(Connection c) throws SQLException {
    List<Array> out = new ArrayList<>(columns.size());
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).size() != rows) {
        throw new IllegalStateException("column " + i + " has " + columns.get(i).size() + " values for " + rows + " rows");
      }
      Object[] values = columns.get(i).toArray(types.get(i).equals("bytea") ? new byte[0][] : new Object[0]);
      out.add(c.createArrayOf(types.get(i), values));
    }
    return out;
  }

  private ScanArrays add(String type, Object value) {
    if (rows == 1) {
      types.add(type);
      columns.add(new ArrayList<>());
    } else if (column >= columns.size() || !types.get(column).equals(type)) {
      throw new IllegalStateException("row " + rows + " field " + column + " is not a " + type);
    }
    columns.get(column++).add(value);
    return this;
  }

  @Override
  public ScanArrays int8(long v) {
    return add("int8", v);
  }

  @Override
  public ScanArrays int2(Integer v) {
    return add("int2", v);
  }

  @Override
  public ScanArrays int4(Integer v) {
    return add("int4", v);
  }

  @Override
  public ScanArrays bool(boolean v) {
    return add("bool", v);
  }

  @Override
  public ScanArrays bytea(byte[] v) {
    return add("bytea", v);
  }

  @Override
  public ScanArrays timestamptz(Instant v) {
    if (v != null && (v.getEpochSecond() < FIRST_SECOND || v.getEpochSecond() > LAST_SECOND)) {
      printable = false;
    }
    return add("timestamptz", v == null ? null : v.truncatedTo(ChronoUnit.MICROS).toString());
  }

  @Override
  public ScanArrays date(LocalDate v) {
    if (v != null && (v.getYear() < 1 || v.getYear() > 9999)) {
      printable = false;
    }
    return add("date", v == null ? null : v.toString());
  }

  @Override
  public ScanArrays text(String v) {
    return add("text", v == null ? null : PgCopy.storable(v));
  }
}
