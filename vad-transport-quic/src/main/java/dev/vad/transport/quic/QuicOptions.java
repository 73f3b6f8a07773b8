package dev.vad.transport.quic;

import dev.vad.transport.netty.NettyOptions;
import dev.vad.transport.netty.TransportOption;
import dev.vad.transport.netty.internal.Frame;

/**
 * The vad+quic client settings as typed keys; their string keys (the constants of {@link QuicTransportProvider}) stay
 * what URIs and the command line use. Window sizes that default to a bandwidth-delay sizing have no fixed default
 * here (null); the source derives it when they are absent.
 */
public final class QuicOptions {
  private QuicOptions() {}

  /** {@link QuicTransportProvider#TRUST_CERT_FILE}; none by default. */
  public static final TransportOption<String> TRUST_CERT_FILE = TransportOption.ofString(
      QuicTransportProvider.TRUST_CERT_FILE, null);
  /** {@link QuicTransportProvider#PIN_SHA256}; none by default. */
  public static final TransportOption<String> PIN_SHA256 = TransportOption.ofString(
      QuicTransportProvider.PIN_SHA256, null);
  /** {@link QuicTransportProvider#BANDWIDTH_BITS}. */
  public static final TransportOption<Long> BANDWIDTH_BITS = TransportOption.ofLong(
      QuicTransportProvider.BANDWIDTH_BITS, 1_000_000_000L, 1, Long.MAX_VALUE / 1000);
  /** {@link QuicTransportProvider#RTT_MILLIS}. */
  public static final TransportOption<Long> RTT_MILLIS = TransportOption.ofLong(QuicTransportProvider.RTT_MILLIS, 50L,
      1, 60_000);
  /** {@link QuicTransportProvider#INITIAL_MAX_STREAM_DATA}; absent: from the bandwidth-delay product. */
  public static final TransportOption<Long> INITIAL_MAX_STREAM_DATA = TransportOption.ofLong(
      QuicTransportProvider.INITIAL_MAX_STREAM_DATA, null, 1, 1L << 40);
  /**
   * {@link QuicTransportProvider#INITIAL_MAX_DATA}; absent: from the bandwidth-delay product, at least twice the
   * stream window; never below the stream window.
   */
  public static final TransportOption<Long> INITIAL_MAX_DATA = TransportOption.ofLong(
      QuicTransportProvider.INITIAL_MAX_DATA, null, 1, 1L << 42);
  /** {@link QuicTransportProvider#MAX_UDP_PAYLOAD}; absent: by the server's address (loopback or not). */
  public static final TransportOption<Integer> MAX_UDP_PAYLOAD = TransportOption.ofInt(
      QuicTransportProvider.MAX_UDP_PAYLOAD, null, 1200, 65527);
  /** {@link QuicTransportProvider#CONGESTION_CONTROL}. */
  public static final TransportOption<String> CONGESTION_CONTROL = TransportOption.ofString(
      QuicTransportProvider.CONGESTION_CONTROL, "bbr");
  /** {@link QuicTransportProvider#MAX_ATTEMPTS}. */
  public static final TransportOption<Integer> MAX_ATTEMPTS = TransportOption.ofInt(
      QuicTransportProvider.MAX_ATTEMPTS, 5, 1, 1000);
  /** {@link QuicTransportProvider#MAX_FRAME_BYTES}. */
  public static final TransportOption<Integer> MAX_FRAME_BYTES = TransportOption.ofInt(
      QuicTransportProvider.MAX_FRAME_BYTES, Frame.DEFAULT_MAX_FRAME, Frame.MIN_MAX_FRAME, Integer.MAX_VALUE);
  /** {@link NettyOptions#TOKEN}, shared with vad+tcp. */
  public static final TransportOption<String> TOKEN = NettyOptions.TOKEN_OPTION;
}
