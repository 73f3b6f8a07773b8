package dev.vad.testkit.link;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * Packet loss as a TCP sender experiences it: lost data is always recovered, the cost is time. A message is cut into
 * packets of {@code packetBytes}; each transmission of a packet is lost with probability {@code rate}. Recovery:
 * <ul>
 *   <li>the first loss of a packet followed by at least {@value #DUPACK_THRESHOLD} more packets of the same message
 *       is repaired by fast retransmit and costs one RTT;
 *   <li>any other loss (a tail loss, or a retransmission lost again) waits for the retransmission timeout,
 *       RTO = RTT + minRto, doubling with each further loss of the same packet (exponential backoff).
 * </ul>
 * Penalties add up and stall the whole stream (in-order delivery: nothing behind a hole reaches the application).
 *
 * <p>Deterministic: the decisions for a message depend only on the seed and the message id, never on timing or on
 * the order messages are sent in, so a run with the same seed and the same messages loses the same packets.
 * Thread-safe (stateless).
 */
public final class LossModel {
  static final int DUPACK_THRESHOLD = 3;
  /** After this many losses of the same packet the model stops drawing (the connection would be reset anyway). */
  static final int MAX_ATTEMPTS = 8;

  private final double rate;
  private final long seed;
  private final int packetBytes;
  private final long rttNanos;
  private final long rtoNanos;

  /** What sending one message cost. */
  public record Outcome(int packets, int lostPackets, long penaltyNanos) {}

  public LossModel(double rate, long seed, int packetBytes, Duration rtt, Duration minRto) {
    if (!(rate >= 0 && rate <= 0.5)) {
      throw new IllegalArgumentException("loss rate must be in [0, 0.5]: " + rate);
    }
    if (packetBytes < 1) {
      throw new IllegalArgumentException("packetBytes must be positive: " + packetBytes);
    }
    this.rate = rate;
    this.seed = seed;
    this.packetBytes = packetBytes;
    this.rttNanos = rtt.toNanos();
    this.rtoNanos = rtt.toNanos() + minRto.toNanos();
  }

  public double rate() {
    return rate;
  }

  /** The losses and the stall time for sending message {@code messageId} of {@code bytes} bytes. */
  public Outcome transmit(long messageId, long bytes) {
    int packets = (int) Math.max(1, (bytes + packetBytes - 1) / packetBytes);
    if (rate == 0) {
      return new Outcome(packets, 0, 0);
    }
    SplittableRandom random = new SplittableRandom(mix(seed * 0x9E3779B97F4A7C15L + mix(messageId)));
    int lost = 0;
    long penalty = 0;
    for (int p = 0; p < packets; p++) {
      boolean fastRetransmitPossible = packets - 1 - p >= DUPACK_THRESHOLD;
      long rto = rtoNanos;
      for (int attempt = 0; attempt < MAX_ATTEMPTS && random.nextDouble() < rate; attempt++) {
        lost++;
        if (attempt == 0 && fastRetransmitPossible) {
          penalty += rttNanos;
        } else {
          penalty += rto;
          rto *= 2;
        }
      }
    }
    return new Outcome(packets, lost, penalty);
  }

  /** Stafford's variant 13 of the SplitMix64 finaliser: spreads nearby ids over the whole seed space. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
