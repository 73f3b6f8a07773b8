package dev.vad.testkit;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.store.ChunkStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fault-injecting {@link ChunkStore} (after Lucene's {@code CrankyCodec}): {@link #readStored} fails with an
 * {@link InjectedIOException} at {@code ioFailureRate}, or returns the stored bytes with exactly one bit flipped at
 * {@code bitFlipRate}, else passes them through.
 *
 * <p>Reproducible: the fault for the n-th {@code readStored} of a key is a function of (seed, key, n) only, so a run
 * repeats exactly for a given seed however the reads of different keys interleave across threads. Caller mistakes
 * (an all-zero or unknown key) are passed to the delegate first and are never replaced by an injected fault.
 * {@link #readChunk} uses the interface's default, so it decodes the faulty bytes through
 * {@link dev.vad.store.ChunkDecoder} instead of the delegate's own read path.
 */
public final class CrankyChunkStore implements ChunkStore {

  /** The failure this store injects; tests tell it apart from a real I/O error. */
  public static final class InjectedIOException extends IOException {
    InjectedIOException(String message) {
      super(message);
    }
  }

  private final ChunkStore delegate;
  private final long seed;
  private final double ioFailureRate;
  private final double bitFlipRate;
  private final ConcurrentHashMap<ChunkKey, AtomicInteger> attempts = new ConcurrentHashMap<>();
  private final AtomicLong injectedFailures = new AtomicLong();
  private final AtomicLong flippedBits = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * @param ioFailureRate share of reads that throw, in [0, 1]
   * @param bitFlipRate share of reads that return one flipped bit, in [0, 1]; the two rates sum to at most 1
   */
  public CrankyChunkStore(ChunkStore delegate, long seed, double ioFailureRate, double bitFlipRate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    if (!(ioFailureRate >= 0 && ioFailureRate <= 1) || !(bitFlipRate >= 0 && bitFlipRate <= 1)
        || ioFailureRate + bitFlipRate > 1) {
      throw new IllegalArgumentException("rates must be in [0, 1] and sum to at most 1: ioFailureRate "
          + ioFailureRate + ", bitFlipRate " + bitFlipRate);
    }
    this.seed = seed;
    this.ioFailureRate = ioFailureRate;
    this.bitFlipRate = bitFlipRate;
  }

  public long seed() {
    return seed;
  }

  /** Reads that threw an {@link InjectedIOException} so far. */
  public long injectedFailures() {
    return injectedFailures.get();
  }

  /** Reads that returned a flipped bit so far. */
  public long flippedBits() {
    return flippedBits.get();
  }

  @Override
  public Manifest manifest() {
    return delegate.manifest();
  }

  @Override
  public Optional<Profile> profile() {
    return delegate.profile();
  }

  @Override
  public ByteBuffer readStored(ChunkKey key) throws IOException {
    ensureOpen();
    delegate.manifest().storageKey(key); // zero and unknown keys: the caller's mistake, never masked by a fault
    int attempt = attempts.computeIfAbsent(key, k -> new AtomicInteger()).getAndIncrement();
    SplittableRandom r = new SplittableRandom(TestSeeds.mix(seed, key.packed(), attempt));
    double x = r.nextDouble();
    if (x < ioFailureRate) {
      injectedFailures.incrementAndGet();
      throw new InjectedIOException("cranky: injected failure reading chunk " + key + " (seed " + seed
          + ", attempt " + attempt + ")");
    }
    ByteBuffer stored = delegate.readStored(key);
    if (x >= ioFailureRate + bitFlipRate || !stored.hasRemaining()) {
      return stored;
    }
    ByteBuffer copy = ByteBuffer.allocate(stored.remaining());
    copy.put(stored.duplicate()).flip();
    int bit = r.nextInt(copy.remaining() * 8);
    copy.put(bit >>> 3, (byte) (copy.get(bit >>> 3) ^ (1 << (bit & 7))));
    flippedBits.incrementAndGet();
    return copy;
  }

  @Override
  public void readChunk(ChunkKey key, ByteBuffer dst) throws IOException {
    ensureOpen();
    ChunkStore.super.readChunk(key, dst);
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("cranky store closed (seed " + seed + ")");
    }
  }

  @Override
  public void close() throws IOException {
    if (closed.compareAndSet(false, true)) {
      delegate.close();
    }
  }

  @Override
  public String toString() {
    return "CrankyChunkStore[seed " + seed + ", io " + ioFailureRate + ", flip " + bitFlipRate + ", " + delegate
        + "]";
  }
}
