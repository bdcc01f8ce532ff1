package io.pushprom.core;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How many pushed series exist, and how many may: every series made passes {@link #take}, every
 * series removed {@link #release}. Only creations and removals touch it, never an update of a
 * series that exists, so a full store keeps taking those.
 */
final class SeriesCount {
  /** What a new series takes its place from: the count itself, or a batch's reservation. */
  interface Allowance {
    /** Takes the place of one new series; {@code false} if there is none left. */
    boolean take();
  }

  private final AtomicLong count = new AtomicLong();
  private final long max;

  SeriesCount(long max) {
    this.max = max;
  }

  long get() {
    return count.get();
  }

  long max() {
    return max;
  }

  /** An allowance straight from the count. */
  Allowance direct() {
    return () -> add(1);
  }

  /** Counts {@code n} more series, if they fit. */
  private boolean add(long n) {
    for (; ; ) {
      long current = count.get();
      if (current + n > max) {
        return false;
      }
      if (count.compareAndSet(current, current + n)) {
        return true;
      }
    }
  }

  /** Counts {@code n} series as made whatever the limit, as a snapshot restores them. */
  void force(long n) {
    count.addAndGet(n);
  }

  void release(long n) {
    if (n != 0) {
      count.addAndGet(-n);
    }
  }

  /**
   * Takes the places of {@code n} new series for one batch, so that it is applied whole; {@code
   * null} if they do not fit. The batch's thread takes from it; {@link Reservation#close} gives
   * back what it did not use, as when another thread made one of its series first.
   */
  Reservation reserve(int n) {
    return add(n) ? new Reservation(n) : null;
  }

  /** Whether {@code n} more series fit now. */
  boolean fits(int n) {
    return count.get() + n <= max;
  }

  /** The rejection of {@code delta}, whose new series of {@code key} does not fit. */
  InvalidDeltaException full(Delta delta, SeriesKey key) {
    return InvalidDeltaException.quiet(
        Reason.LIMIT,
        Delta.subject(delta.type(), delta.name())
            + ": a new series "
            + key
            + " would exceed the limit of "
            + max
            + " series; deltas to existing series still apply");
  }

  /** The places taken for one batch; used by one thread. */
  final class Reservation implements Allowance, AutoCloseable {
    private long left;

    private Reservation(long left) {
      this.left = left;
    }

    @Override
    public boolean take() {
      if (left > 0) {
        left--;
        return true;
      }
      return add(1);
    }

    @Override
    public void close() {
      release(left);
      left = 0;
    }
  }
}
