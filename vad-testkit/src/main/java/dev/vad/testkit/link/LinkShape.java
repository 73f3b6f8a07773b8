package dev.vad.testkit.link;

import java.time.Duration;
import java.util.Objects;

/**
 * What an emulated WAN link looks like: round-trip time, downstream bandwidth, packet loss and the seed that makes
 * the loss decisions reproducible. Immutable; build with {@link #builder()} or take a preset.
 *
 * <p>Model (shared by {@link ShapedPipe}, {@link EmulatedLink} and, later, the {@code vad wan} relay):
 * <ul>
 *   <li>each direction delays every message by {@link #oneWayDelay()} = RTT / 2;
 *   <li>downstream, messages are serialised one after another at {@link #bytesPerSecond()}; each costs its payload
 *       plus {@link #messageOverheadBytes()} (frame header, TCP/IP headers amortised);
 *   <li>loss is modelled by {@link LossModel} as time the pipe stalls for retransmissions, not as lost data;
 *   <li>upstream (requests, cancels) is only delayed: requests are tiny next to chunks.
 * </ul>
 */
public final class LinkShape {
  /** TCP payload per packet on a 1500-byte MTU path with timestamps. */
  public static final int DEFAULT_PACKET_BYTES = 1448;
  /** Per-message cost: a small frame header plus a share of TCP/IP headers. */
  public static final int DEFAULT_MESSAGE_OVERHEAD = 64;
  /** Linux's minimum retransmission timeout. */
  public static final Duration DEFAULT_MIN_RTO = Duration.ofMillis(200);

  /** A home DSL line seen from a data centre far away: 16 Mbit/s, 80 ms, no loss. */
  public static final LinkShape DSL = builder().bitsPerSecond(16_000_000).rtt(Duration.ofMillis(80)).build();
  /** A transcontinental link: 50 Mbit/s, 150 ms, 0.1% loss. */
  public static final LinkShape TRANSCONTINENTAL =
      builder().bitsPerSecond(50_000_000).rtt(Duration.ofMillis(150)).lossRate(0.001).build();

  private final Duration rtt;
  private final long bytesPerSecond;
  private final double lossRate;
  private final long seed;
  private final int messageOverheadBytes;
  private final int packetBytes;
  private final Duration minRto;

  private LinkShape(Builder b) {
    this.rtt = b.rtt;
    this.bytesPerSecond = b.bytesPerSecond;
    this.lossRate = b.lossRate;
    this.seed = b.seed;
    this.messageOverheadBytes = b.messageOverheadBytes;
    this.packetBytes = b.packetBytes;
    this.minRto = b.minRto;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this shape's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.rtt = rtt;
    b.bytesPerSecond = bytesPerSecond;
    b.lossRate = lossRate;
    b.seed = seed;
    b.messageOverheadBytes = messageOverheadBytes;
    b.packetBytes = packetBytes;
    b.minRto = minRto;
    return b;
  }

  public Duration rtt() {
    return rtt;
  }

  public Duration oneWayDelay() {
    return rtt.dividedBy(2);
  }

  public long bytesPerSecond() {
    return bytesPerSecond;
  }

  public double lossRate() {
    return lossRate;
  }

  public long seed() {
    return seed;
  }

  public int messageOverheadBytes() {
    return messageOverheadBytes;
  }

  public int packetBytes() {
    return packetBytes;
  }

  public Duration minRto() {
    return minRto;
  }

  /** Time to serialise {@code bytes} onto the link, in nanoseconds. */
  public long transmissionNanos(long bytes) {
    return Math.round(bytes * 1e9 / bytesPerSecond);
  }

  /** The loss model this shape describes. */
  public LossModel lossModel() {
    return new LossModel(lossRate, seed, packetBytes, rtt, minRto);
  }

  @Override
  public String toString() {
    return String.format("%.3f Mbit/s, rtt %d ms, loss %.4f%%, seed %d", bytesPerSecond * 8 / 1e6,
        rtt.toMillis(), lossRate * 100, seed);
  }

  /** Set-once-style builder; {@link #build()} checks the values together. */
  public static final class Builder {
    private Duration rtt = Duration.ofMillis(50);
    private long bytesPerSecond = 1_250_000; // 10 Mbit/s
    private double lossRate;
    private long seed = 1;
    private int messageOverheadBytes = DEFAULT_MESSAGE_OVERHEAD;
    private int packetBytes = DEFAULT_PACKET_BYTES;
    private Duration minRto = DEFAULT_MIN_RTO;

    private Builder() {}

    public Builder rtt(Duration rtt) {
      Objects.requireNonNull(rtt, "rtt");
      if (rtt.isNegative()) {
        throw new IllegalArgumentException("rtt must not be negative: " + rtt);
      }
      this.rtt = rtt;
      return this;
    }

    public Builder bytesPerSecond(long bytesPerSecond) {
      if (bytesPerSecond < 1) {
        throw new IllegalArgumentException("bytesPerSecond must be positive: " + bytesPerSecond);
      }
      this.bytesPerSecond = bytesPerSecond;
      return this;
    }

    public Builder bitsPerSecond(long bitsPerSecond) {
      if (bitsPerSecond < 8) {
        throw new IllegalArgumentException("bitsPerSecond must be at least 8: " + bitsPerSecond);
      }
      return bytesPerSecond(bitsPerSecond / 8);
    }

    /** Probability that a packet transmission is lost, in [0, 0.5]. */
    public Builder lossRate(double lossRate) {
      if (!(lossRate >= 0 && lossRate <= 0.5)) {
        throw new IllegalArgumentException("lossRate must be in [0, 0.5]: " + lossRate);
      }
      this.lossRate = lossRate;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder messageOverheadBytes(int bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("messageOverheadBytes must not be negative: " + bytes);
      }
      this.messageOverheadBytes = bytes;
      return this;
    }

    public Builder packetBytes(int bytes) {
      if (bytes < 64 || bytes > 65_535) {
        throw new IllegalArgumentException("packetBytes must be in [64, 65535]: " + bytes);
      }
      this.packetBytes = bytes;
      return this;
    }

    public Builder minRto(Duration minRto) {
      Objects.requireNonNull(minRto, "minRto");
      if (minRto.isNegative()) {
        throw new IllegalArgumentException("minRto must not be negative: " + minRto);
      }
      this.minRto = minRto;
      return this;
    }

    public LinkShape build() {
      if (rtt.toSeconds() > 60) {
        throw new IllegalArgumentException("rtt over a minute is not a link: " + rtt);
      }
      return new LinkShape(this);
    }
  }
}
