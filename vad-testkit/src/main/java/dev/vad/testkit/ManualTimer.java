package dev.vad.testkit;

import dev.vad.stream.Ticker;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Virtual time for the live driver: a {@link Ticker} and a {@link ScheduledExecutorService} that runs nothing until
 * the test calls {@link #advance}, then runs what fell due, in time order, on the calling thread (jimfs's
 * {@code FakeFileTimeSource}, Guava's {@code FakeTicker}, with a timer). Pass it to
 * {@code StreamingAppliance.builder().ticker(t).timer(t)}. Thread-safe; tasks run outside its lock.
 */
public final class ManualTimer extends AbstractExecutorService implements ScheduledExecutorService, Ticker {
  private final PriorityQueue<Task<?>> queue = new PriorityQueue<>(
      Comparator.<Task<?>>comparingLong(t -> t.due).thenComparingLong(t -> t.seq));
  private long now;
  private long seq;
  private boolean shutdown;

  @Override
  public synchronized long read() {
    return now;
  }

  /** Moves time forward by {@code amount}, running every task due by then (tasks may schedule more). */
  public void advance(long amount, TimeUnit unit) {
    long target;
    synchronized (this) {
      target = now + unit.toNanos(amount);
    }
    while (true) {
      Task<?> t;
      synchronized (this) {
        Task<?> head = queue.peek();
        if (head == null || head.due > target) {
          now = target;
          return;
        }
        t = queue.poll();
        now = Math.max(now, t.due);
      }
      t.runAt();
    }
  }

  /** Tasks waiting to fall due (cancelled ones excluded). */
  public synchronized int pending() {
    return (int) queue.stream().filter(t -> !t.isCancelled()).count();
  }

  private synchronized <V> Task<V> add(Task<V> t) {
    if (shutdown) {
      throw new java.util.concurrent.RejectedExecutionException("manual timer shut down");
    }
    t.seq = seq++;
    queue.add(t);
    return t;
  }

  private synchronized void requeue(Task<?> t) {
    if (!shutdown && !t.isCancelled()) {
      t.seq = seq++;
      queue.add(t);
    }
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return add(new Task<Void>(callable(command), read() + unit.toNanos(Math.max(0, delay)), 0));
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return add(new Task<>(callable, read() + unit.toNanos(Math.max(0, delay)), 0));
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    return scheduleWithFixedDelay(command, initialDelay, period, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    if (delay <= 0) {
      throw new IllegalArgumentException("delay must be positive: " + delay);
    }
    return add(new Task<Void>(callable(command), read() + unit.toNanos(Math.max(0, initialDelay)),
        unit.toNanos(delay)));
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
  }

  @Override
  public synchronized List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> left = new ArrayList<>(queue);
    queue.clear();
    return left;
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized boolean isTerminated() {
    return shutdown && queue.isEmpty();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }

  /** A one-shot or periodic task; periodic ones go back in the queue after each run. */
  private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
    private long due;
    private final long period;
    private long seq;

    Task(Callable<V> callable, long due, long period) {
      super(callable);
      this.due = due;
      this.period = period;
    }

    void runAt() {
      if (period == 0) {
        run();
      } else if (runAndReset()) {
        due += period;
        requeue(this);
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(due - read(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }
  }

  private static Callable<Void> callable(Runnable r) {
    return () -> {
      r.run();
      return null;
    };
  }
}
