package io.pushprom.core;

import io.prometheus.client.Collector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.stream.DoubleStream;

/**
 * One metric as Prometheus sees it: a name, a type, the newest help text, and its series, which may
 * have any set of label names. Each series is a {@link Series} of ours, found by one map lookup by
 * the delta's labels; simpleclient sees only the samples this makes when scraped.
 *
 * <p>A removed family or series takes no more updates: {@link #apply} then returns {@code false},
 * and the caller looks the family up again, which creates it afresh.
 */
final class Family extends Collector implements Collector.Describable {
  private static final double[] DEFAULT_BUCKETS = {
    .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10
  };

  private final MetricType type;
  private final String name;

  /** Whether a counter is exposed under its name as pushed ({@link CounterNames#GO}). */
  private final boolean exactName;

  private final List<Double> buckets;
  private final SortedMap<Double, Double> objectives;
  private volatile String help;
  private final Map<SeriesKey, Series> series = new ConcurrentHashMap<>();

  /**
   * The series of {@link #series} in the order they were made, for the walks that visit them all. A
   * series joins it before the map, so that a walk right after an update sees the series updated.
   */
  private final SeriesList listed = new SeriesList();

  private final Map<List<String>, String[]> labelNames = new ConcurrentHashMap<>();

  /** A histogram's upper bounds, {@code +Inf} last; shared by its series. */
  private final double[] upperBounds;

  /** The aggregator's count of series, which each series made here joins and leaves. */
  private final SeriesCount count;

  /**
   * The places each series takes in the count before its labels: one, but {@link #OBJECTIVE_PLACES}
   * for a summary with objectives.
   */
  private final int places;

  /** The places this family takes in the count itself, as long as it is registered. */
  private final int ownPlaces;

  /**
   * A summary series with objectives keeps a quantile estimator (simpleclient's, five windows of
   * ten minutes): 6.5 KB of heap with three objectives, against 150 bytes for a counter and 620 for
   * a histogram of the default buckets, measured by the benchmarks' flood check. So it takes as
   * many places as 16 counters, which keeps the default limit, 1 KiB of heap a place, safe.
   */
  static final int OBJECTIVE_PLACES = 16;

  /**
   * A family holds about 1.2 KB of heap before its series (its maps, its lock, its place in the
   * registry: 50,000 counters of one series each weighed 1,381 bytes apiece), so it takes as many
   * places as two counters.
   */
  static final int FAMILY_PLACES = 2;

  /**
   * Text a series or family keeps (label names and values, name and help) takes a place per this
   * many bytes of UTF-8 more: a series keeps its label values and its labels as {@code /metrics}
   * writes them, about two bytes of heap a character (64 labels of 1,000 characters: 132,549 bytes
   * a series), so a place holds about 512 bytes of it, as a counter's holds 150.
   */
  static final int TEXT_BYTES_PER_PLACE = 256;

  /** Taken to make a series (read) and to mark the family removed (write). */
  private final ReadWriteLock creation = new ReentrantReadWriteLock();

  private volatile boolean removed;

  Family(Delta first, SeriesCount count, CounterNames counterNames) {
    this.count = count;
    this.type = first.type();
    this.exactName = type == MetricType.COUNTER && counterNames == CounterNames.GO;
    this.name = nameOf(first, counterNames);
    this.help = first.help().isEmpty() ? first.name() : first.help();
    this.buckets =
        type == MetricType.HISTOGRAM && first.buckets().isEmpty()
            ? Arrays.stream(DEFAULT_BUCKETS).boxed().toList()
            : first.buckets();
    this.objectives = first.objectives();
    this.places = type == MetricType.SUMMARY && !objectives.isEmpty() ? OBJECTIVE_PLACES : 1;
    this.ownPlaces = FAMILY_PLACES + (utf8Length(name) + utf8Length(help)) / TEXT_BYTES_PER_PLACE;
    this.upperBounds =
        type == MetricType.HISTOGRAM
            ? DoubleStream.concat(
                    buckets.stream().mapToDouble(Double::doubleValue),
                    DoubleStream.of(Double.POSITIVE_INFINITY))
                .toArray()
            : null;
  }

