package com.tracesentinel.ledger;

import com.tracesentinel.rules.CodeState;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiConsumer;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each code's state in an off-heap, file-backed Chronicle Map: 16-byte key, 42-byte value. Shard threads are the
 * only writers (one per code); readers may be anywhere.
 *
 * <p>Overfilling a Chronicle Map is its main crash mode, so the ledger counts its entries itself and refuses a new
 * code once {@code capacity} is reached ({@link LedgerFullException}); it never asks Chronicle for more than it was
 * sized for. A "dirty" marker file exists while the ledger is open: finding it at start means the last stop was
 * unclean, so the file is opened with {@code recoverPersistedTo} and reconciled against the history.
 */
public final class CodeLedger implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CodeLedger.class);
  private static final String FILE = "codes.cm3";
  private static final String DIRTY = "codes.dirty";
  private static final String CHECKPOINT = "codes.checkpoint";

  private final ChronicleMap<byte[], byte[]> map;
  private final Path dir;
  private final long capacity;
  private final boolean recovered;
  private final java.util.concurrent.atomic.AtomicLong entries;

  private CodeLedger(ChronicleMap<byte[], byte[]> map, Path dir, long capacity, boolean recovered) {
    this.map = map;
    this.dir = dir;
    this.capacity = capacity;
    this.recovered = recovered;
    this.entries = new java.util.concurrent.atomic.AtomicLong(map.longSize());
  }

  /**
   * Opens (or creates) the ledger under {@code dir}. The capacity is fixed when the file is created; a larger
   * configured capacity later needs a rebuild into a new file (README: sizing).
   */
  public static CodeLedger open(Path dir, long capacity) throws IOException {
    Files.createDirectories(dir);
    File file = dir.resolve(FILE).toFile();
    Path dirty = dir.resolve(DIRTY);
    boolean unclean = Files.exists(dirty) && file.exists();
    // Measured on Chronicle Map 2026.1 (README: Sizing): a sparse file makes Chronicle pick 120-byte chunks for
    // this 62-byte entry (130 B/code); a preallocated file packs it into 62-byte chunks, 72.7 B/code with the entry
    // checksums that let recoverPersistedTo detect a torn entry. The price is that the whole capacity is allocated
    // when the file is created, so size it for the real count and grow with rebuild-ledger.
    ChronicleMapBuilder<byte[], byte[]> builder = ChronicleMap.of(byte[].class, byte[].class)
        .name("tracesentinel-codes")
        .constantKeySizeBySample(new byte[CodeKey.BYTES])
        .constantValueSizeBySample(new byte[StateCodec.BYTES])
        .entries(capacity + capacity / 100) // 1 % slack: the ledger itself refuses new codes at capacity
        .checksumEntries(true)
        .sparseFile(false);
    ChronicleMap<byte[], byte[]> map;
    if (unclean) {
      LOG.warn("Ledger {} was not closed cleanly: recovering it (exclusive access) before reconciling", file);
      map = builder.recoverPersistedTo(file, true);
    } else {
      map = builder.createPersistedTo(file);
    }
    Files.writeString(dirty, "open since " + java.time.Instant.now() + "\n");
    CodeLedger ledger = new CodeLedger(map, dir, capacity, unclean);
    LOG.info("Ledger {}: {} codes of capacity {}", file, ledger.size(), capacity);
    return ledger;
  }

  /** True when this open followed an unclean stop: the history must be reconciled before serving. */
  public boolean needsReconcile() {
    return recovered;
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
    Files.move(tmp, dir.resolve(CHECKPOINT), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** After a reconcile the ledger agrees with the history as of now. */
  public void markReconciled() throws IOException {
    writeCheckpoint(System.currentTimeMillis() / 1000);
  }

  public byte[] getRaw(byte[] key) {
    return map.get(key);
  }

  public CodeState get(byte[] key) {
    byte[] raw = map.get(key);
    return raw == null ? null : StateCodec.decode(raw);
  }

  /** Stores a state; refuses a code the ledger has no room for rather than overfill the map. */
  public void put(byte[] key, CodeState state, long changedAt, boolean isNew) {
    if (isNew && entries.get() >= capacity) {
      throw new LedgerFullException(capacity);
    }
    map.put(key, StateCodec.encode(state, changedAt));
    if (isNew) {
      entries.incrementAndGet();
    }
  }

  /** Puts the previous raw value back (null: the code was new, remove it). Used to undo an uncommitted change. */
  public void restore(byte[] key, byte[] previous) {
    if (previous == null) {
      if (map.remove(key) != null) {
        entries.decrementAndGet();
      }
    } else {
      map.put(key, previous);
    }
  }

  public void remove(byte[] key) {
    restore(key, null);
  }

  /**
   * Visits every entry with its own copies of key and value (Chronicle reuses its arrays between entries). For the
   * reconcile after an unclean stop; not for the hot path.
   */
  public void forEach(BiConsumer<byte[], byte[]> visitor) {
    map.forEachEntry(e -> visitor.accept(e.key().get().clone(), e.value().get().clone()));
  }

  public void clear() {
    map.clear();
    entries.set(0);
  }

  public long size() {
    return entries.get();
  }

  public long capacity() {
    return capacity;
  }

  public double fill() {
    return (double) entries.get() / capacity;
  }

  /** Bytes the ledger file takes on disk (allocated blocks, since the file is sparse). */
  public long bytesOnDisk() {
    try {
      Object blocks = Files.getAttribute(dir.resolve(FILE), "unix:blocks");
      return ((Number) blocks).longValue() * 512L;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return dir.resolve(FILE).toFile().length();
    }
  }

  @Override
  public void close() throws IOException {
    map.close();
    Files.deleteIfExists(dir.resolve(DIRTY));
    LOG.info("Ledger closed cleanly with {} codes", entries.get());
  }

  /** A new code arrived and the ledger is at its configured capacity. */
  public static final class LedgerFullException extends RuntimeException {
    public LedgerFullException(long capacity) {
      super("the code ledger is full (" + capacity + " codes): raise TRACESENTINEL_LEDGER_CAPACITY and rebuild");
    }
  }
}
