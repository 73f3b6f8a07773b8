package dev.vad.policy;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Policy options as the command line gives them ({@code --policy-opt stall-budget=2s}): a map of strings, read in
 * code through typed {@link PolicyOption} keys ({@link #get(PolicyOption)}). Immutable.
 */
public final class PolicyOptions {
  public static final PolicyOptions EMPTY = new PolicyOptions(Map.of());
  private final Map<String, String> values;

  public PolicyOptions(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  /** Parses {@code key=value} pairs. */
  public static PolicyOptions parse(Iterable<String> pairs) {
    Map<String, String> m = new TreeMap<>();
    for (String p : pairs) {
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("policy option must be key=value: '" + p + "'");
      }
      m.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
    }
    return new PolicyOptions(m);
  }

  public Map<String, String> asMap() {
    return values;
  }

  /** The option's value, or its default when absent; a malformed value is an IllegalArgumentException. */
  public <T> T get(PolicyOption<T> option) {
    return get(option, option.defaultValue());
  }

  /** The option's value, or {@code dflt} when absent (for defaults that depend on the policy variant). */
  public <T> T get(PolicyOption<T> option, T dflt) {
    String v = values.get(option.name());
    return v == null ? dflt : option.parse(v);
  }

  /** A copy with {@code option} set to {@code value} (in its string form, as the command line would give it). */
  public <T> PolicyOptions with(PolicyOption<T> option, T value) {
    Map<String, String> m = new TreeMap<>(values);
    m.put(option.name(), option.format(value));
    return new PolicyOptions(m);
  }

  public String get(String key, String dflt) {
    return values.getOrDefault(key, dflt);
  }

  /** An untyped read; prefer {@link #get(PolicyOption)} with a declared {@link PolicyOption#integer}. */
  public long getLong(String key, long dflt) {
    return get(PolicyOption.integer(key, dflt));
  }

  /** An untyped read; prefer {@link #get(PolicyOption)} with a declared {@link PolicyOption#number}. */
  public double getDouble(String key, double dflt) {
    return get(PolicyOption.number(key, dflt));
  }

  /** A duration like {@code 250ms}, {@code 2s}, {@code 1.5s}, {@code 1m}, in nanoseconds; prefer a typed option. */
  public long getDurationNanos(String key, long dfltNanos) {
    return get(PolicyOption.duration(key, Duration.ofNanos(dfltNanos))).toNanos();
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
