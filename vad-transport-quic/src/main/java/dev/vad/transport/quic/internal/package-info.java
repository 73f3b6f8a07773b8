/**
 * The QUIC client internals. No compatibility promise.
 */
package dev.vad.transport.quic.internal;
