package io.pushprom.core;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Applies deltas to the metrics of one {@link CollectorRegistry}, creating each metric the first
 * time a delta names it. This is the whole of Pushprom's semantics, with no sockets: an application
 * can embed it, or unit-test what its deltas do, with this class alone.
 *
 * <pre>{@code
 * Aggregator aggregator = Aggregator.create();
 * aggregator.apply(Delta.parse(
 *     "{\"type\":\"counter\",\"name\":\"gophers\",\"method\":\"inc\",\"labels\":{\"job\":\"bot\"}}"));
 * aggregator.value("gophers", Map.of("job", "bot")); // OptionalDouble[1.0]
 * aggregator.remove("gophers", Map.of("job", "bot")); // true: the series is gone
 * }</pre>
 *
 * <p>Rules beyond a single delta's own: a delta must agree with the existing metric of its name on
 * the type, and on the buckets or objectives when it names any; the newest help text wins; series
 * of one metric may have different label names. A rejected delta changes nothing. All methods are
 * safe to call from many threads at once, and no update is lost: one racing with a removal is
 * either in what was removed or in the series made afresh after it.
 *
 * <p>The aggregator registers its {@link Telemetry} in the registry, so one registry holds at most
 * one aggregator. It refuses deltas over its {@link Limits}, and any that would make a counter or
 * gauge infinite; a builder sets the registry and the limits:
 *
 * <pre>{@code
 * Aggregator aggregator = Aggregator.builder(registry)
 *     .limits(Limits.defaults().withMaxLabels(10))
 *     .build();
 * }</pre>
 */
