package dev.vad.transport;

/** Priority class of a chunk request. Demand (a reader is blocked on it) always goes before prefetch. */
public enum Priority {
  DEMAND,
  PREFETCH
}
