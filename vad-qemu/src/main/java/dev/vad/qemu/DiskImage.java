package dev.vad.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A disk image in whatever format users have it (qcow2 with its backing chain, vmdk, vdi, vhdx, vpc, qed, raw) seen
 * as raw bytes, for packing. A raw file is used as it is (no QEMU tool involved). Any other format is exported raw
 * by {@code qemu-storage-daemon} as a read-only FUSE file, which the packer reads like any file: nothing is
 * converted ahead, no temporary copy of the raw image is made, and backing files are followed by QEMU's own block
 * layer. Where {@code qemu-storage-daemon} cannot export over FUSE (not installed, no {@code /dev/fuse}) the image is
 * converted with {@code qemu-img convert -O raw} into a sparse temporary file next to the output instead (temporary
 * space: the image's allocated data), and {@link #tempBytes()} says so.
 *
 * <p>The format is recognised from the file's magic bytes in Java first, so a raw image needs no QEMU tool; then
 * {@code qemu-img info} checks it (a corrupt header fails there, with one line naming the file and QEMU's reason).
 * Close to unmount the export or delete the temporary file.
 */
public final class DiskImage implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DiskImage.class);
  /** Formats converted through QEMU; what {@code qemu-img info} calls them. */
  public static final List<String> FORMATS = List.of("qcow2", "qcow", "vmdk", "vdi", "vhdx", "vpc", "qed");
  private static final Map<String, String> EXTENSIONS = Map.of("qcow2", "qcow2", "qcow", "qcow", "vmdk", "vmdk",
      "vdi", "vdi", "vhdx", "vhdx", "vhd", "vpc", "qed", "qed");

  private final Path source;
  private final String format;
  private final List<Path> backing;
  private final long virtualSize;
  private final Path raw;
  private final Process daemon;
  private final long tempBytes;
  private final String how;

  private DiskImage(Path source, String format, List<Path> backing, long virtualSize, Path raw, Process daemon,
      long tempBytes, String how) {
    this.source = source;
    this.format = format;
    this.backing = List.copyOf(backing);
    this.virtualSize = virtualSize;
    this.raw = raw;
    this.daemon = daemon;
    this.tempBytes = tempBytes;
    this.how = how;
  }

  /**
   * Formats QEMU reads but vad does not pack, recognised so that they fail with their name instead of being packed
   * as if they were a raw disk: encrypted (LUKS: packing would need the key), read-only archive formats.
   */
  private static final List<String> UNSUPPORTED = List.of("luks", "dmg", "parallels");

  /**
   * The format from the first bytes of {@code file}: one of {@link #FORMATS}, {@code raw}, or a format vad does not
   * convert ({@code luks}, {@code dmg}, {@code parallels}).
   */
  public static String sniff(Path file) throws IOException {
    byte[] head = new byte[512];
    byte[] tail = new byte[8];
    int n;
    try (FileChannel ch = FileChannel.open(file)) {
      ByteBuffer b = ByteBuffer.wrap(head);
      while (b.hasRemaining() && ch.read(b) > 0) {
        // short reads: read the first 512 bytes, or the whole of a smaller file
      }
      n = b.position();
      if (ch.size() >= 512) {
        ch.read(ByteBuffer.wrap(tail), ch.size() - 512); // a fixed VHD has its "conectix" footer at the end only
      }
    }
    if (has(head, n, "QFI\u00fb", 0)) {
      return n >= 8 && head[7] == 1 && head[4] == 0 && head[5] == 0 && head[6] == 0 ? "qcow" : "qcow2";
    }
    if (has(head, n, "KDMV", 0) || has(head, n, "# Disk DescriptorFile", 0)) {
      return "vmdk";
    }
    if (has(head, n, "\u007f\u0010\u00da\u00be", 0x40)) { // 0xbeda107f, little-endian
      return "vdi";
    }
    if (has(head, n, "vhdxfile", 0)) {
      return "vhdx";
    }
    if (has(head, n, "conectix", 0) || has(tail, tail.length, "conectix", 0)) {
      return "vpc";
    }
    if (has(head, n, "QED\u0000", 0)) {
      return "qed";
    }
    if (has(head, n, "LUKS\u00ba\u00be", 0)) {
      return "luks";
    }
    if (has(head, n, "WithoutFreeSpace", 0) || has(head, n, "WithouFreSpacExt", 0)) {
      return "parallels";
    }
    if (has(tail, tail.length, "koly", 0)) { // a dmg's trailer starts 512 bytes before the end
      return "dmg";
    }
    return "raw";
  }

  private static boolean has(byte[] b, int n, String magic, int at) {
    byte[] m = magic.getBytes(StandardCharsets.ISO_8859_1);
    return n >= at + m.length && java.util.Arrays.equals(b, at, at + m.length, m, 0, m.length);
  }

  /**
   * Opens {@code file} as raw bytes; {@code tempDir} receives the FUSE mount point (an empty file) or, failing
   * that, the converted copy.
   *
   * @throws IOException one line naming the file and what is wrong: a format that its name promises but its bytes
   *     do not hold, a header QEMU rejects, a missing backing file, a format vad does not convert, no QEMU tools
   */
  public static DiskImage open(Path file, Path tempDir) throws IOException, InterruptedException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": image file not found");
    }
    String sniffed = sniff(file);
    String ext = extension(file);
    String promised = EXTENSIONS.get(ext);
    if (promised != null && !promised.equals(sniffed)) {
      throw new IOException(file + ": named ." + ext + " but it holds no " + promised + " header (its first bytes "
          + "read as " + sniffed + "); a damaged or mislabelled image");
    }
    if (UNSUPPORTED.contains(sniffed)) {
      throw new IOException(file + ": a " + sniffed + " image, which vad pack does not convert (it reads raw, "
          + String.join(", ", FORMATS) + "); convert it with qemu-img first");
    }
    if (sniffed.equals("raw")) {
      return new DiskImage(file, "raw", List.of(), Files.size(file), file, null, 0, "as it is");
    }
    JsonNode info = info(file, sniffed);
    String format = info.get(0).path("format").asText();
    if (!format.equals(sniffed)) {
      throw new IOException(file + ": qemu-img reads it as " + format + ", its header says " + sniffed);
    }
    long vsize = info.get(0).path("virtual-size").asLong(-1);
    List<Path> chain = new ArrayList<>();
    for (int i = 1; i < info.size(); i++) {
      chain.add(Path.of(info.get(i).path("filename").asText()));
    }
    try {
      return export(file, format, chain, vsize, tempDir);
    } catch (IOException e) {
      log.debug("FUSE export of {} failed ({}); converting to a sparse temporary file", file, e.toString());
      return convert(file, format, chain, vsize, tempDir);
    }
  }

  /** {@code qemu-img info --backing-chain}: one JSON object per image in the chain, the file itself first. */
  private static JsonNode info(Path file, String format) throws IOException, InterruptedException {
    Result r = exec(List.of("qemu-img", "info", "--output=json", "--backing-chain", "-f", format, file.toString()),
        file, 60);
    if (r.status != 0) {
      throw new IOException(file + ": not a " + format + " image qemu-img can read: " + firstLine(r.err));
    }
    JsonNode n = new ObjectMapper().readTree(r.out);
    return n.isArray() ? n : new ObjectMapper().createArrayNode().add(n);
  }

  private static DiskImage export(Path file, String format, List<Path> chain, long vsize, Path tempDir)
      throws IOException, InterruptedException {
    Path mp = Files.createTempFile(tempDir, ".vad-export-", ".raw");
    String fileNode = "driver=file,node-name=f,read-only=on,filename=" + file.toString().replace(",", ",,");
    List<String> cmd = List.of("qemu-storage-daemon", "--blockdev", fileNode,
        "--blockdev", "driver=" + format + ",node-name=img,file=f,read-only=on",
        "--export", "type=fuse,id=exp,node-name=img,writable=off,mountpoint=" + mp.toString().replace(",", ",,"));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      Files.deleteIfExists(mp);
      throw new IOException("cannot run qemu-storage-daemon (Debian package qemu-utils): " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    // the export is up when the mount point file shows the image's virtual size (it is empty until mounted)
    while (Files.size(mp) != vsize || vsize == 0) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly().waitFor();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        Files.deleteIfExists(mp);
        throw new IOException(file + ": qemu-storage-daemon did not export it: " + firstLine(err));
      }
      if (vsize == 0) {
        break;
      }
      Thread.sleep(20);
    }
    return new DiskImage(file, format, chain, vsize, mp, p, 0, "streamed through qemu-storage-daemon");
  }

  private static DiskImage convert(Path file, String format, List<Path> chain, long vsize, Path tempDir)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile(tempDir, ".vad-convert-", ".raw");
    try {
      // -S 4k: zero runs become holes, so the temporary file takes only the image's allocated data
      Result r = exec(List.of("qemu-img", "convert", "-f", format, "-O", "raw", "-S", "4k", file.toString(),
          out.toString()), file, 24 * 3600);
      if (r.status != 0) {
        throw new IOException(file + ": qemu-img convert failed: " + firstLine(r.err));
      }
      long used = (Long) Files.getAttribute(out, "unix:blocks") * 512;
      return new DiskImage(file, format, chain, vsize, out, null, used, "converted to a sparse temporary file");
    } catch (IOException | InterruptedException | RuntimeException e) {
      Files.deleteIfExists(out);
      throw e;
    }
  }

  /** The file given. */
  public Path source() {
    return source;
  }

  /** {@code raw} or one of {@link #FORMATS}. */
  public String format() {
    return format;
  }

  /** The backing files followed (qcow2 overlays), nearest first; empty for most images. */
  public List<Path> backing() {
    return backing;
  }

  public long virtualSize() {
    return virtualSize;
  }

  /** A file holding the raw bytes, valid until {@link #close()}. */
  public Path raw() {
    return raw;
  }

  /** Disk space taken by a temporary raw copy (0 when read directly or streamed through the FUSE export). */
  public long tempBytes() {
    return tempBytes;
  }

  /** How the raw bytes are obtained, for the pack summary. */
  public String how() {
    return how;
  }

  /** Unmounts the export (stopping qemu-storage-daemon) or deletes the temporary copy; idempotent. */
  @Override
  public void close() throws IOException {
    if (daemon != null) {
      daemon.destroy(); // SIGTERM: qemu-storage-daemon unmounts its FUSE exports on the way out
      try {
        if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
          daemon.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        daemon.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    if (raw != source) {
      Files.deleteIfExists(raw);
    }
  }

  private static String extension(Path file) {
    String n = file.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    return (nl < 0 ? t : t.substring(0, nl)).replaceFirst("^qemu-(img|storage-daemon): ", "");
  }

  private record Result(int status, String out, String err) {}

  private static Result exec(List<String> cmd, Path file, long timeoutSeconds) throws IOException,
      InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(cmd).start();
    } catch (IOException e) {
      throw new IOException(file + ": converting needs " + cmd.get(0) + " (Debian package qemu-utils): "
          + e.getMessage(), e);
    }
    p.getOutputStream().close();
    // stderr is small; read it on a thread so a chatty stdout cannot block the process
    var err = new java.util.concurrent.CompletableFuture<String>();
    Thread t = new Thread(() -> {
      try {
        err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        err.complete(e.toString());
      }
    }, "qemu-img-stderr");
    t.setDaemon(true);
    t.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(file + ": " + cmd.get(0) + " " + cmd.get(1) + " took longer than " + timeoutSeconds
          + " s");
    }
    t.join();
    return new Result(p.exitValue(), out, err.getNow(""));
  }
}
