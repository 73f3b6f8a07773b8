package dev.vad.cli;

import dev.vad.transport.TransportOptions;
import dev.vad.transport.quic.QuicTransportProvider;
import dev.vad.transport.tcp.TcpTransportProvider;
import dev.vad.transport.tcp.TlsTransportProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Transport settings shared by {@code vad fetch}, {@code mount} and {@code run}: how a vad+tls or vad+quic client
 * trusts the server ({@code --trust}, {@code --pin}), the bearer token ({@code --token}, else {@code VAD_TOKEN}) and
 * free-form per-transport options ({@code --transport-opt}), all passed as {@link TransportOptions#extra()}.
 */
final class TransportFlags {
  /** The environment variable a token is taken from when {@code --token} is not given. */
  static final String TOKEN_ENV = "VAD_TOKEN";
  /** Where environment variables come from (tests replace it). */
  static Function<String, String> environment = System::getenv;

  @Option(names = "--trust", paramLabel = "PEM",
      description = "vad+tls, vad+quic, https: trust this CA (or the server's own certificate), PEM, instead of the "
          + "system's CAs; the host name is still checked.")
  Path trust;

  @Option(names = "--pin", paramLabel = "SHA256",
      description = "vad+tls, vad+quic: accept only the server certificate with this SHA-256 (64 hex digits, as "
          + "'vad serve' prints it; colons allowed), whatever its issuer and names.")
  String pin;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "Bearer token for a server started with --token-file. Default: the VAD_TOKEN environment "
          + "variable, which stays out of shell history and process listings; --token wins over it.")
  String token;

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
      t = t.withExtra(QuicTransportProvider.TRUST_CERT_FILE, trust.toAbsolutePath().toString())
          .withExtra(TlsTransportProvider.TRUST_CERT_FILE, trust.toAbsolutePath().toString());
    }
    if (pin != null) {
      String hex = pin.replace(":", "").strip().toLowerCase(Locale.ROOT);
      if (!hex.matches("[0-9a-f]{64}")) {
        throw new ParameterException(spec.commandLine(), "--pin: expected a SHA-256 of 64 hex digits: '" + pin
            + "'");
      }
      t = t.withExtra(QuicTransportProvider.PIN_SHA256, hex).withExtra(TlsTransportProvider.PIN_SHA256, hex);
    }
    String tok = token != null ? token : environment.apply(TOKEN_ENV);
    if (tok != null && !tok.isBlank()) {
      String where = token != null ? "--token" : TOKEN_ENV;
      tok = tok.strip();
      if (tok.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 512 || tok.chars().anyMatch(
          c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
        throw new ParameterException(spec.commandLine(), where + ": a token has 1 to 512 bytes, no spaces or "
            + "control characters");
      }
      t = t.withExtra(TcpTransportProvider.TOKEN, tok);
    }
    return t;
  }
}
