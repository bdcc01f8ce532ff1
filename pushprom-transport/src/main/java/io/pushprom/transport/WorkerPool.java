package io.pushprom.transport;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP listener's own threads. A few of them, {@code base}, take requests in turn from a queue:
 * under a steady stream of short requests a thread that finishes one takes the next without being
 * parked and woken, which a hand-off to a thread per request costs (about a fifth of the requests a
 * second of single-delta POSTs on 2 cores). Slow clients cannot stop the others through it: when
 * the oldest queued request has waited {@link #STALL_MILLIS}, because slow or stuck clients hold
 * the threads, more threads start, up to {@code max}, checked every {@link #CHECK_MILLIS}; once
 * nothing has stalled for {@link #CALM_MILLIS} and no more than {@code base} requests run (slow
 * clients no longer hold the extra threads), the extra threads stop. A request that comes while
 * {@code max} are busy is refused, and the JDK's dispatcher closes its connection.
 */
final class WorkerPool extends ThreadPoolExecutor {
  static final long STALL_MILLIS = 100;
  static final long CHECK_MILLIS = 25;
  static final long CALM_MILLIS = 5_000;

  private final int base;
  private final int max;

  /** When a request last waited too long; only the checks' thread reads and writes it. */
  private long lastStall = System.nanoTime();

  /** Requests running now: counted here, as {@link #getActiveCount()} locks and walks the pool. */
  private final AtomicInteger running = new AtomicInteger();

  private WorkerPool(int base, int max, String name, RejectedExecutionHandler refuse) {
    // Core and maximum stay equal: a thread beyond the size ends when it next looks for a request.
    super(base, base, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads(name), refuse);
    this.base = base;
    this.max = max;
  }

  /**
   * A pool of {@code base} threads and up to {@code max}, named {@code name} and a number, checked
   * for stalls on {@code checks}; {@code refuse} is told of each request refused, and must throw.
   */
  static WorkerPool start(
      int base,
      int max,
      String name,
      ScheduledExecutorService checks,
      RejectedExecutionHandler refuse) {
    WorkerPool pool = new WorkerPool(base, max, name, refuse);
    checks.scheduleWithFixedDelay(
        pool::growIfStalled, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    return pool;
  }

  private static ThreadFactory threads(String name) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, name + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  @Override
  public void execute(Runnable request) {
    if (running.get() >= max) {
      getRejectedExecutionHandler().rejectedExecution(request, this);
      return;
    }
    super.execute(new Queued(request, System.nanoTime()));
  }

  @Override
  protected void beforeExecute(Thread thread, Runnable request) {
    running.incrementAndGet();
  }

  @Override
  protected void afterExecute(Runnable request, Throwable failure) {
    running.decrementAndGet();
  }

  /**
   * Starts a thread per queued request once the oldest has waited too long; stops the extra ones
   * once calm again.
   */
  void growIfStalled() {
    if (isShutdown()) {
      return;
    }
    long now = System.nanoTime();
    if (getQueue().peek() instanceof Queued oldest
        && now - oldest.since > TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS)) {
      lastStall = now;
      int wanted = Math.min(max, running.get() + getQueue().size());
      if (wanted > getCorePoolSize()) {
        setMaximumPoolSize(wanted);
        setCorePoolSize(wanted); // starts threads for the queued requests at once
      }
    } else if (getCorePoolSize() > base
        && running.get() <= base
        && now - lastStall > TimeUnit.MILLISECONDS.toNanos(CALM_MILLIS)) {
      // Not while slow clients still hold the extra threads: the next request would stall again.
      setCorePoolSize(base);
      setMaximumPoolSize(base);
    }
  }

  /** A request, with when it was queued. */
  private record Queued(Runnable request, long since) implements Runnable {
    @Override
    public void run() {
      request.run();
    }
  }

  /** Thrown to the JDK's dispatcher, which then closes the connection. */
  static RejectedExecutionException busy() {
    return new RejectedExecutionException("all http workers are busy");
  }
}