public final class Aggregator implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Aggregator.class.getName());
  private static final Reason[] REASONS = Reason.values();

  /**
   * Heap a series is given when the limit on series is not set: at {@code -Xmx256m}, 262,144
   * series. A counter of two short labels takes about 150 bytes, a histogram of the 11 default
   * buckets about 1 KB; the rest is room for scrapes and garbage collection.
   */
  private static final long DEFAULT_HEAP_PER_SERIES = 1024;

  private final CollectorRegistry registry;
  private final Limits limits;
  private final CounterNames counterNames;
  private final SeriesCount seriesCount;
  private final LongSupplier clock;

  /** How long a series lives without an update, or 0 for ever. */
  private final Duration seriesTtl;

  /** The expiry's period, which is also how far the stamp of an update may lag behind it. */
  private final long sweepNanos;

  private final Counter expired;

  /** Where the state is kept across restarts, or {@code null}. */
  private final Path stateFile;

  private final Counter stateWriteErrors;

  /** Runs the expiry and the snapshots; {@code null} without either. Set once, by start. */
  private Housekeeping housekeeping;

  /** Every sample name of every family, to the family: so each name has one owner. */
  private final Map<String, Family> families = new ConcurrentHashMap<>();

  /**
   * Held while families are created, so that a batch's new families are checked and added whole.
   */
  private final Object creation = new Object();

  /**
   * A recent {@link System#nanoTime()}, which each update stamps its series with: reading the clock
   * costs about 20 ns, as much as applying a delta, and a series' last update only needs the
   * resolution of the expiry that will read it. {@link #tick} moves it on.
   */
  private volatile long recentNanos;

  private final Telemetry telemetry;
  private final Counter applied;
  private final Counter.Child[] appliedByTransport;
  private final Counter rejected;

  /** The last rejected deltas, for an operator to read. */
  private final RecentRejections recentRejections = new RecentRejections();

  private Aggregator(Builder builder) {
    this.registry = builder.registry == null ? new CollectorRegistry() : builder.registry;
    this.limits = builder.limits;
    this.counterNames = builder.counterNames;
    this.seriesCount = new SeriesCount(builder.maxSeries);
    this.clock = builder.clock;
    this.recentNanos = clock.getAsLong();
    this.seriesTtl = builder.seriesTtl;
    this.sweepNanos = sweepPeriod(seriesTtl).toNanos();
    this.telemetry = new Telemetry(registry, creation, this::tick, seriesCount);
    this.applied =
        telemetry.counter(
            "pushprom_deltas_applied_total", "Deltas applied, by transport.", "transport");
    this.rejected =
        telemetry.counter(
            "pushprom_deltas_rejected_total",
            "Deltas rejected, by transport and reason; reason batch counts the valid deltas of an"
                + " HTTP batch that was rejected whole.",
            "transport",
            "reason");
    // Created on first use, as before: a transport that never applies shows no series.
    this.appliedByTransport = new Counter.Child[Transport.values().length];
    this.expired =
        seriesTtl.isZero()
            ? null
            : telemetry.counter(
                "pushprom_series_expired_total",
                "Series removed because no delta updated them for longer than the TTL.");
    this.stateFile = builder.stateFile;
    this.stateWriteErrors =
        stateFile == null
            ? null
            : telemetry.counter(
                "pushprom_state_write_errors_total",
                "Snapshots of the state that could not be written; the file keeps the last one.");
  }

  /**
   * Loads the state file, if any, then starts the housekeeping: only once loaded may a snapshot
   * replace the file, which a failed load must leave as it is.
   */
  private Aggregator start(Duration stateInterval) {
    if (stateFile != null) {
      boolean loaded;
      try {
        loaded = StateFile.load(stateFile, this);
      } catch (RuntimeException e) {
        // Leaves the registry as it was, so that the application may build another.
        clear();
        registry.unregister(telemetry);
        throw e;
      }
      if (loaded) {
        LOG.info(() -> "loaded " + seriesCount() + " series from the state file " + stateFile);
      } else {
        LOG.info(() -> "no state file " + stateFile + " yet: starting empty");
      }
    }
    if (expired != null || stateFile != null) {
      housekeeping = new Housekeeping();
      if (expired != null) {
        housekeeping.every(Duration.ofNanos(sweepNanos), this::expire);
      }
      if (stateFile != null) {
        housekeeping.every(stateInterval, () -> writeState());
      }
    }
    return this;
  }

  /**
   * Writes a snapshot to the state file; a failure is logged and counted, and the file keeps the
   * last snapshot that was written whole.
   */
  private boolean writeState() {
    tick();
    long started = System.nanoTime();
    try {
      StateFile.write(this, stateFile);
      LOG.fine(
          () ->
              "wrote "
                  + seriesCount()
                  + " series to "
                  + stateFile
                  + " in "
                  + (System.nanoTime() - started) / 1_000_000
                  + " ms");
      return true;
    } catch (IOException | RuntimeException e) {
      stateWriteErrors.inc();
      LOG.log(Level.WARNING, "cannot write the state file " + stateFile, e);
      return false;
    }
  }

  /**
   * How often the expiry runs: a tenth of the TTL, so a series goes at most a fifth of it late, and
   * at least every 10 s; never more often than every millisecond.
   */
  private static Duration sweepPeriod(Duration ttl) {
    Duration tenth = ttl.dividedBy(10);
    Duration most = Duration.ofSeconds(10);
    Duration least = Duration.ofMillis(1);
    return tenth.compareTo(most) > 0 ? most : tenth.compareTo(least) < 0 ? least : tenth;
  }

  /**
   * The number of series a heap of {@code maxMemory} bytes holds by default: one per KiB, so that
   * {@code -Xmx256m} holds 262,144. See the README for what series of each kind take.
   */
  public static long defaultMaxSeries(long maxMemory) {
    return Math.max(1, maxMemory / DEFAULT_HEAP_PER_SERIES);
  }

  /** An aggregator on a registry of its own, with the default limits. */
  public static Aggregator create() {
    return builder().build();
  }

  /**
   * An aggregator whose metrics live in {@code registry}, beside the application's own. A delta
   * whose name collides with a collector the application registered is rejected.
   */
  public static Aggregator create(CollectorRegistry registry) {
    return builder().registry(registry).build();
  }

  /** A builder of an aggregator: a registry of its own and the default limits unless told. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder of an aggregator whose metrics live in {@code registry}. */
  public static Builder builder(CollectorRegistry registry) {
    return new Builder().registry(registry);
  }

  /**
   * Settings of an {@link Aggregator}.
   *
   * <pre>{@code
   * Aggregator aggregator = Aggregator.builder().limits(Limits.defaults().withMaxBuckets(32)).build();
   * }</pre>
   */
  public static final class Builder {
    private Path stateFile;
    private Duration stateInterval = Duration.ofMinutes(1);
    private CollectorRegistry registry;
    private Limits limits = Limits.defaults();
    private CounterNames counterNames = CounterNames.OPENMETRICS;
    private long maxSeries = defaultMaxSeries(Runtime.getRuntime().maxMemory());
    private Duration seriesTtl = Duration.ZERO;
    private LongSupplier clock = System::nanoTime;

    private Builder() {}

    /**
     * The registry the metrics live in, beside the application's own; a delta whose name collides
     * with a collector the application registered is rejected.
     */
    public Builder registry(CollectorRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** The limits each delta must keep to. */
    public Builder limits(Limits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * How counters are named on {@code /metrics}: {@link CounterNames#OPENMETRICS}, the default,
     * adds {@code _total}; {@link CounterNames#GO} keeps the name each was pushed with, as the Go
     * original does.
     */
    public Builder counterNames(CounterNames counterNames) {
      this.counterNames = Objects.requireNonNull(counterNames, "counterNames");
      return this;
    }

    /**
     * How many series may exist at once, over all metrics; a delta that would make one more is
     * rejected, with {@link Reason#LIMIT}, while deltas to existing series still apply. By default,
     * {@link #defaultMaxSeries} of the JVM's maximum heap.
     */
    public Builder maxSeries(long maxSeries) {
      if (maxSeries < 1) {
        throw new IllegalArgumentException("maxSeries must be at least 1, not " + maxSeries);
      }
      this.maxSeries = maxSeries;
      return this;
    }

    /**
     * How long a series lives without a delta: after that it is removed, and a metric left with no
     * series too, so its name may come back with another type. {@link Duration#ZERO}, the default,
     * keeps series for ever. With a TTL, the aggregator runs a daemon thread, which {@link
     * Aggregator#close} stops.
     */
    public Builder seriesTtl(Duration ttl) {
      if (ttl.isNegative()) {
        throw new IllegalArgumentException("seriesTtl must not be negative, not " + ttl);
      }
      this.seriesTtl = ttl;
      return this;
    }

    /**
     * Keeps the state in {@code file} across restarts: {@link #build} loads it, a snapshot replaces
     * it every {@link #stateInterval} and {@link Aggregator#close} writes the last. A missing file
     * is a first start. The format is documented in {@code docs/state-file.md}.
     */
    public Builder stateFile(Path file) {
      this.stateFile = Objects.requireNonNull(file, "file");
      return this;
    }

    /** How often a snapshot replaces the state file; a minute unless told. */
    public Builder stateInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("stateInterval must be positive, not " + interval);
      }
      this.stateInterval = interval;
      return this;
    }

    /** The clock series are stamped by, {@link System#nanoTime()} but in tests. */
    Builder clock(LongSupplier clock) {
      this.clock = clock;
      return this;
    }

    /**
     * A new aggregator, registered in the registry, with the state file's state loaded if there is
     * one.
     *
     * @throws IllegalArgumentException if the registry already holds an aggregator's telemetry
     * @throws StateFileException if the state file cannot be loaded; it is left as it was
     * @throws IllegalStateException if the Jackson on the class path is older than Pushprom needs
     */
    public Aggregator build() {
      JacksonVersion.require();
      return new Aggregator(this).start(stateInterval);
    }
  }

  /** The limits each delta must keep to. */
  public Limits limits() {
    return limits;
  }

  /** How counters are named on {@code /metrics}. */
  public CounterNames counterNames() {
    return counterNames;
  }

  /** How many series may exist at once. */
  public long maxSeries() {
    return seriesCount.max();
  }

  /** How many pushed series exist now. */
  public long seriesCount() {
    return seriesCount.get();
  }

  /**
   * The places of {@link #maxSeries} taken now: one a series of short labels, more for long labels
   * or a summary's objectives, and each metric's own.
   */
  public long seriesPlaces() {
    return seriesCount.places();
  }

  /** How long a series lives without an update; zero for ever. */
  public Duration seriesTtl() {
    return seriesTtl;
  }

  /**
   * Stops the aggregator's background work, the expiry of series and the snapshots, then writes the
   * last snapshot to the state file; the aggregator still applies deltas, but they are no longer
   * kept. Without a TTL and a state file, this does nothing. Close it after what feeds it.
   */
  @Override
  public void close() {
    if (housekeeping != null) {
      housekeeping.close();
    }
    if (stateFile != null) {
      if (writeState()) {
        LOG.info(() -> "wrote " + seriesCount() + " series to the state file " + stateFile);
      } else {
        LOG.severe(() -> "what changed since the last snapshot of " + stateFile + " is lost");
      }
    }
  }

  /**
   * Removes every series that no update has touched for longer than the TTL, then every metric left
   * with no series; what the housekeeping thread runs. An update racing with it lands in the series
   * before it is removed, or makes it afresh.
   *
   * @return how many series it removed
   */
  int expire() {
    return expire(removed -> {});
  }

  /** As {@link #expire()}, handing each series removed to {@code onRemoved}. */
  int expire(Consumer<Series> onRemoved) {
    tick();
    if (seriesTtl.isZero()) {
      return 0;
    }
    // An update is stamped with a time up to one sweep older than itself: so none goes early.
    long deadline = recentNanos - seriesTtl.toNanos() - sweepNanos;
    int removed = 0;
    for (Family family : families()) {
      removed += family.expire(deadline, onRemoved);
      if (family.size() == 0) {
        removed += removeIfEmpty(family, onRemoved);
      }
    }
    if (removed > 0) {
      expired.inc(removed);
    }
    return removed;
  }

  /**
   * Removes {@code family} if it has no series.
   *
   * @return how many series it removed with it: those made since it was found empty
   */
  private int removeIfEmpty(Family family, Consumer<Series> onRemoved) {
    synchronized (creation) {
      if (family.size() != 0 || families.get(family.sampleNames().get(0)) != family) {
        return 0;
      }
      detach(family);
    }
    // A series made since the check above goes with the family, as if made just before.
    int[] late = {0};
    family.removeAll(
        series -> {
          late[0]++;
          onRemoved.accept(series);
        });
    return late[0];
  }

  /** The registry that holds the metrics, to scrape or to read values from. */
  public CollectorRegistry registry() {
    return registry;
  }

  /** Pushprom's counters about itself, in the same registry; transports add theirs here. */
  public Telemetry telemetry() {
    return telemetry;
  }

  /**
   * The value of a counter's or gauge's series, by the name it was pushed as ({@code gophers} and
   * {@code gophers_total} both name the counter pushed as {@code gophers}, but where counters keep
   * their names, {@link CounterNames#GO}) and its labels in any order; empty if there is no such
   * series.
   *
   * <pre>{@code
   * aggregator.value("gophers_total", Map.of("job", "bot")); // OptionalDouble[1.0]
   * }</pre>
   */
  public OptionalDouble value(String name, Map<String, String> labels) {
    if (seriesNamed(name, labels) instanceof ScalarSeries scalar) {
      double value = scalar.value();
      if (!Double.isNaN(value)) {
        return OptionalDouble.of(value);
      }
    }
    return OptionalDouble.empty();
  }

  /**
   * What a histogram's or summary's series observed, by the name it was pushed as and its labels in
   * any order; empty if there is no such series.
   *
   * <pre>{@code
   * aggregator.observations("latency", Map.of()).get().count(); // 2
   * }</pre>
   */
  public Optional<Observations> observations(String name, Map<String, String> labels) {
    Series found = seriesNamed(name, labels);
    if (found instanceof HistogramSeries histogram) {
      long[] counts = histogram.cumulativeCounts();
      double[] upperBounds = histogram.upperBounds();
      TreeMap<Double, Long> buckets = new TreeMap<>();
      for (int i = 0; i < counts.length; i++) {
        buckets.put(upperBounds[i], counts[i]);
      }
      return Optional.of(new Observations(counts[counts.length - 1], histogram.sum(), buckets));
    }
    if (found instanceof SummarySeries summary) {
      return Optional.of(new Observations(summary.count(), summary.sum(), new TreeMap<>()));
    }
    return Optional.empty();
  }

  /**
   * Removes one series, by the name its metric was pushed as and its labels in any order. An update
   * racing with the removal is either in what was removed or in the series made afresh after it.
   *
   * @return whether there was such a series
   * @throws InvalidDeltaException if the metric exists and no delta of it could have these labels
   *     (a label name {@code __a}, {@code le} on a histogram), named as a delta's are
   */
  public boolean remove(String name, Map<String, String> labels) {
    return take(name, labels) != null;
  }

  /** Removes one series and returns it, with its final state, or {@code null} if there was none. */
  Series take(String name, Map<String, String> labels) {
    Family family = familyNamed(name);
    return family == null
        ? null
        : family.remove(Delta.checkLabels(family.type(), name, Labels.of(Map.copyOf(labels))));
  }

  /**
   * Removes a metric and all its series, by the name it was pushed as, and frees its names: the
   * next delta of that name may have another type. Pushprom's own telemetry is not removed.
   *
   * @return whether there was such a metric
   */
  public boolean removeFamily(String name) {
    Family family;
    synchronized (creation) {
      family = familyNamed(name);
      if (family == null) {
        return false;
      }
      detach(family);
    }
    // Emptied outside the lock: closing a million series must not hold back new families.
    family.removeAll();
    return true;
  }

  /** Removes every pushed metric; Pushprom's own telemetry stays. */
  public void clear() {
    Set<Family> removed;
    synchronized (creation) {
      removed = new LinkedHashSet<>(families());
      removed.forEach(this::detach);
    }
    removed.forEach(Family::removeAll);
  }

  /**
   * Makes {@code family} unreachable: no lookup finds it, and the registry has forgotten its names.
   * The creation lock is held, so no plan sees it half detached.
   */
  private void detach(Family family) {
    // An update that looks it up from now on finds no family and waits for the creation lock to
    // make it afresh, by then free of the registry. One that found it before lands in it, and
    // is removed with it, or finds a series removed and looks again.
    for (String sampleName : family.sampleNames()) {
      families.remove(sampleName, family);
    }
    registry.unregister(family);
    seriesCount.releaseFamily(family.ownPlaces());
  }

  /**
   * The family that {@code name}, as pushed, names: its own name, or a counter's with _total but
   * when counters keep their names.
   */
  private Family familyNamed(String name) {
    Family family = families.get(Objects.requireNonNull(name, "name"));
    if (family == null) {
      return null;
    }
    String own = family.name();
    boolean named =
        name.equals(own)
            || family.type() == MetricType.COUNTER
                && !family.hasExactName()
                && name.equals(own + "_total");
    return named ? family : null;
  }

  private Series seriesNamed(String name, Map<String, String> labels) {
    Family family = familyNamed(name);
    return family == null ? null : family.series(Labels.ofSeries(labels));
  }

  /**
   * Applies one delta.
   *
   * @throws InvalidDeltaException if the delta exceeds the limits, would make its series infinite
   *     or conflicts with an existing metric; nothing changed. Like every rejection of a delta, it
   *     has no stack trace: the message says what was wrong
   */
  public void apply(Delta delta) {
    limits.check(delta);
    applyOne(delta, recentNanos);
  }

  /** Applies a delta within the limits; throws an exception without a stack trace. */
  private void applyOne(Delta delta, long nanos) {
    for (; ; ) {
      // Every sample name maps to its family, so gophers_total finds the counter gophers as is.
      Family family = families.get(delta.name());
      if (family == null) {
        List<Rejection> rejections = applyAll(List.of(delta), nanos);
        if (!rejections.isEmpty()) {
          throw rejections.get(0).toException();
        }
        return;
      }
      family.check(delta);
      if (family.apply(delta, nanos, seriesCount.direct())) {
        return;
      }
      // The family was removed after the lookup: look again, which creates it afresh.
    }
  }

  /**
   * Applies every delta of {@code body} or none: if any delta is malformed, invalid or conflicts,
   * nothing is applied and the result lists each such delta. This is what HTTP does.
   *
   * @param transport how the body came, for self-telemetry
   * @param body one delta, a JSON array of deltas, or one delta per line (NDJSON), in UTF-8
   */
  public IngestResult ingestAll(Transport transport, byte[] body) {
    return ingestAll(transport, body, 0, body.length);
  }

  /**
   * As {@link #ingestAll(Transport, byte[])}, for {@code length} bytes of {@code body} at {@code
   * offset}.
   */
  public IngestResult ingestAll(Transport transport, byte[] body, int offset, int length) {
    return ingestAll(transport, body, offset, length, null);
  }

  /**
   * As {@link #ingestAll(Transport, byte[], int, int)}, from {@code source}: who sent the body,
   * such as {@code 10.0.0.7:41234}, which {@link #recentRejections()} names. It is asked only when
   * a delta is rejected, so that a transport formats no address for a good body.
   */
  public IngestResult ingestAll(
      Transport transport, byte[] body, int offset, int length, Supplier<String> source) {
    DeltaParser.Batch batch = DeltaParser.parse(body, offset, length, limits);
    List<Delta> deltas = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      deltas.add(batch.delta(i));
    }
    List<Rejection> rejections;
    if (batch.rejections().isEmpty()) {
      rejections = applyAll(deltas, recentNanos);
    } else {
      // Nothing is applied, but the answer names the conflicts of the valid deltas too.
      rejections = new ArrayList<>(batch.rejections());
      synchronized (creation) {
        Plan plan = plan(deltas);
        if (!seriesCount.fits(plan.freshPlaces)) {
          plan.rejectFresh(deltas);
        }
        rejections.addAll(plan.rejections);
      }
      rejections.sort((a, b) -> Integer.compare(a.index(), b.index()));
    }
    if (rejections.isEmpty()) {
      appliedBy(transport).inc(batch.size());
      return new IngestResult(batch.size(), batch.size(), List.of());
    }
    count(transport, rejections);
    recentRejections.record(transport, source, rejections, batch, body);
    int innocent = batch.size() - rejections.size();
    if (innocent > 0) {
      rejected.labels(transport.label(), "batch").inc(innocent);
    }
    return new IngestResult(batch.size(), 0, rejections);
  }

  /**
   * Applies each valid delta of {@code body} and rejects the others, each on its own. This is what
   * UDP does, as it cannot answer.
   *
   * @param transport how the body came, for self-telemetry
   * @param body one delta, a JSON array of deltas, or one delta per line (NDJSON), in UTF-8
   */
  public IngestResult ingestEach(Transport transport, byte[] body, int offset, int length) {
    return ingestEach(transport, body, offset, length, null);
  }

  /**
   * As {@link #ingestEach(Transport, byte[], int, int)}, from {@code source}, which is asked only
   * when a delta is rejected: see {@link #ingestAll(Transport, byte[], int, int, Supplier)}.
   */
  public IngestResult ingestEach(
      Transport transport, byte[] body, int offset, int length, Supplier<String> source) {
    DeltaParser.Batch batch = DeltaParser.parse(body, offset, length, limits);
    List<Rejection> rejections = batch.rejections();
    int done = 0;
    long nanos = recentNanos;
    for (int i = 0; i < batch.size(); i++) {
      Delta delta = batch.delta(i);
      if (delta != null) {
        try {
          applyOne(delta, nanos);
          done++;
        } catch (InvalidDeltaException e) {
          rejections.add(Rejection.of(i, e));
        }
      }
    }
    if (done > 0) {
      appliedBy(transport).inc(done);
    }
    if (rejections.size() > 1) {
      rejections.sort((a, b) -> Integer.compare(a.index(), b.index()));
    }
    count(transport, rejections);
    recentRejections.record(transport, source, rejections, batch, body);
    return new IngestResult(batch.size(), done, rejections);
  }

  /**
   * The deltas applied so far through {@link #ingestAll} and {@link #ingestEach}, over every
   * transport: a number that only grows, for a transport to tell whether anything changed since it
   * last looked.
   */
  public long appliedCount() {
    long count = 0;
    for (Transport transport : Transport.values()) {
      Counter.Child child = appliedByTransport[transport.ordinal()];
      count += child == null ? 0 : (long) child.get();
    }
    return count;
  }

  /**
   * The last {@value RecentRejections#CAPACITY} deltas that {@link #ingestAll} and {@link
   * #ingestEach} rejected, newest first, each with its text as sent: what to look at when someone
   * asks why their metric does not show. A batch rejected whole lists only its own faulty deltas.
   *
   * <pre>{@code
   * aggregator.recentRejections().get(0).message(); // "counter x: negative increment -1 ..."
   * }</pre>
   */
  public List<RejectedDelta> recentRejections() {
    return recentRejections.list();
  }

  /**
   * Every pushed metric with its type, help, number of series and last update, the metrics with the
   * most series first: whoever makes too many shows at the top. It reads each series' stamp, taking
   * no lock, so it costs about what a scrape of counters does.
   */
  public List<MetricOverview> overview() {
    tick();
    long nowNanos = recentNanos;
    Instant now = Instant.now();
    List<MetricOverview> overview = new ArrayList<>();
    for (Family family : families()) {
      long count = 0;
      long latest = 0;
      for (Series each : family.series()) {
        if (!each.isRemoved()) {
          long stamp = each.lastUpdateNanos();
          latest = count == 0 || stamp - latest > 0 ? stamp : latest;
          count++;
        }
      }
      overview.add(
          new MetricOverview(
              family.name(),
              family.type(),
              family.help(),
              count,
              count == 0 ? null : now.minusNanos(Math.max(0, nowNanos - latest))));
    }
    overview.sort(
        Comparator.comparingLong(MetricOverview::series)
            .reversed()
            .thenComparing(MetricOverview::name));
    return List.copyOf(overview);
  }

  // What a snapshot reads and restores (StateFile).

  /** The pushed families, each once, as they are while the map is read; taking no lock. */
  Collection<Family> families() {
    return new LinkedHashSet<>(families.values());
  }

  /**
   * Creates and registers the family {@code first} names, as its first push would, for a snapshot
   * to restore series into; {@code first} is not applied.
   *
   * @return the new family, or {@code null} if it exists already
   * @throws InvalidDeltaException if {@code first} conflicts with an existing family or collector
   */
  Family restoreFamily(Delta first) {
    List<Delta> deltas = List.of(first);
    synchronized (creation) {
      Plan plan = plan(deltas);
      if (plan.rejections.isEmpty() && !plan.created.isEmpty()) {
        plan.register(deltas);
        if (plan.rejections.isEmpty()) {
          // Counted whatever the limit, as its series will be.
          seriesCount.forceFamilies(plan.familyPlaces);
        }
      }
      if (!plan.rejections.isEmpty()) {
        throw plan.rejections.get(0).toException();
      }
      return plan.created.isEmpty() ? null : plan.targets[0];
    }
  }

  /**
   * Moves the time that series are stamped with on to now. Each scrape calls it, and so will the
   * housekeeping that expires series, whose period then bounds how far a stamp may lag.
   */
  void tick() {
    recentNanos = clock.getAsLong();
  }

  /** The applied counter of {@code transport}, found without simpleclient's varargs lookup. */
  private Counter.Child appliedBy(Transport transport) {
    Counter.Child child = appliedByTransport[transport.ordinal()];
    if (child == null) {
      // A race makes two lookups of the same child, which is harmless: simpleclient keeps one.
      child = applied.labels(transport.label());
      appliedByTransport[transport.ordinal()] = child;
    }
    return child;
  }

  private void count(Transport transport, List<Rejection> rejections) {
    if (rejections.isEmpty()) {
      return; // the usual body: no array to sum into
    }
    // Summed by reason first: a body of millions of rejections is three label lookups, not
    // millions.
    int[] byReason = new int[REASONS.length];
    for (Rejection rejection : rejections) {
      byReason[rejection.reason().ordinal()]++;
    }
    for (Reason reason : REASONS) {
      if (byReason[reason.ordinal()] > 0) {
        rejected.labels(transport.label(), reason.label()).inc(byReason[reason.ordinal()]);
      }
    }
  }

  /**
   * Applies all of {@code deltas} or, if any conflicts with an existing metric or with another of
   * them, none.
   *
   * @return the deltas that conflict, by index; empty if all were applied
   */
  private List<Rejection> applyAll(List<Delta> deltas, long nanos) {
    Plan plan = plan(deltas);
    SeriesCount.Reservation reservation = null;
    if (!plan.rejections.isEmpty() || !plan.created.isEmpty()) {
      synchronized (creation) {
        // Another thread may have created some of the same families since, or be publishing one
        // (a half-published family looks like a collision): plan again, alone.
        plan = plan(deltas);
        if (plan.rejections.isEmpty() && !plan.created.isEmpty()) {
          // Room first: a family registered for series that do not fit would hold its name empty.
          reservation = reserve(plan, deltas);
          if (reservation != null) {
            plan.register(deltas);
            if (plan.rejections.isEmpty()) {
              reservation.keepForFamilies(plan.familyPlaces);
            }
          }
        }
      }
    }
    if (reservation == null && plan.rejections.isEmpty()) {
      reservation = reserve(plan, deltas);
    }
    if (!plan.rejections.isEmpty()) {
      if (reservation != null) {
        reservation.close();
      }
      return plan.rejections;
    }
    try {
      return applyPlanned(plan, deltas, nanos, reservation);
    } finally {
      reservation.close();
    }
  }

  /** Room for the series {@code plan} makes, or {@code null} with each of them rejected. */
  private SeriesCount.Reservation reserve(Plan plan, List<Delta> deltas) {
    SeriesCount.Reservation reservation = seriesCount.reserve(plan.freshPlaces);
    if (reservation == null) {
      plan.rejectFresh(deltas);
    }
    return reservation;
  }

  private List<Rejection> applyPlanned(
      Plan plan, List<Delta> deltas, long nanos, SeriesCount.Reservation reservation) {
    List<Rejection> late = List.of();
    for (int i = 0; i < deltas.size(); i++) {
      try {
        if (!plan.targets[i].apply(deltas.get(i), nanos, reservation)) {
          // Its family was removed since the plan: applied to the family made afresh.
          applyOne(deltas.get(i), nanos);
        }
      } catch (InvalidDeltaException e) {
        // Only a delta racing with another thread's on the same series (the plan found it finite,
        // but the series moved since), or with the removal of its family (the name was taken
        // since), gets here. The others of the batch are applied.
        late = late.isEmpty() ? new ArrayList<>() : late;
        late.add(Rejection.of(i, e));
      }
    }
    return late;
  }

  private Plan plan(List<Delta> deltas) {
    Plan plan = new Plan(deltas.size());
    for (int i = 0; i < deltas.size(); i++) {
      Delta delta = deltas.get(i);
      if (delta == null) {
        continue; // rejected when parsed
      }
      try {
        String name = Family.nameOf(delta, counterNames);
        Family family = families.get(name);
        if (family == null) {
          family = plan.created.get(name);
        }
        if (family == null) {
          family = plan.create(delta);
        }
        family.check(delta);
        if (Family.isLarge(delta)) {
          plan.checkFinite(family, delta);
        }
        plan.targets[i] = family;
        plan.countFresh(i, family, delta);
      } catch (InvalidDeltaException e) {
        plan.rejections.add(Rejection.of(i, e));
      }
    }
    return plan;
  }

  /** Where each delta of a batch goes, and the families the batch would create. */
  private final class Plan {
    final Family[] targets;

    /** The families this batch creates, by each of their sample names. */
    final Map<String, Family> created = new HashMap<>();

    final List<Rejection> rejections = new ArrayList<>();

    /** The series this batch would make, by family and labels, to the first delta that makes it. */
    final Map<List<Object>, Integer> fresh = new HashMap<>();

    /** The places in the series count that those series and the families made take. */
    long freshPlaces;

    /** The places of {@link #freshPlaces} that the families made take. */
    long familyPlaces;

    /** The values large deltas of this batch would leave, by family and labels. */
    private Map<List<Object>, Double> projected;

    Plan(int size) {
      targets = new Family[size];
    }

    /** Checks that {@code delta}, after the batch's earlier large deltas, leaves a finite value. */
    void checkFinite(Family family, Delta delta) {
      if (projected == null) {
        projected = new HashMap<>();
      }
      List<Object> series = List.of(family, delta.labels());
      Double before = projected.get(series);
      double current = before != null ? before : family.current(delta);
      Family.checkFinite(delta, current);
      projected.put(series, Family.next(delta, current));
    }

    /** Counts the series {@code delta} makes, if it is new and no earlier delta made it. */
    void countFresh(int index, Family family, Delta delta) {
      Labels labels = (Labels) delta.labels();
      if (family.series(labels) == null
          && fresh.putIfAbsent(List.of(family, labels), index) == null) {
        freshPlaces += family.places(labels.key());
      }
    }

    /** Rejects each delta that would make a series, as there is no room for them all. */
    void rejectFresh(List<Delta> deltas) {
      for (int index : fresh.values()) {
        Delta delta = deltas.get(index);
        Family family = targets[index];
        SeriesKey key = ((Labels) delta.labels()).key();
        rejections.add(
            Rejection.of(
                index,
                seriesCount.full(
                    delta,
                    key,
                    family.places(key),
                    family.seriesPlaces(),
                    created.containsValue(family) ? family.ownPlaces() : 0)));
      }
      rejections.sort((a, b) -> Integer.compare(a.index(), b.index()));
    }

    Family create(Delta first) {
      Family family = new Family(first, seriesCount, counterNames);
      List<String> sampleNames = family.sampleNames();
      for (String sampleName : sampleNames) {
        Family owner = families.getOrDefault(sampleName, created.get(sampleName));
        if (owner != null) {
          throw Family.conflict(
              first.type()
                  + " "
                  + first.name()
                  + ": its series "
                  + sampleName
                  + " would collide with "
                  + owner.type()
                  + " "
                  + owner.name());
        }
      }
      for (String sampleName : sampleNames) {
        created.put(sampleName, family);
      }
      freshPlaces += family.ownPlaces();
      familyPlaces += family.ownPlaces();
      return family;
    }

    /** Registers the new families, all or none, then publishes them. */
    void register(List<Delta> deltas) {
      List<Family> registered = new ArrayList<>();
      for (Family family : new LinkedHashSet<>(created.values())) {
        try {
          registry.register(family);
          registered.add(family);
        } catch (IllegalArgumentException e) {
          registered.forEach(registry::unregister);
          for (int i = 0; i < targets.length; i++) {
            if (targets[i] == family) {
              rejections.add(
                  Rejection.of(
                      i,
                      Family.conflict(
                          family.type()
                              + " "
                              + deltas.get(i).name()
                              + ": name is taken by another collector of the registry: the"
                              + " application's own, or pushprom's telemetry")));
            }
          }
          return;
        }
      }
      // Published only once all are registered: until then no other thread can reach them.
      for (Family family : registered) {
        for (String sampleName : family.sampleNames()) {
          families.put(sampleName, family);
        }
      }
    }
  }
}
