package dev.vad.transport;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The client side of a transport session: where an appliance's chunks come from. The manifest and profile are
 * available as soon as the source is open. Requests are asynchronous and pipelined; responses arrive on the
 * {@link Listener} from transport threads.
 *
 * <p>Requests name a chunk that has stored bytes (not a zero chunk); callers ask for the dedup owner
 * ({@link Manifest#storageKey}). A source must deliver each requested chunk at most once per request, may deliver
 * responses in any order, and must favour {@link Priority#DEMAND} requests over queued prefetch ones. Bytes are
 * delivered as stored and unverified: the consumer decodes and verifies them.
 *
 * <p>Thread-safe.
 */
public interface ChunkSource extends Closeable {

  Manifest manifest();

  Optional<Profile> profile();

  /** Sets the listener and starts delivering; call once, before the first request. */
  void start(Listener listener);

  /**
   * Asks for {@code key}'s stored bytes. Asking again for a key already requested as prefetch with
   * {@link Priority#DEMAND} promotes it: the source should move it ahead if it has not been sent yet.
   */
  void request(ChunkKey key, Priority priority);

  /**
   * A reader now waits for {@code key}, requested earlier as prefetch: answer it as demand if it is still
   * outstanding. If it is not (answered meanwhile: the bytes are with the listener) this must not fetch it again.
   * The default asks again with {@link Priority#DEMAND}, which can fetch the chunk twice; sources that know what
   * they have outstanding override it.
   */
  default void promote(ChunkKey key) {
    request(key, Priority.DEMAND);
  }

  /**
   * Withdraws a request. A response already on its way may still arrive; a source that receives it hands it to
   * {@link Listener#onUnrequestedChunk} rather than dropping bytes that crossed the link.
   */
  void cancel(ChunkKey key);

  /** A short description for logs and metrics: scheme and address. */
  String describe();

  /**
   * Whether answers complete in the order their bytes crossed the link, as on one ordered byte stream (vad+tcp,
   * vad+tls). The scheduler then paces prefetch by default ({@link dev.vad.sched.SchedulerConfig.Pacing#AUTO}): its
   * bandwidth samples hold there. False (the default) where answers can complete late and out of order (QUIC streams
   * waiting for a lost packet, several HTTP connections) or where pacing does not apply (local files).
   */
  default boolean completesInOrder() {
    return false;
  }

  /** Receives responses. Implementations must not block for long: they run on transport threads. */
  interface Listener {
    /** The stored bytes of {@code key} (read the remaining bytes; the buffer is the listener's to keep). */
    void onChunk(ChunkKey key, ByteBuffer stored);

    /**
     * The stored bytes of {@code key} in memory the source lends (typically a pooled, direct network buffer): the
     * listener may use {@code stored} until it runs {@code release}, which it must do exactly once, from any thread,
     * also when it ignores the chunk. Sources that receive into pooled memory call this so the bytes are not copied
     * on the way to the decoder. The default copies the bytes, releases, and calls
     * {@link #onChunk(ChunkKey, ByteBuffer)}.
     */
    default void onChunk(ChunkKey key, ByteBuffer stored, Runnable release) {
      ByteBuffer copy;
      try {
        copy = ByteBuffer.allocate(stored.remaining()).put(stored).flip();
      } finally {
        release.run();
      }
      onChunk(key, copy);
    }

    /**
     * The stored bytes of {@code key} that arrived with no request outstanding: an answer already on its way when
     * its request was cancelled, or a second answer to a promoted prefetch, or one that crossed a reconnect. They are
     * the chunk's stored bytes, unverified like any other: a consumer may verify and keep them, and counts them as
     * fetched. Lent as in {@link #onChunk(ChunkKey, ByteBuffer, Runnable)}; the default releases them unused.
     */
    default void onUnrequestedChunk(ChunkKey key, ByteBuffer stored, Runnable release) {
      release.run();
    }

    /** The request for {@code key} failed; the consumer may ask again. */
    void onFailure(ChunkKey key, IOException cause);

    /** An optional round-trip-time sample (request sent to first byte back), in nanoseconds. */
    default void onRttSample(long rttNanos) {}
  }
}
