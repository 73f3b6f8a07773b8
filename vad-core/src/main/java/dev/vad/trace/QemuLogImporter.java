package dev.vad.trace;

import dev.vad.ImageSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Imports the block-layer events of a QEMU {@code log} trace backend file as a {@link Trace}. QEMU run with
 * {@code -msg timestamp=on -trace enable=blk_co_preadv,file=blk.log -trace enable=blk_co_pwritev,file=blk.log}
 * writes lines like
 * <pre>
 * 14542@1795576711.808170:blk_co_preadv blk 0x55c7318213d0 bs 0x55c731823cd0 offset 0 bytes 512 flags 0x0
 * </pre>
 * ({@code thread-id@epoch-seconds.micros:event args}). {@code blk_co_preadv} becomes a read, {@code blk_co_pwritev} a
 * write; every other line is ignored. Times become microseconds since the earliest imported event. Offsets are those
 * the guest sees on the drive, which are image offsets for raw images.
 *
 * <p>Each distinct {@code blk} pointer is one drive, named either by an explicit pointer-to-image map or by the order
 * in which the drives first appear. Immutable and thread-safe.
 */
public final class QemuLogImporter {
  private static final String READ_EVENT = "blk_co_preadv";
  private static final String WRITE_EVENT = "blk_co_pwritev";
  /** The event name as a whole word, at the start of the line or right after the timestamp's ':'. */
  private static final Pattern EVENT = Pattern.compile("(?:^|[\\s:])(" + READ_EVENT + "|" + WRITE_EVENT
      + ")(?=\\s|$)");
  private static final Pattern PREFIX = Pattern.compile("(\\d+)@(\\d{1,12})\\.(\\d{6}):");
  private static final Pattern POINTER = Pattern.compile("0x[0-9a-fA-F]{1,16}");

  private final List<String> namesInOrder; // null when mapping by pointer
  private final Map<Long, String> namesByPointer; // null when mapping by order

  private QemuLogImporter(List<String> namesInOrder, Map<Long, String> namesByPointer) {
    this.namesInOrder = namesInOrder;
    this.namesByPointer = namesByPointer;
  }

  /**
   * Names drives by order of first appearance: the first {@code blk} pointer seen is {@code imageNames[0]}, and so
   * on. A log with more drives than names fails.
   *
   * @throws IllegalArgumentException if a name is invalid or given twice, or there are none
   */
  public static QemuLogImporter byOrder(List<String> imageNames) {
    Objects.requireNonNull(imageNames, "imageNames");
    if (imageNames.isEmpty()) {
      throw new IllegalArgumentException("no image names given");
    }
    checkNames(imageNames);
    return new QemuLogImporter(List.copyOf(imageNames), null);
  }

