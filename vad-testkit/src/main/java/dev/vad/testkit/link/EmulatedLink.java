package dev.vad.testkit.link;

import dev.vad.transport.ChunkSource;

/**
 * A {@link ChunkSource} seen through an emulated WAN. Wraps any source (usually an in-process one) and places the
 * queues where a real server has them:
 * <ol>
 *   <li>requests and cancels reach the inner source one-way delay (RTT/2) after they are made;
 *   <li>responses the inner source produces wait in a <em>server send queue</em> ordered demand first, then
 *       prefetch (first come, first served within a class); a demand request for a queued prefetch response
 *       promotes it, a cancel removes it;
 *   <li>one response at a time leaves the queue for the bandwidth-limited wire ({@link ShapedPipe}), when the
 *       previous one has been serialised: a small socket buffer. A demand response overtakes queued prefetch
 *       responses but waits for the one on the wire;
 *   <li>the response reaches the listener RTT/2 after it has left, preceded by an RTT sample (request sent to first
 *       byte back).
 * </ol>
 * Failures travel like responses, as overhead-only messages. All link work runs on one scheduler thread, which also
 * calls the listener. The link owns the inner source: {@link #close()} closes it; no listener call starts after
 * {@code close()} returns and requests still pending are dropped.
 */
public interface EmulatedLink extends ChunkSource {

  /** Wraps {@code inner} (not yet started) in a link shaped like {@code shape}; the link takes ownership. */
  static EmulatedLink wrap(ChunkSource inner, LinkShape shape) {
    return new EmulatedChunkSource(inner, shape);
  }

  LinkShape shape();

  /** Counters so far; safe to call from any thread. */
  LinkStats stats();
}
