package dev.vad.policy;

import java.util.Map;
import java.util.TreeMap;

/** Free-form policy options ({@code --policy-opt stall-budget=2s}), with typed getters. Immutable. */
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

  public String get(String key, String dflt) {
    return values.getOrDefault(key, dflt);
  }

  public long getLong(String key, long dflt) {
    String v = values.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("policy option " + key + " must be an integer: '" + v + "'");
    }
  }

  public double getDouble(String key, double dflt) {
    String v = values.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("policy option " + key + " must be a number: '" + v + "'");
    }
  }

  /** A duration like {@code 250ms}, {@code 2s}, {@code 1.5s}, {@code 1m}; returns nanoseconds. */
  public long getDurationNanos(String key, long dfltNanos) {
    String v = values.get(key);
    return v == null ? dfltNanos : Durations.parseNanos(v);
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
