package dev.vad.testkit.link;

/**
 * A snapshot of an {@link EmulatedLink}'s counters.
 *
 * @param responsesSent messages (chunks and failures) put on the downstream wire
 * @param payloadBytesSent their payload bytes (stored chunk bytes), without per-message overhead
 * @param lostPackets packet transmissions the loss model dropped
 * @param lossPenaltyNanos wire time spent recovering from those losses
 * @param queuedResponses responses waiting in the server send queue now (not counting the one on the wire)
 * @param cancelledResponses queued responses a cancel removed before they were sent
 */
public record LinkStats(long responsesSent, long payloadBytesSent, long lostPackets, long lossPenaltyNanos,
    int queuedResponses, long cancelledResponses) {}
