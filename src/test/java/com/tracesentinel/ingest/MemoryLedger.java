package com.tracesentinel.ingest;

import com.tracesentinel.rules.CodeState;
import com.tracesentinel.rules.StateCodec;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/** The ledger port over a map: the pipeline's unit tests need no Chronicle file. */
final class MemoryLedger implements LedgerPort {
  final Map<ByteBuffer, byte[]> entries = new ConcurrentHashMap<>();
  private final long capacity;

  MemoryLedger(long capacity) {
    this.capacity = capacity;
  }

  @Override
  public byte[] getRaw(byte[] key) {
    byte[] v = entries.get(ByteBuffer.wrap(key));
    return v == null ? null : v.clone();
  }

  @Override
  public void put(byte[] key, CodeState state, long changedAt, boolean isNew) {
    if (isNew && entries.size() >= capacity) {
      throw new Full(capacity);
    }
    entries.put(ByteBuffer.wrap(key.clone()), StateCodec.encode(state, changedAt));
  }

  @Override
  public byte[] update(byte[] key, long changedAt, Function<byte[], CodeState> step) {
    byte[] previous = getRaw(key);
    CodeState next = step.apply(previous == null ? null : previous.clone());
    if (next != null) {
      put(key, next, changedAt, previous == null);
    }
    return previous;
  }

  /** When set, a restore of a code it accepts throws, as a failing ledger write. */
  volatile java.util.function.Predicate<byte[]> failRestore;

  @Override
  public void restore(byte[] key, byte[] previous) {
    java.util.function.Predicate<byte[]> fail = failRestore;
    if (fail != null && fail.test(key)) {
      throw new IllegalStateException("injected: the ledger's write failed");
    }
    if (previous == null) {
      entries.remove(ByteBuffer.wrap(key));
    } else {
      entries.put(ByteBuffer.wrap(key.clone()), previous.clone());
    }
  }

  @Override
  public void forEach(BiConsumer<byte[], byte[]> visitor) {
    entries.forEach((k, v) -> visitor.accept(k.array().clone(), v.clone()));
  }

  @Override
  public long size() {
    return entries.size();
  }

  @Override
  public long capacity() {
    return capacity;
  }
}
