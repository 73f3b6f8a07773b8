package dev.vad.qemu;

import java.io.IOException;
import java.lang.ref.Reference;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a process whose {@code madvise(addr, len, MADV_HUGEPAGE)} calls succeed without effect, so that QEMU's guest
 * RAM, when it is a file on a vad mount, is faulted in page by page instead of in 2 MiB windows.
 *
 * <p>Why: QEMU advises all guest RAM {@code MADV_HUGEPAGE} (unconditionally, in {@code ram_block_add}), which sets
 * {@code VM_HUGEPAGE} on the mapping; for such a file mapping the kernel's fault path ({@code
 * do_sync_mmap_readahead} in mm/filemap.c) reads the whole 2 MiB-aligned window around every fault (4 MiB unless
 * the mapping is also {@code MADV_RANDOM}) "even if readahead is disabled". A resumed guest that touches scattered
 * pages then pulls hundreds of MiB through the mount. Neither {@code PR_SET_THP_DISABLE} nor the mount's readahead
 * settings clear that flag; refusing the advice does.
 *
 * <p>How: a seccomp filter (classic BPF on {@code seccomp_data}) that answers {@code madvise} with advice {@code
 * MADV_HUGEPAGE} with {@code SECCOMP_RET_ERRNO} and errno 0, i.e. the call is skipped and returns 0, and allows every
 * other call. Filters belong to one thread and are inherited by its children across fork and exec, so a fresh thread
 * sets {@code PR_SET_NO_NEW_PRIVS} (required without {@code CAP_SYS_ADMIN}), installs the filter, starts the process
 * ({@code ProcessBuilder} forks from the calling thread) and ends; no other JVM thread is affected.
 *
 * <p>Linux on x86-64 and aarch64 only; probed once ({@link #isAvailable()}, {@link #unavailabilityCause()}).
 */
final class NoHugePageAdvice {
  private static final Logger log = LoggerFactory.getLogger(NoHugePageAdvice.class);

  static final int MADV_HUGEPAGE = 14;
  private static final int PR_SET_NO_NEW_PRIVS = 38;
  private static final int PR_SET_SECCOMP = 22;
  private static final int SECCOMP_MODE_FILTER = 2;
  private static final int SECCOMP_RET_ERRNO = 0x0005_0000;
  private static final int SECCOMP_RET_ALLOW = 0x7fff_0000;
  // classic BPF opcodes
  private static final short LD_W_ABS = 0x20;
  private static final short JEQ_K = 0x15;
  private static final short RET_K = 0x06;
  // struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
  private static final int OFF_NR = 0;
  private static final int OFF_ARCH = 4;
  private static final int OFF_ARG2_LOW = 16 + 2 * 8;

  private NoHugePageAdvice() {}

  /** The C library calls used; {@code prctl} is variadic in C, called here with all five arguments. */
  public interface LibC {
    int prctl(int option, long arg2, long arg3, long arg4, long arg5);
  }

  /** {@code AUDIT_ARCH_*} and {@code __NR_madvise} for this JVM's architecture. */
  private record Arch(int auditArch, int madviseNr) {}

  private static final class Holder {
    static final Object PROBE = probe();
  }

  private static Object probe() {
    try {
      if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
        throw new UnsupportedOperationException("not Linux: " + System.getProperty("os.name"));
      }
      Arch arch = switch (System.getProperty("os.arch", "")) {
        case "amd64", "x86_64" -> new Arch(0xC000_003E, 28);
        case "aarch64" -> new Arch(0xC000_00B7, 233);
        default -> throw new UnsupportedOperationException("no seccomp filter for architecture "
            + System.getProperty("os.arch"));
      };
      LibC libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
      return new Native(libc, Runtime.getRuntime(libc), arch);
    } catch (Throwable t) {
      return t;
    }
  }

  private record Native(LibC libc, Runtime runtime, Arch arch) {}

  static boolean isAvailable() {
    return Holder.PROBE instanceof Native;
  }

  static Optional<Throwable> unavailabilityCause() {
    return Holder.PROBE instanceof Throwable t ? Optional.of(t) : Optional.empty();
  }

  /**
   * Starts {@code pb} with the filter installed in it (see the class comment).
   *
   * @throws IOException if the process does not start, or the filter cannot be installed (with the reason; the
   *     process is not started then)
   */
  static Process start(ProcessBuilder pb) throws IOException {
    if (!(Holder.PROBE instanceof Native n)) {
      throw new IOException("cannot refuse MADV_HUGEPAGE here: " + unavailabilityCause().orElseThrow(),
          unavailabilityCause().orElseThrow());
    }
    AtomicReference<Object> out = new AtomicReference<>();
    // the filter stays with this thread until it ends: it must start the process and nothing else
    Thread t = new Thread(() -> {
      try {
        install(n);
        out.set(pb.start());
      } catch (Throwable e) {
        out.set(e);
      }
    }, "vad-no-hugepage-start");
    t.setDaemon(true);
    t.start();
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      // the thread still finishes starting the process: wait for it so it is not orphaned
      joinUninterruptibly(t);
      Object r = out.get();
      if (r instanceof Process p) {
        p.destroyForcibly();
      }
      throw new IOException("interrupted while starting " + pb.command().get(0), e);
    }
    Object r = out.get();
    if (r instanceof Process p) {
      return p;
    }
    if (r instanceof IOException e) {
      throw e;
    }
    throw new IOException("cannot start " + pb.command().get(0) + " without MADV_HUGEPAGE: " + r, (Throwable) r);
  }

  private static void joinUninterruptibly(Thread t) {
    while (true) {
      try {
        t.join();
        return;
      } catch (InterruptedException ignored) {
        // keep waiting; the interrupt is already re-asserted by the caller
      }
    }
  }

  private static void install(Native n) throws IOException {
    if (n.libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
      throw new IOException("prctl(PR_SET_NO_NEW_PRIVS) failed, errno " + n.runtime.getLastError());
    }
    long[] prog = {
        insn(LD_W_ABS, 0, 0, OFF_ARCH),
        insn(JEQ_K, 0, 5, n.arch.auditArch), // another ABI: allow
        insn(LD_W_ABS, 0, 0, OFF_NR),
        insn(JEQ_K, 0, 3, n.arch.madviseNr),
        insn(LD_W_ABS, 0, 0, OFF_ARG2_LOW), // the advice is an int: its low word
        insn(JEQ_K, 0, 1, MADV_HUGEPAGE),
        insn(RET_K, 0, 0, SECCOMP_RET_ERRNO), // errno 0: skipped, returns 0
        insn(RET_K, 0, 0, SECCOMP_RET_ALLOW),
    };
    Pointer filter = Memory.allocateDirect(n.runtime, prog.length * 8);
    for (int i = 0; i < prog.length; i++) {
      filter.putLong(i * 8L, prog[i]);
    }
    // struct sock_fprog { unsigned short len; struct sock_filter *filter; }: the pointer at offset 8 on 64-bit
    Pointer fprog = Memory.allocateDirect(n.runtime, 16);
    fprog.putShort(0, (short) prog.length);
    fprog.putAddress(8, filter.address());
    if (n.libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog.address(), 0, 0) != 0) {
      throw new IOException("prctl(PR_SET_SECCOMP) failed, errno " + n.runtime.getLastError());
    }
    // the kernel copied the program; until here both buffers must stay allocated
    Reference.reachabilityFence(filter);
    Reference.reachabilityFence(fprog);
    log.debug("seccomp filter installed on thread {}: madvise(MADV_HUGEPAGE) returns 0 without effect",
        Thread.currentThread().getName());
  }

  /** One {@code struct sock_filter} (code u16, jt u8, jf u8, k u32) as a little-endian long. */
  private static long insn(short code, int jt, int jf, int k) {
    return (code & 0xffffL) | (long) (jt & 0xff) << 16 | (long) (jf & 0xff) << 24 | (k & 0xffff_ffffL) << 32;
  }
}
