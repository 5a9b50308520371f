package com.tracesentinel.history;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.support.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The V4 migration computes old scans' partition in SQL; the service computes new scans' in Java. They must agree, or
 * a migrated code's scans would sit in a partition its queries never read.
 */
@Tag("slow")
class PartitionFormulaTest {
  @Test
  void theMigrationsSqlAndTheServicesJavaPutEveryKeyInTheSamePartition() throws Exception {
    DatabaseUrl db = TestDatabase.fresh();
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
         PreparedStatement st = c.prepareStatement("SELECT (((get_byte(k, 0) << 24) | (get_byte(k, 1) << 16)"
             + " | (get_byte(k, 2) << 8) | get_byte(k, 3)) % 32 + 32) % 32 FROM (SELECT ?::bytea AS k) x")) {
      for (int i = 0; i < 2_000; i++) {
        byte[] key = CodeKey.of("8" + i);
        st.setBytes(1, key);
        try (ResultSet rs = st.executeQuery()) {
          rs.next();
          assertEquals(CodeKey.partitionOf(key), rs.getInt(1), CodeKey.hex(key));
        }
      }
    }
  }
}
