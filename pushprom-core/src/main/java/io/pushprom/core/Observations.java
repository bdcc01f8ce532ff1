package io.pushprom.core;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one histogram or summary series has observed: how many values, their sum and, for a
 * histogram, the cumulative count of each bucket by its upper bound, {@code +Inf} last (empty for a
 * summary).
 *
 * <pre>{@code
 * aggregator.observations("latency_seconds", Map.of("path", "/"))
 *     .ifPresent(seen -> System.out.println(seen.count() + " took " + seen.sum()));
 * }</pre>
 */
public record Observations(long count, double sum, SortedMap<Double, Long> buckets) {
  /** Observations of these figures; the buckets are copied. */
  public Observations {
    buckets = Collections.unmodifiableSortedMap(new TreeMap<>(buckets));
  }
}
