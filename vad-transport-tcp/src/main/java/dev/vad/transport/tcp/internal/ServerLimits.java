package dev.vad.transport.tcp.internal;

/** Per-server and per-connection limits, validated by the server builder. */
public record ServerLimits(int maxFrame, int maxQueuedChunks, int maxQueuedErrors, int maxConnections) {}
