package dev.vad.cli;

import dev.vad.sched.SchedulerConfig;
import dev.vad.transport.TransportOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The flags every command that streams an appliance repeats ({@code vad fetch}, {@code mount}, {@code run}): how to
 * reach the source ({@link TransportFlags}, {@link HttpFlags}) and {@link PacedPrefetchOption}, applied in one place.
 * {@code --cache}, {@code --policy} and {@code --policy-opt} stay on each command: their help text and the policy
 * default differ per command, and a mixin's option text is fixed.
 */
final class StreamFlags {
  @Spec(Spec.Target.MIXEE) CommandSpec spec;
  @Mixin TransportFlags transport;
  @Mixin HttpFlags http;
  @Mixin PacedPrefetchOption pacedPrefetch;

  /** {@code base} with the transport and http(s) flags applied; a bad flag is a usage error. */
  TransportOptions transportOptions(TransportOptions base) {
    return http.apply(spec, transport.apply(spec, base));
  }

  /** {@code base} with {@code --paced-prefetch} applied. */
  SchedulerConfig schedulerConfig(SchedulerConfig base) {
    return pacedPrefetch.apply(base);
  }
}
