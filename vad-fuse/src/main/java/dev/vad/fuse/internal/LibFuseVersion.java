package dev.vad.fuse.internal;

/** The one libfuse symbol the availability probe calls (public because jnr-ffi implements it). Not API. */
public interface LibFuseVersion {
  /** 26..29 for libfuse 2.6..2.9. */
  int fuse_version();
}
