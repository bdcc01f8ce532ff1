package io.pushprom.core;

import io.prometheus.client.Collector;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.prometheus.client.Histogram;
import io.prometheus.client.SimpleCollector;
import io.prometheus.client.Summary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One metric as Prometheus sees it: a name, a type, the newest help text, and its series. A family
 * takes series with any set of label names; it keeps one simpleclient collector per set of label
 * names, which does the arithmetic, and merges their samples into one family when scraped.
 */
final class Family extends Collector implements Collector.Describable {
  private static final double[] DEFAULT_BUCKETS = {
    .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10
  };

  private final MetricType type;
  private final String name;
  private final List<Double> buckets;
  private final SortedMap<Double, Double> objectives;
  private volatile String help;
  private final Map<List<String>, SimpleCollector<?>> byLabelNames = new ConcurrentHashMap<>();
  private volatile ByLabelNames last;

  Family(Delta first) {
    this.type = first.type();
    this.name = nameOf(first);
    this.help = first.help().isEmpty() ? first.name() : first.help();
    this.buckets =
        type == MetricType.HISTOGRAM && first.buckets().isEmpty()
            ? Arrays.stream(DEFAULT_BUCKETS).boxed().toList()
            : first.buckets();
    this.objectives = first.objectives();
  }

  /**
   * The family name of the metric a delta updates. simpleclient exposes a counter {@code x} and a
   * counter {@code x_total} both as {@code x_total}, so they are one family, {@code x}.
   */
  static String nameOf(Delta delta) {
    String name = delta.name();
    if (delta.type() == MetricType.COUNTER && name.endsWith("_total")) {
      return name.substring(0, name.length() - "_total".length());
    }
    return name;
  }

  String name() {
    return name;
  }

  /** Whether {@code delta} names this family: {@code nameOf(delta).equals(name)}, not copying. */
  private boolean isNamedBy(Delta delta) {
    String deltaName = delta.name();
    if (deltaName.equals(name)) {
      return true;
    }
    return type == MetricType.COUNTER
        && deltaName.length() == name.length() + "_total".length()
        && deltaName.startsWith(name)
        && deltaName.endsWith("_total");
  }

  MetricType type() {
    return type;
  }

  /** Every sample name this family may expose, as the registry counts them. */
  List<String> sampleNames() {
    return List.of(describe().get(0).getNames());
  }

  /**
   * Checks that {@code delta} can update this family; {@code delta} may be named after any of its
   * sample names.
   *
   * @throws InvalidDeltaException naming what exists, if it cannot
   */
  void check(Delta delta) {
    if (delta.type() != type) {
      throw conflict(
          delta.name()
              + ": conflicting metric types, existing: "
              + type
              + describeName(delta)
              + ", new: "
              + delta.type());
    }
    if (!isNamedBy(delta)) {
      throw conflict(
          delta.type()
              + " "
              + delta.name()
              + ": name is taken by the series of "
              + type
              + " "
              + name);
    }
    if (!delta.buckets().isEmpty() && !delta.buckets().equals(buckets)) {
      throw conflict(
          delta.type()
              + " "
              + delta.name()
              + ": buckets "
              + Delta.format(delta.buckets())
              + " differ from the existing buckets "
              + Delta.format(buckets));
    }
    if (!delta.objectives().isEmpty() && !delta.objectives().equals(objectives)) {
      throw conflict(
          delta.type()
              + " "
              + delta.name()
              + ": objectives "
              + Delta.format(delta.objectives())
              + " differ from the existing objectives "
              + Delta.format(objectives));
    }
  }

  private String describeName(Delta delta) {
    return delta.name().equals(name) ? "" : " " + name;
  }

  static InvalidDeltaException conflict(String message) {
    return new InvalidDeltaException(Reason.CONFLICT, message);
  }

  /** Applies a delta that {@link #check} accepted. */
  void apply(Delta delta) {
    String newHelp = delta.help();
    // Written only when it changes: a volatile write on every delta would cost every core.
    if (!newHelp.isEmpty() && !newHelp.equals(help)) {
      help = newHelp;
    }
    // Delta's constructor makes every delta's labels a Labels.
    Labels labels = (Labels) delta.labels();
    Object child = collectorFor(labels.names()).labels(labels.valueArray());
    double value = delta.value();
    switch (type) {
      case COUNTER -> ((Counter.Child) child).inc(value);
      case GAUGE -> {
        Gauge.Child gauge = (Gauge.Child) child;
        switch (delta.method()) {
          case SET -> gauge.set(value);
          case INC, ADD -> gauge.inc(value);
          case DEC, SUB -> gauge.dec(value);
          default -> throw new AssertionError(delta.method());
        }
      }
      case HISTOGRAM -> ((Histogram.Child) child).observe(value);
      case SUMMARY -> ((Summary.Child) child).observe(value);
    }
  }

  /**
   * The collector of the series with these label names. Most families are pushed with one set of
   * names, so the last one found is tried first: label names come from Jackson's canonical field
   * names, so the comparison is mostly of references.
   */
  private SimpleCollector<?> collectorFor(String[] labelNames) {
    ByLabelNames last = this.last;
    if (last != null && Arrays.equals(last.labelNames, labelNames)) {
      return last.collector;
    }
    SimpleCollector<?> collector =
        byLabelNames.computeIfAbsent(List.of(labelNames), this::newCollector);
    this.last = new ByLabelNames(labelNames, collector);
    return collector;
  }

  private record ByLabelNames(String[] labelNames, SimpleCollector<?> collector) {}

  private SimpleCollector<?> newCollector(List<String> labelNames) {
    String[] names = labelNames.toArray(new String[0]);
    return switch (type) {
      case COUNTER -> Counter.build(name, help).labelNames(names).withoutExemplars().create();
      case GAUGE -> Gauge.build(name, help).labelNames(names).create();
      case HISTOGRAM ->
          Histogram.build(name, help)
              .labelNames(names)
              .buckets(buckets.stream().mapToDouble(Double::doubleValue).toArray())
              .withoutExemplars()
              .create();
      case SUMMARY -> {
        Summary.Builder summary = Summary.build(name, help).labelNames(names);
        objectives.forEach(summary::quantile);
        yield summary.create();
      }
    };
  }

  @Override
  public List<MetricFamilySamples> collect() {
    List<MetricFamilySamples.Sample> samples = new ArrayList<>();
    for (SimpleCollector<?> collector : byLabelNames.values()) {
      for (MetricFamilySamples family : collector.collect()) {
        addWithoutCreated(family, samples);
      }
    }
    if (samples.isEmpty()) {
      return List.of();
    }
    return List.of(new MetricFamilySamples(name, type.collectorType(), help, samples));
  }

  /** Adds the samples of {@code family} to {@code samples} but its {@code _created} series. */
  static void addWithoutCreated(
      MetricFamilySamples family, List<MetricFamilySamples.Sample> samples) {
    // Go's pushprom exposes no _created series; neither do we. A gauge named x_created is kept.
    String created = family.type == Type.GAUGE ? null : family.name + "_created";
    for (MetricFamilySamples.Sample sample : family.samples) {
      if (!sample.name.equals(created)) {
        samples.add(sample);
      }
    }
  }

  @Override
  public List<MetricFamilySamples> describe() {
    return List.of(new MetricFamilySamples(name, type.collectorType(), help, List.of()));
  }
}
