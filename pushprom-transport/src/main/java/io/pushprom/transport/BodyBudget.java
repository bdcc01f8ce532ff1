package io.pushprom.transport;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The memory set aside for request bodies being read and applied, in bytes, shared by every request
 * of a handler. Each worker has a small buffer of its own; a body larger than that takes its bytes
 * from here before it is read (see {@link Body}), and gives them back once applied. Without it,
 * eight clients posting 16 MiB at once end a server at {@code -Xmx256m}: each body is read whole,
 * and its deltas parsed, before any of it is applied.
 *
 * <p>A body waits, in turn, for bytes that others give back; one that waits too long is refused.
 * One body may take the whole budget, so a body as large as the server takes always gets in.
 */
final class BodyBudget {
  /** How long a body may wait for bytes by default: others' bodies are applied in far less. */
  static final Duration WAIT = Duration.ofSeconds(5);

  private final int bytes;
  private final Duration wait;
  private final Semaphore free;

  /** A budget of {@code bytes}, for which a body waits up to {@code wait}. */
  BodyBudget(int bytes, Duration wait) {
    if (bytes < 1) {
      throw new IllegalArgumentException("body budget: " + bytes + " bytes is not positive");
    }
    this.bytes = bytes;
    this.wait = wait;
    // Fair: a large body waiting first is not passed for ever by smaller ones.
    this.free = new Semaphore(bytes, true);
  }

  /** An eighth of the heap the JVM may use: 30.9 MiB at {@code -Xmx256m} with the serial GC. */
  static BodyBudget ofHeap() {
    long eighth = Runtime.getRuntime().maxMemory() / 8;
    return new BodyBudget((int) Math.min(Integer.MAX_VALUE, eighth), WAIT);
  }

  /** The bytes set aside in all. */
  int bytes() {
    return bytes;
  }

  /**
   * Takes {@code wanted} bytes for a body, waiting for them in turn; never more than the whole
   * budget, so that a body larger than it still gets in once it is free.
   *
   * @return the bytes taken, to {@link #give} back
   * @throws Exhausted if the bytes did not come free in time; nothing is taken then
   */
  int take(int wanted) throws Exhausted {
    int taken = Math.min(wanted, bytes);
    if (taken <= 0) {
      return 0;
    }
    try {
      if (!free.tryAcquire(taken, wait.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new Exhausted(this);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Exhausted(this);
    }
    return taken;
  }

  /** Gives back what a body held. */
  void give(int held) {
    if (held > 0) {
      free.release(held);
    }
  }

  /** Bytes free now. */
  int free() {
    return free.availablePermits();
  }

  /** Whether a body waits for bytes now. */
  boolean waiting() {
    return free.hasQueuedThreads();
  }

  /** A body that could not get the memory to be read. */
  static final class Exhausted extends Exception {
    private static final long serialVersionUID = 1L;

    Exhausted(BodyBudget budget) {
      super(
          "busy: the "
              + budget.bytes
              + " bytes set aside for request bodies stayed taken for "
              + budget.wait.toMillis()
              + " ms; retry",
          null,
          false,
          false);
    }
  }
}
