package dev.vad.fuse;

import dev.vad.fuse.internal.LibFuseSession;
import dev.vad.internal.Threads;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.PointerByReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.struct.FuseOperations;

/**
 * libfuse's multi-threaded request loop, run by Java threads instead of libfuse's own.
 *
 * <p>Why: jffi attaches a native thread to the JVM when it calls a Java callback and detaches it afterwards (until
 * that thread has made 1000 calls). Under {@code fuse_main_real} every request of a libfuse worker thread therefore
 * created and destroyed a {@code java.lang.Thread}: a boot's reads each ran on a thread of their own, and QEMU waited
 * longer in reads (benchmarks/RESULTS.md, "the FUSE read path"). Here the workers are Java threads,
 * attached for their whole life, so a callback is a plain JNI upcall.
 *
 * <p>The policy is libfuse 2.9's {@code fuse_loop_mt}: when the last idle worker takes a request another is
 * started (a read that waits for a missing chunk never holds up the others), and a worker that finds more than
 * {@value #MAX_IDLE} idle ones ends. The loop ends when the kernel ends the connection (unmount or abort) and every
 * worker has returned from its callback.
 */
final class SessionLoop {
  private static final Logger log = LoggerFactory.getLogger(SessionLoop.class);
  static final int MAX_IDLE = 10;
  private static final int EINTR = 4;

  private final LibFuseSession lib;
  private final Pointer session;
  private final Pointer channel;
  private final long bufSize;
  private final String threadName;
  private int idle;
  private int live;
  private int started;
  private int failure;

  private SessionLoop(LibFuseSession lib, Pointer session, String threadName) {
    this.lib = lib;
    this.session = session;
    this.channel = lib.fuse_session_next_chan(session, null);
    this.bufSize = lib.fuse_chan_bufsize(channel);
    this.threadName = threadName;
  }

  private static final class Holder {
    static final LibFuseSession LIB = load();

    private static LibFuseSession load() {
      try {
        return LibraryLoader.create(LibFuseSession.class).failImmediately().load("fuse");
      } catch (LinkageError | RuntimeException first) {
        return LibraryLoader.create(LibFuseSession.class).failImmediately().load("libfuse.so.2");
      }
    }
  }

  /**
   * Mounts with {@code argv} (libfuse's command line; must include {@code -f}), serves requests until the
   * connection ends, unmounts; returns 0, or 1 if libfuse could not mount or a worker failed to read a request.
   * Runs the first worker on the calling thread, which must be a Java thread.
   */
  static int run(FuseOperations ops, String[] argv, String threadName) {
    LibFuseSession lib = Holder.LIB;
    PointerByReference mountpoint = new PointerByReference();
    Pointer fuse = lib.fuse_setup(argv.length, argv, ops, Struct.size(ops), mountpoint, new IntByReference(), null);
    if (fuse == null) {
      return 1;
    }
    try {
      SessionLoop loop = new SessionLoop(lib, lib.fuse_get_session(fuse), threadName);
      return loop.serve();
    } finally {
      lib.fuse_teardown(fuse, mountpoint.getValue());
    }
  }

  private int serve() {
    synchronized (this) {
      idle = 1;
      live = 1;
      started = 1;
    }
    work();
    boolean interrupted = false;
    synchronized (this) {
      while (live > 0) {
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true; // the loop ends with the connection, not on interrupt: keep waiting for the workers
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      return failure;
    }
  }

  private void startWorker() { // holding the monitor
    idle++;
    live++;
    Threads.startDaemon(threadName + "-" + started++, this::work);
  }

  private void work() {
    Runtime runtime = Runtime.getRuntime(lib);
    Pointer buf = Memory.allocateDirect(runtime, bufSize);
    Pointer channelRef = Memory.allocateDirect(runtime, runtime.addressSize());
    boolean countedIdle = true; // serve() and startWorker() count a new worker as idle
    try {
      while (lib.fuse_session_exited(session) == 0) {
        channelRef.putPointer(0, channel);
        int n = lib.fuse_chan_recv(channelRef, buf, bufSize);
        if (n == -EINTR) {
          continue;
        }
        if (n <= 0) {
          if (n < 0) {
            log.warn("{}: reading a FUSE request failed with errno {}", threadName, -n);
            fail();
          }
          break;
        }
        synchronized (this) {
          countedIdle = false;
          if (--idle == 0) {
            startWorker();
          }
        }
        lib.fuse_session_process(session, buf, n, channelRef.getPointer(0));
        synchronized (this) {
          if (idle >= MAX_IDLE) {
            return; // enough idle workers already
          }
          idle++;
          countedIdle = true;
        }
      }
    } catch (RuntimeException | Error e) {
      log.error("{}: FUSE worker failed", threadName, e);
      fail();
    } finally {
      synchronized (this) {
        if (countedIdle) {
          idle--;
        }
        live--;
        notifyAll();
      }
    }
  }

  private void fail() {
    lib.fuse_session_exit(session);
    synchronized (this) {
      failure = 1;
    }
  }
}
