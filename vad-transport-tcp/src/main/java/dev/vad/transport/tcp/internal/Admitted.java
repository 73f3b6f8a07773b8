package dev.vad.transport.tcp.internal;

import dev.vad.transport.netty.internal.Frame;

/**
 * A REQUEST after validation: the keys to serve and the keys to answer with NO_SUCH_CHUNK; {@code priority} is the
 * frame's class ({@link Frame#PRIORITY_DEMAND}, {@link Frame#PRIORITY_PREFETCH} or {@link Frame#PRIORITY_PROMOTE}).
 * Server-internal.
 */
record Admitted(int requestId, int priority, long[] keys, long[] rejected) {
  boolean demand() {
    return priority == Frame.PRIORITY_DEMAND;
  }

  boolean promote() {
    return priority == Frame.PRIORITY_PROMOTE;
  }
}
