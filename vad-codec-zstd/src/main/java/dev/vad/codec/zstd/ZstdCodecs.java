package dev.vad.codec.zstd;

import dev.vad.codec.Codec;
import dev.vad.codec.zstd.internal.ZstdCodec;
import java.util.Optional;

/**
 * The zstd chunk codec (zstd-jni), registered as {@code zstd}. Levels trade packing time for size and change nothing
 * for readers: every level decodes at the same speed, and a pack never records the level. A codec may be bound to a
 * pack dictionary ({@link Codec#withDictionary}), which {@code PackWriter.Builder.dictionary(int)} trains from the
 * pack's own chunks.
 *
 * <p>Decoding is safe on untrusted input: the output is bounded by the chunk's known length, the decoder's window by
 * {@link #MAX_WINDOW_LOG}, and malformed frames raise {@link dev.vad.codec.CodecException}.
 *
 * <pre>{@code
 * PackWriter.builder().codec(ZstdCodecs.zstd(15)).dictionary(ZstdCodecs.DEFAULT_DICTIONARY_SIZE).build()
 *     .write(List.of(new ImageSource("disk", Path.of("disk.img"))), Path.of("app.vad"));
 * }</pre>
 */
public final class ZstdCodecs {
  private ZstdCodecs() {}

  /** The level {@code zstd} means when none is given; chosen from the measurements in benchmarks/RESULTS.md. */
  public static final int DEFAULT_LEVEL = 15;

  /** The dictionary size `vad pack` trains by default (zstd's own default, 110 KiB). */
  public static final int DEFAULT_DICTIONARY_SIZE = 112_640;

  /** Largest window a frame may ask the decoder for: 8 MiB, twice the largest chunk. */
  public static final int MAX_WINDOW_LOG = 23;

  /** zstd at {@link #DEFAULT_LEVEL}. */
  public static Codec zstd() {
    return ZstdCodec.of(DEFAULT_LEVEL);
  }

  /**
   * zstd compressing at {@code level} (1..22; negative levels are zstd's fast modes, down to -7).
   *
   * @throws IllegalArgumentException for a level out of range
   */
  public static Codec zstd(int level) {
    return ZstdCodec.of(level);
  }

  /** Whether the zstd-jni native library loads on this platform. */
  public static boolean isAvailable() {
    return ZstdCodec.unavailabilityCause() == null;
  }

  /** Why the native library does not load, or empty when it does. */
  public static Optional<Throwable> unavailabilityCause() {
    return Optional.ofNullable(ZstdCodec.unavailabilityCause());
  }
}
