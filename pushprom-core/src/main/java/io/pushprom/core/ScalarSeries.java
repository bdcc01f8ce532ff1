package io.pushprom.core;

import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;

/**
 * A counter's or gauge's series: the bits of its double value, changed only by compare-and-set.
 * That makes {@code set} and {@code add} exact together, the check that a delta leaves the value
 * finite exact (it is made on the value the delta replaces), and removal one atomic swap: a value
 * is always finite, so a NaN marks the removed series, and an update that finds it applies nothing.
 */
final class ScalarSeries extends Series {
  private static final VarHandle BITS;

  /** A NaN no delta can make: values are checked finite. */
  private static final long REMOVED = 0x7ff8_dead_0000_0001L;

  static {
    try {
      BITS = MethodHandles.lookup().findVarHandle(ScalarSeries.class, "bits", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused")
  private volatile long bits;

  /** The value it had when removed: written before the removal returns, read after. */
  private volatile double removedValue = Double.NaN;

  ScalarSeries(SeriesKey key, long nanos) {
    super(key, nanos);
  }

  @Override
  boolean apply(Delta delta, long nanos) {
    for (; ; ) {
      long current = bits;
      if (current == REMOVED) {
        return false;
      }
      double before = Double.longBitsToDouble(current);
      double after = Family.next(delta, before);
      if (!Double.isFinite(after)) {
        throw Family.notFinite(delta, before);
      }
      if (BITS.weakCompareAndSet(this, current, Double.doubleToRawLongBits(after))) {
        touch(nanos);
        return true;
      }
    }
  }

  /** The value, or NaN once removed. */
  double value() {
    return Double.longBitsToDouble(bits);
  }

  /** Sets the value, as a snapshot restores it; {@code false} if removed. */
  boolean restore(double value) {
    for (; ; ) {
      long current = bits;
      if (current == REMOVED) {
        return false;
      }
      if (BITS.weakCompareAndSet(this, current, Double.doubleToRawLongBits(value))) {
        return true;
      }
    }
  }

  @Override
  boolean remove() {
    long last = (long) BITS.getAndSet(this, REMOVED);
    if (last == REMOVED) {
      return false;
    }
    removedValue = Double.longBitsToDouble(last);
    return true;
  }

  /** The value it had when removed, every update before the removal included; NaN until then. */
  double removedValue() {
    return removedValue;
  }

  @Override
  boolean isRemoved() {
    return bits == REMOVED;
  }

  @Override
  void collect(String name, List<Sample> samples) {
    double value = value();
    if (!Double.isNaN(value)) {
      samples.add(new Sample(name, names(), Arrays.asList(key.values()), value));
    }
  }
}
