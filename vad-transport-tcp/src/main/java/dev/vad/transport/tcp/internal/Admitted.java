package dev.vad.transport.tcp.internal;

/** A REQUEST after validation: the keys to serve and the keys to answer with NO_SUCH_CHUNK. Server-internal. */
record Admitted(int requestId, boolean demand, long[] keys, long[] rejected) {}