  /**
   * The family name of the metric a delta updates. simpleclient exposes a counter {@code x} and a
   * counter {@code x_total} both as {@code x_total}, so they are one family, {@code x}; named as
   * the Go original names them, they are two.
   */
  static String nameOf(Delta delta, CounterNames counterNames) {
    String name = delta.name();
    if (delta.type() == MetricType.COUNTER
        && counterNames == CounterNames.OPENMETRICS
        && name.endsWith("_total")) {
      return name.substring(0, name.length() - "_total".length());
    }
    return name;
  }

  String name() {
    return name;
  }

  /** The places in the series count that the series of {@code key} takes in this family. */
  int places(SeriesKey key) {
    String[] names = key.names();
    String[] values = key.values();
    long text = 0;
    for (int i = 0; i < names.length; i++) {
      text += utf8Length(names[i]) + utf8Length(values[i]);
    }
    return (int) Math.min(Integer.MAX_VALUE, places + text / TEXT_BYTES_PER_PLACE);
  }

  /** The places any series of this family takes, before its labels' text. */
  int seriesPlaces() {
    return places;
  }

  /** The places in the series count that this family takes itself, besides its series'. */
  int ownPlaces() {
    return ownPlaces;
  }

  /** The bytes of {@code text} in UTF-8 (lone surrogates are refused before text is kept). */
  static int utf8Length(String text) {
    int bytes = text.length();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= 0x800) {
        // Two more, or a surrogate pair's four bytes for its two chars.
        bytes += Character.isSurrogate(c) ? 1 : 2;
      } else if (c >= 0x80) {
        bytes++;
      }
    }
    return bytes;
  }

  /** Whether {@code delta} names this family: {@code nameOf(delta).equals(name)}, not copying. */
  private boolean isNamedBy(Delta delta) {
    String deltaName = delta.name();
    if (deltaName.equals(name)) {
      return true;
    }
    return type == MetricType.COUNTER
        && !exactName
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
   * values with such amounts takes more than 2^53 deltas. A batch's plan checks only larger amounts
   * before applying any, so that a batch is applied whole or not at all; each series then checks
   * every delta exactly, on the value it replaces.
   */
  private static final double LARGE = 0x1p970;

  /** Whether applying {@code delta} could make its series infinite, so a plan must check it. */
  static boolean isLarge(Delta delta) {
    // A histogram's or summary's observation is added to its sum.
    return Math.abs(delta.value()) >= LARGE
        && !(delta.type() == MetricType.GAUGE && delta.method() == Method.SET);
  }

  /**
   * The value of the counter or gauge series {@code delta} names, the sum of the histogram or
   * summary series; 0 if it does not exist yet.
   */
  double current(Delta delta) {
    Series found = series.get(((Labels) delta.labels()).key());
    if (found instanceof ScalarSeries scalar) {
      double value = scalar.value();
      return Double.isNaN(value) ? 0 : value;
    }
    if (found instanceof ObservedSeries observed) {
      return observed.sum();
    }
    return 0;
  }

  /** The series of {@code labels}, or {@code null}. */
  Series series(Labels labels) {
    Series found = series.get(labels.key());
    return found == null || found.isRemoved() ? null : found;
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
      throw notFinite(delta, current);
    }
  }

  /** The rejection of {@code delta}, which would make {@code current} infinite or NaN. */
  static InvalidDeltaException notFinite(Delta delta, double current) {
    boolean subtracting = delta.method() == Method.SUB || delta.method() == Method.DEC;
    return InvalidDeltaException.quiet(
        Reason.INVALID,
        Delta.subject(delta.type(), delta.name())
            + (subtracting ? ": subtracting " : ": adding ")
            + Delta.format(delta.value())
            + (subtracting ? " from " : " to ")
            + current
            + (delta.method() == Method.OBSERVE ? " would make its sum " : " would make it ")
            + (Double.isNaN(next(delta, current)) ? "NaN" : "infinite"));
  }

  /**
   * Applies a delta that {@link #check} accepted.
   *
   * @param allowance what a new series takes its place in the count from
   * @return {@code false} if this family was removed: nothing was applied
   * @throws InvalidDeltaException if the delta would make its series infinite, or would make a new
   *     series that {@code allowance} has no place for; nothing was applied
   */
  boolean apply(Delta delta, long nanos, SeriesCount.Allowance allowance) {
    String newHelp = delta.help();
    // Written only when it changes: a volatile write on every delta would cost every core.
    if (!newHelp.isEmpty() && !newHelp.equals(help)) {
      help = newHelp;
    }
    // Delta's constructor makes every delta's labels a Labels.
    SeriesKey key = ((Labels) delta.labels()).key();
    for (; ; ) {
      Series found = series.get(key);
      if (found == null) {
        found = create(key, delta, nanos, allowance);
        if (found == null) {
          return false;
        }
      }
      if (found.apply(delta, nanos)) {
        return true;
      }
      // Removed between the lookup and the update, which it did not take: it is out of the map
      // (removal unmaps a series before it closes it), so the next lookup creates it afresh.
    }
  }

  /**
   * The series of {@code key}, made unless another thread just made it; {@code null} if this family
   * was removed. Made under the read side of {@link #creation}, so that {@link #removeAll}, which
   * takes the write side to mark the family removed, sweeps every series made before.
   */
  private Series create(SeriesKey key, Delta delta, long nanos, SeriesCount.Allowance allowance) {
    creation.readLock().lock();
    try {
      if (removed) {
        return null;
      }
      SeriesKey kept = kept(key);
      return series.computeIfAbsent(
          kept,
          k -> {
            int taken = places(k);
            if (!allowance.take(taken)) {
              throw count.full(delta, k, taken, places, 0);
            }
            Series made = newSeries(k, nanos);
            listed.append(made);
            return made;
          });
    } finally {
      creation.readLock().unlock();
    }
  }

  /** {@code key} as a new series keeps it: with one shared array of label names, not its own. */
  private SeriesKey kept(SeriesKey key) {
    return key.withNames(
        labelNames.computeIfAbsent(List.of(key.names()), names -> names.toArray(new String[0])));
  }

  private Series newSeries(SeriesKey key, long nanos) {
    return switch (type) {
      case COUNTER, GAUGE -> new ScalarSeries(key, nanos);
      case HISTOGRAM -> new HistogramSeries(key, nanos, upperBounds);
      case SUMMARY -> new SummarySeries(key, nanos, objectives);
    };
  }

  /**
   * Removes the series of {@code labels}.
   *
   * @return the series removed, which holds every update applied to it, or {@code null}
   */
  Series remove(Labels labels) {
    Series found = series.get(labels.key());
    return found != null && discard(found.key, found) ? found : null;
  }

  /**
   * Unmaps {@code found} if it is still the series of {@code key}, then closes it, and takes it out
   * of the count: the one way a series goes. Unmapped first: an update that finds it closed finds
   * it unmapped on its retry. A series a walk found before its creation mapped it stays.
   *
   * @return whether this call closed it; another removal may have got there first
   */
  private boolean discard(SeriesKey key, Series found) {
    if (series.remove(key, found) && found.remove()) {
      count.release(places(key));
      listed.removed();
      return true;
    }
    return false;
  }

  /**
   * Removes the series last updated before {@code deadline}, a {@link System#nanoTime()}. An update
   * racing with it lands in the series before it is removed, or in one made afresh.
   *
   * @param onRemoved given each series removed, with its final state
   * @return how many it removed
   */
  int expire(long deadline, Consumer<Series> onRemoved) {
    int expired = 0;
    for (Series each : listed) {
      if (each.lastUpdateNanos() - deadline < 0 && discard(each.key, each)) {
        expired++;
        onRemoved.accept(each);
      }
    }
    return expired;
  }

  /**
   * Removes every series and takes no more. An update that looked this family up before then either
   * lands in a series removed here, or finds the family removed and looks again.
   */
  void removeAll() {
    removeAll(removedSeries -> {});
  }

  /** As {@link #removeAll()}, handing each series removed to {@code onRemoved}. */
  void removeAll(Consumer<Series> onRemoved) {
    creation.writeLock().lock();
    try {
      removed = true;
    } finally {
      creation.writeLock().unlock();
    }
    // No series is made from here on, so the sweep finds all. An update that found one before
    // lands in it before the sweep closes it, or finds it closed and looks again.
    for (Series each : listed) {
      if (discard(each.key, each)) {
        onRemoved.accept(each);
      }
    }
  }

  /** The number of series. */
  int size() {
    return series.size();
  }

  // What a snapshot reads and restores (StateFile).

  /**
   * A name a delta may carry to reach the family {@code name} of {@code type}: {@link #nameOf}
   * undone, with no more characters than the name the family was first pushed as.
   */
  static String deltaName(MetricType type, String name, CounterNames counterNames) {
    return type == MetricType.COUNTER
            && counterNames == CounterNames.OPENMETRICS
            && name.endsWith("_total")
        ? name + "_total"
        : name;
  }

  /** Whether this is a counter exposed under its name as pushed, without {@code _total}. */
  boolean hasExactName() {
    return exactName;
  }

  String help() {
    return help;
  }

  /** A histogram's upper bounds but {@code +Inf}, the defaults if none were pushed; else empty. */
  List<Double> buckets() {
    return buckets;
  }

  SortedMap<Double, Double> objectives() {
    return objectives;
  }

  boolean isRemoved() {
    return removed;
  }

  /**
   * The series in the order they were made, walked without locking: each series once, those created
   * or removed meanwhile maybe. Removed ones may be among them.
   */
  Iterable<Series> series() {
    return listed;
  }

  /**
   * Creates the series of {@code labels}, last updated at {@code nanos}, for a snapshot to restore
   * its state into.
   *
   * @return the new series, or {@code null} if this family has it already
   */
  Series restore(Labels labels, long nanos) {
    SeriesKey kept = kept(labels.key());
    Series created = newSeries(kept, nanos);
    if (series.putIfAbsent(kept, created) != null) {
      return null;
    }
    listed.append(created);
    // Counted whatever the limit: a file written under a larger one loses nothing, and new series
    // wait until expiry or deletion make room.
    count.force(places(kept));
    return created;
  }

  /**
   * Writes this family as {@code TextFormat.write004} writes the samples {@link #collect()} makes
   * of it: the header, named {@code headerName} (simpleclient's name of the family) and typed by
   * {@code headerType}, only once a series is written, as a family of no samples is not collected.
   * A large family is written by up to {@code maxHelpers} threads more ({@link
   * ParallelSeriesWriter}).
   */
  void write004(
      LineWriter out, String headerName, Type headerType, String headerHelp, int maxHelpers)
      throws IOException {
    Header header = new Header(headerName, headerType, headerHelp);
    ParallelSeriesWriter.LinesFactory lines =
        switch (type) {
          case COUNTER, GAUGE -> scalarLines();
          case HISTOGRAM -> histogramLines();
          case SUMMARY -> summaryLines();
        };
    ParallelSeriesWriter.write(
        listed.spliterator(), listed.size(), out, lines, () -> header.writeOnce(out), maxHelpers);
  }

  private ParallelSeriesWriter.LinesFactory scalarLines() {
    byte[] sampleName = ascii(type == MetricType.COUNTER && !exactName ? name + "_total" : name);
    return beforeLine ->
        (out, each) -> {
          double value = ((ScalarSeries) each).value();
          if (Double.isNaN(value)) {
            return; // removed
          }
          beforeLine.run();
          out.append(sampleName);
          out.appendLabels(each.labelPairs, null);
          out.append(' ');
          out.appendDouble(value);
          out.append('\n');
        };
  }

  private ParallelSeriesWriter.LinesFactory histogramLines() {
    byte[] bucketName = ascii(name + "_bucket");
    byte[] countName = ascii(name + "_count");
    byte[] sumName = ascii(name + "_sum");
    byte[][] upperBoundPairs = new byte[upperBounds.length][];
    for (int i = 0; i < upperBounds.length; i++) {
      upperBoundPairs[i] = ascii("le=\"" + Collector.doubleToGoString(upperBounds[i]) + "\",");
    }
    return beforeLine -> {
      long[] cumulative = new long[upperBounds.length]; // one per thread
      return (out, each) -> {
        if (each.isRemoved()) {
          return;
        }
        HistogramSeries histogram = (HistogramSeries) each;
        // Read once, so that the buckets, the count and the sum agree with each other.
        histogram.cumulativeCounts(cumulative);
        double sum = histogram.sum();
        beforeLine.run();
        byte[] pairs = each.labelPairs;
        for (int i = 0; i < cumulative.length; i++) {
          writeLine(out, bucketName, pairs, upperBoundPairs[i], cumulative[i]);
        }
        writeLine(out, countName, pairs, null, cumulative[cumulative.length - 1]);
        writeLine(out, sumName, pairs, null, sum);
      };
    };
  }

  private ParallelSeriesWriter.LinesFactory summaryLines() {
    byte[] quantileName = ascii(name);
    byte[] countName = ascii(name + "_count");
    byte[] sumName = ascii(name + "_sum");
    return beforeLine ->
        (out, each) -> {
          if (each.isRemoved()) {
            return;
          }
          SummarySeries summary = (SummarySeries) each;
          SortedMap<Double, Double> quantiles = summary.quantiles();
          long summaryCount = summary.count();
          double sum = summary.sum();
          beforeLine.run();
          byte[] pairs = each.labelPairs;
          if (quantiles != null) {
            for (Map.Entry<Double, Double> quantile : quantiles.entrySet()) {
              byte[] quantilePair =
                  ascii("quantile=\"" + Collector.doubleToGoString(quantile.getKey()) + "\",");
              writeLine(out, quantileName, pairs, quantilePair, quantile.getValue());
            }
          }
          writeLine(out, countName, pairs, null, summaryCount);
          writeLine(out, sumName, pairs, null, sum);
        };
  }

  private static void writeLine(
      LineWriter out, byte[] sampleName, byte[] pairs, byte[] extraPair, double value)
      throws IOException {
    out.append(sampleName);
    out.appendLabels(pairs, extraPair);
    out.append(' ');
    out.appendDouble(value);
    out.append('\n');
  }

  /** A family's {@code # HELP} and {@code # TYPE} lines, written before its first sample. */
  private final class Header {
    private final String name;
    private final Type type;
    private final String help;
    private boolean written;

    Header(String name, Type type, String help) {
      this.name = name;
      this.type = type;
      this.help = help;
    }

    void writeOnce(LineWriter out) throws IOException {
      if (written) {
        return;
      }
      written = true;
      // As simpleclient writes it, but a counter named as pushed is typed a counter.
      String suffix = type == Type.COUNTER ? "_total" : "";
      StringBuilder text = new StringBuilder("# HELP ").append(name).append(suffix).append(' ');
      LineWriter.escape(text, help, false);
      text.append("\n# TYPE ").append(name).append(suffix).append(' ');
      text.append(exactName ? "counter" : typeString(type)).append('\n');
      out.append(text.toString().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A metric or label name, or a number: ASCII by the rules that validate them. */
  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  private static String typeString(Type type) {
    return switch (type) {
      case GAUGE -> "gauge";
      case COUNTER -> "counter";
      case SUMMARY -> "summary";
      case HISTOGRAM -> "histogram";
      default -> "untyped";
    };
  }

  @Override
  public List<MetricFamilySamples> collect() {
    if (TextExposition.isCollecting()) {
      return series.isEmpty()
          ? List.of()
          : List.of(new TextExposition(this, exactName ? Type.UNKNOWN : type.collectorType()));
    }
    List<MetricFamilySamples.Sample> samples;
    if (type == MetricType.COUNTER || type == MetricType.GAUGE) {
      samples =
          new SeriesSamples(type == MetricType.COUNTER && !exactName ? name + "_total" : name);
    } else {
      samples = new ObservedSamples();
    }
    if (samples.isEmpty()) {
      return List.of();
    }
    return List.of(samples(samples));
  }

  private MetricFamilySamples samples(List<MetricFamilySamples.Sample> samples) {
    return exactName
        ? new GoCounterSamples(name, help, samples)
        : new MetricFamilySamples(name, type.collectorType(), help, samples);
  }

  /**
   * A histogram's or summary's samples, made a series at a time as they are read: a scrape of a
   * million histograms holds a million references, not fourteen million samples. Every series of a
   * family has as many samples: a histogram's buckets and a summary's objectives are the family's.
   */
  private final class ObservedSamples extends AbstractList<MetricFamilySamples.Sample> {
    private final Series[] present;
    private final int perSeries =
        type == MetricType.HISTOGRAM ? upperBounds.length + 2 : objectives.size() + 2;
    private int cachedIndex = -1;
    private final List<MetricFamilySamples.Sample> cached = new ArrayList<>(perSeries);

    ObservedSamples() {
      List<Series> found = new ArrayList<>(listed.size());
      for (Series each : listed) {
        if (!each.isRemoved()) {
          found.add(each);
        }
      }
      present = found.toArray(new Series[0]);
    }

    @Override
    public MetricFamilySamples.Sample get(int index) {
      Objects.checkIndex(index, size());
      int seriesIndex = index / perSeries;
      if (seriesIndex != cachedIndex) {
        // Read once per series, so that its buckets, count and sum agree with each other.
        cached.clear();
        present[seriesIndex].collect(name, cached);
        if (cached.size() != perSeries) {
          throw new IllegalStateException(
              name + ": a series has " + cached.size() + " samples, not " + perSeries);
        }
        cachedIndex = seriesIndex;
      }
      return cached.get(index % perSeries);
    }

    @Override
    public int size() {
      return present.length * perSeries;
    }
  }

  /**
   * A counter's or gauge's samples, each made when it is read. A scrape of a million series then
   * holds a million references and values, not a million samples: the exposition reads each once.
   * The values are read when listed, so a series removed since still has its sample.
   */
  private final class SeriesSamples extends AbstractList<MetricFamilySamples.Sample> {
    private final String sampleName;
    private SeriesKey[] keys;
    private double[] values;
    private int size;

    /** The list of the label names last read: series of a family mostly share one array. */
    private String[] lastNames;

    private List<String> lastNameList;

    SeriesSamples(String sampleName) {
      this.sampleName = sampleName;
      int expected = listed.size();
      keys = new SeriesKey[expected];
      values = new double[expected];
      listed.forEach(this::add);
    }

    private void add(Series each) {
      double value = ((ScalarSeries) each).value();
      if (Double.isNaN(value)) {
        return; // removed
      }
      if (size == keys.length) {
        // Series were added since listed.size() was read.
        keys = Arrays.copyOf(keys, 2 * size + 1);
        values = Arrays.copyOf(values, keys.length);
      }
      keys[size] = each.key;
      values[size] = value;
      size++;
    }

    @Override
    public MetricFamilySamples.Sample get(int index) {
      Objects.checkIndex(index, size);
      double value = values[index];
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
    return List.of(samples(List.of()));
  }
}
