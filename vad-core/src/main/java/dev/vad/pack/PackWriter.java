package dev.vad.pack;

import dev.vad.ChunkKey;
import dev.vad.ChunkSizes;
import dev.vad.Digests;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.codec.Codec;
import dev.vad.internal.Threads;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Packs images into one {@code .vad} file: chunks them, hashes each chunk (SHA-256), drops all-zero chunks, stores
 * identical chunks once, compresses each chunk with the chosen codec (keeping it raw when that does not pay) and
 * lays the data out profile-first when a profile is given, else in image order.
 *
 * <p>Streaming: heap use is bounded by a small window of in-flight chunks plus the manifest (~50 bytes per chunk),
 * whatever the image size. Hashing and compression run on {@code threads} workers while the calling thread reads
 * and writes. The output appears under its final name only when complete (temp file + atomic rename).
 */
public final class PackWriter {

  /** Progress callback, called from the writing thread. */
  @FunctionalInterface
  public interface Progress {
    void update(long bytesDone, long bytesTotal);

    Progress NONE = (d, t) -> { };
  }

  private final int chunkSize;
  private final Codec codec;
  private final int dictionarySize;
  private final Profile profile;
  private final int threads;
  private final Progress progress;

  private PackWriter(Builder b) {
    this.chunkSize = b.chunkSize;
    this.codec = b.codec;
    this.dictionarySize = b.dictionarySize;
    this.profile = b.profile;
    this.threads = b.threads;
    this.progress = b.progress;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Packs {@code sources} (image index = list position) into {@code out}. */
  public PackSummary write(List<ImageSource> sources, Path out) throws IOException {
    long t0 = System.nanoTime();
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("no images to pack");
    }
    Set<String> names = new HashSet<>();
    List<ImageSpec> specs = new ArrayList<>();
    for (ImageSource s : sources) {
      if (!names.add(s.name())) {
        throw new IllegalArgumentException("image name '" + s.name() + "' given twice");
      }
      if (!Files.exists(s.path())) {
        throw new NoSuchFileException(s.path().toString(), null, "image file not found");
      }
      if (!Files.isRegularFile(s.path())) {
        throw new FileSystemException(s.path().toString(), null, "image is not a regular file");
      }
      specs.add(new ImageSpec(s.name(), Files.size(s.path()), chunkSize));
    }
    Manifest.Builder mb = Manifest.builder(chunkSize, specs);
    if (profile != null) {
      for (Profile.Entry e : profile.entries()) {
        ChunkKey k = e.key();
        if (k.image() >= specs.size() || k.index() >= specs.get(k.image()).chunkCount()) {
          throw new IllegalArgumentException("profile names chunk " + k + " which the images do not have");
        }
      }
    }

    long total = specs.stream().mapToLong(ImageSpec::size).sum();
    Codec bound = dictionarySize > 0 ? withTrainedDictionary(sources, specs) : codec;
    return assemble(out, profile, t0, data -> new Pipeline(sources, specs, mb, data, total, bound).run(), mb);
  }

  /**
   * Writes a copy of {@code source} with its chunk data laid out profile-first (the chunks {@code newProfile} names,
   * in its order, then the rest in image order) and {@code newProfile} embedded. Stored bytes are copied as they
   * are (no recompression); the appliance id stays the same.
   */
  public static PackSummary relayout(PackReader source, Profile newProfile, Path out) throws IOException {
    long t0 = System.nanoTime();
    Manifest src = source.manifest();
    for (Profile.Entry e : newProfile.entries()) {
      if (!src.contains(e.key())) {
        throw new IllegalArgumentException("profile names chunk " + e.key() + " which the pack does not have");
      }
    }
    Manifest.Builder mb = Manifest.builder(src.chunkSize(), src.images());
    return assemble(out, newProfile, t0, data -> {
      long pos = 0;
      java.util.Set<ChunkKey> done = new HashSet<>();
      List<ChunkKey> order = new ArrayList<>();
      for (Profile.Entry e : newProfile.entries()) {
        if (!src.isZero(e.key()) && done.add(src.storageKey(e.key()))) {
          order.add(src.storageKey(e.key()));
        }
      }
      for (ChunkKey k : src.storedKeys()) {
        if (done.add(k)) {
          order.add(k);
        }
      }
      for (ChunkKey k : order) {
        ByteBuffer stored = source.readStored(k);
        int n = stored.remaining();
        writeFully(data, stored);
        mb.stored(k, src.digest(k), src.codec(k), pos, n);
        pos += n;
      }
      for (int i = 0; i < src.images().size(); i++) {
        for (long c = 0; c < src.chunkCount(i); c++) {
          ChunkKey k = ChunkKey.of(i, c);
          if (src.isZero(k)) {
            mb.zero(k);
          } else if (!src.storageKey(k).equals(k)) {
            mb.duplicate(k, src.digest(k), src.storageKey(k));
          }
        }
      }
      return pos;
    }, mb);
  }

