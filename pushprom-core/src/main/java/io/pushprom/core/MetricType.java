package io.pushprom.core;

import io.prometheus.client.Collector;
import java.util.Locale;

/**
 * The kind of Prometheus metric a {@link Delta} updates, named on the wire by its lower-case name.
 *
 * <pre>{@code
 * MetricType type = MetricType.fromJson("histogram"); // MetricType.HISTOGRAM
 * }</pre>
 */
public enum MetricType {
  /** A value that only goes up, exposed with the suffix {@code _total}. */
  COUNTER(Collector.Type.COUNTER),
  /** A value that goes up and down. */
  GAUGE(Collector.Type.GAUGE),
  /** Observations counted in buckets, with their count and sum. */
  HISTOGRAM(Collector.Type.HISTOGRAM),
  /** Observations' count and sum, and the quantiles of its objectives. */
  SUMMARY(Collector.Type.SUMMARY);

  private final Collector.Type collectorType;
  private final String jsonName;

  MetricType(Collector.Type collectorType) {
    this.collectorType = collectorType;
    this.jsonName = name().toLowerCase(Locale.ROOT);
  }

  /** The name this type has in a delta's {@code type} field. */
  public String jsonName() {
    return jsonName;
  }

  Collector.Type collectorType() {
    return collectorType;
  }

  /**
   * Returns the type named {@code name} on the wire, or {@code null} if no type has that name. The
   * match is exact, as in the Go original: {@code "Counter"} is not a type.
   */
  public static MetricType fromJson(String name) {
    // A switch, not a loop over values(): every delta's type is looked up.
    return name == null
        ? null
        : switch (name) {
          case "counter" -> COUNTER;
          case "gauge" -> GAUGE;
          case "histogram" -> HISTOGRAM;
          case "summary" -> SUMMARY;
          default -> null;
        };
  }

  @Override
  public String toString() {
    return jsonName;
  }
}
