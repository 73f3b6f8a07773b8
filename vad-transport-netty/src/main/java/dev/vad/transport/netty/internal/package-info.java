/**
 * The frame codec, client base and server core shared by the Netty transports. No compatibility promise.
 */
package dev.vad.transport.netty.internal;
