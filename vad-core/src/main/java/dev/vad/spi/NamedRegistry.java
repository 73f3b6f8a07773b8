package dev.vad.spi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One immutable name → provider map per SPI, loaded once with {@link ServiceLoader}. Names are ASCII letters, digits
 * and '-' (plus '+' and '.', so URI schemes such as {@code vad+tcp} can name transports); the first provider of a name wins (later ones are logged and ignored); a provider that fails to load or
 * fails its {@code check} is logged and skipped, so one broken jar cannot take the others down.
 */
public final class NamedRegistry<P> {
  private static final Logger log = LoggerFactory.getLogger(NamedRegistry.class);

  private final String kind;
  private final String hint;
  private final Map<String, P> byName;
  private final List<Failure> failures;

  /**
   * A provider that was found but not registered: {@code what} names it (a class, or the service entry), {@code
   * reason} says why (failed to load, bad name, duplicate name, failed self-test).
   */
  public record Failure(String kind, String what, String reason) {
    @Override
    public String toString() {
      return kind + " " + what + ": " + reason;
    }
  }

  private NamedRegistry(String kind, String hint, Map<String, P> byName, List<Failure> failures) {
    this.kind = kind;
    this.hint = hint;
    this.byName = byName;
    this.failures = failures;
  }

  /**
   * Loads every provider of {@code type} visible to {@code loader}.
   *
   * @param kind what a provider is, for messages ("codec", "policy")
   * @param hint how to add more, for messages ("add a jar with META-INF/services/...")
   * @param check a self-test; a provider failing it is skipped
   */
  public static <P> NamedRegistry<P> load(Class<P> type, ClassLoader loader, Function<P, String> nameOf,
      Predicate<P> check, String kind, String hint) {
    Map<String, P> map = new LinkedHashMap<>();
    List<Failure> failed = new ArrayList<>();
    Iterator<P> it = ServiceLoader.load(type, loader).iterator();
    while (true) {
      P p;
      try {
        if (!it.hasNext()) {
          break;
        }
        p = it.next();
      } catch (ServiceConfigurationError e) {
        log.warn("skipping a {} provider that failed to load: {}", kind, e.getMessage());
        failed.add(new Failure(kind, "(a service entry)", String.valueOf(e.getMessage())));
        continue;
      }
      String name;
      try {
        name = nameOf.apply(p);
        validateName(name);
      } catch (RuntimeException e) {
        log.warn("skipping {} provider {}: {}", kind, p.getClass().getName(), e.getMessage());
        failed.add(new Failure(kind, p.getClass().getName(), String.valueOf(e.getMessage())));
        continue;
      }
      if (map.containsKey(name)) {
        log.warn("{} '{}' from {} ignored: already provided by {}", kind, name, p.getClass().getName(),
            map.get(name).getClass().getName());
        failed.add(new Failure(kind, p.getClass().getName() + " ('" + name + "')",
            "name already provided by " + map.get(name).getClass().getName()));
        continue;
      }
      boolean ok;
      try {
        ok = check.test(p);
      } catch (RuntimeException | Error e) {
        log.warn("{} '{}' ({}) failed its self-test, skipped", kind, name, p.getClass().getName(), e);
        failed.add(new Failure(kind, p.getClass().getName() + " ('" + name + "')", "self-test threw " + e));
        continue;
      }
      if (!ok) {
        log.warn("{} '{}' ({}) failed its self-test, skipped", kind, name, p.getClass().getName());
        failed.add(new Failure(kind, p.getClass().getName() + " ('" + name + "')", "failed its self-test"));
        continue;
      }
      map.put(name, p);
    }
    return new NamedRegistry<>(kind, hint, Collections.unmodifiableMap(map), List.copyOf(failed));
  }

  public static void validateName(String name) {
    if (name == null || name.isEmpty() || name.length() > 64) {
      throw new IllegalArgumentException("bad provider name: '" + name + "'");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.')) {
        throw new IllegalArgumentException(
            "bad provider name: '" + name + "' (ASCII letters, digits, '-', '+', '.' only)");
      }
    }
  }

  /** The provider for {@code name}; an unknown name lists the available ones. */
  public P forName(String name) {
    P p = byName.get(name);
    if (p == null) {
      throw new NoSuchElementException("unknown " + kind + " '" + name + "'; available: "
          + String.join(", ", new TreeSet<>(byName.keySet())) + (hint.isEmpty() ? "" : " (" + hint + ")")
          + (failures.isEmpty() ? "" : "; failed to load: " + failures.stream().map(f -> f.what() + " ("
              + f.reason() + ")").collect(Collectors.joining("; "))));
    }
    return p;
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /** The registered providers by name, in discovery order. */
  public Map<String, P> providers() {
    return byName;
  }

  /** Providers found but not registered, with the reason, in discovery order. */
  public List<Failure> failures() {
    return failures;
  }

  /**
   * Where {@code provider}'s class was loaded from: its jar's file name, a class directory, or "built in" when the
   * JVM does not say (the platform class loader).
   */
  public static String origin(Object provider) {
    try {
      java.security.CodeSource cs = provider.getClass().getProtectionDomain().getCodeSource();
      if (cs == null || cs.getLocation() == null) {
        return "built in";
      }
      java.nio.file.Path path = java.nio.file.Path.of(cs.getLocation().toURI());
      return java.nio.file.Files.isDirectory(path) ? path + "/" : String.valueOf(path.getFileName());
    } catch (RuntimeException | java.net.URISyntaxException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  /** Available names, sorted. */
  public Set<String> names() {
    return Collections.unmodifiableSet(new TreeSet<>(byName.keySet()));
  }
}
