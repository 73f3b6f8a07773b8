package dev.vad.transport.netty.internal;

import io.netty.channel.DefaultFileRegion;
import java.nio.channels.FileChannel;

/**
 * A zero-copy region of a channel owned by someone else (a pack reader). {@link DefaultFileRegion} closes its file
 * when released; this one leaves it open, while staying a DefaultFileRegion so that epoll still uses sendfile.
 */
final class SharedFileRegion extends DefaultFileRegion {
  SharedFileRegion(FileChannel shared, long position, long count) {
    super(shared, position, count);
  }

  @Override
  protected void deallocate() {
    // The channel belongs to the pack reader; nothing of ours to free.
  }
}
