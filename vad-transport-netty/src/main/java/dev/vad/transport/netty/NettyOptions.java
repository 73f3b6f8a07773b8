package dev.vad.transport.netty;

/** Option keys every Netty transport (vad+tcp, vad+tls, vad+quic) reads the same way. */
public final class NettyOptions {
  private NettyOptions() {}

  /**
   * A bearer token to present in HELLO (1 to 512 bytes, no spaces), for servers started with tokens. Without it the
   * client presents none.
   */
  public static final String TOKEN = "vad.token";

  /** {@link #TOKEN} as a typed key; absent (null) by default. */
  public static final TransportOption<String> TOKEN_OPTION = TransportOption.ofString(TOKEN, null);
}
