package dev.vad.qemu;

import java.io.IOException;

/** The test guests, built once per recipe into the shared guest cache ({@link GuestBuilder#defaultCacheDir()}). */
final class TestGuests {
  private static Guest busybox;
  private static Guest debian;

  private TestGuests() {}

  static synchronized Guest busybox() throws IOException, InterruptedException {
    if (busybox == null) {
      busybox = GuestBuilder.builder().kind(GuestKind.BUSYBOX).build().build();
    }
    return busybox;
  }

  static synchronized Guest debian() throws IOException, InterruptedException {
    if (debian == null) {
      debian = GuestBuilder.builder().kind(GuestKind.DEBIAN).build().build();
    }
    return debian;
  }

  /** Under TCG a busybox boot takes ~10 s on a busy 2-core machine; leave room. */
  static java.time.Duration bootTimeout() {
    return java.time.Duration.ofSeconds(90);
  }
}
