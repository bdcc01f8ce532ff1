package io.pushprom.core;

import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import io.prometheus.client.Summary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A summary's series: its count and sum, and, if its family has objectives, the quantiles of the
 * last ten minutes. simpleclient's quantile estimator ({@code CKMSQuantiles} in a {@code
 * TimeWindowQuantiles}) is package-private, so each such series keeps an unregistered simpleclient
 * {@code Summary} of no labels only to estimate them; the window cannot be restored, the count and
 * sum can.
 */
final class SummarySeries extends ObservedSeries {
  private final LongAdder count = new LongAdder();
  private final DoubleAdder sum = new DoubleAdder();

  /** Only the quantiles are read from it; {@code null} without objectives. */
  private final Summary quantiles;

  SummarySeries(SeriesKey key, long nanos, SortedMap<Double, Double> objectives) {
    super(key, nanos);
    if (objectives.isEmpty()) {
      quantiles = null;
    } else {
      Summary.Builder builder = Summary.build("quantiles", "quantiles");
      objectives.forEach(builder::quantile);
      quantiles = builder.create();
    }
  }

  @Override
  void observe(double value, long nanos) {
    count.increment();
    sum.add(value);
    if (quantiles != null) {
      quantiles.observe(value);
    }
    touch(nanos);
  }

  /** Adds a count and a sum, as a snapshot restores them; the quantile window starts empty. */
  boolean restore(long addedCount, double addedSum) {
    if (!enter()) {
      return false;
    }
    try {
      count.add(addedCount);
      sum.add(addedSum);
      return true;
    } finally {
      exit();
    }
  }

  /** The estimated quantiles of the window, by quantile; {@code null} without objectives. */
  SortedMap<Double, Double> quantiles() {
    return quantiles == null ? null : quantiles.get().quantiles;
  }

  long count() {
    return count.sum();
  }

  @Override
  double sum() {
    return sum.sum();
  }

  @Override
  void collect(String name, List<Sample> samples) {
    List<String> names = names();
    List<String> values = values();
    if (quantiles != null) {
      List<String> quantileNames = new ArrayList<>(names);
      quantileNames.add("quantile");
      for (Map.Entry<Double, Double> quantile : quantiles.get().quantiles.entrySet()) {
        List<String> quantileValues = new ArrayList<>(values);
        quantileValues.add(Collector.doubleToGoString(quantile.getKey()));
        samples.add(new Sample(name, quantileNames, quantileValues, quantile.getValue()));
      }
    }
    samples.add(new Sample(name + "_count", names, values, count.sum()));
    samples.add(new Sample(name + "_sum", names, values, sum.sum()));
  }
}
