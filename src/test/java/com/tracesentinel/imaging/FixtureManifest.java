package com.tracesentinel.imaging;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * fixtures.csv (written by make-fixtures.sh): file (relative to the fixture directory), expected texts and formats
 * in reading order, group (the class a fixture counts in: {@code damaged}, {@code cropped}, {@code rectangular},
 * {@code encodation}, {@code one_px}), notes.
 */
record FixtureManifest(String file, List<String> texts, List<String> formats, String group, String notes) {
  static final String DIR = "/imaging/";
  /**
   * The groups of symbols that plain ZXing reads and the pipeline once missed: DataMatrix cropped to the symbol's
   * edge, rectangular and DMRE sizes, every encodation, one pixel per module; each in four turns (_r0 … _r270).
   */
  static final List<String> SUPERSET_GROUPS = List.of("cropped", "rectangular", "encodation", "one_px");

  static List<FixtureManifest> load() {
    try (InputStream in = FixtureManifest.class.getResourceAsStream(DIR + "fixtures.csv")) {
      if (in == null) throw new IllegalStateException("fixtures.csv missing: run make-fixtures.sh");
      String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
      List<FixtureManifest> out = new ArrayList<>();
      for (int i = 1; i < lines.length; i++) {
        if (lines[i].isBlank()) continue;
        String[] f = lines[i].split(",", 5); // notes may contain commas
        out.add(new FixtureManifest(f[0], list(f[1]).stream().map(t -> t.replace("<GS>", "\u001d")).toList(),
            list(f[2]), f[3], f.length > 4 ? f[4] : ""));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> list(String field) {
    return field.isEmpty() ? List.of() : Arrays.asList(field.split("\\|"));
  }

  byte[] bytes() {
    return read(file);
  }

  static byte[] read(String name) {
    try (InputStream in = FixtureManifest.class.getResourceAsStream(DIR + name)) {
      if (in == null) throw new IllegalStateException("fixture missing: " + name);
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return file;
  }
}
