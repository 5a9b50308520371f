package com.tracesentinel.history;

import java.time.Instant;
import java.time.LocalDate;

/**
 * The typed fields a history row is written as, in column order: into a binary COPY buffer ({@link PgCopy}) or into
 * one array per column for a single INSERT ({@link ScanArrays}). {@link PostgresHistory} writes a scan row once, for
 * both, so the two ways of storing a group cannot drift apart.
 */
interface ScanColumns<T extends ScanColumns<T>> {
  T int8(long v);

  T int2(Integer v);

  T int4(Integer v);

  T bool(boolean v);

  T bytea(byte[] v);

  T timestamptz(Instant v);

  T date(LocalDate v);

  T text(String v);
}
