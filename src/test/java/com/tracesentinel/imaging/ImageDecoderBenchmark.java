package com.tracesentinel.imaging;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whole-call decode time (JPEG decoding included) of the two photo fixtures: a 1600×1200 (1.9 MP) box photo with
 * a DataMatrix and a CN20 Code 128, and a 4000×3000 (12 MP) photo with a small DataMatrix far from the centre.
 * SampleTime mode reports p50 and p95 directly.
 *
 * <pre>mvn -q -Pbench test-compile exec:exec -Dbench='ImageDecoderBenchmark -f 1 -wi 1 -i 3'</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class ImageDecoderBenchmark {
  @Param({"photo_2mp.jpg", "photo_12mp.jpg"})
  public String photo;

  private byte[] bytes;
  private ImageDecoder decoder;

  @Setup
  public void setUp() {
    bytes = FixtureManifest.read(photo);
    decoder = new ImageDecoder(DecoderSettings.defaults());
    decoder.warmUp(); // as the service does at startup: a cold first decode can exhaust the 2 s budget
    DecodeOutcome o = decoder.decode(bytes);
    if (!(o instanceof DecodeOutcome.Decoded d) || d.symbols().isEmpty()) {
      throw new IllegalStateException(photo + " does not decode: " + o);
    }
  }

  @Benchmark
  public DecodeOutcome decode() {
    return decoder.decode(bytes);
  }
}
