package dev.vad.cli;

import dev.vad.ApplianceId;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.http.HttpTransportProvider;
import dev.vad.transport.quic.QuicTransportProvider;
import java.io.PrintWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * http(s) settings of {@code vad fetch}, {@code mount} and {@code run}: extra request headers, from the command line
 * or, so tokens stay out of shell history, from an environment variable. {@code --trust PEM} (of the shared
 * transport flags) applies to https too.
 */
final class HttpFlags {
  /** Read when set: request headers for http(s) sources, one {@code Name: value} per line. */
  static final String HEADERS_ENV = "VAD_HTTP_HEADERS";

  @Option(names = "--header", paramLabel = "'NAME: VALUE'",
      description = "http(s): send this request header (e.g. 'Authorization: Bearer ...') to the pack's server; "
          + "repeatable. Not sent to other hosts a redirect leads to.")
  List<String> headers = new ArrayList<>();

  @Option(names = "--header-env", paramLabel = "VAR",
      description = "http(s): send the headers in environment variable VAR (one 'Name: value' per line), so "
          + "tokens stay out of shell history. " + HEADERS_ENV + " is read when set.")
  List<String> headerEnv = new ArrayList<>();

  /** {@code base} with these flags added; bad values are usage errors. */
  TransportOptions apply(CommandSpec spec, TransportOptions base) {
    return apply(spec, base, System.getenv());
  }

  TransportOptions apply(CommandSpec spec, TransportOptions base, Map<String, String> env) {
    StringBuilder lines = new StringBuilder();
    String fromDefault = env.get(HEADERS_ENV);
    if (fromDefault != null) {
      lines.append(fromDefault).append('\n');
    }
    for (String var : headerEnv) {
      String v = env.get(var);
      if (v == null) {
        throw new ParameterException(spec.commandLine(), "--header-env: environment variable " + var
            + " is not set");
      }
      lines.append(v).append('\n');
    }
    for (String h : headers) {
      if (h.indexOf(':') < 1) {
        throw new ParameterException(spec.commandLine(), "--header: expected 'Name: value': '"
            + h.substring(0, Math.min(h.length(), 40)) + "'");
      }
      lines.append(h).append('\n');
    }
    TransportOptions t = base;
    if (lines.length() > 0) {
      t = t.withExtra(HttpTransportProvider.HEADERS, lines.toString());
    }
    String trust = base.extra().get(QuicTransportProvider.TRUST_CERT_FILE); // --trust: one CA for any TLS transport
    if (trust != null && !base.extra().containsKey(HttpTransportProvider.TRUST_CERT_FILE)) {
      t = t.withExtra(HttpTransportProvider.TRUST_CERT_FILE, trust);
    }
    return t;
  }

  /** For an unpinned http(s) URI: how to pin the appliance just opened next time. */
  static void printPinHint(PrintWriter err, URI uri, ApplianceId id) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if ((scheme.equals("http") || scheme.equals("https")) && uri.getRawFragment() == null) {
      String s = uri.toString();
      err.println("vad: " + scheme + " source not pinned; to check its appliance id next time use "
          + (uri.getRawQuery() == null ? s : s.substring(0, s.indexOf('?')) + "?…") + "#id=" + id.hex());
      err.flush();
    }
  }
}
