/**
 * The {@code vad+tcp} and {@code vad+tls} transports: client ({@link dev.vad.transport.Transports}) and server
 * ({@link dev.vad.transport.tcp.TcpChunkServer}).
 */
package dev.vad.transport.tcp;
