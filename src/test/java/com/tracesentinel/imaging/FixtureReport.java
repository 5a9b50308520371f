package com.tracesentinel.imaging;

import java.util.List;

/**
 * Prints, for every fixture, what the decoder found, by which pass, how long it took, and whether it matches
 * fixtures.csv; with -Dtrace=true also every ZXing attempt. A tuning aid:
 * {@code mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=com.tracesentinel.imaging.FixtureReport}
 * or plain {@code java -cp target/test-classes:target/classes:<deps> …}.
 */
public final class FixtureReport {
  public static void main(String[] args) {
    boolean trace = Boolean.getBoolean("trace");
    ImageDecoder decoder = new ImageDecoder(DecoderSettings.defaults(), trace ? s -> System.out.println("    " + s) : null);
    if (args.length > 0 && new java.io.File(args[0]).isFile()) { // ad-hoc files
      for (String a : args) {
        try {
          DecodeOutcome o = decoder.decode(java.nio.file.Files.readAllBytes(java.nio.file.Path.of(a)));
          System.out.println(a + " " + (o instanceof DecodeOutcome.Decoded d
              ? d.pass() + " " + d.micros() / 1000 + " ms " + d.symbols().stream().map(DecodedSymbol::printable).toList()
              : o.toString()));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      return;
    }
    int ok = 0;
    List<FixtureManifest> all = FixtureManifest.load();
    for (FixtureManifest f : all) {
      if (args.length > 0 && !List.of(args).contains(f.file())) continue;
      DecodeOutcome o = decoder.decode(f.bytes());
      String line;
      boolean match;
      if (o instanceof DecodeOutcome.Decoded d) {
        List<String> texts = d.symbols().stream().map(DecodedSymbol::text).toList();
        List<String> formats = d.symbols().stream().map(DecodedSymbol::format).toList();
        match = texts.equals(f.texts()) && formats.equals(f.formats());
        line = String.format("%-30s %-5s %-10s %5d ms %s", f.file(), match ? "OK" : "MISS", d.pass(), d.micros() / 1000,
            d.symbols().stream().map(s -> s.format() + ":" + s.printable() + "@" + s.x() + "," + s.y()).toList());
      } else {
        match = false;
        line = String.format("%-30s %-5s %s", f.file(), "REFUSED", o);
      }
      if (match) ok++;
      System.out.println(line);
    }
    System.out.println("decoded " + ok + " of " + all.size());
  }
}
