package dev.vad.cli;

import dev.vad.transport.TransportOptions;
import dev.vad.transport.quic.QuicTransportProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Transport settings shared by {@code vad fetch}, {@code mount} and {@code run}: how a vad+quic client trusts the
 * server ({@code --trust}, {@code --pin}) and free-form per-transport options ({@code --transport-opt}), all passed
 * as {@link TransportOptions#extra()}.
 */
final class TransportFlags {
  @Option(names = "--trust", paramLabel = "PEM",
      description = "vad+quic: trust this CA (or the server's own certificate), PEM; the host name is still checked.")
  Path trust;

  @Option(names = "--pin", paramLabel = "SHA256",
      description = "vad+quic: accept only the server certificate with this SHA-256 (64 hex digits, as "
          + "'vad serve' prints it; colons allowed).")
  String pin;

  @Option(names = "--transport-opt", paramLabel = "KEY=VALUE",
      description = "A transport option, e.g. quic.maxUdpPayload=1452 or tcp.maxAttempts=3; repeatable.")
  List<String> opts = new ArrayList<>();

  /** {@code base} with these flags added; bad values are usage errors. */
  TransportOptions apply(CommandSpec spec, TransportOptions base) {
    TransportOptions t = base;
    for (String kv : opts) {
      int eq = kv.indexOf('=');
      if (eq < 1) {
        throw new ParameterException(spec.commandLine(), "--transport-opt: expected KEY=VALUE: '" + kv + "'");
      }
      t = t.withExtra(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
    }
    if (trust != null && pin != null) {
      throw new ParameterException(spec.commandLine(), "give --trust or --pin, not both");
    }
    if (trust != null) {
      if (!Files.isRegularFile(trust)) {
        throw new ParameterException(spec.commandLine(), "--trust: no such file: " + trust);
      }
      t = t.withExtra(QuicTransportProvider.TRUST_CERT_FILE, trust.toAbsolutePath().toString());
    }
    if (pin != null) {
      String hex = pin.replace(":", "").strip().toLowerCase(Locale.ROOT);
      if (!hex.matches("[0-9a-f]{64}")) {
        throw new ParameterException(spec.commandLine(), "--pin: expected a SHA-256 of 64 hex digits: '" + pin
            + "'");
      }
      t = t.withExtra(QuicTransportProvider.PIN_SHA256, hex);
    }
    return t;
  }
}
