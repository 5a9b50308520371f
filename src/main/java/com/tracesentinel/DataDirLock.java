package com.tracesentinel;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One owner per data directory: an OS lock on {@code <dataDir>/tracesentinel.lock}, taken before anything else
 * touches the directory (the embedded PostgreSQL, the ledger). A second service, or {@code rebuild-ledger}, on a
 * directory in use stops with a clear message and changes nothing. The OS releases the lock when the process dies,
 * so a kill -9 never leaves a stale lock.
 */
public final class DataDirLock implements AutoCloseable {
  private static final String FILE = "tracesentinel.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  public static DataDirLock acquire(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    FileChannel channel;
    try {
      Files.createDirectories(dataDir);
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw unusable(dataDir, e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      String holder = Files.readString(file, StandardCharsets.UTF_8).trim();
      channel.close();
      throw new InUse("the data directory " + dataDir + " is in use by another TraceSentinel"
          + (holder.isEmpty() ? "" : " (" + holder + ")") + "; stop it first, or set TRACESENTINEL_DATA_DIR to another"
          + " directory");
    }
    channel.truncate(0);
    channel.write(java.nio.ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n")
        .getBytes(StandardCharsets.UTF_8)), 0);
    channel.force(false);
    return new DataDirLock(channel, lock);
  }

  /**
   * The file system's own exceptions carry just a path as their message ("tracesentinel: /srv/data" was all a start
   * on a file or an unwritable directory said): name the variable and what is wrong with it.
   */
  private static IOException unusable(Path dataDir, IOException e) {
    String why = e instanceof java.nio.file.FileAlreadyExistsException f ? f.getFile() + " is a file, not a directory"
        : e instanceof java.nio.file.AccessDeniedException a ? "no permission to write " + a.getFile()
        : e instanceof java.nio.file.NoSuchFileException n && n.getReason() == null ? n.getFile() + " cannot be created"
        : e instanceof java.nio.file.FileSystemException f
            ? f.getFile() + ": " + java.util.Objects.requireNonNullElse(f.getReason(), e.getClass().getSimpleName())
        : e.toString();
    return new IOException("TRACESENTINEL_DATA_DIR=" + dataDir + " cannot be used: " + why);
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }

  /** Another process holds the directory. */
  public static final class InUse extends IllegalStateException {
    InUse(String message) {
      super(message);
    }
  }
}
