package dev.vad.testkit;

import java.util.Objects;

/** An image for a store under test: its name in the appliance and its bytes. */
public record NamedImage(String name, byte[] bytes) {
  public NamedImage {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(bytes, "bytes");
  }

  @Override
  public String toString() {
    return "NamedImage[" + name + ", " + bytes.length + " bytes]";
  }
}
