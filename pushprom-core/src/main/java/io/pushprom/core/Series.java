package io.pushprom.core;

import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * One series of a family: its value state, which the core owns and can read, remove and restore,
 * and the time of its last update.
 *
 * <p>Removal is exact. An update either lands before the removal, and the removed state holds it,
 * or it sees the series removed, applies nothing and returns {@code false}; its caller then looks
 * the series up again and creates it afresh. No update is counted as applied into a series that is
 * already gone.
 */
abstract sealed class Series permits ScalarSeries, ObservedSeries {
  private static final VarHandle LAST_UPDATE;
  private static final VarHandle GATE;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      LAST_UPDATE = lookup.findVarHandle(Series.class, "lastUpdateNanos", long.class);
      GATE = lookup.findVarHandle(Series.class, "gate", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final SeriesKey key;

  /**
   * The labels as the text format writes them, {@code a="x",b="y",} in UTF-8, made once: labels
   * never change, and a scrape would otherwise escape and encode them every time.
   */
  final byte[] labelPairs;

  /**
   * Written with opaque stores: the expiry only needs to see it eventually, and a fence per delta
   * costs.
   */
  @SuppressWarnings("unused")
  private long lastUpdateNanos;

  /** Updates in flight, with the sign bit set once removed; used by the types of many adders. */
  @SuppressWarnings("unused")
  private int gate;

  Series(SeriesKey key, long nanos) {
    this.key = key;
    this.labelPairs = LineWriter.labelPairs(key);
    this.lastUpdateNanos = nanos;
  }

  /**
   * Applies a delta that its family accepted.
   *
   * @return {@code false} if the series was removed: nothing was applied
   * @throws InvalidDeltaException if the delta would make the value infinite; nothing was applied
   */
  abstract boolean apply(Delta delta, long nanos);

  /** Removes this series, once all updates in flight are done; {@code false} if it already was. */
  abstract boolean remove();

  abstract boolean isRemoved();

  /** Adds this series' samples to {@code samples}. */
  abstract void collect(String name, List<Sample> samples);

  /** The {@link System#nanoTime()} of the last update, or of the creation. */
  final long lastUpdateNanos() {
    return (long) LAST_UPDATE.getOpaque(this);
  }

  final void touch(long nanos) {
    // Read first: deltas of one body, or of one tick, write nothing more.
    if ((long) LAST_UPDATE.getOpaque(this) != nanos) {
      LAST_UPDATE.setOpaque(this, nanos);
    }
  }

  /**
   * Enters an update of state held in several adders, which no single compare-and-set can guard.
   * Each {@code true} must be followed by {@link #exit()}.
   *
   * @return {@code false} if the series was removed
   */
  final boolean enter() {
    if ((int) GATE.getAndAdd(this, 1) >= 0) {
      return true;
    }
    GATE.getAndAdd(this, -1);
    return false;
  }

  final void exit() {
    GATE.getAndAdd(this, -1);
  }

  /**
   * Closes the gate, then waits for the updates that entered before: after this, the state holds
   * every update that returned {@code true} and no other ever enters.
   */
  final boolean close() {
    int current;
    do {
      current = (int) GATE.getVolatile(this);
      if (current < 0) {
        return false;
      }
    } while (!GATE.compareAndSet(this, current, current | Integer.MIN_VALUE));
    // Late updates add and take back one each; only those that entered before hold it longer.
    for (int spins = 0; (int) GATE.getVolatile(this) != Integer.MIN_VALUE; spins++) {
      if (spins < 100) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
    return true;
  }

  final boolean isClosed() {
    return (int) GATE.getVolatile(this) < 0;
  }

  final List<String> names() {
    return List.of(key.names());
  }

  final List<String> values() {
    return List.of(key.values());
  }
}
