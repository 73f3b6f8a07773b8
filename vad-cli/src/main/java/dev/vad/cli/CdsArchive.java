package dev.vad.cli;

import dev.vad.fuse.Fuse;
import dev.vad.internal.Threads;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Builds the class-data sharing archive {@code vad.jsa} next to {@code vad.jar} (the build runs it at
 * {@code package}; the {@code ./vad} script uses the archive when it is newer than the jar).
 *
 * <p>{@code main(ARCHIVE)} starts a second JVM with {@code -XX:ArchiveClassesAtExit} on a training run
 * ({@code --train}: in one process, the commands people start most: {@code --version}, {@code --help},
 * {@code pack}, {@code inspect [--json]}, {@code fetch} from {@code file:} and from a loopback {@code vad serve}
 * over vad+tcp, the FUSE probe), then renames the archive into place and writes its length to {@code ARCHIVE.size}.
 * Both matter: a JDK 17 JVM given a truncated archive dies with SIGBUS (it checks the jar's size and time, the JVM's
 * build, not the archive's own length), so a half-written or cut file must never be used.
 */
final class CdsArchive {
  private CdsArchive() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("--train")) {
      for (String s : train(Path.of(args[1]))) {
        System.err.println("CDS training: left out " + s);
      }
      System.exit(0); // the serve's event loop threads must not keep the JVM (and the archive dump) waiting
    }
    if (args.length != 1) {
      System.err.println("usage: CdsArchive ARCHIVE.jsa | --train DIR");
      System.exit(2);
    }
    Path archive = Path.of(args[0]).toAbsolutePath();
    Path jar = jar();
    Path tmp = archive.resolveSibling(archive.getFileName() + ".tmp");
    Path work = Files.createTempDirectory("vad-cds-");
    try {
      Files.deleteIfExists(tmp);
      Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
      Process p = new ProcessBuilder(javaBin.toString(), "-XX:ArchiveClassesAtExit=" + tmp, "-Xlog:cds*=off",
          "-cp", jar.toString(), CdsArchive.class.getName(), "--train", work.toString())
          .inheritIO().start();
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException("the CDS training run did not finish within 5 minutes");
      }
      if (p.exitValue() != 0 || !Files.isRegularFile(tmp) || Files.size(tmp) == 0) {
        throw new IOException("the CDS training run failed (exit " + p.exitValue() + "); no archive written");
      }
      Path size = sizeFile(archive);
      Files.deleteIfExists(size); // no size file, no use: ./vad skips the archive while the two disagree
      Files.move(tmp, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      Files.writeString(size, Files.size(archive) + "\n");
      System.out.printf("CDS archive %s (%d KiB) for %s%n", archive, Files.size(archive) >> 10, jar);
    } finally {
      Files.deleteIfExists(tmp);
      Dirs.deleteTree(work);
    }
  }

  /**
   * {@code ARCHIVE.size}: the archive's length in bytes, written after it. {@code ./vad} uses the archive only if
   * its length is this: a JDK 17 JVM does not check an archive for truncation before mapping it.
   */
  static Path sizeFile(Path archive) {
    return archive.resolveSibling(archive.getFileName() + ".size");
  }

  private static Path jar() throws URISyntaxException {
    return Path.of(CdsArchive.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
  }

  /**
   * The training run: the classes these load (and link) are what the archive holds. Returns what it had to leave
   * out (no FUSE on the build machine, say): fewer classes in the archive, never a failed build of it.
   */
  static List<String> train(Path dir) throws Exception {
    List<String> skipped = new ArrayList<>();
    Path img = dir.resolve("disk.img");
    SampleAppliance.writeImage(img, 4 << 20, SampleAppliance.Mix.DISK, 42); // zeros, text, random: every codec path
    Path pack = dir.resolve("app.vad");
    run("--version");
    run("--help");
    run("pack", "--image", "disk=" + img, "-o", pack.toString());
    run("inspect", pack.toString());
    run("inspect", "--json", pack.toString());
    run("fetch", "file:" + pack, "--cache", dir.resolve("c1").toString(), "--out", dir.resolve("o1").toString());
    for (String c : List.of("fetch", "mount", "run", "serve", "inspect")) {
      run(c, "--help");
    }
    if (!fetchOverTcp(pack, dir)) {
      skipped.add("vad+tcp (vad serve did not start)");
    }
    // jnr-ffi and jnr-fuse's probe, as vad mount and vad run start with it; no libfuse here means fewer classes
    if (!Fuse.isAvailable()) {
      skipped.add("FUSE (" + Fuse.unavailabilityCause().getMessage() + ")");
    }
    return skipped;
  }

  private static boolean fetchOverTcp(Path pack, Path dir) throws Exception {
    StringWriter out = new StringWriter();
    CommandLine serve = quiet(VadCommand.newCommandLineFor("serve"), out);
    Thread t = Threads.startDaemon("cds-training-serve", () -> serve.execute("serve", pack.toString(), "--listen",
        "tcp://127.0.0.1:0", "--threads", "1"));
    Pattern uri = Pattern.compile("^(vad\\+tcp://\\S+)\\s", Pattern.MULTILINE);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Matcher m;
    while (!(m = uri.matcher(out.toString())).find()) {
      if (!t.isAlive() || System.nanoTime() > deadline) {
        t.interrupt();
        return false;
      }
      Thread.sleep(20);
    }
    try {
      run("fetch", m.group(1), "--cache", dir.resolve("c2").toString());
    } finally {
      t.interrupt();
      t.join(10_000);
    }
    return true;
  }

  private static void run(String... args) {
    CommandLine cl = quiet(VadCommand.newCommandLineFor(args), new StringWriter());
    int exit = cl.execute(args);
    if (exit != 0) {
      throw new IllegalStateException("CDS training: vad " + String.join(" ", args) + " exited with " + exit);
    }
  }

  private static CommandLine quiet(CommandLine cl, StringWriter out) {
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
    return cl;
  }
}
