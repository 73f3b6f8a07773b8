package dev.vad.transport.netty;

import dev.vad.transport.TransportOptions;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * A typed transport setting: the string key it has in {@link TransportOptions#extra()} (and so in URIs and on the
 * command line), its default and how its value is checked. Code reads settings through these, never by string key,
 * so a key's parsing, bounds and default live in one place. Immutable.
 *
 * <pre>{@code
 * TransportOptions o = TcpOptions.MAX_ATTEMPTS.set(TransportOptions.DEFAULTS, 10);
 * int attempts = TcpOptions.MAX_ATTEMPTS.get(o); // 10; "tcp.maxAttempts" -> "10" in o.extra()
 * }</pre>
 *
 * @param <T> the value type
 */
public final class TransportOption<T> {
  private final String key;
  private final T defaultValue;
  private final Function<String, T> parse;
  private final Function<T, String> format;

  private TransportOption(String key, T defaultValue, Function<String, T> parse, Function<T, String> format) {
    this.key = Objects.requireNonNull(key, "key");
    this.defaultValue = defaultValue;
    this.parse = parse;
    this.format = format;
  }

  /** A whole number in [min, max]; {@code defaultValue} (null: none, the reader derives one) when absent. */
  public static TransportOption<Long> ofLong(String key, Long defaultValue, long min, long max) {
    return new TransportOption<>(key, defaultValue, s -> parseLong(key, s, min, max), String::valueOf);
  }

  /** A whole number in [min, max] (within int range); {@code defaultValue} (null: none) when absent. */
  public static TransportOption<Integer> ofInt(String key, Integer defaultValue, int min, int max) {
    return new TransportOption<>(key, defaultValue, s -> (int) parseLong(key, s, min, max), String::valueOf);
  }

  /** Text, blanks around it removed; {@code defaultValue} (may be null) when absent. */
  public static TransportOption<String> ofString(String key, String defaultValue) {
    return new TransportOption<>(key, defaultValue, String::strip, Function.identity());
  }

  /** A constant of {@code type} by name, any case; {@code defaultValue} when absent. */
  public static <E extends Enum<E>> TransportOption<E> ofEnum(String key, Class<E> type, E defaultValue) {
    return new TransportOption<>(key, defaultValue, s -> {
      try {
        return Enum.valueOf(type, s.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(key + ": unknown value '" + s + "' (one of "
            + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT) + ")", e);
      }
    }, e -> e.name().toLowerCase(Locale.ROOT));
  }

  /** The key in {@link TransportOptions#extra()}, URIs and CLI options. */
  public String key() {
    return key;
  }

  public T defaultValue() {
    return defaultValue;
  }

  /** The value in {@code options}, checked, or the default if absent. */
  public T get(TransportOptions options) {
    String s = options.extra().get(key);
    return s == null ? defaultValue : parse.apply(s);
  }

  /** The value in {@code options}, checked, or {@code fallback} if absent (a default derived from other settings). */
  public T get(TransportOptions options, T fallback) {
    String s = options.extra().get(key);
    return s == null ? fallback : parse.apply(s);
  }

  /** Whether {@code options} sets this explicitly. */
  public boolean isSet(TransportOptions options) {
    return options.extra().containsKey(key);
  }

  /** {@code options} with this set to {@code value}; a value out of bounds throws {@link IllegalArgumentException}. */
  public TransportOptions set(TransportOptions options, T value) {
    String s = format.apply(Objects.requireNonNull(value, "value"));
    parse.apply(s);
    return options.withExtra(key, s);
  }

  @Override
  public String toString() {
    return key;
  }

  private static long parseLong(String key, String s, long min, long max) {
    long v;
    try {
      v = Long.parseLong(s.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " is not a number: '" + s + "'");
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "]: " + v);
    }
    return v;
  }
}
