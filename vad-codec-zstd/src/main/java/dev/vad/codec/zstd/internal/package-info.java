/**
 * The zstd-jni binding behind the zstd codec. No compatibility promise.
 */
package dev.vad.codec.zstd.internal;