  /**
   * Names drives by their {@code blk} pointer ({@code "0x55c7318213d0" -> "disk"}). A log with a drive the map does
   * not name fails.
   *
   * @throws IllegalArgumentException if a pointer is not {@code 0x} and hex digits, a pointer appears twice, or a
   *     name is invalid or given twice
   */
  public static QemuLogImporter byPointer(Map<String, String> pointerToImage) {
    Objects.requireNonNull(pointerToImage, "pointerToImage");
    if (pointerToImage.isEmpty()) {
      throw new IllegalArgumentException("no drive mapping given");
    }
    Map<Long, String> m = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : pointerToImage.entrySet()) {
      String p = e.getKey().strip();
      if (!POINTER.matcher(p).matches()) {
        throw new IllegalArgumentException("not a blk pointer (0x and up to 16 hex digits): '" + e.getKey() + "'");
      }
      if (m.put(Long.parseUnsignedLong(p.substring(2), 16), e.getValue()) != null) {
        throw new IllegalArgumentException("blk pointer " + p + " is mapped twice");
      }
    }
    checkNames(m.values());
    return new QemuLogImporter(null, Collections.unmodifiableMap(m));
  }

  private static void checkNames(Iterable<String> names) {
    Set<String> seen = new HashSet<>();
    for (String n : names) {
      ImageSpec.validateName(n);
      if (!seen.add(n)) {
        throw new IllegalArgumentException("image name '" + n + "' given twice");
      }
    }
  }

  /**
   * An imported log: the trace and which image each drive became, in order of first appearance.
   *
   * @param trace the events, times relative to the earliest
   * @param drives {@code blk} pointer as printed (e.g. {@code 0x55c7318213d0}) to image name
   * @param ignoredLines lines that were not block events (other trace events, QEMU messages, blank lines)
   */
  public record Result(Trace trace, Map<String, String> drives, long ignoredLines) {}

  public Result read(Path file) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(r, file.toString());
    }
  }

  /**
   * Reads a log.
   *
   * @param where names the source in error messages ({@code where:line: ...})
   * @throws TraceFormatException for a {@code blk_co_preadv}/{@code blk_co_pwritev} line that does not parse, or a
   *     drive without an image name
   */
  public Result read(Reader reader, String where) throws IOException {
    BufferedReader r = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
    record Raw(long micros, String image, boolean write, long offset, long length) {}
    List<Raw> raws = new ArrayList<>();
    Map<Long, String> drives = new LinkedHashMap<>(); // pointer -> image, in order of first appearance
    Map<Long, String> printed = new HashMap<>();
    long minMicros = Long.MAX_VALUE;
    long ignored = 0;
    long n = 0;
    String line;
    while ((line = r.readLine()) != null) {
      n++;
      String s = line.strip();
      Matcher em = EVENT.matcher(s);
      if (!em.find()) {
        ignored++;
        continue;
      }
      String event = em.group(1);
      boolean write = event.equals(WRITE_EVENT);
      String prefix = s.substring(0, em.start(1));
      if (prefix.isEmpty()) {
        throw new TraceFormatException(where, n, event + " without a 'thread@seconds.micros:' timestamp; "
            + "run QEMU with -msg timestamp=on");
      }
      Matcher pm = PREFIX.matcher(prefix);
      if (!pm.matches()) {
        throw new TraceFormatException(where, n, "bad timestamp '" + prefix
            + "' (expected thread@seconds.micros:, e.g. 14542@1795576711.808170:)");
      }
      long micros = Long.parseLong(pm.group(2)) * 1_000_000 + Long.parseLong(pm.group(3));
      Map<String, String> args = arguments(event, s.substring(em.end(1)).strip(), where, n);
      String blk = required(args, "blk", where, n);
      if (!POINTER.matcher(blk).matches()) {
        throw new TraceFormatException(where, n, "blk is not a pointer: '" + blk + "'");
      }
      long offset = number(args, "offset", where, n);
      long bytes = number(args, "bytes", where, n);
      long pointer = Long.parseUnsignedLong(blk.substring(2), 16);
      String image = drives.get(pointer);
      if (image == null) {
        image = nameFor(pointer, blk, drives.size(), where, n);
        drives.put(pointer, image);
        printed.put(pointer, blk.toLowerCase(Locale.ROOT));
      }
      if (bytes == 0) {
        continue; // touches nothing (QEMU passes zero-length requests through)
      }
      minMicros = Math.min(minMicros, micros);
      raws.add(new Raw(micros, image, write, offset, bytes));
    }
    List<TraceEvent> events = new ArrayList<>(raws.size());
    for (Raw x : raws) {
      events.add(new TraceEvent(x.micros - minMicros, x.image, x.write, x.offset, x.length));
    }
    Map<String, String> named = new LinkedHashMap<>();
    drives.forEach((p, img) -> named.put(printed.get(p), img));
    return new Result(new Trace(null, events), Collections.unmodifiableMap(named), ignored);
  }

  private String nameFor(long pointer, String blk, int seen, String where, long line) throws TraceFormatException {
    if (namesByPointer != null) {
      String name = namesByPointer.get(pointer);
      if (name == null) {
        throw new TraceFormatException(where, line, "drive blk " + blk + " is not mapped to an image (mapped: "
            + mappedList() + ")");
      }
      return name;
    }
    if (seen >= namesInOrder.size()) {
      throw new TraceFormatException(where, line, "drive blk " + blk + " is drive " + (seen + 1) + " but only "
          + namesInOrder.size() + " image name" + (namesInOrder.size() == 1 ? "" : "s") + " given "
          + namesInOrder);
    }
    return namesInOrder.get(seen);
  }

  private String mappedList() {
    StringBuilder sb = new StringBuilder();
    namesByPointer.forEach((p, name) -> sb.append(sb.length() == 0 ? "" : ", ").append("0x")
        .append(Long.toHexString(p)).append('=').append(name));
    return sb.toString();
  }

  /** {@code blk 0x.. bs 0x.. offset N bytes N flags 0x..} as name-value pairs; names not needed are ignored. */
  private static Map<String, String> arguments(String event, String text, String where, long line)
      throws TraceFormatException {
    String[] f = text.isEmpty() ? new String[0] : text.split("\\s+");
    if (f.length % 2 != 0) {
      throw new TraceFormatException(where, line, event + " arguments are not 'name value' pairs: '" + text + "'");
    }
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i < f.length; i += 2) {
      args.put(f[i], f[i + 1]);
    }
    return args;
  }

  private static String required(Map<String, String> args, String key, String where, long line)
      throws TraceFormatException {
    String v = args.get(key);
    if (v == null) {
      throw new TraceFormatException(where, line, "no '" + key + "' argument");
    }
    return v;
  }

  private static long number(Map<String, String> args, String key, String where, long line)
      throws TraceFormatException {
    String v = required(args, key, where, line);
    long x;
    try {
      x = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new TraceFormatException(where, line, key + " is not a number: '" + v + "'");
    }
    if (x < 0) {
      throw new TraceFormatException(where, line, key + " is negative: " + x);
    }
    return x;
  }
}
