/**
 * What the Netty transports (vad+tcp, vad+tls, vad+quic) share: typed transport options, shareable event loops
 * ({@link dev.vad.transport.netty.NettyResources}) and the supported Netty versions ({@link
 * dev.vad.transport.netty.NettyVersion}).
 */
package dev.vad.transport.netty;
