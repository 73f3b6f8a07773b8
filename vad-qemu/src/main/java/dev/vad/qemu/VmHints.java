package dev.vad.qemu;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * How the publisher says an appliance wants to run, so that a user needs only its URI: memory, CPUs, firmware, ports
 * to forward, and the ready rule (a guest port that answers, or a console marker). Stored in the pack as the small
 * image {@value #IMAGE} (UTF-8 JSON, see docs/pack-format.md), so it is covered by the appliance id like every
 * other byte. Every field is optional (null or empty: not hinted); options the user gives win over hints.
 *
 * <pre>{"version":1,"memory":"512M","smp":1,"firmware":"bios","forward":["8080:80"],"readyPort":80}</pre>
 *
 * <p>Unknown fields are rejected rather than ignored, so that a hint a later version adds is not silently dropped
 * by this one: the error names the field.
 */
public record VmHints(Integer memoryMiB, Integer smp, Firmware firmware, List<PortForward> forwards,
    Integer readyPort, String marker) {
  /** The image name a pack stores the hints under. */
  public static final String IMAGE = "hints.json";
  public static final VmHints NONE = new VmHints(null, null, null, List.of(), null, null);
  private static final int VERSION = 1;
  /** Hints are a few hundred bytes; a larger image is not hints. */
  public static final int MAX_BYTES = 64 << 10;
  private static final Set<String> FIELDS = Set.of("version", "memory", "smp", "firmware", "forward", "readyPort",
      "marker");
  private static final ObjectMapper JSON = new ObjectMapper();

  public VmHints {
    forwards = List.copyOf(forwards);
    if (memoryMiB != null && memoryMiB < 16) {
      throw new IllegalArgumentException("memory hint must be at least 16 MiB, got " + memoryMiB);
    }
    if (smp != null && (smp < 1 || smp > 255)) {
      throw new IllegalArgumentException("smp hint must be 1..255, got " + smp);
    }
    if (readyPort != null && (readyPort < 1 || readyPort > 65535)) {
      throw new IllegalArgumentException("readyPort hint must be 1..65535, got " + readyPort);
    }
  }

  public boolean isEmpty() {
    return equals(NONE);
  }

  /** The JSON text stored in the pack (fields in a fixed order: the same hints give the same bytes and id). */
  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("version", VERSION);
    if (memoryMiB != null) {
      o.put("memory", memoryMiB + "M");
    }
    if (smp != null) {
      o.put("smp", smp);
    }
    if (firmware != null) {
      o.put("firmware", firmware.toString());
    }
    if (!forwards.isEmpty()) {
      ArrayNode a = o.putArray("forward");
      forwards.forEach(f -> a.add(f.toString()));
    }
    if (readyPort != null) {
      o.put("readyPort", readyPort);
    }
    if (marker != null) {
      o.put("marker", marker);
    }
    return o.toString() + "\n";
  }

  /**
   * Parses the stored JSON.
   *
   * @throws IllegalArgumentException naming what is wrong: not JSON, an unknown version or field, a bad value
   */
  public static VmHints parse(String json) {
    JsonNode o;
    try {
      o = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("hints are not JSON: " + e.getOriginalMessage());
    }
    if (o == null || !o.isObject()) {
      throw new IllegalArgumentException("hints must be a JSON object");
    }
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        throw new IllegalArgumentException("unknown hint '" + f + "' (known: " + FIELDS + "); a newer vad wrote it?");
      }
    }
    if (o.path("version").asInt(-1) != VERSION) {
      throw new IllegalArgumentException("hints version " + o.path("version") + " not supported (" + VERSION + ")");
    }
    List<PortForward> fw = new ArrayList<>();
    o.path("forward").forEach(n -> fw.add(PortForward.parse(n.asText())));
    return new VmHints(o.has("memory") ? memoryMiB(o.get("memory").asText()) : null,
        o.has("smp") ? o.get("smp").asInt() : null,
        o.has("firmware") ? Firmware.parse(o.get("firmware").asText()) : null, fw,
        o.has("readyPort") ? o.get("readyPort").asInt() : null,
        o.has("marker") ? o.get("marker").asText() : null);
  }

  /** Reads hints from a file (e.g. {@code MNT/hints.json} on a vad mount). */
  public static VmHints read(Path file) throws IOException {
    String s = Files.readString(file, StandardCharsets.UTF_8);
    try {
      return parse(s);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The hints stored in {@code pack} (its {@value #IMAGE} image, read and verified chunk by chunk), or empty if it
   * has none.
   *
   * @throws IOException if the image is larger than {@value #MAX_BYTES} bytes or does not parse
   */
  public static java.util.Optional<VmHints> read(dev.vad.pack.PackReader pack) throws IOException {
    String json = readText(pack);
    if (json == null) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(parse(json));
    } catch (IllegalArgumentException e) {
      throw new IOException(pack.path() + ": image " + IMAGE + ": " + e.getMessage(), e);
    }
  }

  /** The stored hints' text, or null if the pack has no {@value #IMAGE}. */
  public static String readText(dev.vad.pack.PackReader pack) throws IOException {
    dev.vad.Manifest m = pack.manifest();
    int idx;
    try {
      idx = m.imageIndex(IMAGE);
    } catch (IllegalArgumentException | java.util.NoSuchElementException e) {
      return null;
    }
    if (idx < 0) {
      return null;
    }
    long size = m.image(idx).size();
    if (size > MAX_BYTES) {
      throw new IOException(pack.path() + ": image " + IMAGE + " is " + size + " bytes; hints are at most "
          + MAX_BYTES);
    }
    java.nio.ByteBuffer all = java.nio.ByteBuffer.allocate((int) size);
    java.nio.ByteBuffer chunk = java.nio.ByteBuffer.allocate(m.chunkSize());
    for (long i = 0; all.hasRemaining(); i++) {
      chunk.clear();
      pack.readChunk(dev.vad.ChunkKey.of(idx, i), chunk);
      chunk.flip();
      chunk.limit(Math.min(chunk.limit(), all.remaining()));
      all.put(chunk);
    }
    return new String(all.array(), StandardCharsets.UTF_8);
  }

  /** {@code 512M}, {@code 2G} or a plain number of MiB. */
  static int memoryMiB(String s) {
    String t = s.strip().toUpperCase(java.util.Locale.ROOT);
    try {
      if (t.endsWith("G")) {
        return Math.multiplyExact(Integer.parseInt(t.substring(0, t.length() - 1)), 1024);
      }
      return Integer.parseInt(t.endsWith("M") ? t.substring(0, t.length() - 1) : t);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("bad memory size '" + s + "' (e.g. 512M, 2G)");
    }
  }
}