  /**
   * Trains the pack dictionary from the pack's own chunks and binds the codec to it. Samples: the profile's chunks
   * first (the working set is what a slow link moves first, so it should compress best), then chunks spread evenly
   * over the images, all-zero ones skipped, up to {@link #SAMPLE_FACTOR} times the dictionary size. If the images
   * give too little to train on (a tiny or nearly empty image), the pack is written without a dictionary.
   */
  private Codec withTrainedDictionary(List<ImageSource> sources, List<ImageSpec> specs) throws IOException {
    long budget = (long) dictionarySize * SAMPLE_FACTOR;
    List<byte[]> samples = new ArrayList<>();
    Set<ChunkKey> taken = new HashSet<>();
    long[] size = {0};
    FileChannel[] in = new FileChannel[sources.size()];
    try {
      for (int i = 0; i < in.length; i++) {
        in[i] = FileChannel.open(sources.get(i).path(), StandardOpenOption.READ);
      }
      if (profile != null) {
        for (Profile.Entry e : profile.entries()) {
          if (size[0] >= budget / 2) {
            break;
          }
          sample(in, specs, e.key(), samples, taken, size);
        }
      }
      long totalChunks = specs.stream().mapToLong(ImageSpec::chunkCount).sum();
      // Passes with a halving stride, so a sparse disk (most chunks zero) still fills the budget.
      for (long stride = Math.max(1, totalChunks * chunkSize / budget); size[0] < budget; stride /= 2) {
        for (int i = 0; i < specs.size() && size[0] < budget; i++) {
          for (long c = 0; c < specs.get(i).chunkCount() && size[0] < budget; c += stride) {
            sample(in, specs, ChunkKey.of(i, c), samples, taken, size);
          }
        }
        if (stride == 1) {
          break;
        }
      }
    } finally {
      for (FileChannel ch : in) {
        if (ch != null) {
          ch.close();
        }
      }
    }
    try {
      return codec.withDictionary(codec.trainDictionary(samples, dictionarySize));
    } catch (dev.vad.codec.CodecException e) {
      LOG.warn("packing without a dictionary: training on {} chunks ({} bytes) failed: {}", samples.size(), size[0],
          e.getMessage());
      return codec;
    }
  }

  /** Sample bytes per dictionary byte; zstd's documentation suggests about 100. */
  private static final int SAMPLE_FACTOR = 100;

  private void sample(FileChannel[] in, List<ImageSpec> specs, ChunkKey key, List<byte[]> samples,
      Set<ChunkKey> taken, long[] size) throws IOException {
    if (!taken.add(key)) {
      return;
    }
    int len = specs.get(key.image()).chunkLength(key.index());
    byte[] raw = new byte[len];
    ByteBuffer b = ByteBuffer.wrap(raw);
    long pos = key.index() * chunkSize;
    while (b.hasRemaining()) {
      if (in[key.image()].read(b, pos + b.position()) < 0) {
        return; // the image shrank; the pipeline reports it with the image's name
      }
    }
    if (!Digests.isZero(raw, 0, len)) {
      samples.add(raw);
      size[0] += len;
    }
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PackWriter.class);

  /** Produces the chunk data section into a channel; returns its length. */
  @FunctionalInterface
  private interface DataWriter {
    long write(FileChannel data) throws IOException;
  }

