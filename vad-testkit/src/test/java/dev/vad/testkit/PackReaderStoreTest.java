package dev.vad.testkit;

import dev.vad.codec.Codec;
import dev.vad.pack.PackReader;
import dev.vad.store.ChunkStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Nested;

/** {@link PackReader} against the store contract, with each built-in codec. */
class PackReaderStoreTest {

  @Nested
  class WithLz4 extends ChunkStoreContractKit {
    @Override
    protected ChunkStore open(Path dir, List<NamedImage> images) throws IOException {
      return PackReader.open(TestPacks.pack(dir, images, chunkSize(), Codec.lz4()));
    }
  }

  @Nested
  class WithNone extends ChunkStoreContractKit {
    @Override
    protected ChunkStore open(Path dir, List<NamedImage> images) throws IOException {
      return PackReader.open(TestPacks.pack(dir, images, chunkSize(), Codec.none()));
    }
  }

  @Nested
  class WithLz4At64K extends ChunkStoreContractKit {
    @Override
    protected int chunkSize() {
      return 65536;
    }

    @Override
    protected ChunkStore open(Path dir, List<NamedImage> images) throws IOException {
      return PackReader.open(TestPacks.pack(dir, images, chunkSize(), Codec.lz4()));
    }
  }
}
