package io.pushprom.benchmarks;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The load generator's threads: a fixed number of workers, each a daemon thread of its own, joined
 * within a deadline, the first failure thrown.
 *
 * <pre>{@code
 * LoadGeneratorWorkers.inParallel("fill", 4, Duration.ofSeconds(90), connection -> post(connection));
 * }</pre>
 */
final class LoadGeneratorWorkers {
  private LoadGeneratorWorkers() {}

  interface Worker {
    void run(int index) throws Exception;
  }

  /**
   * Runs {@code worker} with indexes 0 to {@code count - 1}, each on a daemon thread of its own,
   * waits for all of them, and throws the first failure.
   */
  static void inParallel(String name, int count, Duration timeout, Worker worker)
      throws IOException, InterruptedException {
    AtomicReference<Exception> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int index = i;
      Thread thread =
          new Thread(
              () -> {
                try {
                  worker.run(index);
                } catch (Exception e) {
                  failure.compareAndSet(null, e);
                }
              },
              "loadgen-" + name + "-" + i);
      thread.setDaemon(true);
      thread.start();
      threads.add(thread);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread thread : threads) {
      thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (thread.isAlive()) {
        throw new IOException(name + ": not done within " + timeout.toSeconds() + " s");
      }
    }
    Exception first = failure.get();
    if (first != null) {
      throw new IOException(name + ": " + first.getMessage(), first);
    }
  }
}
