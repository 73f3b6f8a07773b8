/**
 * The {@code vad+quic} transport: client and server over QUIC (a stream per demand request), needing the native
 * QUIC library.
 */
package dev.vad.transport.quic;
