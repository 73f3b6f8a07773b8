package dev.vad.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vad.qemu.Accel;
import dev.vad.qemu.Guest;
import dev.vad.qemu.GuestBuilder;
import dev.vad.qemu.GuestKind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scenario benchmark behind {@code vad bench}: sets up the appliance once (guest, pack, training boots, profile,
 * zstd tarball), then per link brings up {@code wan.py}'s two namespaces, serves from the first (nginx, qemu-nbd,
 * vad serve) and runs every system in the second, rounds interleaved in a shuffled order.
 */
final class ScenarioBench {
  static final List<String> ALL_SYSTEMS = List.of("zstd-full", "qemu-curl", "qemu-curl-tuned", "nbd", "vad-full",
      "vad-demand", "vad-readahead", "vad-trace", "http-trace", "oracle", "local");
  /** Run only when named: variants for comparing vad's own settings. */
  static final List<String> EXTRA_SYSTEMS = List.of("vad-trace-paced", "http-trace-paced", "vad-trace-unpaced",
      "http-trace-unpaced");
  static final String ALL_SYSTEMS_TEXT = String.join(", ", ALL_SYSTEMS);
  static final String EXTRA_SYSTEMS_TEXT = String.join(", ", EXTRA_SYSTEMS);
  static final List<String> CI_SYSTEMS = List.of("vad-full", "vad-demand", "vad-trace");

  private static final String NS_SERVER = "vbA";
  private static final String NS_CLIENT = "vbB";
  private static final String SERVER_IP = "10.98.0.1";
  private static final int HTTP_PORT = 8089;
  private static final int NBD_PORT = 10809;
  private static final int VAD_PORT = 7420;
  private static final Pattern METRICS = Pattern.compile("^metrics (\\{.*})$");

  /** What to run. */
  static final class Config {
    GuestKind kind;
    String workload;
    List<Link> links = new ArrayList<>();
    int rounds;
    List<String> systems;
    Path out;
    Path wan;
    List<String> vad;
    long curlReadahead;
    int runTimeoutSeconds;
    boolean ci;
  }

  /** A link: rate for wan.py (tc units) and round-trip time (wan.py gets half of it each way). */
  record Link(String rate, int rttMs) {
    static Link parse(String s) {
      Matcher m = Pattern.compile("(\\d+(?:\\.\\d+)?[kmg]?bit)/(\\d+)ms").matcher(s.trim().toLowerCase(Locale.ROOT));
      if (!m.matches() || Integer.parseInt(m.group(2)) < 2) {
        throw new IllegalArgumentException("--links: '" + s + "' is not RATE/RTT like 20mbit/40ms");
      }
      return new Link(m.group(1), Integer.parseInt(m.group(2)));
    }

    String label() {
      return rate + "/" + rttMs + "ms";
    }
  }

  /** One run's outcome; {@code seconds} null when it failed ({@code note} says why). */
  record Run(String link, String system, int round, Double seconds, Long wireBytes, String seed, String note) { }

  private final Config c;
  private final PrintWriter err;
  private final Path work;
  private final List<Run> runs = new ArrayList<>();
  private final Map<String, String> skipped = new LinkedHashMap<>();
  private final Map<String, Object> setup = new LinkedHashMap<>();
  private final List<Process> servers = new ArrayList<>();
  private Guest guest;
  private String marker;
  private Path pack;
  private int memoryMiB;
  private long started;
  private long runsStarted;
  private int runsDone;
  private int runsTotal;

  ScenarioBench(Config c, PrintWriter err) {
    this.c = c;
    this.err = err;
    this.work = c.out.resolve("work");
  }

  static String defaultWorkload(GuestKind kind) {
    return switch (kind) {
      case BUSYBOX -> "scan-rand";
      case DEBIAN -> "import-rand";
      case LIBREOFFICE -> "convert";
      case BUSYBOX_BOOT, DEBIAN_BOOT -> "none"; // their http workload never ends: the bench boots and powers off
    };
  }

