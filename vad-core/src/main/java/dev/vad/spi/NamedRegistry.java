package dev.vad.spi;

import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
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

  private NamedRegistry(String kind, String hint, Map<String, P> byName) {
    this.kind = kind;
    this.hint = hint;
    this.byName = byName;
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
        continue;
      }
      String name;
      try {
        name = nameOf.apply(p);
        validateName(name);
      } catch (RuntimeException e) {
        log.warn("skipping {} provider {}: {}", kind, p.getClass().getName(), e.getMessage());
        continue;
      }
      if (map.containsKey(name)) {
        log.warn("{} '{}' from {} ignored: already provided by {}", kind, name, p.getClass().getName(),
            map.get(name).getClass().getName());
        continue;
      }
      boolean ok;
      try {
        ok = check.test(p);
      } catch (RuntimeException | Error e) {
        log.warn("{} '{}' ({}) failed its self-test, skipped", kind, name, p.getClass().getName(), e);
        continue;
      }
      if (!ok) {
        log.warn("{} '{}' ({}) failed its self-test, skipped", kind, name, p.getClass().getName());
        continue;
      }
      map.put(name, p);
    }
    return new NamedRegistry<>(kind, hint, Collections.unmodifiableMap(map));
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
          + String.join(", ", new TreeSet<>(byName.keySet())) + (hint.isEmpty() ? "" : " (" + hint + ")"));
    }
    return p;
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /** Available names, sorted. */
  public Set<String> names() {
    return Collections.unmodifiableSet(new TreeSet<>(byName.keySet()));
  }
}
