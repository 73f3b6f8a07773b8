package dev.vad.fuse.internal;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.PointerByReference;
import ru.serce.jnrfuse.struct.FuseOperations;

/**
 * The libfuse 2.6+ calls that let Java threads run the request loop ({@code fuse_setup}, then receive/process on
 * each worker, then {@code fuse_teardown}); public because jnr-ffi implements it. Not API.
 */
public interface LibFuseSession {
  /** Parses the options, mounts, creates the file system; null on failure (libfuse printed why on stderr). */
  Pointer fuse_setup(int argc, String[] argv, FuseOperations op, long opSize, @Out PointerByReference mountpoint,
      @Out IntByReference multithreaded, Pointer userData);

  void fuse_teardown(Pointer fuse, Pointer mountpoint);

  Pointer fuse_get_session(Pointer fuse);

  Pointer fuse_session_next_chan(Pointer session, Pointer previous);

  long fuse_chan_bufsize(Pointer channel);

  /**
   * One request into {@code buf}: its length, 0 when the session ended (unmounted), or a negative errno. {@code
   * channelRef} points to the channel pointer.
   */
  @IgnoreError
  int fuse_chan_recv(Pointer channelRef, Pointer buf, long size);

  @IgnoreError
  void fuse_session_process(Pointer session, Pointer buf, long len, Pointer channel);

  @IgnoreError
  int fuse_session_exited(Pointer session);

  void fuse_session_exit(Pointer session);
}