  /** This JVM and class path running {@link Main}: works from the jar and from a test's class path alike. */
  static List<String> thisJvm() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName());
  }

  int run() throws Exception {
    String why = cannotRun();
    if (why != null) {
      err.println("vad bench: skipped: " + why);
      err.flush();
      return c.ci ? VadCommand.EXIT_FAILURE : 0;
    }
    Files.createDirectories(work);
    started = System.nanoTime();
    prepare();
    List<String> systems = new ArrayList<>();
    for (String s : c.systems) {
      String reason = missing(s);
      if (reason != null) {
        skipped.put(s, reason);
        say("skipping %s: %s", s, reason);
      } else {
        systems.add(s);
      }
    }
    List<String> live = systems.stream().filter(s -> !s.equals("oracle")).toList();
    runsTotal = c.links.size() * c.rounds * live.size();
    Random order = new Random(17);
    runsStarted = System.nanoTime();
    for (Link link : c.links) {
      try {
        linkUp(link);
        for (int round = 1; round <= c.rounds; round++) {
          List<String> shuffled = new ArrayList<>(live);
          Collections.shuffle(shuffled, order);
          if (systems.contains("oracle") && shuffled.remove("vad-trace")) {
            shuffled.add(0, "vad-trace"); // the oracle replays this run's trace; no reordering needed otherwise
          }
          for (String s : shuffled) {
            Run r = runOne(link, s, round, systems.contains("oracle") && s.equals("vad-trace"));
            runs.add(r);
            runsDone++;
            progress(r);
            // after every run, so that a long benchmark stopped early still leaves its results
            new BenchReport(c, setup, skipped, runs).write(c.out);
          }
        }
      } finally {
        linkDown();
      }
    }
    BenchReport report = new BenchReport(c, setup, skipped, runs);
    report.write(c.out);
    err.println();
    err.print(report.markdown());
    err.printf(Locale.ROOT, "%nwrote %s, %s, %s%n", c.out.resolve("bench.json"), c.out.resolve("bench.md"),
        c.out.resolve("bench.png"));
    err.flush();
    if (c.ci) {
      String verdict = report.ciVerdict();
      err.println(verdict == null ? "ci: vad-trace beat vad-full and vad-demand" : "ci: FAILED: " + verdict);
      err.flush();
      return verdict == null ? 0 : VadCommand.EXIT_FAILURE;
    }
    return runs.stream().anyMatch(r -> r.seconds() == null) ? VadCommand.EXIT_FAILURE : 0;
  }

  // ---------------------------------------------------------------- what the machine lacks

  private String cannotRun() throws Exception {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "needs root (network namespaces, FUSE mounts); run it as root";
    }
    if (!Files.isRegularFile(c.wan)) {
      return "no " + c.wan + " (give --wan PATH to tools/wan/wan.py)";
    }
    if (which("qemu-system-x86_64") == null) {
      return "qemu-system-x86_64 not found (Debian package qemu-system-x86)";
    }
    Proc p = exec(List.of("python3", c.wan.toString(), "probe"), null, Duration.ofSeconds(30));
    if (p.rc != 0) {
      return "tools/wan/wan.py probe failed: " + p.output.strip();
    }
    return null;
  }

  private String missing(String system) {
    boolean http = system.equals("zstd-full") || system.startsWith("qemu-curl") || system.equals("nbd")
        || system.startsWith("http-");
    if (http && which("nginx") == null) {
      return "nginx not found (Debian package nginx)";
    }
    if (http && which("curl") == null) {
      return "curl not found (Debian package curl)";
    }
    if (system.equals("zstd-full") && which("zstd") == null) {
      return "zstd not found (Debian package zstd)";
    }
    if (system.startsWith("qemu-curl") && !curlDriver()) {
      return "QEMU has no curl block driver (Debian package qemu-block-extra)";
    }
    if (system.equals("nbd") && which("qemu-nbd") == null) {
      return "qemu-nbd not found (Debian package qemu-utils)";
    }
    if (system.equals("oracle") && !c.systems.contains("vad-trace")) {
      return "the oracle replays the vad-trace run's trace: add vad-trace to --systems";
    }
    return null;
  }

  private static boolean curlDriver() {
    try {
      // qemu-img lists the block drivers, modules included (the curl driver is a module: qemu-block-extra)
      Proc p = exec(List.of("qemu-img", "--help"), null, Duration.ofSeconds(20));
      return p.output.lines().filter(l -> l.startsWith("Supported formats:"))
          .anyMatch(l -> List.of(l.split("\\s+")).contains("http"));
    } catch (Exception e) {
      return false;
    }
  }

  private static String which(String cmd) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      Path p = Path.of(dir, cmd);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    for (String dir : List.of("/usr/sbin", "/sbin")) {
      Path p = Path.of(dir, cmd);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- set-up, once

  private void prepare() throws Exception {
    say("guest %s, workload %s: building or reusing the cached guest", c.kind.scriptName(), c.workload);
    guest = GuestBuilder.builder().kind(c.kind).build().build();
    marker = Guest.doneMarker(c.workload);
    memoryMiB = c.kind.memoryMiB();
    Path www = work.resolve("www");
    Files.createDirectories(www);
    for (String f : List.of("vmlinuz", "initrd.gz", "disk.img")) {
      Path link = www.resolve(f);
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, guest.dir().resolve(f));
    }
    Files.deleteIfExists(www.resolve("app.vad"));
    Files.createSymbolicLink(www.resolve("app.vad"), work.resolve("app.vad")); // for the http-* systems
    Path cmdline = work.resolve("cmdline");
    Files.writeString(cmdline, guest.append(c.workload));
    String stamp = guest.dir().getFileName() + " " + c.workload;
    Path stampFile = work.resolve("setup.stamp");
    pack = work.resolve("app.vad");
    boolean reuse = Files.isRegularFile(stampFile) && Files.readString(stampFile).equals(stamp)
        && Files.isRegularFile(pack);
    if (!reuse) {
      Files.deleteIfExists(stampFile);
      say("packing the runnable appliance");
      mustRun(vad("pack", "--image", "disk=" + guest.disk(), "--image", "kernel=" + guest.kernel(),
          "--image", "initrd=" + guest.initrd(), "--image", "cmdline=" + cmdline, "-o", pack.toString()),
          Duration.ofMinutes(30));
      List<String> traces = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        say("training boot %d of 3 (local, --record)", i);
        Path cache = Files.createTempDirectory(work, "train-cache");
        Path t = work.resolve("train" + i + ".trace");
        Proc p = mustRun(vad("run", "file:" + pack, "--cache", cache.toString(), "--policy", "full", "--record",
            t.toString(), "--marker", marker, "--stop-at-marker", "--memory", memoryMiB + "M"),
            Duration.ofSeconds(c.runTimeoutSeconds));
        say("  %s", seedOf(p.output));
        Dirs.deleteTree(cache);
        traces.add(t.toString());
      }
      List<String> build = new ArrayList<>(List.of("profile", "build", "--pack", pack.toString()));
      build.addAll(traces);
      mustRun(vad(build.toArray(String[]::new)), Duration.ofMinutes(10));
      Files.deleteIfExists(www.resolve("app.tar.zst"));
      Files.writeString(stampFile, stamp);
    } else {
      say("reusing the pack, profile and tarball in %s", work);
    }
    Path tar = www.resolve("app.tar.zst");
    if (!Files.isRegularFile(tar) && c.systems.contains("zstd-full") && which("zstd") != null) {
      say("compressing the image with zstd -19 --long=27 (once; minutes for a big disk)");
      Path tmp = www.resolve("app.tar.zst.tmp");
      mustRun(List.of("bash", "-c", "set -o pipefail; tar -S -C '" + guest.dir() + "' -cf - vmlinuz initrd.gz disk.img"
          + " | zstd -q -19 --long=27 -T0 -o '" + tmp + "'"), Duration.ofHours(2));
      Files.move(tmp, tar, StandardCopyOption.REPLACE_EXISTING);
    }
    setup.put("guest", c.kind.scriptName());
    setup.put("workload", c.workload);
    setup.put("guestMemoryMiB", memoryMiB);
    setup.put("diskBytes", Files.size(guest.disk()));
    setup.put("kernelBytes", Files.size(guest.kernel()));
    setup.put("initrdBytes", Files.size(guest.initrd()));
    setup.put("packBytes", Files.size(pack));
    if (Files.isRegularFile(tar)) {
      setup.put("zstdTarballBytes", Files.size(tar));
    }
    setup.put("curlTunedReadahead", c.curlReadahead);
    setup.put("accel", accel());
    setup.put("machine", machine());
    setup.put("started", Instant.now().toString());
    say("disk %.1f MB, pack %.1f MB stored%s", Files.size(guest.disk()) / 1e6, Files.size(pack) / 1e6,
        Files.isRegularFile(tar) ? String.format(Locale.ROOT, ", zstd tarball %.1f MB", Files.size(tar) / 1e6) : "");
  }

  private static String machine() {
    try {
      String model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("?");
      String load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
      return model + ", " + Runtime.getRuntime().availableProcessors() + " cores, load " + load + " at start";
    } catch (IOException e) {
      return "?";
    }
  }

  private static String accel() {
    return Accel.AUTO.resolve() == Accel.KVM ? "kvm" : "tcg";
  }

  // ---------------------------------------------------------------- per link

  private Process wanProcess;

  private void linkUp(Link link) throws Exception {
    say("link %s: bringing up %s <-> %s", link.label(), NS_SERVER, NS_CLIENT);
    exec(List.of("python3", c.wan.toString(), "down", NS_SERVER, NS_CLIENT), null, Duration.ofSeconds(30));
    Path log = c.out.resolve("wan-" + link.label().replace('/', '_') + ".log");
    wanProcess = new ProcessBuilder("python3", c.wan.toString(), "up", NS_SERVER, NS_CLIENT, "--delay-ms",
        String.valueOf(link.rttMs() / 2), "--rate", link.rate(), "--watch-pid",
        String.valueOf(ProcessHandle.current().pid())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    waitFor("the link", () -> exec(inNs(NS_CLIENT, "ping", "-c", "1", "-W", "1", SERVER_IP), null,
        Duration.ofSeconds(5)).rc == 0);
    Path www = work.resolve("www");
    Path nginxConf = work.resolve("nginx.conf");
    Files.createDirectories(work.resolve("nginx"));
    Files.writeString(nginxConf, "daemon off; user root; worker_processes 1; pid " + work.resolve("nginx/nginx.pid")
        + "; error_log " + work.resolve("nginx/error.log") + ";\nevents { }\nhttp { access_log off; sendfile on;"
        + " default_type application/octet-stream;\n server { listen " + SERVER_IP + ":" + HTTP_PORT + "; root " + www
        + "; } }\n");
    if (usesHttp()) {
      server("nginx", inNs(NS_SERVER, "nginx", "-c", nginxConf.toString(), "-p", work.resolve("nginx").toString()));
      waitFor("nginx", () -> port(HTTP_PORT));
    }
    if (c.systems.contains("nbd") && !skipped.containsKey("nbd")) {
      server("qemu-nbd", inNs(NS_SERVER, "qemu-nbd", "--read-only", "--persistent", "--shared=8", "-f", "raw", "-b",
          SERVER_IP, "-p", String.valueOf(NBD_PORT), guest.disk().toString()));
      waitFor("qemu-nbd", () -> port(NBD_PORT));
    }
    if (c.systems.stream().anyMatch(s -> s.startsWith("vad-"))) {
      List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", NS_SERVER));
      cmd.addAll(vad("serve", pack.toString(), "--listen", "tcp://" + SERVER_IP + ":" + VAD_PORT));
      server("vad-serve", cmd);
      waitFor("vad serve", () -> port(VAD_PORT));
    }
  }

  private boolean usesHttp() {
    return c.systems.stream().anyMatch(s -> (s.equals("zstd-full") || s.startsWith("qemu-curl") || s.equals("nbd")
        || s.startsWith("http-")) && !skipped.containsKey(s));
  }

  /** A system that is a {@code vad run}: {@code vad-POLICY} over vad+tcp, {@code http-POLICY} from nginx. */
  static boolean isVadRun(String system) {
    return system.startsWith("vad-") || system.startsWith("http-");
  }

  private void server(String name, List<String> cmd) throws IOException {
    Path log = c.out.resolve("server-" + name + ".log");
    servers.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start());
  }

  private boolean port(int port) throws Exception {
    return exec(inNs(NS_CLIENT, "bash", "-c", "exec 3<>/dev/tcp/" + SERVER_IP + "/" + port), null,
        Duration.ofSeconds(5)).rc == 0;
  }

  private void linkDown() {
    for (Process p : servers) {
      stop(p, 10);
    }
    servers.clear();
    if (wanProcess != null) {
      wanProcess.destroy(); // SIGTERM: wan.py removes both namespaces
      try {
        if (!wanProcess.waitFor(30, TimeUnit.SECONDS)) {
          wanProcess.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      wanProcess = null;
    }
  }

  // ---------------------------------------------------------------- one run

  private Run runOne(Link link, String system, int round, boolean record) throws Exception {
    Path dir = Files.createTempDirectory(work, "run-");
    String url = "http://" + SERVER_IP + ":" + HTTP_PORT;
    String append = guest.append(c.workload);
    String qemu = "exec qemu-system-x86_64 -nographic -no-reboot -nic none -m " + memoryMiB + "M -smp 1 -accel "
        + accel() + " -kernel " + dir + "/vmlinuz -initrd " + dir + "/initrd.gz -append '" + append + "' -drive ";
    String fetchBoot = "curl -sSf -o " + dir + "/vmlinuz " + url + "/vmlinuz && curl -sSf -o " + dir
        + "/initrd.gz " + url + "/initrd.gz && ";
    List<String> cmd;
    switch (system) {
      case "local" -> cmd = List.of("bash", "-c", qemu.replace(dir + "/vmlinuz", guest.kernel().toString())
          .replace(dir + "/initrd.gz", guest.initrd().toString())
          + "file=" + guest.disk() + ",format=raw,if=virtio,readonly=on");
      case "zstd-full" -> cmd = List.of("bash", "-c", "set -o pipefail; curl -sSf " + url + "/app.tar.zst"
          + " | zstd -dq --long=27 | tar -x -C " + dir + " && " + qemu + "file=" + dir
          + "/disk.img,format=raw,if=virtio,readonly=on");
      case "qemu-curl", "qemu-curl-tuned" -> cmd = List.of("bash", "-c", fetchBoot + qemu
          + "if=virtio,readonly=on,format=raw,file.driver=http,file.url=" + url + "/disk.img"
          + (system.endsWith("tuned") ? ",file.readahead=" + c.curlReadahead : ""));
      case "nbd" -> cmd = List.of("bash", "-c", fetchBoot + qemu + "file=nbd://" + SERVER_IP + ":" + NBD_PORT
          + ",format=raw,if=virtio,readonly=on");
      default -> {
        String policy = system.substring(system.indexOf('-') + 1);
        String pacing = policy.endsWith("-paced") ? "on" : policy.endsWith("-unpaced") ? "off" : null;
        policy = pacing == null ? policy : policy.substring(0, policy.lastIndexOf('-'));
        String uri = system.startsWith("http-") ? url + "/app.vad#id=" + appId()
            : "vad+tcp://" + SERVER_IP + ":" + VAD_PORT + "/" + appId();
        List<String> v = new ArrayList<>(List.of("run", uri, "--cache", dir.resolve("cache").toString(), "--policy",
            policy, "--marker", marker, "--stop-at-marker", "--memory", memoryMiB + "M", "--timeout",
            c.runTimeoutSeconds + "s"));
        if (pacing != null) {
          v.add("--paced-prefetch=" + pacing);
        }
        if (record) {
          v.addAll(List.of("--record", dir.resolve("test.trace").toString()));
        }
        cmd = vad(v.toArray(String[]::new));
      }
    }
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", NS_CLIENT));
    full.addAll(cmd);
    long before = wireBytes();
    Timed t = timed(full, isVadRun(system));
    long wire = wireBytes() - before;
    Path log = c.out.resolve("logs");
    Files.createDirectories(log);
    Files.writeString(log.resolve(link.label().replace('/', '_') + "-r" + round + "-" + system + ".log"),
        String.join(" ", full) + "\n" + t.output);
    String seed = seedOf(t.output);
    Run r = new Run(link.label(), system, round, t.seconds, wire, seed, t.seconds == null ? t.why : null);
    if (record && t.seconds != null) {
      Run o = oracle(link, round, r, t.output, dir.resolve("test.trace"));
      runs.add(o);
      say("      %s round %d oracle          %s", o.link(), o.round(), o.seconds() == null ? "FAILED: " + o.note()
          : String.format(Locale.ROOT, "%6.2f s (simulated on this run's trace)", o.seconds()));
    }
    Dirs.deleteTree(dir);
    return r;
  }

  /**
   * The oracle on the vad-trace run's own trace, on the simulator's model of this link: that run's time to marker
   * with its live waits (initial wait + stalls) replaced by the oracle's simulated ones.
   */
  private Run oracle(Link link, int round, Run live, String output, Path trace) throws Exception {
    JsonNode liveMetrics = null;
    for (String l : output.lines().toList()) {
      Matcher m = METRICS.matcher(l.strip());
      if (m.matches()) {
        liveMetrics = new ObjectMapper().readTree(m.group(1));
      }
    }
    Proc p = exec(vad("simulate", "--pack", pack.toString(), "--trace", trace.toString(), "--rate", link.rate(),
        "--rtt", link.rttMs() + "ms", "--policy", "oracle", "--json"), null, Duration.ofMinutes(10));
    if (p.rc != 0 || liveMetrics == null) {
      return new Run(link.label(), "oracle", round, null, null, live.seed(), "vad simulate failed: "
          + p.output.strip().lines().reduce((a, b) -> b).orElse(""));
    }
    JsonNode sim = new ObjectMapper().readTree(p.output.substring(p.output.indexOf('['))).get(0);
    double liveWait = (liveMetrics.path("initialWaitMs").asDouble() + liveMetrics.path("stallMs").asDouble()) / 1e3;
    double simWait = (sim.path("initialWaitMs").asDouble() + sim.path("stallMs").asDouble()) / 1e3;
    return new Run(link.label(), "oracle", round, live.seconds() - liveWait + simWait,
        sim.path("bytesFetched").asLong(), live.seed(), null);
  }

  private String appId;

  private String appId() throws Exception {
    if (appId == null) {
      Proc p = mustRun(vad("inspect", "--json", pack.toString()), Duration.ofMinutes(2));
      appId = new ObjectMapper().readTree(p.output.substring(p.output.indexOf('{'))).path("id").asText();
      if (appId.isEmpty()) {
        throw new IOException("vad inspect --json gave no id: " + p.output);
      }
    }
    return appId;
  }

  private static String seedOf(String output) {
    // from VAD-READY: with --stop-at-marker QEMU stops before the rest of the VAD-DONE line is printed
    Matcher m = Pattern.compile("VAD-READY workload=\\S+ seed=(\\d+)").matcher(output);
    return m.find() ? m.group(1) : null;
  }

  /**
   * Bytes both ways on the client namespace's TUN (the wire), from /proc/net/dev seen from inside it. Not lo, and
   * not wan.py's ifb, through which the TUN's ingress is redirected to the rate limiter: it would count it again.
   */
  private long wireBytes() throws Exception {
    Proc p = exec(inNs(NS_CLIENT, "cat", "/proc/net/dev"), null, Duration.ofSeconds(10));
    long sum = 0;
    for (String l : p.output.lines().toList()) {
      int colon = l.indexOf(':');
      String dev = colon < 0 ? "" : l.substring(0, colon).strip();
      if (colon < 0 || dev.equals("lo") || dev.startsWith("ifb")) {
        continue;
      }
      String[] f = l.substring(colon + 1).strip().split("\\s+");
      if (f.length >= 9) {
        sum += Long.parseLong(f[0]) + Long.parseLong(f[8]);
      }
    }
    return sum;
  }

  private record Timed(Double seconds, String output, String why) { }

  /**
   * Waits up to {@code seconds} for {@code p}; when this thread is interrupted (Ctrl-C or TERM on {@code vad bench}),
   * first stops {@code p} and what it started (a {@code vad run} and its QEMU), then rethrows, so that the caller's
   * cleanup (servers, namespaces) runs with nothing of the run left behind.
   *
   * @return whether {@code p} ended in time
   */
  static boolean awaitOrStop(Process p, long seconds) throws InterruptedException {
    try {
      return p.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      stop(p, 20);
      throw e;
    }
  }

  /**
   * Stops {@code p} and what it started: TERM to all, then KILL to what is left after {@code graceSeconds} (at once if
   * this thread is interrupted meanwhile; the interrupt is kept).
   */
  private static void stop(Process p, long graceSeconds) {
    p.descendants().forEach(ProcessHandle::destroy);
    p.destroy();
    try {
      if (p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  /**
   * Runs {@code cmd}, timing from just before the start to the marker on its output. A VM that printed the marker is
   * stopped (vad run stops itself with --stop-at-marker and unmounts; the others are killed).
   */
  private Timed timed(List<String> cmd, boolean stopsItself) throws Exception {
    StringBuilder out = new StringBuilder();
    AtomicReference<Double> at = new AtomicReference<>();
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String l; (l = r.readLine()) != null; ) {
          if (at.get() == null && l.contains(marker)) {
            at.set((System.nanoTime() - t0) / 1e9);
            if (!stopsItself) {
              p.descendants().forEach(ProcessHandle::destroy);
            }
          }
          synchronized (out) {
            out.append(l.replace("\r", "")).append('\n');
          }
        }
      } catch (IOException e) {
        // the process went away
      }
    }, "bench-output");
    reader.start();
    boolean ended = awaitOrStop(p, c.runTimeoutSeconds);
    if (!ended) {
      stop(p, 30);
    }
    reader.join(10_000);
    String text;
    synchronized (out) {
      text = out.toString();
    }
    if (at.get() != null) {
      return new Timed(at.get(), text, null);
    }
    String why = !ended ? "no marker within " + c.runTimeoutSeconds + " s"
        : text.contains("VAD-FAIL") ? "the guest failed: " + text.lines().filter(l -> l.contains("VAD-FAIL"))
        .findFirst().orElse("") : "exited with status " + p.exitValue() + " without the marker";
    return new Timed(null, text, why);
  }

  // ---------------------------------------------------------------- helpers

  private List<String> vad(String... args) {
    List<String> cmd = new ArrayList<>(c.vad);
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static List<String> inNs(String ns, String... cmd) {
    List<String> l = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    l.addAll(List.of(cmd));
    return l;
  }

  private record Proc(int rc, String output) { }

  private static Proc exec(List<String> cmd, Path dir, Duration limit) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    Path tmp = Files.createTempFile("vad-bench", ".out");
    try {
      Process p = pb.redirectOutput(tmp.toFile()).start();
      if (!awaitOrStop(p, Math.max(1, limit.toSeconds()))) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        return new Proc(-1, "timed out after " + limit.toSeconds() + " s: " + String.join(" ", cmd));
      }
      return new Proc(p.exitValue(), Files.readString(tmp, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private Proc mustRun(List<String> cmd, Duration limit) throws Exception {
    Proc p = exec(cmd, null, limit);
    if (p.rc != 0) {
      String tail = String.join("\n", p.output.strip().lines().skip(Math.max(0, p.output.lines().count() - 5))
          .toList());
      throw new IOException("vad bench: set-up step failed (status " + p.rc + "): " + String.join(" ", cmd)
          + "\n" + tail);
    }
    return p;
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static void waitFor(String what, Check check) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!check.ok()) {
      if (System.nanoTime() > end) {
        throw new IOException("vad bench: " + what + " did not come up within 30 s");
      }
      Thread.sleep(200);
    }
  }

  private void say(String fmt, Object... args) {
    err.printf(Locale.ROOT, "[bench %5.0f s] %s%n", started == 0 ? 0.0 : (System.nanoTime() - started) / 1e9,
        String.format(Locale.ROOT, fmt, args));
    err.flush();
  }

  private void progress(Run r) {
    double elapsed = (System.nanoTime() - runsStarted) / 1e9;
    double perRun = runsDone == 0 ? 0 : elapsed / runsDone;
    double left = perRun * (runsTotal - runsDone);
    say("%d/%d %s round %d %-15s %s  wire %.1f MB%s  (about %.0f min left)", runsDone, runsTotal, r.link(),
        r.round(), r.system(), r.seconds() == null ? "FAILED: " + r.note()
            : String.format(Locale.ROOT, "%6.2f s", r.seconds()), r.wireBytes() == null ? 0 : r.wireBytes() / 1e6,
        r.seed() == null ? "" : "  seed " + r.seed(), left / 60);
  }
}
