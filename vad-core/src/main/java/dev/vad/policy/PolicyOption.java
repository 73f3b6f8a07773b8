package dev.vad.policy;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * A typed policy option (Netty's {@code ChannelOption<T>}): its name, the {@code KEY} of {@code --policy-opt
 * KEY=VALUE}, how its string form parses, and its default. Policies declare their options as constants and read them
 * with {@link PolicyOptions#get(PolicyOption)}; code that embeds vad sets them with {@link PolicyOptions#with}, and
 * the command line keeps passing strings. Immutable.
 *
 * @param <T> the value type
 */
public final class PolicyOption<T> {
  private final String name;
  private final T defaultValue;
  private final Function<String, T> parse;
  private final Function<T, String> format;

  private PolicyOption(String name, T defaultValue, Function<String, T> parse, Function<T, String> format) {
    if (name.isEmpty() || name.contains("=") || !name.strip().equals(name)) {
      throw new IllegalArgumentException("bad policy option name: '" + name + "'");
    }
    this.name = name;
    this.defaultValue = Objects.requireNonNull(defaultValue, "defaultValue");
    this.parse = parse;
    this.format = format;
  }

  /** A whole number, e.g. {@code window=8}. */
  public static PolicyOption<Long> integer(String name, long defaultValue) {
    return new PolicyOption<>(name, defaultValue, v -> {
      try {
        return Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("policy option " + name + " must be an integer: '" + v + "'");
      }
    }, String::valueOf);
  }

  /** A decimal number, e.g. {@code margin=0.9}. */
  public static PolicyOption<Double> number(String name, double defaultValue) {
    return new PolicyOption<>(name, defaultValue, v -> {
      try {
        return Double.parseDouble(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("policy option " + name + " must be a number: '" + v + "'");
      }
    }, String::valueOf);
  }

  /** A duration in {@link Durations}' form, e.g. {@code stall-budget=2s}. */
  public static PolicyOption<Duration> duration(String name, Duration defaultValue) {
    return new PolicyOption<>(name, defaultValue, v -> Duration.ofNanos(Durations.parseNanos(v)),
        d -> d.toNanos() + "ns");
  }

  public String name() {
    return name;
  }

  public T defaultValue() {
    return defaultValue;
  }

  /** The value of a string form; a malformed one is an {@link IllegalArgumentException} naming the option. */
  T parse(String value) {
    return parse.apply(value);
  }

  /** The string form of {@code value}, which {@link #parse} reads back to an equal value. */
  String format(T value) {
    return format.apply(Objects.requireNonNull(value, "value"));
  }

  @Override
  public String toString() {
    return name;
  }
}
