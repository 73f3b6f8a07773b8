package dev.vad.transport.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One {@code GET} with {@code Range: bytes=first-last} on one connection. The connection's handler calls
 * {@link #head}, {@link #content} and {@link #end} in order on its event loop, or {@link #fail} once anything goes
 * wrong; exactly one of {@link #succeeded}/{@link #failed} runs.
 */
abstract class Exchange {
  final URI uri;
  final long first;
  final long last;
  final Lane lane;
  private final AtomicBoolean done = new AtomicBoolean();
  long sentNanos;
  long headNanos;
  long received;

  enum Lane { DEMAND, BULK }

  Exchange(URI uri, long first, long last, Lane lane) {
    this.uri = uri;
    this.first = first;
    this.last = last;
    this.lane = lane;
  }

  long length() {
    return last - first + 1;
  }

  /** Checks the status line and headers; throws to abort before any body byte is read. Returns the body length. */
  abstract long head(HttpResponse response) throws IOException;

  /** Body bytes; the buffer is the caller's (copy what is kept). */
  abstract void content(ByteBuf bytes) throws IOException;

  abstract void succeeded();

  abstract void failed(IOException cause);

  /** Whether nobody needs the rest of the body any more (the connection may be dropped to stop it). */
  boolean abandoned() {
    return false;
  }

  final boolean isDone() {
    return done.get();
  }

  final void end() {
    if (done.compareAndSet(false, true)) {
      succeeded();
    }
  }

  final void fail(IOException cause) {
    if (done.compareAndSet(false, true)) {
      failed(cause);
    }
  }
}
