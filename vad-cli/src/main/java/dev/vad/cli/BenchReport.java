package dev.vad.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * {@code vad bench}'s results: per link and system the median time to marker over the rounds, its spread (min–max),
 * the bytes on the wire, and ratios to the zstd full download, QEMU's curl driver and the oracle; as JSON, a markdown
 * table and a PNG bar chart (XChart).
 */
final class BenchReport {
  private final ScenarioBench.Config c;
  private final Map<String, Object> setup;
  private final Map<String, String> skipped;
  private final List<ScenarioBench.Run> runs;

  BenchReport(ScenarioBench.Config c, Map<String, Object> setup, Map<String, String> skipped,
      List<ScenarioBench.Run> runs) {
    this.c = c;
    this.setup = setup;
    this.skipped = skipped;
    this.runs = runs;
  }

  /** Median, min, max of one system's successful runs on one link, plus median wire bytes; null if none succeeded. */
  record Stat(double median, double min, double max, int n, int failed, Double medianWireMB) { }

  Stat stat(String link, String system) {
    List<Double> t = new ArrayList<>();
    List<Double> w = new ArrayList<>();
    int failed = 0;
    for (ScenarioBench.Run r : runs) {
      if (r.link().equals(link) && r.system().equals(system)) {
        if (r.seconds() == null) {
          failed++;
        } else {
          t.add(r.seconds());
          if (r.wireBytes() != null) {
            w.add(r.wireBytes() / 1e6);
          }
        }
      }
    }
    if (t.isEmpty()) {
      return failed == 0 ? null : new Stat(Double.NaN, Double.NaN, Double.NaN, 0, failed, null);
    }
    t.sort(null);
    w.sort(null);
    return new Stat(median(t), t.get(0), t.get(t.size() - 1), t.size(), failed, w.isEmpty() ? null : median(w));
  }

  private static double median(List<Double> sorted) {
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private List<String> links() {
    return c.links.stream().map(ScenarioBench.Link::label).toList();
  }

  private List<String> systems() {
    return c.systems.stream().filter(s -> !skipped.containsKey(s)).toList();
  }

  private Double ratio(String link, String system, String base) {
    Stat a = stat(link, system);
    Stat b = stat(link, base);
    if (a == null || b == null || a.n() == 0 || b.n() == 0) {
      return null;
    }
    return a.median() / b.median();
  }

  String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "Guest `%s`, workload `%s` (a different boot each run), %d round(s), "
        + "systems in a shuffled order per round. Times: from the command's start to `%s` on the console, seconds; "
        + "median [min–max]. Wire: MB both ways on the client namespace's TUN (oracle: simulated chunk "
        + "bytes).%n%n", setup.get("guest"), setup.get("workload"), c.rounds, "VAD-DONE"));
    sb.append("| link | system | time to marker s | runs | wire MB | vs zstd-full | vs qemu-curl | vs oracle |\n");
    sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (String link : links()) {
      for (String s : systems()) {
        Stat st = stat(link, s);
        if (st == null) {
          continue;
        }
        String time = st.n() == 0 ? "failed" : String.format(Locale.ROOT, "%.2f [%.2f–%.2f]", st.median(), st.min(),
            st.max());
        sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %d%s | %s | %s | %s | %s |%n", link, s, time, st.n(),
            st.failed() > 0 ? " (+" + st.failed() + " failed)" : "",
            st.medianWireMB() == null ? "–" : String.format(Locale.ROOT, "%.1f", st.medianWireMB()),
            fmt(ratio(link, s, "zstd-full")), fmt(ratio(link, s, "qemu-curl")), fmt(ratio(link, s, "oracle"))));
      }
    }
    for (Map.Entry<String, String> e : skipped.entrySet()) {
      sb.append(String.format(Locale.ROOT, "%nskipped %s: %s", e.getKey(), e.getValue()));
    }
    if (!skipped.isEmpty()) {
      sb.append('\n');
    }
    return sb.toString();
  }

  private static String fmt(Double r) {
    return r == null ? "–" : String.format(Locale.ROOT, "%.2f", r);
  }

  /** Null if vad-trace's median beat vad-full's and vad-demand's on every link, else what went wrong. */
  String ciVerdict() {
    for (String link : links()) {
      Stat t = stat(link, "vad-trace");
      for (String other : List.of("vad-full", "vad-demand")) {
        Stat o = stat(link, other);
        if (t == null || t.n() == 0 || o == null || o.n() == 0) {
          return link + ": no successful vad-trace or " + other + " run";
        }
        if (t.median() >= o.median()) {
          return String.format(Locale.ROOT, "%s: vad-trace %.2f s did not beat %s %.2f s", link, t.median(), other,
              o.median());
        }
      }
    }
    return null;
  }

  void write(Path dir) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("setup", setup);
    json.put("rounds", c.rounds);
    json.put("links", links());
    json.put("skipped", skipped);
    List<Map<String, Object>> summary = new ArrayList<>();
    for (String link : links()) {
      for (String s : systems()) {
        Stat st = stat(link, s);
        if (st == null) {
          continue;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("link", link);
        row.put("system", s);
        row.put("medianSeconds", st.n() == 0 ? null : st.median());
        row.put("minSeconds", st.n() == 0 ? null : st.min());
        row.put("maxSeconds", st.n() == 0 ? null : st.max());
        row.put("runs", st.n());
        row.put("failed", st.failed());
        row.put("medianWireMB", st.medianWireMB());
        row.put("vsZstdFull", ratio(link, s, "zstd-full"));
        row.put("vsQemuCurl", ratio(link, s, "qemu-curl"));
        row.put("vsOracle", ratio(link, s, "oracle"));
        summary.add(row);
      }
    }
    json.put("summary", summary);
    json.put("runs", runs);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("bench.json").toFile(),
        json);
    Files.writeString(dir.resolve("bench.md"), markdown());
    plot(dir.resolve("bench.png"));
  }

  /** Bars: median time to marker per system, grouped by link; whiskers: the largest distance to min or max. */
  private void plot(Path png) throws IOException {
    System.setProperty("java.awt.headless", "true");
    CategoryChart chart = new CategoryChartBuilder().width(1100).height(560)
        .title("Time to marker, " + setup.get("guest") + " guest (" + setup.get("workload") + "), median of "
            + c.rounds + " round(s)")
        .xAxisTitle("link (rate / RTT)").yAxisTitle("seconds from the command's start").build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setErrorBarsColor(java.awt.Color.DARK_GRAY);
    chart.getStyler().setAvailableSpaceFill(0.9);
    chart.getStyler().setOverlapped(false);
    List<String> links = links();
    for (String s : systems()) {
      List<Double> y = new ArrayList<>();
      List<Double> e = new ArrayList<>();
      boolean any = false;
      for (String link : links) {
        Stat st = stat(link, s);
        if (st == null || st.n() == 0) {
          y.add(0.0);
          e.add(0.0);
        } else {
          any = true;
          y.add(st.median());
          e.add(Math.max(st.max() - st.median(), st.median() - st.min()));
        }
      }
      if (any) {
        chart.addSeries(s, links, y, e);
      }
    }
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
