package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a command loads, as a behaviour rather than a timing: each run goes through a fresh class loader over the
 * test class path (this JVM has loaded Netty, jnr and the rest for other tests), which records every class it
 * defines. Start-up cost follows the classes loaded, so a command that starts loading a transport, FUSE, QEMU
 * support, Jackson or logback's XML configurator it does not use is caught here, not by a stopwatch.
 */
class StartupClassesTest {
  @TempDir Path dir;

  @Test
  void fetchFromAFileLoadsNoNetworkFuseQemuOrJson() throws Exception {
    Path img = dir.resolve("disk.img");
    SampleAppliance.writeImage(img, 1 << 20, SampleAppliance.Mix.DISK, 5);
    Path pack = dir.resolve("app.vad");
    // lz4, so that the check below also shows the codec registry loads no codec a pack does not name (zstd's native)
    Cli.run("pack", "-i", "disk=" + img, "--codec", "lz4", "-o", pack.toString()).succeeded();

    Run r = Run.isolated("fetch", "file:" + pack, "--cache", dir.resolve("c").toString(), "--out",
        dir.resolve("o").toString());

    assertThat(r.exit).as("stdout: %s%nstderr: %s", r.out, r.err).isZero();
    assertThat(r.loaded).contains("dev.vad.cli.FetchCommand", "dev.vad.internal.transport.LocalChunkSource");
    assertThat(r.loaded).filteredOn(n -> n.startsWith("io.netty.") || n.startsWith("jnr.")
            || n.startsWith("ru.serce.jnrfuse.") || n.startsWith("com.github.luben.") || n.startsWith("com.fasterxml.")
            || n.startsWith("dev.vad.transport.tcp.") && !n.endsWith(".TcpTransportProvider")
                && !n.endsWith(".TlsTransportProvider")
            || n.startsWith("dev.vad.transport.quic.") && !n.endsWith(".QuicTransportProvider")
            || n.startsWith("dev.vad.fuse.") || n.startsWith("dev.vad.qemu.") || n.startsWith("dev.vad.testkit.")
            || n.startsWith("ch.qos.logback.classic.joran.") || n.startsWith("ch.qos.logback.core.model."))
        .as("classes fetch file: has no use for (the registry instantiates every transport provider: they must "
            + "stay light)").isEmpty();
    assertThat(r.loaded).as("only the subcommand run is built")
        .noneMatch(n -> n.startsWith("dev.vad.cli.") && n.endsWith("Command") && !n.equals("dev.vad.cli.VadCommand")
            && !n.equals("dev.vad.cli.FetchCommand"));
  }

  @Test
  void versionLoadsNoSubcommandAndNoLogging() throws Exception {
    Run r = Run.isolated("--version");

    assertThat(r.exit).isZero();
    assertThat(r.out).startsWith("vad ");
    assertThat(r.loaded).filteredOn(n -> n.startsWith("ch.qos.logback.") || n.startsWith("org.slf4j.")
        || (n.startsWith("dev.vad.") && !n.startsWith("dev.vad.cli."))
        || (n.startsWith("dev.vad.cli.") && n.endsWith("Command") && !n.equals("dev.vad.cli.VadCommand")))
        .isEmpty();
  }

  @Test
  void subcommandNameSkipsRootOptionsAndIgnoresUnknownNames() {
    assertThat(VadCommand.subcommandName("-v", "fetch", "file:x")).isEqualTo("fetch");
    assertThat(VadCommand.subcommandName("--verbose", "-v", "inspect")).isEqualTo("inspect");
    assertThat(VadCommand.subcommandName("frobnicate")).isNull();
    assertThat(VadCommand.subcommandName("--help", "fetch")).isNull(); // full tree: help as before
    assertThat(VadCommand.subcommandName()).isNull();
    assertThat(VadCommand.newCommandLineFor("fetch", "x").getSubcommands()).containsOnlyKeys("fetch");
    assertThat(VadCommand.newCommandLineFor("--version").getSubcommands()).isEmpty();
    assertThat(VadCommand.newCommandLineFor("--help").getSubcommands().keySet())
        .containsExactlyElementsOf(VadCommand.SUBCOMMANDS);
  }

  /** A run of {@code vad} in a class loader of its own, with the names of the classes it loaded. */
  record Run(int exit, String out, String err, Set<String> loaded) {
    static Run isolated(String... args) throws Exception {
      Recording loader = new Recording(classPath());
      Thread t = Thread.currentThread();
      ClassLoader before = t.getContextClassLoader();
      t.setContextClassLoader(loader); // ServiceLoader looks there: providers must come from the same loader
      try {
        Object[] result = (Object[]) loader.loadClass(InProcess.class.getName())
            .getMethod("run", String[].class).invoke(null, (Object) args);
        return new Run((Integer) result[0], (String) result[1], (String) result[2], Set.copyOf(loader.defined));
      } catch (InvocationTargetException e) {
        throw (Exception) e.getCause();
      } finally {
        t.setContextClassLoader(before);
        loader.close();
      }
    }

    private static URL[] classPath() throws MalformedURLException {
      List<URL> urls = new ArrayList<>();
      for (String p : System.getProperty("java.class.path").split(File.pathSeparator)) {
        urls.add(Path.of(p).toUri().toURL());
      }
      return urls.toArray(URL[]::new);
    }
  }

  /** Loaded inside the isolated class loader: runs the command as {@link Main} does, without System.exit. */
  public static final class InProcess {
    private InProcess() {}

    public static Object[] run(String[] args) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      picocli.CommandLine cl = VadCommand.newCommandLineFor(args);
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(err, true));
      int exit = cl.execute(args);
      return new Object[] {exit, out.toString(), err.toString()};
    }
  }

  /** Defines every class of the class path itself (the parent is the platform loader) and records its name. */
  static final class Recording extends URLClassLoader {
    final Set<String> defined = ConcurrentHashMap.newKeySet();

    Recording(URL[] urls) {
      super("startup-classes", urls, ClassLoader.getPlatformClassLoader());
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      Class<?> c = super.findClass(name);
      defined.add(name);
      return c;
    }
  }
}
