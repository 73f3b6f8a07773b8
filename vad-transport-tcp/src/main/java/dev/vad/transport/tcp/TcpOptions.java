package dev.vad.transport.tcp;

import dev.vad.transport.netty.NettyOptions;
import dev.vad.transport.netty.TransportOption;
import dev.vad.transport.netty.internal.Frame;

/**
 * The vad+tcp and vad+tls client settings as typed keys; their string keys (the constants of
 * {@link TcpTransportProvider} and {@link TlsTransportProvider}) stay what URIs and the command line use.
 */
public final class TcpOptions {
  private TcpOptions() {}

  /** {@link TcpTransportProvider#MAX_FRAME_BYTES}. */
  public static final TransportOption<Integer> MAX_FRAME_BYTES = TransportOption.ofInt(
      TcpTransportProvider.MAX_FRAME_BYTES, Frame.DEFAULT_MAX_FRAME, Frame.MIN_MAX_FRAME, Integer.MAX_VALUE);
  /** {@link TcpTransportProvider#PING_INTERVAL_MILLIS}. */
  public static final TransportOption<Long> PING_INTERVAL_MILLIS = TransportOption.ofLong(
      TcpTransportProvider.PING_INTERVAL_MILLIS, 250L, 1, 3_600_000);
  /** {@link TcpTransportProvider#RECONNECT_MIN_MILLIS}. */
  public static final TransportOption<Long> RECONNECT_MIN_MILLIS = TransportOption.ofLong(
      TcpTransportProvider.RECONNECT_MIN_MILLIS, 100L, 1, 3_600_000);
  /** {@link TcpTransportProvider#RECONNECT_MAX_MILLIS}; never below {@link #RECONNECT_MIN_MILLIS}. */
  public static final TransportOption<Long> RECONNECT_MAX_MILLIS = TransportOption.ofLong(
      TcpTransportProvider.RECONNECT_MAX_MILLIS, 5000L, 1, 3_600_000);
  /** {@link TcpTransportProvider#MAX_ATTEMPTS}. */
  public static final TransportOption<Integer> MAX_ATTEMPTS = TransportOption.ofInt(
      TcpTransportProvider.MAX_ATTEMPTS, 5, 1, 1_000_000);
  /** {@link TcpTransportProvider#RECEIVE_BUFFER_BYTES}. */
  public static final TransportOption<Integer> RECEIVE_BUFFER_BYTES = TransportOption.ofInt(
      TcpTransportProvider.RECEIVE_BUFFER_BYTES, 0, 0, Integer.MAX_VALUE);
  /** {@link TcpTransportProvider#IO}. */
  public static final TransportOption<IoMode> IO = TransportOption.ofEnum(TcpTransportProvider.IO, IoMode.class,
      IoMode.AUTO);
  /** {@link NettyOptions#TOKEN}, shared with vad+quic. */
  public static final TransportOption<String> TOKEN = NettyOptions.TOKEN_OPTION;
  /** {@link TlsTransportProvider#TRUST_CERT_FILE}; none by default. */
  public static final TransportOption<String> TRUST_CERT_FILE = TransportOption.ofString(
      TlsTransportProvider.TRUST_CERT_FILE, null);
  /** {@link TlsTransportProvider#PIN_SHA256}; none by default. */
  public static final TransportOption<String> PIN_SHA256 = TransportOption.ofString(TlsTransportProvider.PIN_SHA256,
      null);
}
