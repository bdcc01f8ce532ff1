package io.pushprom.core;

/**
 * A series that takes observations into state held in several adders, which no single
 * compare-and-set can guard: a histogram's or a summary's. Each update passes the series' gate, so
 * that a removal waits for the updates in flight.
 */
abstract sealed class ObservedSeries extends Series permits HistogramSeries, SummarySeries {
  ObservedSeries(SeriesKey key, long nanos) {
    super(key, nanos);
  }

  @Override
  final boolean apply(Delta delta, long nanos) {
    if (!enter()) {
      return false;
    }
    try {
      if (Family.isLarge(delta)) {
        // Checked and added under this lock, so large observations cannot overflow the sum
        // together; small ones cannot make it infinite (Family.LARGE says why).
        synchronized (this) {
          Family.checkFinite(delta, sum());
          observe(delta.value(), nanos);
        }
      } else {
        observe(delta.value(), nanos);
      }
      return true;
    } finally {
      exit();
    }
  }

  /** Closes the gate once the updates inside are done; later ones apply nothing. */
  @Override
  final boolean remove() {
    return close();
  }

  @Override
  final boolean isRemoved() {
    return isClosed();
  }

  /** Adds one observation; called inside the gate. */
  abstract void observe(double value, long nanos);

  /** The sum of what this series observed. */
  abstract double sum();
}
