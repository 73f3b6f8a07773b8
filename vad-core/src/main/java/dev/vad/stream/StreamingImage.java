package dev.vad.stream;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One image of a streaming appliance, readable and writable while it is still arriving. Reads block only on chunks
 * that are not here yet; every byte returned was verified against its chunk's digest (or written locally).
 * Thread-safe.
 */
public interface StreamingImage {

  String name();

  long size();

  /**
   * Reads up to {@code dst.remaining()} bytes at {@code offset}, blocking until the chunks they fall in are here.
   *
   * @return bytes read, or -1 if {@code offset} is at or past the end of the image
   * @throws java.io.InterruptedIOException if interrupted while waiting
   * @throws IOException if a chunk could not be fetched within the read timeout (the message names the chunk and
   *     the source) or the appliance is closed
   */
  int read(long offset, ByteBuffer dst) throws IOException;

  /**
   * Writes {@code src} at {@code offset} into the local overlay (never sent anywhere; fetched data never overwrites
   * it). A write that covers a chunk only in part fetches that chunk first.
   *
   * @throws IOException if the write would go past the end of the image, or a needed chunk could not be fetched
   */
  void write(long offset, ByteBuffer src) throws IOException;

  /** Makes local writes durable. */
  void sync() throws IOException;
}
