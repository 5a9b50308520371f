package com.tracesentinel.ledger;

import com.tracesentinel.code.CodeKey;
import com.tracesentinel.ingest.LedgerPort;
import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.StateCodec;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each code's state in an off-heap, file-backed Chronicle Map: 16-byte key, {@link StateCodec#BYTES}-byte value,
 * with Chronicle's per-entry checksums. The judge is the only writer; readers may be anywhere.
 *
 * <p>Opening never trusts the file blindly. A "dirty" marker exists while the ledger is open, so finding it means
 * the last stop was unclean; either then or always ({@code verify}), the file is read through Chronicle's recovery,
 * which checks every entry's checksum and the segment structure. A file that is missing, of an older layout, or
 * damaged (any corruption reported, or unreadable) is replaced by a new, empty one and reported as
 * {@link Opened#REPLACED}: the caller must rebuild it from the history before serving, never run on it empty. The
 * damaged file is kept beside it for inspection.
 *
 * <p>Overfilling a Chronicle Map is its main crash mode, so the ledger counts its entries itself and refuses a new
 * code once {@code capacity} is reached; it never asks Chronicle for more than it was sized for.
 */
public final class CodeLedger implements LedgerPort, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CodeLedger.class);
  private static final String FILE = "codes.cm3";
  private static final String DIRTY = "codes.dirty";
  private static final String CHECKPOINT = "codes.checkpoint";
  private static final String FORMAT_FILE = "codes.format";
  /**
   * Present from the moment a new (or replaced) ledger is created until {@link #rebuilt} says it holds the whole
   * history. A rebuild that failed (too small a capacity) or was killed left a part of the codes, clean or not, and
   * the next start took it for the ledger: sold boxes answered as never sold, and a repeat sale went unflagged.
   */
  private static final String REBUILDING = "codes.rebuilding";
  /**
   * The capacity the file was created with. A start with TRACESENTINEL_LEDGER_CAPACITY raised and no rebuild took
   * the new number: past the file's own room Chronicle refused every new code's insert, and each such scan was stored
   * REJECTED "internal error while judging this scan" with a 200, not refused with the 503 a full ledger answers.
   */
  private static final String CAPACITY = "codes.capacity";
  /**
   * Codes removed by a change not yet stored, one "ledger-time hex-key" line each ({@link #noteRemovals}), until a
   * checkpoint passes them or the ledger is closed cleanly.
   */
  private static final String REMOVED = "codes.removed";
  /** Changes whenever a key or value layout, or what a value means, changes: an older file is rebuilt. */
  static final String FORMAT = "tracesentinel-ledger 9: key 16, value " + StateCodec.BYTES
      + ", fingerprint 14 bits of idem[0..1], a return may leave open sales unknown, GS1 keys of the serial in upper"
      + " case, NHSA codes on line 1, the previous site's open sale, open again when the latest is returned, a whole"
      + " box after part-sold split sales counted, a sale while open sales are unknown judged against the previous"
      + " site's, a whole box returned over split sales leaves them split, a return of a sale the state no longer holds"
      + " undoes it from the history";

  /** How the file was found. */
  public enum Opened {
    /** Closed cleanly last time (and verified, when asked). */
    CLEAN,
    /** Not closed cleanly, structurally sound: reconcile the codes changed since the checkpoint. */
    UNCLEAN,
    /** There was no file: a new, empty ledger. */
    NEW,
    /** The file was damaged or of an older layout: a new, empty ledger that must be rebuilt. */
    REPLACED
  }

  private final ChronicleMap<byte[], byte[]> map;
  private final Path dir;
  private final long capacity;
  private final Opened opened;
  private final String openedBecause;
  private final AtomicLong entries;
  /** Guards the removals file and {@link #newestRemoval}: the judge notes, the checkpoint timer prunes. */
  private final Object removals = new Object();
  private long newestRemoval = Long.MIN_VALUE;

  private CodeLedger(ChronicleMap<byte[], byte[]> map, Path dir, long capacity, Opened opened, String because) {
    this.map = map;
    this.dir = dir;
    this.capacity = capacity;
    this.opened = opened;
    this.openedBecause = because;
    this.entries = new AtomicLong(map.longSize());
  }

  /**
   * Opens (or creates) the ledger under {@code dir}. The capacity is fixed when the file is created; a larger
   * configured capacity later needs a rebuild into a new file.
   *
   * @param verify check every entry even after a clean stop (TRACESENTINEL_LEDGER_VERIFY, on by default)
   */
  public static CodeLedger open(Path dir, long capacity, boolean verify) throws IOException {
    requireUsableRuntime();
    Files.createDirectories(dir);
    File file = dir.resolve(FILE).toFile();
    Path formatFile = dir.resolve(FORMAT_FILE);
    boolean unclean = Files.exists(dir.resolve(DIRTY));
    Opened opened;
    String because;
    ChronicleMap<byte[], byte[]> map = null;
    Unusable found = unusable(dir);
    if (found == Unusable.MISSING && Files.exists(dir.resolve(REBUILDING))) {
      // A start whose new ledger file could not be made (a full disk) left its marker: "no ledger file yet" told the
      // next start's operator of a first start.
      opened = Opened.REPLACED;
      because = Unusable.REBUILDING.because();
    } else if (found == Unusable.MISSING) {
      opened = unclean || Files.exists(formatFile) ? Opened.REPLACED : Opened.NEW;
      because = opened == Opened.NEW ? "no ledger file yet" : "the ledger file " + file + " is missing";
    } else if (found == Unusable.REBUILDING) {
      opened = Opened.REPLACED;
      because = found.because();
      Files.delete(file.toPath()); // a part of the codes: nothing in it is worth keeping
    } else if (found != null) {
      opened = Opened.REPLACED;
      because = found.because();
      setAside(file, found == Unusable.OLDER_LAYOUT ? "old-format" : "corrupt");
    } else if (unclean || verify) {
      List<String> corruptions = new ArrayList<>();
      try {
        map = builder(capacity).recoverPersistedTo(file, true, c -> {
          if (hintBelowFirstFreeChunk(c.message())) {
            return;
          }
          synchronized (corruptions) {
            if (corruptions.size() < 10) {
              corruptions.add("segment " + c.segmentIndex() + ": " + c.message());
            }
          }
        });
      } catch (IOException | RuntimeException | Error e) {
        corruptions.add("unreadable: " + e);
      }
      if (corruptions.isEmpty()) {
        opened = unclean ? Opened.UNCLEAN : Opened.CLEAN;
        because = unclean ? "the last stop was unclean" : "verified";
      } else {
        if (map != null) {
          map.close();
          map = null;
        }
        opened = Opened.REPLACED;
        because = "the ledger file is damaged (" + String.join("; ", corruptions) + ")";
        setAside(file, "corrupt");
      }
    } else {
      // Opened here, not below: there a map still to be made is marked as mid-rebuild, and that marker made every
      // other start with TRACESENTINEL_LEDGER_VERIFY=false throw this ledger away and rebuild it from the history.
      map = builder(capacity).createPersistedTo(file);
      opened = Opened.CLEAN;
      because = "closed cleanly";
    }
    if (map == null) {
      // Marked before the file exists, so that no crash can leave an empty file that looks like a ledger.
      Files.writeString(dir.resolve(REBUILDING), "created " + java.time.Instant.now() + "\n");
      try {
        map = builder(capacity).createPersistedTo(file);
      } catch (IOException e) {
        // Chronicle names neither the file nor what sized it ("Not enough space to fallocate 6167296 MiB to /"), and
        // leaves the file at its full size, sparse; the rebuild marker stays, so a later start makes it anew.
        Files.deleteIfExists(file.toPath());
        throw new IOException("cannot create the ledger file " + file + " for TRACESENTINEL_LEDGER_CAPACITY=" + capacity
            + " codes (about " + (capacity * 64 / 1_000_000) + " MB, allocated whole): free that much disk space, or "
            + "lower the capacity", e);
      }
      Files.writeString(dir.resolve(CAPACITY), capacity + "\n");
    } else if (Files.exists(dir.resolve(CAPACITY))) {
      long sizedFor = Long.parseLong(Files.readString(dir.resolve(CAPACITY)).trim());
      if (sizedFor < capacity) {
        LOG.warn("Ledger {} was created for {} codes, fewer than TRACESENTINEL_LEDGER_CAPACITY={}: new codes beyond {} "
            + "are refused until rebuild-ledger (service stopped) makes it anew", file, sizedFor, capacity, sizedFor);
        capacity = sizedFor;
      }
    }
    Files.writeString(formatFile, FORMAT + "\n");
    Files.writeString(dir.resolve(DIRTY), "open since " + java.time.Instant.now() + "\n");
    CodeLedger ledger = new CodeLedger(map, dir, capacity, opened, because);
    if (opened == Opened.REPLACED) {
      LOG.error("Ledger {}: {}; a new, empty ledger must be rebuilt from the history before serving", file, because);
    } else {
      LOG.info("Ledger {}: {} codes of capacity {} ({})", file, ledger.size(), capacity, because);
    }
    return ledger;
  }

  private static final Pattern FREE_CHUNK_HINT =
      Pattern.compile("wrong lowest free chunk for tier with index \\d+, stored: (\\d+), should be: (\\d+)");

  /**
   * Whether a corruption Chronicle's recovery reports is a segment's free-chunk hint below its first free chunk, which
   * is no damage: Chronicle's own allocation leaves it so once a chunk freed by a removed code (its only scans voided
   * by an NHSA 3507 deletion) is taken by a new one (the hint moves past the chunk handed out, not past those in use
   * after it), and the hint only says where the search for room begins; the recovery sets it right. Every ledger
   * whose codes a deletion removed was "damaged" at its next open, clean or not: set aside and rebuilt whole, and
   * refused by verify-ledger. Reported by text, as Chronicle gives nothing else; a hint above a free chunk (room lost)
   * stays a corruption.
   */
  static boolean hintBelowFirstFreeChunk(String corruption) {
    Matcher m = FREE_CHUNK_HINT.matcher(corruption);
    return m.matches() && Long.parseLong(m.group(1)) < Long.parseLong(m.group(2));
  }

  private static volatile boolean runtimeUsable;

  /**
   * Fails unless Chronicle Map can run in this JVM, before any ledger file is looked at. Chronicle compiles classes at
   * run time and needs JDK packages opened (the jar's manifest does it for {@code java -jar}); started any other way
   * without those flags, every open failed, which read as a damaged file: a healthy ledger was set aside as
   * "corrupt" and rebuilt from the history at the next start, and {@code rebuild-ledger} deleted it first.
   */
  public static void requireUsableRuntime() {
    if (runtimeUsable) {
      return; // the entry points check before their database starts, and every open checks again
    }
    try (ChronicleMap<byte[], byte[]> probe = ChronicleMap.of(byte[].class, byte[].class)
        .constantKeySizeBySample(new byte[CodeKey.BYTES])
        .constantValueSizeBySample(new byte[StateCodec.BYTES])
        .entries(16)
        .checksumEntries(true)
        .create()) {
      probe.put(new byte[CodeKey.BYTES], new byte[StateCodec.BYTES]);
      runtimeUsable = true;
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError fatal) {
        throw fatal;
      }
      // Main adds the root cause's message to this one line.
      throw new IllegalStateException("Chronicle Map, which holds the ledger, cannot run in this JVM: start it with "
          + "java -jar tracesentinel.jar, whose manifest opens the JDK packages it needs, or give java the --add-opens "
          + "and --add-exports that manifest lists; no ledger file was touched", e);
    }
  }

  /**
   * Measured on Chronicle Map 2026.1 (README: Sizing): a sparse file makes Chronicle pick much larger chunks for this
   * small entry; a preallocated file packs it tightly, with the entry checksums that recovery verifies. The price is
   * that the whole capacity is allocated when the file is created, so size it for the real count.
   */
  private static ChronicleMapBuilder<byte[], byte[]> builder(long capacity) {
    return ChronicleMap.of(byte[].class, byte[].class)
        .name("tracesentinel-codes")
        .constantKeySizeBySample(new byte[CodeKey.BYTES])
        .constantValueSizeBySample(new byte[StateCodec.BYTES])
        .entries(capacity + capacity / 100) // 1 % slack: the ledger itself refuses new codes at capacity
        .checksumEntries(true)
        .sparseFile(false)
        // The service closes it after the judge has stopped (TraceSentinel.close); Chronicle's own exit hook closed it
        // at once, under the judge still finishing its requests.
        .skipCloseOnExitHook(true);
  }

  /** Chronicle's self-describing header names the map class right after its 12-byte preamble. */
  private static boolean headerLooksRight(File file) throws IOException {
    byte[] expected = "!net.openhft.chronicle.map.".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] head = new byte[12 + expected.length];
    try (var in = new java.io.FileInputStream(file)) {
      if (in.readNBytes(head, 0, head.length) < head.length) {
        return false;
      }
    }
    return java.util.Arrays.equals(head, 12, head.length, expected, 0, expected.length);
  }

  /** How many set-aside files are kept: each is as large as the ledger (124 MB at the default capacity). */
  static final int KEPT_ASIDE = 2;
  private static final java.util.regex.Pattern SET_ASIDE =
      java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(FILE) + "\\.[a-z-]+-\\d+");

  private static void setAside(File file, String why) throws IOException {
    Path aside = file.toPath().resolveSibling(FILE + "." + why + "-" + System.currentTimeMillis());
    Files.move(file.toPath(), aside, StandardCopyOption.ATOMIC_MOVE);
    LOG.warn("Ledger file kept aside as {}", aside);
    // Kept for inspection, they piled up: every start on a damaged or outdated file added one as large as the ledger.
    List<Path> older;
    try (var files = Files.list(aside.getParent())) {
      older = files.filter(f -> SET_ASIDE.matcher(f.getFileName().toString()).matches())
          .sorted(java.util.Comparator.comparingLong(CodeLedger::setAsideAt).reversed())
          .skip(KEPT_ASIDE)
          .toList();
    }
    for (Path f : older) {
      Files.deleteIfExists(f);
      LOG.warn("Older ledger file kept aside deleted: {} (the newest {} are kept)", f, KEPT_ASIDE);
    }
  }

  private static long setAsideAt(Path file) {
    String name = file.getFileName().toString();
    return Long.parseLong(name.substring(name.lastIndexOf('-') + 1));
  }

  /** What the files alone say is wrong with a ledger that {@link #open} would replace with a new, empty one. */
  public enum Unusable {
    MISSING("there is no ledger file"),
    REBUILDING("a rebuild from the history did not finish"),
    OLDER_LAYOUT("the ledger file has an older layout"),
    DAMAGED_HEADER("the ledger file is damaged (its header is not a Chronicle Map header)");

    private final String because;

    Unusable(String because) {
      this.because = because;
    }

    public String because() {
      return because;
    }
  }

  /**
   * Why the ledger under {@code dir} cannot be opened as it is, read from its files without changing any (null when
   * its entries are still to be checked): a read-only caller must not let {@link #open} set aside or create files.
   */
  public static Unusable unusable(Path dir) throws IOException {
    File file = dir.resolve(FILE).toFile();
    Path formatFile = dir.resolve(FORMAT_FILE);
    if (!file.exists()) {
      return Unusable.MISSING;
    } else if (Files.exists(dir.resolve(REBUILDING))) {
      return Unusable.REBUILDING;
    } else if (!Files.exists(formatFile) || !FORMAT.equals(Files.readString(formatFile).trim())) {
      return Unusable.OLDER_LAYOUT;
    }
    // Chronicle would wait a minute for another process to finish writing a header that is not there.
    return headerLooksRight(file) ? null : Unusable.DAMAGED_HEADER;
  }

  public Opened opened() {
    return opened;
  }

  public String openedBecause() {
    return openedBecause;
  }

  /**
   * Epoch seconds before which every ledger change was committed or undone (0 when never recorded, so a reconcile
   * checks every code).
   */
  public long checkpoint() {
    try {
      return Long.parseLong(Files.readString(dir.resolve(CHECKPOINT)).trim());
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  /** Records a checkpoint, atomically (write then rename), so a crash never leaves half a number. */
  public void writeCheckpoint(long epochSeconds) throws IOException {
    Path tmp = dir.resolve(CHECKPOINT + ".tmp");
    Files.writeString(tmp, Long.toString(epochSeconds));
    Files.move(tmp, dir.resolve(CHECKPOINT), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    synchronized (removals) {
      if (newestRemoval < epochSeconds) {
        Files.deleteIfExists(dir.resolve(REMOVED)); // settled, as every change before the checkpoint
      }
    }
  }

  @Override
  public void noteRemovals(List<byte[]> keys, long changedAt) {
    if (keys.isEmpty()) {
      return;
    }
    StringBuilder lines = new StringBuilder();
    for (byte[] key : keys) {
      lines.append(changedAt).append(' ').append(CodeKey.hex(key)).append('\n');
    }
    synchronized (removals) {
      try {
        Files.writeString(dir.resolve(REMOVED), lines, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot note the codes a deletion removes from the ledger", e);
      }
      newestRemoval = Math.max(newestRemoval, changedAt);
    }
  }

  @Override
  public List<byte[]> removedSince(long epochSecond) {
    List<byte[]> keys = new ArrayList<>();
    synchronized (removals) {
      if (!Files.exists(dir.resolve(REMOVED))) {
        return keys;
      }
      try {
        for (String line : Files.readAllLines(dir.resolve(REMOVED))) {
          String[] at = line.split(" ");
          // A crash in mid-write leaves a last line cut short: its removal had not begun.
          if (at.length == 2 && at[1].length() == 2 * CodeKey.BYTES && Long.parseLong(at[0]) >= epochSecond) {
            keys.add(java.util.HexFormat.of().parseHex(at[1]));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the codes removed from the ledger", e);
      }
    }
    return keys;
  }

  @Override
  public byte[] getRaw(byte[] key) {
    return map.get(key);
  }

  public CodeState get(byte[] key) {
    byte[] raw = map.get(key);
    return raw == null ? null : StateCodec.decode(raw);
  }

  @Override
  public void put(byte[] key, CodeState state, long changedAt, boolean isNew) {
    if (isNew && entries.get() >= capacity) {
      throw new Full(capacity);
    }
    map.put(key, StateCodec.encode(state, changedAt));
    if (isNew) {
      entries.incrementAndGet();
    }
  }

  /**
   * One query context instead of a get and a put: under batched load the judge spent 56 % of its samples in put and
   * 25 % in two gets of the same key (BATCH=100 CONNECTIONS=16 load-tests/profile-native.sh), and a put also copies
   * out the value it replaces.
   */
  @Override
  public byte[] update(byte[] key, long changedAt, Function<byte[], CodeState> step) {
    try (ExternalMapQueryContext<byte[], byte[], ?> q = map.queryContext(key)) {
      q.updateLock().lock();
      MapEntry<byte[], byte[]> entry = q.entry();
      byte[] previous = entry == null ? null : entry.value().getUsing(null);
      if (previous == null && entries.get() >= capacity) {
        throw new Full(capacity);
      }
      CodeState nextState = step.apply(previous);
      if (nextState == null) {
        return previous;
      }
      byte[] next = StateCodec.encode(nextState, changedAt);
      if (entry == null) {
        q.insert(q.absentEntry(), q.wrapValueAsData(next));
        entries.incrementAndGet();
      } else {
        q.replaceValue(entry, q.wrapValueAsData(next));
      }
      return previous;
    }
  }

  @Override
  public void restore(byte[] key, byte[] previous) {
    if (previous == null) {
      if (map.remove(key) != null) {
        entries.decrementAndGet();
      }
    } else if (map.put(key, previous) == null) {
      entries.incrementAndGet();
    }
  }

  /** Visits every entry with its own copies of key and value (Chronicle reuses its arrays between entries). */
  @Override
  public void forEach(BiConsumer<byte[], byte[]> visitor) {
    map.forEachEntry(e -> visitor.accept(e.key().get().clone(), e.value().get().clone()));
  }

  @Override
  public long size() {
    return entries.get();
  }

  @Override
  public long capacity() {
    return capacity;
  }

  public double fill() {
    return (double) entries.get() / capacity;
  }

  /** Bytes the ledger file takes on disk (allocated blocks). */
  public long bytesOnDisk() {
    try {
      Object blocks = Files.getAttribute(dir.resolve(FILE), "unix:blocks");
      return ((Number) blocks).longValue() * 512L;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return dir.resolve(FILE).toFile().length();
    }
  }

  /**
   * Says the ledger now holds the whole history (a rebuild finished, or there was nothing to rebuild): from now on a
   * start opens it as it is.
   */
  public void rebuilt() throws IOException {
    Files.deleteIfExists(dir.resolve(REBUILDING));
  }

  /** Closes the map; only a {@code clean} close (everything judged was settled) removes the dirty marker. */
  public void close(boolean clean) throws IOException {
    map.close();
    if (clean) {
      Files.deleteIfExists(dir.resolve(REMOVED));
      Files.deleteIfExists(dir.resolve(DIRTY));
      LOG.info("Ledger closed cleanly with {} codes", entries.get());
    } else {
      LOG.warn("Ledger closed with requests unsettled: the next start reconciles it with the history");
    }
  }

  @Override
  public void close() throws IOException {
    close(true);
  }
}
