package dev.vad.fuse;

import dev.vad.ImageSpec;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link FuseMount} behaves. Immutable; build with {@link #builder()} or use {@link #DEFAULTS}.
 *
 * <p>Reads and writes go through the kernel page cache (no {@code direct_io}), so {@code mmap} works and data read
 * once is served by the kernel afterwards; the status file alone bypasses it, as its content changes.
 */
public final class FuseOptions {
  /** Largest request the kernel sends with the libfuse 2 protocol (32 pages). */
  public static final int MAX_REQUEST = 128 * 1024;

  /** Writable images, 128 KiB requests and readahead, {@code status.json}, owner-only access. */
  public static final FuseOptions DEFAULTS = builder().build();

  private final boolean writable;
  private final boolean allowOther;
  private final int maxRead;
  private final int maxWrite;
  private final int maxReadahead;
  private final String statusFileName;
  private final Duration mountTimeout;
  private final Duration unmountTimeout;
  private final boolean debug;

  private FuseOptions(Builder b) {
    this.writable = b.writable;
    this.allowOther = b.allowOther;
    this.maxRead = b.maxRead;
    this.maxWrite = b.maxWrite;
    this.maxReadahead = b.maxReadahead;
    this.statusFileName = b.statusFileName;
    this.mountTimeout = b.mountTimeout;
    this.unmountTimeout = b.unmountTimeout;
    this.debug = b.debug;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.writable = writable;
    b.allowOther = allowOther;
    b.maxRead = maxRead;
    b.maxWrite = maxWrite;
    b.maxReadahead = maxReadahead;
    b.statusFileName = statusFileName;
    b.mountTimeout = mountTimeout;
    b.unmountTimeout = unmountTimeout;
    b.debug = debug;
    return b;
  }

  /** Whether writes reach the overlay; if false they fail with EROFS (opening read-write still works). */
  public boolean writable() {
    return writable;
  }

  /** Whether users other than the one mounting may access the files ({@code allow_other}). */
  public boolean allowOther() {
    return allowOther;
  }

  public int maxRead() {
    return maxRead;
  }

  public int maxWrite() {
    return maxWrite;
  }

  /** Kernel readahead per file; reads ahead fetch chunks the reader has not asked for yet. */
  public int maxReadahead() {
    return maxReadahead;
  }

  public String statusFileName() {
    return statusFileName;
  }

  public Duration mountTimeout() {
    return mountTimeout;
  }

  /** How long {@link FuseMount#close()} waits for the kernel to let go before it aborts the connection. */
  public Duration unmountTimeout() {
    return unmountTimeout;
  }

  /** libfuse's {@code -d}: every request on stderr. */
  public boolean debug() {
    return debug;
  }

  /** The libfuse {@code -o} option list. */
  String mountOptions(String fsName) {
    StringBuilder o = new StringBuilder("fsname=").append(fsName).append(",subtype=vad")
        .append(",max_read=").append(maxRead)
        .append(",max_readahead=").append(maxReadahead)
        .append(",max_write=").append(maxWrite);
    if (maxWrite > 4096) {
      o.append(",big_writes");
    }
    if (allowOther) {
      o.append(",allow_other");
    }
    return o.toString();
  }

  @Override
  public String toString() {
    return "FuseOptions{writable=" + writable + ", allowOther=" + allowOther + ", maxRead=" + maxRead
        + ", maxWrite=" + maxWrite + ", maxReadahead=" + maxReadahead + ", statusFile=" + statusFileName + "}";
  }

  /** Builder; {@link #build()} checks the values together. */
  public static final class Builder {
    private boolean writable = true;
    private boolean allowOther;
    private int maxRead = MAX_REQUEST;
    private int maxWrite = MAX_REQUEST;
    private int maxReadahead = MAX_REQUEST;
    private String statusFileName = "status.json";
    private Duration mountTimeout = Duration.ofSeconds(15);
    private Duration unmountTimeout = Duration.ofSeconds(10);
    private boolean debug;

    private Builder() {}

    public Builder writable(boolean writable) {
      this.writable = writable;
      return this;
    }

    public Builder allowOther(boolean allowOther) {
      this.allowOther = allowOther;
      return this;
    }

    /** Largest read request, 4 KiB to {@link #MAX_REQUEST}, a multiple of 4 KiB. */
    public Builder maxRead(int bytes) {
      this.maxRead = pages("maxRead", bytes, MAX_REQUEST);
      return this;
    }

    /** Largest write request, 4 KiB to {@link #MAX_REQUEST}, a multiple of 4 KiB. */
    public Builder maxWrite(int bytes) {
      this.maxWrite = pages("maxWrite", bytes, MAX_REQUEST);
      return this;
    }

    /** Kernel readahead, 0 (none) to 1 MiB, a multiple of 4 KiB. */
    public Builder maxReadahead(int bytes) {
      this.maxReadahead = bytes == 0 ? 0 : pages("maxReadahead", bytes, 1 << 20);
      return this;
    }

    /** Name of the read-only JSON status file in the mount's root. */
    public Builder statusFileName(String name) {
      ImageSpec.validateName(Objects.requireNonNull(name, "name"));
      this.statusFileName = name;
      return this;
    }

    public Builder mountTimeout(Duration timeout) {
      this.mountTimeout = positive("mountTimeout", timeout);
      return this;
    }

    public Builder unmountTimeout(Duration timeout) {
      this.unmountTimeout = positive("unmountTimeout", timeout);
      return this;
    }

    public Builder debug(boolean debug) {
      this.debug = debug;
      return this;
    }

    public FuseOptions build() {
      return new FuseOptions(this);
    }

    private static int pages(String what, int bytes, int max) {
      if (bytes < 4096 || bytes > max || bytes % 4096 != 0) {
        throw new IllegalArgumentException(what + " must be a multiple of 4096 from 4096 to " + max + ": " + bytes);
      }
      return bytes;
    }

    private static Duration positive(String what, Duration d) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive: " + d);
      }
      return d;
    }
  }
}
