package dev.vad.codec.zstd;

import dev.vad.codec.Codec;
import dev.vad.codec.CodecException;
import dev.vad.testkit.CodecContractKit;
import dev.vad.testkit.TestData;
import java.util.ArrayList;
import java.util.List;

/** A codec bound to a trained dictionary meets the same contract (garbage in, only CodecException out). */
class ZstdDictionaryCodecTest extends CodecContractKit {
  private static final Codec BOUND = bound();

  static Codec bound() {
    Codec zstd = ZstdCodecs.zstd(3);
    List<byte[]> samples = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      samples.add(TestData.text(1000 + i, 65536));
    }
    try {
      return zstd.withDictionary(zstd.trainDictionary(samples, 16 * 1024));
    } catch (CodecException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  protected Codec codec() {
    return BOUND;
  }
}
