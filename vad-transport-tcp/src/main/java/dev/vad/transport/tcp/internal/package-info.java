/**
 * The TCP client and server sessions. No compatibility promise.
 */
package dev.vad.transport.tcp.internal;
