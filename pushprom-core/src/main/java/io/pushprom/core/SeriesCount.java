package io.pushprom.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many pushed series exist, and how many may: every series made takes its places through an
 * {@link Allowance}, every series removed gives them back through {@link #release}. A place stands
 * for a counter's heap and more: a series takes one, more for a summary with objectives or long
 * labels ({@link Family#places}), and a family takes some itself while it is registered ({@link
 * Family#ownPlaces}), so that what clients can make the server hold is bounded by heap, not only by
 * series. Only creations and removals touch it, never an update of a series that exists, so a full
 * store keeps taking those.
 */
final class SeriesCount {
  /** What a new series takes its places from: the count itself, or a batch's reservation. */
  interface Allowance {
    /** Takes {@code places} for one new series; {@code false} if they are not left. */
    boolean take(int places);
  }

  /** Places taken. */
  private final AtomicLong count = new AtomicLong();

  /** Series made, whatever their places. */
  private final AtomicLong series = new AtomicLong();

  private final long max;

  SeriesCount(long max) {
    this.max = max;
  }

  /** The series that exist. */
  long get() {
    return series.get();
  }

  /** The places taken, by series and families. */
  long places() {
    return count.get();
  }

  long max() {
    return max;
  }

  /** An allowance straight from the count. */
  Allowance direct() {
    return places -> add(places);
  }

  /** Counts one more series of {@code n} places, if they fit. */
  private boolean add(long n) {
    for (; ; ) {
      long current = count.get();
      if (current + n > max) {
        return false;
      }
      if (count.compareAndSet(current, current + n)) {
        series.incrementAndGet();
        return true;
      }
    }
  }

  /** Counts a series of {@code places} as made whatever the limit, as a snapshot restores them. */
  void force(int places) {
    count.addAndGet(places);
    series.incrementAndGet();
  }

  /** Counts families' own places as taken whatever the limit, as a snapshot restores them. */
  void forceFamilies(long places) {
    count.addAndGet(places);
  }

  /** Gives back a family's own places, as it is removed. */
  void releaseFamily(int places) {
    count.addAndGet(-places);
  }

  /**
   * Gives back the places of a series removed. The series goes first: as every taking adds places
   * before it counts the series, {@link #get} is never above the places taken, so never above the
   * limit, whatever threads do at once.
   */
  void release(int places) {
    series.decrementAndGet();
    count.addAndGet(-places);
  }

  /**
   * Takes the places of {@code n} new series for one batch, so that it is applied whole; {@code
   * null} if they do not fit. The batch's thread takes from it; {@link Reservation#close} gives
   * back what it did not use, as when another thread made one of its series first.
   */
  Reservation reserve(long places) {
    if (!reserveRaw(places)) {
      return null;
    }
    return new Reservation(places);
  }

  /** Takes {@code places} for series not yet made. */
  private boolean reserveRaw(long places) {
    for (; ; ) {
      long current = count.get();
      if (current + places > max) {
        return false;
      }
      if (count.compareAndSet(current, current + places)) {
        return true;
      }
    }
  }

  /** Whether series of {@code places} in all fit now. */
  boolean fits(long places) {
    return count.get() + places <= max;
  }

  /**
   * The rejection of {@code delta}, whose new series of {@code key} won't fit: it takes {@code
   * places}, of which {@code seriesPlaces} for any series of its metric and the rest for its long
   * labels, and {@code metricPlaces} more for its metric if that is new too (0 if not).
   */
  InvalidDeltaException full(
      Delta delta, SeriesKey key, int places, int seriesPlaces, int metricPlaces) {
    List<String> weights = new ArrayList<>();
    if (places != 1) {
      List<String> parts = new ArrayList<>();
      parts.add(seriesPlaces == 1 ? "one" : seriesPlaces + " as a summary with objectives");
      if (places > seriesPlaces) {
        parts.add(
            "one more per " + Family.TEXT_BYTES_PER_PLACE + " bytes of its label names and values");
      }
      weights.add("it takes " + places + ": " + String.join(", and ", parts));
    }
    if (metricPlaces != 0) {
      weights.add(
          "its new metric takes "
              + metricPlaces
              + " more: "
              + Family.FAMILY_PLACES
              + ", and one per "
              + Family.TEXT_BYTES_PER_PLACE
              + " bytes of its name and help");
    }
    return InvalidDeltaException.quiet(
        Reason.LIMIT,
        Delta.subject(delta.type(), delta.name())
            + ": a new series "
            + key
            + " would exceed the series limit of "
            + max
            + " places"
            + (weights.isEmpty() ? "" : " (" + String.join("; ", weights) + ")")
            + "; deltas to existing series still apply");
  }

  /** The places taken for one batch; used by one thread. */
  final class Reservation implements Allowance, AutoCloseable {
    private long left;

    private Reservation(long left) {
      this.left = left;
    }

    @Override
    public boolean take(int places) {
      if (left >= places) {
        left -= places;
        series.incrementAndGet();
        return true;
      }
      return add(places);
    }

    /** Keeps {@code places} of what is left for the families the batch registered. */
    void keepForFamilies(long places) {
      left -= places;
    }

    @Override
    public void close() {
      count.addAndGet(-left);
      left = 0;
    }
  }
}
