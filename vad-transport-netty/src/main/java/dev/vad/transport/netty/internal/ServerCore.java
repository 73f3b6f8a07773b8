package dev.vad.transport.netty.internal;

import dev.vad.ApplianceId;
import dev.vad.pack.PackReader;
import dev.vad.store.ChunkStore;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the vad+tcp and vad+quic servers share besides their settings: the life cycle (new, started, closed), the
 * packs a server opens and so closes, the appliances it serves and their URIs. Not thread-safe: the servers call it
 * under their own lock.
 */
public final class ServerCore {
  /** The transport's part of a start: serve (see {@link #serve}) and bind. */
  @FunctionalInterface
  public interface Start {
    void run() throws IOException;
  }

  private enum State { NEW, STARTED, CLOSED }

  private final String scheme;
  private final ServerSettings settings;
  private final List<PackReader> owned = new ArrayList<>();
  private State state = State.NEW;
  private Map<ApplianceId, ServedAppliance> appliances;

  /** For a server of URI scheme {@code scheme} built with {@code settings}. */
  public ServerCore(String scheme, ServerSettings settings) {
    dev.vad.transport.netty.NettyVersion.check();
    this.scheme = scheme;
    this.settings = settings;
  }

  /** Throws {@link IllegalStateException} if the server was started or closed before. */
  public void checkNew() {
    if (state != State.NEW) {
      throw new IllegalStateException("server already " + (state == State.STARTED ? "started" : "closed"));
    }
  }

  /**
   * Starts the server, once. If {@code start} fails, {@code shutdown} undoes what it made and the packs are closed
   * (a failure to close them is added to the thrown one as suppressed).
   */
  public void start(Start start, Runnable shutdown) throws IOException {
    checkNew();
    state = State.STARTED;
    try {
      start.run();
    } catch (IOException | RuntimeException e) {
      shutdown.run();
      try {
        closeOwned();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Closes the server, once: {@code shutdown} stops the transport if the server was started, then the packs it opened
   * are closed. Returns whether it had been started.
   */
  public boolean close(Runnable shutdown) throws IOException {
    if (state == State.CLOSED) {
      return false;
    }
    boolean started = state == State.STARTED;
    state = State.CLOSED;
    if (started) {
      shutdown.run();
    }
    closeOwned();
    return started;
  }

  /**
   * Opens the packs (the server's from now on) and serves them and the stores: each a different appliance whose
   * stored chunks fit a frame.
   */
  public Map<ApplianceId, ServedAppliance> serve(boolean zeroCopy) throws IOException {
    List<ChunkStore> stores = new ArrayList<>(settings.stores());
    for (Path p : settings.packs()) {
      PackReader r = PackReader.open(p);
      owned.add(r);
      stores.add(r);
    }
    int maxFrame = settings.maxFrame();
    Map<ApplianceId, ServedAppliance> map = new LinkedHashMap<>();
    for (ChunkStore s : stores) {
      ServedAppliance app = new ServedAppliance(s, zeroCopy, settings.verifyChunks());
      if (map.putIfAbsent(app.id(), app) != null) {
        throw new IllegalArgumentException("appliance " + app.id() + " added twice");
      }
      if ((long) Frame.CHUNK_HEADER + app.maxStoredLength() > maxFrame) {
        throw new IllegalArgumentException("appliance " + app.id().shortHex() + " has a " + app.maxStoredLength()
            + "-byte stored chunk, which does not fit maxFrameBytes " + maxFrame);
      }
    }
    appliances = Collections.unmodifiableMap(map); // in the order they were added, for uris()
    return appliances;
  }

  /** What {@link #serve} returned; null before. */
  public Map<ApplianceId, ServedAppliance> appliances() {
    return appliances;
  }

  /** {@code <scheme>://host:port/<id>} for every served appliance, for a server bound to {@code bound}. */
  public List<URI> uris(InetSocketAddress bound) {
    String host = hostForUri(bound);
    List<URI> out = new ArrayList<>();
    for (ApplianceId id : appliances.keySet()) {
      out.add(URI.create(scheme + "://" + host + ":" + bound.getPort() + "/" + id.hex()));
    }
    return out;
  }

  private static String hostForUri(InetSocketAddress a) {
    InetAddress addr = a.getAddress();
    if (addr.isAnyLocalAddress()) {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        return "localhost";
      }
    }
    String h = addr.getHostAddress();
    return addr instanceof Inet6Address ? "[" + h.replaceFirst("%.*$", "") + "]" : h;
  }

  private void closeOwned() throws IOException {
    IOException failure = null;
    for (PackReader r : owned) {
      try {
        r.close();
      } catch (IOException e) {
        if (failure == null) {
          failure = new IOException("closing packs failed");
        }
        failure.addSuppressed(e);
      }
    }
    owned.clear();
    if (failure != null) {
      throw failure;
    }
  }
}
