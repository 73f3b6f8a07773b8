/**
 * Chunk codecs: the {@link dev.vad.codec.Codec} interface, the {@link dev.vad.codec.CodecProvider} SPI and the
 * {@link dev.vad.codec.Codecs} registry (built in: {@code none}, {@code lz4}).
 */
package dev.vad.codec;
