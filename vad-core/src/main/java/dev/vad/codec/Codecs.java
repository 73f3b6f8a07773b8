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
    static final NamedRegistry<CodecProvider> REGISTRY = NamedRegistry.load(CodecProvider.class,
        Codecs.class.getClassLoader(), CodecProvider::name, p -> selfTest(p.codec()), "codec",
        "a jar with META-INF/services/dev.vad.codec.CodecProvider adds one");
  }

  /**
   * The codec registered as {@code name}.
   *
   * @throws NoSuchElementException listing the available names when there is none
   */
  public static Codec forName(String name) {
    return Holder.REGISTRY.forName(name).codec();
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
}
