package io.pushprom.core;

import io.prometheus.client.Collector;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.prometheus.client.Histogram;
import io.prometheus.client.SimpleCollector;
import io.prometheus.client.Summary;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One metric as Prometheus sees it: a name, a type, the newest help text, and its series, which may
 * have any set of label names. Each series is a simpleclient child, which does the arithmetic on a
 * {@code DoubleAdder}; finding it is one map lookup by the delta's labels. Counter and gauge
 * children stand alone, and their samples are made here; a histogram's or summary's child can only
 * be made by a parent collector, so those keep one simpleclient collector per set of label names
 * and merge its samples.
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
  private final Map<SeriesKey, Object> series = new ConcurrentHashMap<>();
  private final Map<List<String>, String[]> labelNames = new ConcurrentHashMap<>();

  /** Histograms' and summaries' parents, by label names. */
  private final Map<List<String>, SimpleCollector<?>> byLabelNames = new ConcurrentHashMap<>();

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
    return InvalidDeltaException.quiet(Reason.CONFLICT, message);
  }

  /**
   * Below this, an amount cannot make a finite value infinite: it is less than half an ulp of
   * {@link Double#MAX_VALUE}, so even added to it the sum rounds back, and reaching the largest
   * values with such amounts takes more than 2^53 deltas. Only larger amounts are checked.
   */
  private static final double LARGE = 0x1p970;

  /** Whether applying {@code delta} could make its series infinite, so it must be checked. */
  static boolean isLarge(Delta delta) {
    // A histogram's or summary's observation is added to its sum.
    return Math.abs(delta.value()) >= LARGE
        && !(delta.type() == MetricType.GAUGE && delta.method() == Method.SET);
  }

  /** The value of the series {@code delta} names, or 0 if it does not exist yet. */
  double current(Delta delta) {
    Object child = series.get(((Labels) delta.labels()).key());
    return child == null ? 0 : value(child);
  }

  /** A counter's or gauge's value; a histogram's or summary's sum. */
  private static double value(Object child) {
    if (child instanceof Counter.Child counter) {
      return counter.get();
    }
    if (child instanceof Histogram.Child histogram) {
      return histogram.get().sum;
    }
    if (child instanceof Summary.Child summary) {
      return summary.get().sum;
    }
    return ((Gauge.Child) child).get();
  }

  /** What {@code delta} makes of {@code current}: the one place that says how a value changes. */
  static double next(Delta delta, double current) {
    return switch (delta.method()) {
      case SET -> delta.value();
      case DEC, SUB -> current - delta.value();
      default -> current + delta.value();
    };
  }

  /**
   * Checks that {@code delta} leaves {@code current} finite.
   *
   * @throws InvalidDeltaException if it would not
   */
  static void checkFinite(Delta delta, double current) {
    if (!Double.isFinite(next(delta, current))) {
      boolean subtracting = delta.method() == Method.SUB || delta.method() == Method.DEC;
      throw InvalidDeltaException.quiet(
          Reason.INVALID,
          Delta.subject(delta.type(), delta.name())
              + (subtracting ? ": subtracting " : ": adding ")
              + Delta.format(delta.value())
              + (subtracting ? " from " : " to ")
              + current
              + (delta.method() == Method.OBSERVE ? " would make its sum " : " would make it ")
              + (Double.isNaN(next(delta, current)) ? "NaN" : "infinite"));
    }
  }

  /** Applies a delta that {@link #check} accepted. */
  void apply(Delta delta) {
    String newHelp = delta.help();
    // Written only when it changes: a volatile write on every delta would cost every core.
    if (!newHelp.isEmpty() && !newHelp.equals(help)) {
      help = newHelp;
    }
    // Delta's constructor makes every delta's labels a Labels.
    SeriesKey key = ((Labels) delta.labels()).key();
    Object child = series.get(key);
    if (child == null) {
      // A new series keeps one shared array of label names, not the delta's own.
      SeriesKey kept =
          key.withNames(
              labelNames.computeIfAbsent(
                  List.of(key.names()), names -> names.toArray(new String[0])));
      child = series.computeIfAbsent(kept, this::newChild);
    }
    if (isLarge(delta)) {
      // Checked and applied under the child's lock, so large deltas cannot overflow it together.
      // Small ones take no lock: one racing with a large one could only overflow a value left
      // within 2^970 times the number of deltas in flight of the largest double, which never
      // happens in practice; simpleclient's adders offer no compare-and-set to do better.
      synchronized (child) {
        checkFinite(delta, value(child));
        update(child, delta);
      }
      return;
    }
    update(child, delta);
  }

  private void update(Object child, Delta delta) {
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

  private Object newChild(SeriesKey labels) {
    return switch (type) {
      case COUNTER -> new Counter.Child(false, null);
      case GAUGE -> new Gauge.Child();
      case HISTOGRAM, SUMMARY ->
          byLabelNames
              .computeIfAbsent(List.of(labels.names()), this::newCollector)
              .labels(labels.values());
    };
  }

  private SimpleCollector<?> newCollector(List<String> labelNames) {
    String[] names = labelNames.toArray(new String[0]);
    if (type == MetricType.HISTOGRAM) {
      return Histogram.build(name, help)
          .labelNames(names)
          .buckets(buckets.stream().mapToDouble(Double::doubleValue).toArray())
          .withoutExemplars()
          .create();
    }
    Summary.Builder summary = Summary.build(name, help).labelNames(names);
    objectives.forEach(summary::quantile);
    return summary.create();
  }

  @Override
  public List<MetricFamilySamples> collect() {
    List<MetricFamilySamples.Sample> samples;
    if (type == MetricType.COUNTER || type == MetricType.GAUGE) {
      samples = new SeriesSamples(type == MetricType.COUNTER ? name + "_total" : name);
    } else {
      samples = new ArrayList<>();
      for (SimpleCollector<?> collector : byLabelNames.values()) {
        for (MetricFamilySamples family : collector.collect()) {
          addWithoutCreated(family, samples);
        }
      }
    }
    if (samples.isEmpty()) {
      return List.of();
    }
    return List.of(new MetricFamilySamples(name, type.collectorType(), help, samples));
  }

  /**
   * A counter's or gauge's samples, each made when it is read. A scrape of a million series then
   * holds a million references, not a million samples: the exposition reads each once.
   */
  private final class SeriesSamples extends AbstractList<MetricFamilySamples.Sample> {
    private final String sampleName;
    private SeriesKey[] keys;
    private Object[] children;
    private int size;

    /** The list of the label names last read: series of a family mostly share one array. */
    private String[] lastNames;

    private List<String> lastNameList;

    SeriesSamples(String sampleName) {
      this.sampleName = sampleName;
      int expected = series.size();
      keys = new SeriesKey[expected];
      children = new Object[expected];
      // forEach, not entrySet(): it makes no entry object per series.
      series.forEach(this::add);
    }

    private void add(SeriesKey key, Object child) {
      if (size == keys.length) {
        // Series were added since series.size() was read.
        keys = Arrays.copyOf(keys, 2 * size + 1);
        children = Arrays.copyOf(children, keys.length);
      }
      keys[size] = key;
      children[size] = child;
      size++;
    }

    @Override
    public MetricFamilySamples.Sample get(int index) {
      Objects.checkIndex(index, size);
      Object child = children[index];
      double value =
          child instanceof Counter.Child counter ? counter.get() : ((Gauge.Child) child).get();
      String[] names = keys[index].names();
      if (names != lastNames) {
        lastNames = names;
        lastNameList = Arrays.asList(names);
      }
      return new MetricFamilySamples.Sample(
          sampleName, lastNameList, Arrays.asList(keys[index].values()), value);
    }

    @Override
    public int size() {
      return size;
    }
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
