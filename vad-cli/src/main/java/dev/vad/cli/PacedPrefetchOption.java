package dev.vad.cli;

import dev.vad.sched.SchedulerConfig;
import dev.vad.sched.SchedulerConfig.Pacing;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --paced-prefetch[=auto|on|off]}, shared by {@code vad fetch}, {@code mount}, {@code run} and
 * {@code simulate}: sets {@link SchedulerConfig#pacing()}.
 */
final class PacedPrefetchOption {
  @Option(names = "--paced-prefetch", arity = "0..1", fallbackValue = "on", defaultValue = "auto",
      paramLabel = "auto|on|off", converter = PacingConverter.class,
      description = "Keep one chunk more than bandwidth x RTT in flight and pace prefetch requests a little under "
          + "the estimated rate: ~95%% of a 20 Mbit/s, 40 ms link instead of ~78%%. auto (the default): on over "
          + "transports whose answers complete in order (vad+tcp, vad+tls; the simulator's link), off over vad+quic "
          + "(under loss its bandwidth estimate overshoots) and http. Alone: on.")
  Pacing pacing = Pacing.AUTO;

  SchedulerConfig apply(SchedulerConfig base) {
    return base.withPacing(pacing);
  }

  static final class PacingConverter implements ITypeConverter<Pacing> {
    @Override
    public Pacing convert(String value) {
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "auto" -> Pacing.AUTO;
        case "on", "true", "yes" -> Pacing.ON;
        case "off", "false", "no" -> Pacing.OFF;
        default -> throw new TypeConversionException("'" + value + "' is not one of auto, on, off");
      };
    }
  }
}
