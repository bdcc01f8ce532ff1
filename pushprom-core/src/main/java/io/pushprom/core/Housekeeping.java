package io.pushprom.core;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An aggregator's background work, on one daemon thread named {@code pushprom-housekeeping}: work
 * that must never run on a thread that applies deltas or answers a scrape.
 */
final class Housekeeping implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Housekeeping.class.getName());

  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "pushprom-housekeeping");
            thread.setDaemon(true);
            return thread;
          });

  /** Runs {@code task} every {@code period}, from one run's end to the next one's start. */
  void every(Duration period, Runnable task) {
    long nanos = period.toNanos();
    executor.scheduleWithFixedDelay(() -> runSafely(task), nanos, nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Runs {@code task}, so that a failure is seen: an executor would keep it in a future nobody
   * reads, and never run the task again.
   */
  private static void runSafely(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "housekeeping failed; it runs again at its next period", e);
    } catch (Error e) {
      // Such as OutOfMemoryError: what the application does with it is its own uncaught handler's.
      Thread thread = Thread.currentThread();
      thread.getUncaughtExceptionHandler().uncaughtException(thread, e);
    }
  }

  /** Stops the thread once the run under way, if any, is done. */
  @Override
  public void close() {
    // Not shutdownNow: an interrupt would close a file a task is writing. Periodic tasks stop.
    executor.shutdown();
    try {
      executor.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