  /** Temp data file, then header + manifest + profile + data into a temp pack, fsync, atomic rename. */
  /**
   * The file system's bare "No space left on device" (possibly wrapped, e.g. "chunk processing failed") as an error
   * naming the pack being written (its temporary files sit beside it); other failures unchanged.
   */
  private static IOException diskFullNaming(Path target, IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
        FileSystemException x = new FileSystemException(target.toString(), null, "cannot write the pack: " + m);
        x.initCause(e);
        return x;
      }
    }
    return e;
  }

  private static PackSummary assemble(Path out, Profile profile, long t0, DataWriter writer, Manifest.Builder mb)
      throws IOException {
    Path target = out.toAbsolutePath();
    Path dir = target.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new NoSuchFileException(String.valueOf(dir), null, "output directory does not exist");
    }
    if (!Files.isWritable(dir)) {
      throw new AccessDeniedException(dir.toString(), null, "output directory is not writable");
    }
    if (Files.isDirectory(target)) {
      throw new FileSystemException(target.toString(), null, "output path is a directory");
    }
    String base = "." + target.getFileName();
    Path tmpData;
    try {
      tmpData = Files.createTempFile(dir, base, ".data.tmp");
    } catch (IOException e) {
      // report it against the directory, not the hidden temp file the user never asked for
      String why = e instanceof NoSuchFileException ? "no such file or directory"
          : e instanceof AccessDeniedException ? "permission denied"
          : e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
      FileSystemException about = new FileSystemException(dir.toString(), null,
          "cannot write the pack in this directory (" + why + ")");
      about.initCause(e);
      throw about;
    }
    Path tmpOut;
    try {
      tmpOut = Files.createTempFile(dir, base, ".tmp");
    } catch (IOException e) {
      Files.deleteIfExists(tmpData);
      throw e;
    }
    boolean done = false;
    try {
      long dataLength;
      try (FileChannel data = FileChannel.open(tmpData, StandardOpenOption.WRITE)) {
        dataLength = writer.write(data);
      }
      Manifest manifest = mb.build();
      byte[] manifestBytes = ManifestFormat.encode(manifest);
      byte[] profileBytes = profile == null || profile.isEmpty() ? new byte[0] : ProfileFormat.encode(profile);
      long mo = PackHeader.LENGTH;
      long po = mo + manifestBytes.length;
      long dof = po + profileBytes.length;
      PackHeader header = new PackHeader(mo, manifestBytes.length, profileBytes.length == 0 ? 0 : po,
          profileBytes.length, dof, dataLength, PackHeader.crc(manifestBytes),
          profileBytes.length == 0 ? 0 : PackHeader.crc(profileBytes));
      try (FileChannel o = FileChannel.open(tmpOut, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
           FileChannel d = FileChannel.open(tmpData, StandardOpenOption.READ)) {
        writeFully(o, ByteBuffer.wrap(header.encode()));
        writeFully(o, ByteBuffer.wrap(manifestBytes));
        writeFully(o, ByteBuffer.wrap(profileBytes));
        long copied = 0;
        while (copied < dataLength) {
          long n = d.transferTo(copied, dataLength - copied, o);
          if (n <= 0) {
            throw new IOException("short copy of chunk data into " + tmpOut);
          }
          copied += n;
        }
        o.force(true);
      }
      // temp files are created 0600; a pack is meant to be published (nginx, a CDN): make it world-readable
      try {
        Files.setPosixFilePermissions(tmpOut, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: leave the platform default
      }
      Files.move(tmpOut, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      done = true;
      return new PackSummary(manifest.id(), target, manifest.logicalSize(), manifest.storedSize(),
          Files.size(target), manifest.chunkCount(), manifest.zeroChunks(), manifest.duplicateChunks(),
          manifest.rawChunks(), profileBytes.length > 0, Duration.ofNanos(System.nanoTime() - t0),
          manifest.dictionaryBytes());
    } catch (IOException e) {
      throw diskFullNaming(target, e);
    } finally {
      Files.deleteIfExists(tmpData);
      if (!done) {
        Files.deleteIfExists(tmpOut);
      }
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /** Result of hashing and compressing one chunk on a worker. */
  private record Processed(ChunkKey key, byte[] raw, int length, boolean zero, byte[] digest, byte[] packed,
      int packedLength, boolean compressed) {}

  /** Reads chunks in layout order, fans hashing/compression out to workers, writes results in order. */
  private final class Pipeline {
    private final List<ImageSource> sources;
    private final List<ImageSpec> specs;
    private final Manifest.Builder mb;
    private final FileChannel data;
    private final long total;
    private final int window = Math.max(4, threads * 4);
    private final ArrayBlockingQueue<byte[]> rawPool = new ArrayBlockingQueue<>(window + 1);
    private final ArrayBlockingQueue<byte[]> packedPool = new ArrayBlockingQueue<>(window + 1);
    private final Map<DigestKey, ChunkKey> owners = new HashMap<>();
    private final Codec codec;
    private long dataPos;
    private long done;

    Pipeline(List<ImageSource> sources, List<ImageSpec> specs, Manifest.Builder mb, FileChannel data, long total,
        Codec codec) {
      this.codec = codec;
      this.sources = sources;
      this.specs = specs;
      this.mb = mb;
      this.data = data;
      this.total = total;
    }

    long run() throws IOException {
      FileChannel[] in = new FileChannel[sources.size()];
      ExecutorService pool = Executors.newFixedThreadPool(threads, Threads.numbered("vad-pack"));
      ArrayDeque<Future<Processed>> inflight = new ArrayDeque<>();
      try {
        for (int i = 0; i < in.length; i++) {
          in[i] = FileChannel.open(sources.get(i).path(), StandardOpenOption.READ);
        }
        BitSet[] visited = new BitSet[specs.size()];
        for (int i = 0; i < visited.length; i++) {
          visited[i] = new BitSet();
        }
        if (profile != null) {
          for (Profile.Entry e : profile.entries()) {
            visited[e.key().image()].set((int) e.key().index());
            submit(pool, inflight, in, e.key());
          }
        }
        for (int i = 0; i < specs.size(); i++) {
          long count = specs.get(i).chunkCount();
          for (long c = 0; c < count; c++) {
            if (!visited[i].get((int) c)) {
              submit(pool, inflight, in, ChunkKey.of(i, c));
            }
          }
        }
        while (!inflight.isEmpty()) {
          complete(inflight.poll());
        }
        return dataPos;
      } finally {
        inflight.forEach(f -> f.cancel(true));
        pool.shutdownNow();
        for (FileChannel ch : in) {
          if (ch != null) {
            ch.close();
          }
        }
      }
    }

    private void submit(ExecutorService pool, ArrayDeque<Future<Processed>> inflight, FileChannel[] in,
        ChunkKey key) throws IOException {
      ImageSpec spec = specs.get(key.image());
      int len = spec.chunkLength(key.index());
      byte[] raw = rawPool.poll();
      if (raw == null) {
        raw = new byte[chunkSize];
      }
      ByteBuffer b = ByteBuffer.wrap(raw, 0, len);
      long pos = key.index() * chunkSize;
      while (b.hasRemaining()) {
        int r = in[key.image()].read(b, pos + b.position());
        if (r < 0) {
          throw new IOException("image '" + spec.name() + "' (" + sources.get(key.image()).path()
              + ") shrank while packing: ended before byte " + (pos + b.position()));
        }
      }
      byte[] rawBuf = raw;
      inflight.add(pool.submit(() -> process(key, rawBuf, len)));
      if (inflight.size() >= window) {
        complete(inflight.poll());
      }
    }

    private Processed process(ChunkKey key, byte[] raw, int len) {
      if (Digests.isZero(raw, 0, len)) {
        return new Processed(key, raw, len, true, null, null, 0, false);
      }
      byte[] digest = Digests.sha256(raw, 0, len);
      byte[] packed = packedPool.poll();
      if (packed == null) {
        packed = new byte[Math.max(chunkSize, codec.maxCompressedLength(chunkSize))];
      }
      if (codec != Codec.none()) {
        ByteBuffer dst = ByteBuffer.wrap(packed);
        int n = codec.compress(ByteBuffer.wrap(raw, 0, len), dst);
        if (n < len - len / 64) { // keep it raw unless compression saves at least ~1.5%
          return new Processed(key, raw, len, false, digest, packed, n, true);
        }
      }
      return new Processed(key, raw, len, false, digest, packed, 0, false);
    }

    private void complete(Future<Processed> f) throws IOException {
      Processed p;
      try {
        p = f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("packing interrupted");
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof UncheckedIOException u) {
          throw u.getCause();
        }
        if (c instanceof RuntimeException r) {
          throw r;
        }
        throw new IOException("chunk processing failed", c);
      }
      if (p.zero()) {
        mb.zero(p.key());
      } else {
        DigestKey dk = new DigestKey(p.digest());
        ChunkKey owner = owners.get(dk);
        if (owner != null) {
          mb.duplicate(p.key(), p.digest(), owner);
        } else {
          ByteBuffer out = p.compressed() ? ByteBuffer.wrap(p.packed(), 0, p.packedLength())
              : ByteBuffer.wrap(p.raw(), 0, p.length());
          int n = out.remaining();
          writeFully(data, out);
          mb.stored(p.key(), p.digest(), p.compressed() ? codec : Codec.none(), dataPos, n);
          owners.put(dk, p.key());
          dataPos += n;
        }
        packedPool.offer(p.packed());
      }
      rawPool.offer(p.raw());
      done += p.length();
      progress.update(done, total);
    }
  }

  /** A digest as a hash-map key. */
  private record DigestKey(byte[] d) {
    @Override
    public boolean equals(Object o) {
      return o instanceof DigestKey k && Arrays.equals(k.d, d);
    }

    @Override
    public int hashCode() {
      return (d[0] & 0xff) | (d[1] & 0xff) << 8 | (d[2] & 0xff) << 16 | (d[3] & 0xff) << 24;
    }
  }

  /** Immutable configuration; every setter may be called once. */
  public static final class Builder {
    private int chunkSize = ChunkSizes.DEFAULT;
    private Codec codec = Codec.lz4();
    private int dictionarySize;
    private Profile profile;
    private int threads = Runtime.getRuntime().availableProcessors();
    private Progress progress = Progress.NONE;

    private Builder() {}

    public Builder chunkSize(int chunkSize) {
      this.chunkSize = ChunkSizes.validate(chunkSize);
      return this;
    }

    public Builder codec(Codec codec) {
      this.codec = Objects.requireNonNull(codec, "codec");
      return this;
    }

    /**
     * Trains a dictionary of at most {@code maxBytes} from the pack's chunks and compresses every chunk with it; the
     * dictionary is stored in the manifest (the appliance id does not change). 0 (the default) means none. The codec
     * must {@linkplain Codec#supportsDictionary() support} dictionaries; {@link #build()} checks.
     */
    public Builder dictionary(int maxBytes) {
      if (maxBytes < 0 || maxBytes > ManifestFormat.MAX_DICTIONARY) {
        throw new IllegalArgumentException("dictionary size must be 0.." + ManifestFormat.MAX_DICTIONARY + ": "
            + maxBytes);
      }
      this.dictionarySize = maxBytes;
      return this;
    }

    /** Lay out the chunks this profile names first, in its order. */
    public Builder profile(Profile profile) {
      this.profile = profile;
      return this;
    }

    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be >= 1: " + threads);
      }
      this.threads = threads;
      return this;
    }

    public Builder progress(Progress progress) {
      this.progress = Objects.requireNonNull(progress, "progress");
      return this;
    }

    public PackWriter build() {
      if (dictionarySize > 0 && !codec.supportsDictionary()) {
        throw new IllegalArgumentException("codec " + codec.name() + " takes no dictionary");
      }
      if (dictionarySize > 0 && codec.dictionary().isPresent()) {
        throw new IllegalArgumentException("codec " + codec.name() + " is already bound to a dictionary");
      }
      return new PackWriter(this);
    }
  }
}
