/**
 * The client transport SPI ({@link dev.vad.transport.TransportProvider}, {@link dev.vad.transport.ChunkSource}, the
 * {@link dev.vad.transport.Transports} registry) and the server SPI ({@link dev.vad.transport.ServerProvider},
 * {@link dev.vad.transport.ChunkServer}, {@link dev.vad.transport.Servers}).
 */
package dev.vad.transport;
