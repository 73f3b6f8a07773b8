package dev.vad.policy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;

/**
 * What a policy may look at. Live: {@link #link()}, {@link #isPresent} and {@link #nowNanos} change as the stream
 * progresses. Time is the scheduler's (virtual in the simulator), never the wall clock.
 */
public interface PolicyContext {

  Manifest manifest();

  /** The appliance's profile; empty when it has none. */
  Profile profile();

  LinkEstimate link();

  /** True if the chunk's data is here (fetched, zero, or cached from an earlier run). */
  boolean isPresent(ChunkKey key);

  /** True if the chunk is requested and not yet here. */
  boolean isInFlight(ChunkKey key);

  /** Scheduler time in nanoseconds. */
  long nowNanos();

  /** Stored bytes still to fetch for the whole appliance. */
  long bytesMissing();

  PolicyOptions options();
}
