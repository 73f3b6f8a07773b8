package dev.vad.testkit;

import dev.vad.codec.Codec;
import dev.vad.pack.PackReader;
import dev.vad.store.ChunkStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** With both rates at zero the cranky wrapper must be a transparent, contract-abiding store. */
class CrankyChunkStoreContractTest extends ChunkStoreContractKit {
  @Override
  protected ChunkStore open(Path dir, List<NamedImage> images) throws IOException {
    return new CrankyChunkStore(PackReader.open(TestPacks.pack(dir, images, chunkSize(), Codec.lz4())), 1, 0, 0);
  }
}
