package dev.vad.examples.transport;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import dev.vad.store.ChunkStore;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.NoSuchChunkException;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.TransportProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Optional;

/**
 * A transport plugin, to show the transport SPI: {@code delay+file:/path/app.vad?ms=20} serves a local pack like a
 * slow server, one answer at a time, each taking {@code ms} milliseconds (default 20), demand requests before queued
 * prefetch ones: a poor man's far link for trying policies. Listed in
 * {@code META-INF/services/dev.vad.transport.TransportProvider}; {@code Transports.open(uri, ...)}, {@code vad fetch}
 * and {@code StreamingAppliance.builder().uri(...)} then accept the scheme.
 */
public final class DelayedFileTransport implements TransportProvider {
  @Override
  public String scheme() {
    return "delay+file";
  }

  @Override
  public ChunkSource open(URI uri, TransportOptions options) throws IOException {
    if (uri.getPath() == null) {
      throw new IOException("delay+file: needs a path, as in delay+file:/srv/app.vad?ms=20: " + uri);
    }
    long ms = 20;
    if (uri.getQuery() != null) {
      for (String kv : uri.getQuery().split("&")) {
        if (kv.startsWith("ms=")) {
          try {
            ms = Long.parseLong(kv.substring(3));
          } catch (NumberFormatException e) {
            throw new IOException("delay+file: ms must be a whole number of milliseconds: " + kv);
          }
        }
      }
    }
    return new Slow(PackReader.open(Path.of(uri.getPath())), ms, true);
  }

  /** A slow source over {@code store} (which stays the caller's): each answer takes {@code ms} milliseconds. */
  public static ChunkSource over(ChunkStore store, long ms) {
    return new Slow(store, ms, false);
  }

  /** One server thread; two queues (demand first), each first come, first served. */
  private static final class Slow implements ChunkSource {
    private final ChunkStore store;
    private final long ms;
    private final boolean ownsStore;
    private final ArrayDeque<ChunkKey> demand = new ArrayDeque<>();
    private final LinkedHashSet<ChunkKey> prefetch = new LinkedHashSet<>();
    private ChunkKey serving; // being read; a cancel of it suppresses the delivery
    private boolean servingCancelled;
    private boolean closed;
    private Thread server;

    Slow(ChunkStore store, long ms, boolean ownsStore) {
      this.store = store;
      this.ms = ms;
      this.ownsStore = ownsStore;
    }

    @Override
    public Manifest manifest() {
      return store.manifest();
    }

    @Override
    public Optional<Profile> profile() {
      return store.profile();
    }

    @Override
    public synchronized void start(Listener listener) {
      server = new Thread(() -> serve(listener), "delay+file");
      server.setDaemon(true);
      server.start();
    }

    private void serve(Listener listener) {
      while (true) {
        ChunkKey key;
        synchronized (this) {
          while (!closed && demand.isEmpty() && prefetch.isEmpty()) {
            try {
              wait();
            } catch (InterruptedException e) {
              return;
            }
          }
          if (closed) {
            return;
          }
          if (!demand.isEmpty()) {
            key = demand.poll();
          } else {
            key = prefetch.iterator().next();
            prefetch.remove(key);
          }
          serving = key;
          servingCancelled = false;
        }
        ByteBuffer stored = null;
        IOException failure = null;
        try {
          Thread.sleep(ms);
          if (!manifest().contains(key) || manifest().isZero(key)) {
            throw new NoSuchChunkException(key, "no stored chunk " + key + " in this appliance");
          }
          stored = store.readStored(key);
        } catch (InterruptedException e) {
          return;
        } catch (IOException e) {
          failure = e;
        }
        boolean cancelled;
        synchronized (this) {
          serving = null;
          if (closed) {
            return;
          }
          cancelled = servingCancelled;
        }
        // outside the lock (a listener may take its time); close() joins this thread, so a delivery in progress
        // ends before close() returns and none starts after it
        if (failure != null) {
          if (!cancelled) {
            listener.onFailure(key, failure);
          }
        } else if (cancelled) {
          listener.onUnrequestedChunk(key, stored, () -> { });
        } else {
          listener.onChunk(key, stored);
        }
      }
    }

    private void checkOpen() {
      if (closed) {
        throw new IllegalStateException("delay+file source is closed");
      }
    }

    @Override
    public synchronized void request(ChunkKey key, Priority priority) {
      checkOpen();
      if (priority == Priority.DEMAND) {
        prefetch.remove(key); // a queued prefetch of it is promoted
        if (!demand.contains(key)) {
          demand.add(key);
        }
      } else {
        prefetch.add(key);
      }
      notifyAll();
    }

    @Override
    public synchronized void promote(ChunkKey key) {
      checkOpen();
      if (prefetch.remove(key)) {
        demand.add(key);
        notifyAll();
      } // else: being served or already answered; never fetch it twice
    }

    @Override
    public synchronized void cancel(ChunkKey key) {
      checkOpen();
      prefetch.remove(key);
      demand.remove(key);
      if (key.equals(serving)) {
        servingCancelled = true;
      }
    }

    @Override
    public String describe() {
      return "delay+file (" + ms + " ms per answer) " + store;
    }

    @Override
    public void close() throws IOException {
      Thread t;
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        demand.clear();
        prefetch.clear();
        notifyAll();
        t = server;
      }
      if (t != null && t != Thread.currentThread()) {
        t.interrupt();
        try {
          t.join(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (ownsStore) {
        store.close();
      }
    }
  }
}
