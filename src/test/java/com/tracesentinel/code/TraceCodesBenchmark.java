package com.tracesentinel.code;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Parse throughput in codes per second (one op = one code). Every scan goes through {@link TraceCodes#parse}, at
 * ~2,200 sales/s on average and 10x that at peaks, so this is the number to keep far above 22k/s per core.
 *
 * <p>"mix" is shaped like the field: mostly CN20, GS1 DataMatrix on imported drugs, a little of the rest, and some
 * scanner mistakes (product barcodes, cut-off codes). The other values isolate one spelling each.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TraceCodesBenchmark {

  private static final int CODES = 1024;
  private static final String GS = "\u001d";

  @Param({"mix", "cn20", "gs1raw", "gs1bracketed", "digitallink", "ma"})
  public String spelling;

  private String[] codes;

  @Setup
  public void setUp() {
    Random random = new Random(42);
    codes = new String[CODES];
    for (int i = 0; i < CODES; i++) {
      codes[i] = make(spelling.equals("mix") ? pickForMix(random) : spelling, random);
    }
  }

  @Benchmark
  @OperationsPerInvocation(CODES)
  public void parse(Blackhole blackhole) {
    for (String code : codes) {
      blackhole.consume(TraceCodes.parse(code));
    }
  }

  private static String pickForMix(Random random) {
    int roll = random.nextInt(100);
    return roll < 60 ? "cn20" : roll < 80 ? "gs1raw" : roll < 85 ? "gs1bracketed" : roll < 90 ? "digitallink"
        : roll < 95 ? "ma" : "mistake";
  }

  private static String make(String kind, Random random) {
    String gtin = gtin(random);
    String serial = alphanumeric(random, 12);
    String lot = alphanumeric(random, 6);
    String expiry = "2" + random.nextInt(10) + "0" + (1 + random.nextInt(9)) + (10 + random.nextInt(18));
    return switch (kind) {
      case "cn20" -> (random.nextBoolean() ? "" : "]C0") + "8" + digits(random, 19) + "\r\n";
      case "gs1raw" -> "]d2" + GS + "01" + gtin + "17" + expiry + "10" + lot + GS + "21" + serial + "\r\n";
      case "gs1bracketed" -> "(01)" + gtin + "(17)" + expiry + "(10)" + lot + "(21)" + serial;
      case "digitallink" -> "https://id.example.com/01/" + gtin + "/10/" + lot + "/21/" + serial + "?17=" + expiry;
      case "ma" -> "MA.156.M0." + digits(random, 6) + ".L" + lot + ".S" + digits(random, 10) + ".V" + expiry;
      case "mistake" -> random.nextBoolean() ? gtin.substring(1) : "8" + digits(random, 18);
      default -> throw new IllegalArgumentException(kind);
    };
  }

  private static String gtin(Random random) {
    String data = "069" + digits(random, 10);
    return data + Gtin.expectedCheckDigit(data, 0, data.length());
  }

  private static String digits(Random random, int count) {
    StringBuilder s = new StringBuilder(count);
    for (int i = 0; i < count; i++) {
      s.append((char) ('0' + random.nextInt(10)));
    }
    return s.toString();
  }

  private static String alphanumeric(Random random, int count) {
    String chars = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz0123456789";
    StringBuilder s = new StringBuilder(count);
    for (int i = 0; i < count; i++) {
      s.append(chars.charAt(random.nextInt(chars.length())));
    }
    return s.toString();
  }
}
