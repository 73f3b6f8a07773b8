package dev.vad.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.codec.Codec;
import dev.vad.codec.CodecException;
import dev.vad.pack.PackReader;
import dev.vad.store.ChunkStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The kits catch what they claim to: each is run against deliberately broken implementations, which must fail the
 * named cases. (The broken subclasses are static nested classes, which surefire does not pick up on its own.)
 */
class ContractKitSelfTest {

  /** Runs {@code kit} in a nested launcher; returns the names of the test methods that did not succeed. */
  private static Set<String> failures(Class<?> kit) {
    Set<String> failed = new TreeSet<>();
    int[] ran = {0};
    LauncherFactory.create().execute(
        LauncherDiscoveryRequestBuilder.request().selectors(DiscoverySelectors.selectClass(kit)).build(),
        new TestExecutionListener() {
          @Override
          public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (!id.isTest()) {
              return;
            }
            ran[0]++;
            if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
              id.getSource().filter(MethodSource.class::isInstance)
                  .ifPresent(s -> failed.add(((MethodSource) s).getMethodName()));
            }
          }
        });
    assertThat(ran[0]).as("tests run for %s", kit.getSimpleName()).isGreaterThan(5);
    return failed;
  }

  // ------------------------------------------------------------------ codecs

  /** Stored-as-is with a configurable defect. */
  abstract static class BrokenCodec implements Codec {
    @Override
    public String name() {
      return "broken";
    }

    @Override
    public int maxCompressedLength(int length) {
      return length;
    }

    @Override
    public int compress(ByteBuffer src, ByteBuffer dst) {
      int n = src.remaining();
      dst.put(src);
      return n;
    }

    @Override
    public void decompress(ByteBuffer src, ByteBuffer dst, int originalLength) throws CodecException {
      if (src.remaining() != originalLength) {
        throw new CodecException("length");
      }
      dst.put(src);
    }
  }

  static class WritesPastOriginalLength extends CodecContractKit {
    @Override
    protected Codec codec() {
      return new BrokenCodec() {
        @Override
        public void decompress(ByteBuffer src, ByteBuffer dst, int originalLength) throws CodecException {
          super.decompress(src, dst, originalLength);
          if (dst.hasRemaining()) {
            dst.put(dst.position(), (byte) ~dst.get(dst.position())); // scribbles on the next chunk's first byte
          }
        }
      };
    }
  }

  static class IgnoresSourcePosition extends CodecContractKit {
    @Override
    protected Codec codec() {
      return new BrokenCodec() {
        @Override
        public int compress(ByteBuffer src, ByteBuffer dst) {
          int n = src.remaining();
          dst.put(src.duplicate().position(0).limit(n));
          src.position(src.limit());
          return n;
        }
      };
    }
  }

  static class ThrowsTheWrongException extends CodecContractKit {
    @Override
    protected Codec codec() {
      return new BrokenCodec() {
        @Override
        public void decompress(ByteBuffer src, ByteBuffer dst, int originalLength) {
          if (src.remaining() != originalLength) {
            throw new IllegalStateException("length");
          }
          dst.put(src);
        }
      };
    }
  }

  static class PadsToAnyLength extends CodecContractKit {
    @Override
    protected Codec codec() {
      return new BrokenCodec() {
        @Override
        public void decompress(ByteBuffer src, ByteBuffer dst, int originalLength) {
          int n = Math.min(src.remaining(), originalLength);
          dst.put(src.slice().limit(n));
          src.position(src.limit());
          for (int i = n; i < originalLength; i++) {
            dst.put((byte) 0);
          }
        }
      };
    }
  }

  static class SharesScratchBetweenThreads extends CodecContractKit {
    private static byte[] scratch = new byte[0];

    @Override
    protected Codec codec() {
      return new BrokenCodec() {
        @Override
        public int compress(ByteBuffer src, ByteBuffer dst) {
          int n = src.remaining();
          if (scratch.length < n) {
            scratch = new byte[Math.max(n, 80_000)];
          }
          byte[] s = scratch;
          src.get(s, 0, n);
          try {
            Thread.sleep(0, 200_000); // widen the window, as real work would
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          dst.put(s, 0, n);
          return n;
        }
      };
    }
  }

  @Test
  void codecKitCatchesBrokenCodecs() {
    assertThat(failures(WritesPastOriginalLength.class)).contains(
        "roundTripHonoursPositionsAndWritesOnlyItsOwnBytes", "randomBytesRaiseOnlyCodecExceptionAndStayInBounds",
        "bitFlipsRaiseOnlyCodecExceptionAndStayInBounds");
    assertThat(failures(IgnoresSourcePosition.class)).contains("roundTripHonoursPositionsAndWritesOnlyItsOwnBytes");
    assertThat(failures(ThrowsTheWrongException.class))
        .contains("wrongOriginalLengthIsACodecException", "randomBytesRaiseOnlyCodecExceptionAndStayInBounds",
            "truncatedBlocksRaiseOnlyCodecExceptionAndStayInBounds");
    // decoding a cut block to zero-padded bytes of the right length is an allowed outcome for garbage
    assertThat(failures(PadsToAnyLength.class)).containsExactly("wrongOriginalLengthIsACodecException");
    assertThat(failures(SharesScratchBetweenThreads.class)).containsExactly("concurrentUseGivesCorrectResults");
  }

  // ------------------------------------------------------------------ stores

  /** Delegates to a real pack reader, with hooks for defects. */
  static class ForwardingStore implements ChunkStore {
    final ChunkStore delegate;

    ForwardingStore(ChunkStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public Manifest manifest() {
      return delegate.manifest();
    }

    @Override
    public Optional<Profile> profile() {
      return delegate.profile();
    }

    @Override
    public ByteBuffer readStored(ChunkKey key) throws IOException {
      return delegate.readStored(key);
    }

    @Override
    public void readChunk(ChunkKey key, ByteBuffer dst) throws IOException {
      delegate.readChunk(key, dst);
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }

  private static ChunkStore realStore(Path dir, List<NamedImage> images, int chunkSize) throws IOException {
    return PackReader.open(TestPacks.pack(dir, images, chunkSize, Codec.lz4()));
  }

  static class ReturnsANeighboursStoredBytes extends ChunkStoreContractKit {
    @Override
    protected ChunkStore open(Path dir, List<NamedImage> images) throws IOException {
      return new ForwardingStore(realStore(dir, images, chunkSize())) {
        @Override
        public ByteBuffer readStored(ChunkKey key) throws IOException {
          ChunkKey next = ChunkKey.of(key.image(), key.index() + 1);
          return manifest().contains(next) && !manifest().isZero(next) ? delegate.readStored(next)
              : delegate.readStored(key);
        }
      };
    }
  }

  static class OverrunsTheLastChunk extends ChunkStoreContractKit {
    @Override
    protected ChunkStore open(Path dir, List<NamedImage> images) throws IOException {
      return new ForwardingStore(realStore(dir, images, chunkSize())) {
        @Override
        public void readChunk(ChunkKey key, ByteBuffer dst) throws IOException {
          super.readChunk(key, dst);
          while (dst.hasRemaining() && dst.position() % chunkSize() != 0) {
            dst.put((byte) 0); // pads a short chunk to the chunk size
          }
        }
      };
    }
  }

  static class KeepsServingAfterClose extends ChunkStoreContractKit {
    @Override
    protected ChunkStore open(Path dir, List<NamedImage> images) throws IOException {
      return new ForwardingStore(realStore(dir, images, chunkSize())) {
        @Override
        public void close() {
          // "closes" nothing; the closing of the real reader is left to the JVM
        }
      };
    }
  }

  static class ZeroFillsUnknownKeys extends ChunkStoreContractKit {
    @Override
    protected ChunkStore open(Path dir, List<NamedImage> images) throws IOException {
      return new ForwardingStore(realStore(dir, images, chunkSize())) {
        @Override
        public void readChunk(ChunkKey key, ByteBuffer dst) throws IOException {
          if (!manifest().contains(key)) {
            dst.put(new byte[Math.min(dst.remaining(), chunkSize())]);
            return;
          }
          super.readChunk(key, dst);
        }
      };
    }
  }

  @Test
  void storeKitCatchesBrokenStores() {
    assertThat(failures(ReturnsANeighboursStoredBytes.class))
        .contains("storedBytesDecodeToTheSameBytes", "concurrentRandomReadsAllVerify");
    assertThat(failures(OverrunsTheLastChunk.class))
        .contains("everyChunkReadsBackAsTheSourceBytes", "concurrentRandomReadsAllVerify");
    assertThat(failures(KeepsServingAfterClose.class)).containsExactly("useAfterCloseFailsLoudlyAndCloseIsIdempotent");
    assertThat(failures(ZeroFillsUnknownKeys.class)).contains("keysOutOfRangeAreIllegalArguments");
  }
}
