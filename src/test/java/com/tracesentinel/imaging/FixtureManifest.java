package com.tracesentinel.imaging;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** fixtures.csv (written by make-fixtures.sh): file, expected texts and formats in reading order, notes. */
record FixtureManifest(String file, List<String> texts, List<String> formats, String notes) {
  static final String DIR = "/imaging/";

  static List<FixtureManifest> load() {
    try (InputStream in = FixtureManifest.class.getResourceAsStream(DIR + "fixtures.csv")) {
      if (in == null) throw new IllegalStateException("fixtures.csv missing: run make-fixtures.sh");
      String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
      List<FixtureManifest> out = new ArrayList<>();
      for (int i = 1; i < lines.length; i++) {
        if (lines[i].isBlank()) continue;
        String[] f = lines[i].split(",", 4); // notes may contain commas
        out.add(new FixtureManifest(f[0], list(f[1]).stream().map(t -> t.replace("<GS>", "\u001d")).toList(),
            list(f[2]), f.length > 3 ? f[3] : ""));
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
