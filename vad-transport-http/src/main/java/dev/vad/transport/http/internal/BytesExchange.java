package dev.vad.transport.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/** A range read into memory, for the pack's header, manifest and profile. */
final class BytesExchange extends Exchange {
  /** The bytes and what the server said about the file. */
  record Body(ByteBuffer bytes, ResponseCheck.Range range) {}

  private final Validators expected;
  private final long expectedTotal;
  private final boolean allowShort;
  final CompletableFuture<Body> result = new CompletableFuture<>();
  private ResponseCheck.Range range;
  private ByteBuffer bytes;

  BytesExchange(URI uri, long first, long last, Validators expected, long expectedTotal, boolean allowShort) {
    super(uri, first, last, Lane.DEMAND);
    this.expected = expected;
    this.expectedTotal = expectedTotal;
    this.allowShort = allowShort;
  }

  @Override
  long head(HttpResponse response) throws IOException {
    range = ResponseCheck.check(response, uri, first, last, expected, expectedTotal, allowShort);
    bytes = ByteBuffer.allocate((int) range.length()); // at most what was asked for: checked above
    return range.length();
  }

  @Override
  void content(ByteBuf b) {
    int n = b.readableBytes();
    b.getBytes(b.readerIndex(), bytes.array(), bytes.position(), n);
    bytes.position(bytes.position() + n);
  }

  @Override
  void succeeded() {
    result.complete(new Body(bytes.flip(), range));
  }

  @Override
  void failed(IOException cause) {
    result.completeExceptionally(cause);
  }
}
