package dev.vad.codec;

import dev.vad.spi.NamedRegistry;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;

/** The codec registry: names to codecs, loaded once from {@code META-INF/services/dev.vad.codec.CodecProvider}. */
public final class Codecs {
  private Codecs() {}

  private static final class Holder {
    // No self-test here: it would make every codec (zstd's native library among them) load on first use of any.
    static final NamedRegistry<CodecProvider> REGISTRY = load(Codecs.class.getClassLoader());
  }

  private static NamedRegistry<CodecProvider> load(ClassLoader loader) {
    return NamedRegistry.load(CodecProvider.class, loader, CodecProvider::name, p -> true, "codec",
        "a jar with META-INF/services/dev.vad.codec.CodecProvider adds one");
  }

  /** Codecs that passed their self-test, by name: each is tested once, when first asked for. */
  private static final java.util.concurrent.ConcurrentHashMap<String, Codec> TESTED =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The codec registered as {@code name}, after a round trip of a sample through it (once per name and JVM).
   *
   * @throws NoSuchElementException listing the available names when there is none, or saying why the one registered
   *     is unusable (its native library does not load, its round trip fails)
   */
  public static Codec forName(String name) {
    Codec tested = TESTED.get(name);
    if (tested != null) {
      return tested;
    }
    CodecProvider p = Holder.REGISTRY.forName(name);
    Codec codec;
    try {
      codec = p.codec();
    } catch (RuntimeException | LinkageError e) {
      throw new NoSuchElementException("codec '" + name + "' (" + p.getClass().getName()
          + ") is registered but unusable here: " + e.getMessage());
    }
    if (!selfTest(codec)) {
      throw new NoSuchElementException("codec '" + name + "' (" + p.getClass().getName()
          + ") failed its self-test (a round trip of 8 KiB)");
    }
    TESTED.putIfAbsent(name, codec);
    return codec;
  }

  /**
   * The codec a pack names, for readers: like {@link #forName} but a missing codec is an
   * {@link UnsupportedCodecException} that names the module adding it, when it is one of this project's.
   *
   * @param where the pack or URI, for the message
   */
  public static Codec forPack(String name, String where) throws UnsupportedCodecException {
    try {
      return forName(name);
    } catch (NoSuchElementException e) {
      String module = MODULES.get(name);
      throw new UnsupportedCodecException(where, name, module != null
          ? "add the module " + module + " (its jar) to the classpath; available here: " + String.join(", ", names())
          : e.getMessage());
    }
  }

  /** Codecs of this project that live in modules of their own, so a reader lacking one can say which to add. */
  private static final Map<String, String> MODULES = Map.of("zstd", "dev.vad:vad-codec-zstd");

  public static Set<String> names() {
    return Holder.REGISTRY.names();
  }

  /** Round-trips a compressible and an incompressible sample; a codec that fails is not registered. */
  static boolean selfTest(Codec codec) {
    byte[] sample = new byte[8192];
    Random r = new Random(42);
    for (int i = 0; i < sample.length; i++) {
      sample[i] = i < 4096 ? (byte) (i % 7) : (byte) r.nextInt();
    }
    try {
      ByteBuffer packed = ByteBuffer.allocate(codec.maxCompressedLength(sample.length));
      codec.compress(ByteBuffer.wrap(sample), packed);
      packed.flip();
      ByteBuffer out = ByteBuffer.allocate(sample.length);
      codec.decompress(packed, out, sample.length);
      return Arrays.equals(sample, out.array());
    } catch (CodecException e) {
      return false;
    }
  }

  /** The registry itself: every provider with where it came from, and those that failed to load ({@code vad plugins}). */
  public static NamedRegistry<CodecProvider> registry() {
    return Holder.REGISTRY;
  }

  /**
   * The codecs visible to {@code loader} (a plugin's, an application server's), loaded afresh on each call: keep the
   * result. Unlike {@link #forName}, its providers are not self-tested.
   */
  public static NamedRegistry<CodecProvider> registry(ClassLoader loader) {
    return load(java.util.Objects.requireNonNull(loader, "loader"));
  }
}
