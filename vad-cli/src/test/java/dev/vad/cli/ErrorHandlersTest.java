package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

class ErrorHandlersTest {

  @Test
  void fileErrorsWithoutAReasonGetOne() {
    assertThat(ErrorHandlers.describe(new NoSuchFileException("/a/b"))).isEqualTo("/a/b: no such file or directory");
    assertThat(ErrorHandlers.describe(new AccessDeniedException("/a"))).isEqualTo("/a: permission denied");
    assertThat(ErrorHandlers.describe(new NoSuchFileException("/a", null, "image file not found")))
        .isEqualTo("/a: image file not found");
  }

  @Test
  void wrappersAddTheirCauseAndUncheckedIsUnwrapped() {
    assertThat(ErrorHandlers.describe(new IOException("chunk processing failed", new IllegalStateException("boom"))))
        .isEqualTo("chunk processing failed: boom");
    assertThat(ErrorHandlers.describe(new UncheckedIOException(new NoSuchFileException("/x"))))
        .isEqualTo("/x: no such file or directory");
    assertThat(ErrorHandlers.describe(new IllegalStateException())).isEqualTo("IllegalStateException");
  }

  @Test
  void aMessageRethrownWithItsCauseIsSaidOnce() {
    IOException full = new IOException("cache disk full: cannot write /c/disk.img",
        new IOException("No space left on device"));
    assertThat(ErrorHandlers.describe(new IOException(full.getMessage(), full)))
        .isEqualTo("cache disk full: cannot write /c/disk.img: No space left on device");
  }

  @Test
  void multiLineMessagesBecomeOneLine() {
    assertThat(ErrorHandlers.describe(new IOException("first\n  second\r\nthird"))).isEqualTo("first; second; third");
  }
}
