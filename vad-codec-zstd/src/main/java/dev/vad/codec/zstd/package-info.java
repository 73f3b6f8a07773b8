/**
 * The {@code zstd} chunk codec (zstd-jni) with levels and an optional per-pack dictionary trained from the pack's
 * own chunks; registered through {@link dev.vad.codec.CodecProvider}.
 */
package dev.vad.codec.zstd;
