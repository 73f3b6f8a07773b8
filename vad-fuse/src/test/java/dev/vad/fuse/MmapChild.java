package dev.vad.fuse;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Maps a file read-only, touches its pages out of order (as a guest does), and prints the SHA-256 of its bytes.
 * Runs in its own JVM: a JVM that page-faults on an mmap of a FUSE file it serves itself can deadlock (the faulting
 * thread cannot reach a safepoint while the FUSE thread waits for one to allocate).
 */
public final class MmapChild {
  private MmapChild() {}

  public static void main(String[] args) throws Exception {
    try (FileChannel ch = FileChannel.open(Path.of(args[0]))) {
      int len = (int) ch.size();
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, len);
      long sum = 0;
      for (int page = len / 4096 - 1; page >= 0; page -= 3) {
        sum += map.get(page * 4096);
      }
      byte[] all = new byte[len];
      map.get(0, all);
      System.out.println(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all)) + " " + sum);
    }
  }
}
