package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
  private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor();
  private final AtomicInteger refused = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stop() {
    release.countDown();
    checks.shutdownNow();
  }

  private WorkerPool pool(int base, int max) {
    return WorkerPool.start(
        base,
        max,
        "test-worker-",
        checks,
        (request, pool) -> {
          refused.incrementAndGet();
          throw WorkerPool.busy();
        });
  }

  /** A request that holds its thread until the test ends, as a client that never sends its body. */
  private Runnable stuck(CountDownLatch started) {
    return () -> {
      started.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }

  /** Runs {@code count} stuck requests on {@code pool}, and waits until each has a thread. */
  private void holdThreads(WorkerPool pool, int count) throws InterruptedException {
    CountDownLatch started = new CountDownLatch(count);
    for (int i = 0; i < count; i++) {
      pool.execute(stuck(started));
    }
    assertTrue(started.await(30, TimeUnit.SECONDS), "the stuck requests never all ran");
  }

  @Test
  void aRequestQueuedBehindStuckOnesGetsAThreadOfItsOwn() throws InterruptedException {
    WorkerPool pool = pool(2, 10);
    try {
      holdThreads(pool, 2);

      CountDownLatch answered = new CountDownLatch(1);
      pool.execute(answered::countDown);

      // Only a thread started for it can run it: the two it queued behind never end by themselves.
      assertTrue(answered.await(30, TimeUnit.SECONDS), "the queued request never ran");
      assertEquals(0, refused.get());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRequestWhileTheMostThreadsAreBusyIsRefused() throws InterruptedException {
    WorkerPool pool = pool(1, 2);
    try {
      holdThreads(pool, 2); // the second queued, then given a thread of its own

      assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> {}));
      assertEquals(1, refused.get());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theExtraThreadsStopOnceCalmAndTheBaseOnesStay() throws InterruptedException {
    WorkerPool pool = pool(1, 10);
    try {
      holdThreads(pool, 3);
      assertEquals(3, pool.getPoolSize());

      release.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (pool.getPoolSize() > 1 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(1, pool.getPoolSize());

      CountDownLatch ran = new CountDownLatch(1);
      pool.execute(ran::countDown);
      assertTrue(ran.await(30, TimeUnit.SECONDS));
    } finally {
      pool.shutdownNow();
    }
  }
}
