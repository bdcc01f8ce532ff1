package io.pushprom.core;

import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A histogram's series: a count per bucket, not cumulative, and the sum of what it observed, as
 * simpleclient's {@code Histogram.Child} keeps them, but readable and restorable. An update spans
 * two adders, so removal closes the series' gate and waits for the updates inside.
 */
final class HistogramSeries extends ObservedSeries {
  /** The buckets' upper bounds, ascending, the last {@code +Inf}; shared by the family. */
  private final double[] upperBounds;

  private final LongAdder[] counts;
  private final DoubleAdder sum = new DoubleAdder();

  HistogramSeries(SeriesKey key, long nanos, double[] upperBounds) {
    super(key, nanos);
    this.upperBounds = upperBounds;
    this.counts = new LongAdder[upperBounds.length];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  @Override
  void observe(double value, long nanos) {
    // As simpleclient does: the first bucket whose upper bound is at least the value.
    int bucket = 0;
    while (value > upperBounds[bucket] && bucket < upperBounds.length - 1) {
      bucket++;
    }
    counts[bucket].increment();
    sum.add(value);
    touch(nanos);
  }

  /** Adds counts per bucket, not cumulative, and a sum, as a snapshot restores them. */
  boolean restore(long[] bucketCounts, double addedSum) {
    if (!enter()) {
      return false;
    }
    try {
      for (int i = 0; i < counts.length; i++) {
        counts[i].add(bucketCounts[i]);
      }
      sum.add(addedSum);
      return true;
    } finally {
      exit();
    }
  }

  /** The counts per bucket, cumulative as exposed: the last is the count of observations. */
  long[] cumulativeCounts() {
    long[] cumulative = new long[counts.length];
    long total = 0;
    for (int i = 0; i < counts.length; i++) {
      total += counts[i].sum();
      cumulative[i] = total;
    }
    return cumulative;
  }

  /** As {@link #cumulativeCounts()}, into {@code cumulative}, which has a place per bucket. */
  void cumulativeCounts(long[] cumulative) {
    long total = 0;
    for (int i = 0; i < counts.length; i++) {
      total += counts[i].sum();
      cumulative[i] = total;
    }
  }

  double[] upperBounds() {
    return upperBounds;
  }

  @Override
  double sum() {
    return sum.sum();
  }

  @Override
  void collect(String name, List<Sample> samples) {
    List<String> names = names();
    List<String> values = values();
    List<String> bucketNames = new ArrayList<>(names);
    bucketNames.add("le");
    long[] cumulative = cumulativeCounts();
    for (int i = 0; i < cumulative.length; i++) {
      List<String> bucketValues = new ArrayList<>(values);
      bucketValues.add(Collector.doubleToGoString(upperBounds[i]));
      samples.add(new Sample(name + "_bucket", bucketNames, bucketValues, cumulative[i]));
    }
    samples.add(new Sample(name + "_count", names, values, cumulative[cumulative.length - 1]));
    samples.add(new Sample(name + "_sum", names, values, sum.sum()));
  }
}
