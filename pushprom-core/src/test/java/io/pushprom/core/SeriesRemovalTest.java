package io.pushprom.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class SeriesRemovalTest {
  private static final int THREADS = 4;
  private static final int DELTAS_PER_THREAD = 200_000;

  private final CollectorRegistry registry = new CollectorRegistry();
  private final Aggregator aggregator = Aggregator.builder(registry).build();

  private static Delta delta(String singleQuotedJson) {
    return Delta.parse(singleQuotedJson.replace('\'', '"'));
  }

  /**
   * Runs {@link #THREADS} threads that each apply {@code delta} {@link #DELTAS_PER_THREAD} times
   * while this thread removes its series over and over, handing each removed series to {@code
   * removed}. Returns how many removals found a series.
   */
  private int applyWhileRemoving(Delta delta, Consumer<Series> removed)
      throws InterruptedException {
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean failed = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                  for (int i = 0; i < DELTAS_PER_THREAD; i++) {
                    aggregator.apply(delta);
                  }
                } catch (Throwable e) {
                  failed.set(true);
                }
              },
              "updater-" + t);
      thread.setDaemon(true);
      thread.start();
      threads.add(thread);
    }
    start.countDown();
    int removals = 0;
    while (threads.stream().anyMatch(Thread::isAlive)) {
      Series series = aggregator.take(delta.name(), delta.labels());
      if (series != null) {
        removals++;
        removed.accept(series);
      }
    }
    for (Thread thread : threads) {
      thread.join();
    }
    assertFalse(failed.get(), "an update threw");
    return removals;
  }

  @Test
  void everyIncrementIsInARemovedCounterOrTheLiveOne() throws InterruptedException {
    Delta inc = delta("{'type':'counter','name':'hits','method':'inc','labels':{'k':'v'}}");
    double[] removedTotal = {0};

    int removals =
        applyWhileRemoving(
            inc, series -> removedTotal[0] += ((ScalarSeries) series).removedValue());

    // Integers below 2^53 add exactly: any lost or doubled increment shows.
    double live = aggregator.value("hits_total", Map.of("k", "v")).orElse(0);
    assertEquals(THREADS * DELTAS_PER_THREAD, removedTotal[0] + live, removals + " removals");
    assertTrue(removals > 0);
  }

  @Test
  void everyObservationIsInARemovedHistogramOrTheLiveOne() throws InterruptedException {
    Delta observe =
        delta(
            "{'type':'histogram','name':'lat','method':'observe','value':0.25,"
                + "'buckets':[0.1,1],'labels':{'k':'v'}}");
    long[] removedCounts = new long[3];
    double[] removedSum = {0};

    int removals =
        applyWhileRemoving(
            observe,
            series -> {
              HistogramSeries histogram = (HistogramSeries) series;
              long[] counts = histogram.cumulativeCounts();
              for (int i = 0; i < counts.length; i++) {
                removedCounts[i] += counts[i];
              }
              removedSum[0] += histogram.sum();
            });

    Observations live =
        aggregator
            .observations("lat", Map.of("k", "v"))
            .orElse(new Observations(0, 0, new java.util.TreeMap<>()));
    long total = THREADS * DELTAS_PER_THREAD;
    assertEquals(total, removedCounts[2] + live.count(), removals + " removals");
    // Every observation is 0.25: in the bucket of 1 and +Inf, not of 0.1. Sums of quarters are
    // exact in doubles, so any lost or doubled observation shows in the sum too.
    assertEquals(0, removedCounts[0] + live.buckets().getOrDefault(0.1, 0L));
    assertEquals(total * 0.25, removedSum[0] + live.sum());
  }

  @Test
  void everyObservationIsInARemovedSummaryOrTheLiveOne() throws InterruptedException {
    Delta observe =
        delta(
            "{'type':'summary','name':'size','method':'observe','value':2,"
                + "'objectives':{'0.5':0.05},'labels':{'k':'v'}}");
    long[] removedCount = {0};

    applyWhileRemoving(observe, series -> removedCount[0] += ((SummarySeries) series).count());

    long live =
        aggregator.observations("size", Map.of("k", "v")).map(Observations::count).orElse(0L);
    assertEquals(THREADS * DELTAS_PER_THREAD, removedCount[0] + live);
  }

  @Test
  void removalWaitsForTheUpdateInsideAndShutsOutTheNext() throws InterruptedException {
    HistogramSeries series =
        new HistogramSeries(
            new SeriesKey(new String[0], new String[0]),
            0,
            new double[] {Double.POSITIVE_INFINITY});
    assertTrue(series.enter()); // an update in flight
    Thread remover = new Thread(series::remove, "remover");
    remover.start();

    remover.join(200);
    assertTrue(remover.isAlive(), "removal returned while an update was in flight");
    assertFalse(series.enter(), "an update entered a series being removed");
    series.exit();
    remover.join(10_000);

    assertFalse(remover.isAlive());
    assertTrue(series.isRemoved());
    assertFalse(series.remove());
  }

  @Test
  void updatesRacingFamilyRemovalRecreateTheFamily() throws InterruptedException {
    Delta inc = delta("{'type':'gauge','name':'g','method':'inc'}");
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean failed = new AtomicBoolean();
    Thread updater =
        new Thread(
            () -> {
              try {
                start.await();
                for (int i = 0; i < DELTAS_PER_THREAD; i++) {
                  aggregator.apply(inc);
                }
              } catch (Throwable e) {
                failed.set(true);
              }
            },
            "updater");
    updater.start();
    start.countDown();
    while (updater.isAlive()) {
      aggregator.removeFamily("g");
    }
    updater.join();

    assertFalse(failed.get());
    aggregator.apply(inc);
    // The last delta, at least, reached a family that is registered and exposed.
    assertTrue(registry.getSampleValue("g") >= 1);
  }

  @Test
  void stampsEachUpdateWithTheTimeOfTheLastScrape() {
    Delta inc = delta("{'type':'gauge','name':'g','method':'inc'}");
    aggregator.apply(inc);
    Series series = aggregator.take("g", Map.of());
    long created = series.lastUpdateNanos();

    java.util.Collections.list(registry.metricFamilySamples()); // a scrape
    aggregator.apply(inc);
    Series updated = aggregator.take("g", Map.of());

    assertTrue(created <= updated.lastUpdateNanos() - 1, "not stamped with the scrape's time");
    assertTrue(updated.lastUpdateNanos() <= System.nanoTime());
  }

  @Test
  void readsValuesBackByTheNameAsPushedWithLabelsInAnyOrder() {
    aggregator.apply(
        delta(
            "{'type':'counter','name':'gophers','method':'add','value':3,'labels':{'b':'2','a':'1'}}"));
    aggregator.apply(delta("{'type':'gauge','name':'trees','method':'set','value':7}"));

    Map<String, String> labels = Map.of("a", "1", "b", "2");
    assertEquals(OptionalDouble.of(3), aggregator.value("gophers", labels));
    assertEquals(OptionalDouble.of(3), aggregator.value("gophers_total", labels));
    assertEquals(OptionalDouble.of(7), aggregator.value("trees", Map.of()));
    assertEquals(OptionalDouble.empty(), aggregator.value("gophers_created", labels));
    assertEquals(OptionalDouble.empty(), aggregator.value("gophers", Map.of("a", "1")));
    assertEquals(
        OptionalDouble.empty(), aggregator.value("pushprom_deltas_applied_total", Map.of()));
  }

  @Test
  void readsObservationsBack() {
    aggregator.apply(
        delta("{'type':'histogram','name':'lat','method':'observe','value':2,'buckets':[1,5]}"));
    aggregator.apply(delta("{'type':'histogram','name':'lat','method':'observe','value':0.5}"));
    aggregator.apply(delta("{'type':'summary','name':'size','method':'observe','value':4}"));

    Observations lat = aggregator.observations("lat", Map.of()).orElseThrow();
    assertEquals(2, lat.count());
    assertEquals(2.5, lat.sum());
    assertEquals(Map.of(1.0, 1L, 5.0, 2L, Double.POSITIVE_INFINITY, 2L), lat.buckets());
    assertEquals(
        Optional.of(new Observations(1, 4, new java.util.TreeMap<>())),
        aggregator.observations("size", Map.of()));
    assertEquals(Optional.empty(), aggregator.observations("lat_count", Map.of()));
  }

  @Test
  void removesOneSeries() throws IOException {
    aggregator.apply(
        delta("{'type':'gauge','name':'g','method':'set','value':1,'labels':{'k':'a'}}"));
    aggregator.apply(
        delta("{'type':'gauge','name':'g','method':'set','value':2,'labels':{'k':'b'}}"));

    assertTrue(aggregator.remove("g", Map.of("k", "a")));
    assertFalse(aggregator.remove("g", Map.of("k", "a")));
    assertFalse(aggregator.remove("nothing", Map.of()));

    assertEquals(
        """
        # HELP g g
        # TYPE g gauge
        g{k="b",} 2.0
        """,
        pushed());
    aggregator.apply(delta("{'type':'gauge','name':'g','method':'inc','labels':{'k':'a'}}"));
    assertEquals(OptionalDouble.of(1), aggregator.value("g", Map.of("k", "a")));
  }

  @Test
  void aLabelWithAnEmptyValueNamesTheSeriesWithoutIt() throws IOException {
    aggregator.apply(
        delta("{'type':'gauge','name':'g','method':'set','value':1,'labels':{'k':''}}"));
    aggregator.apply(delta("{'type':'gauge','name':'g','method':'inc'}"));
    aggregator.apply(delta("{'type':'gauge','name':'g','method':'inc','labels':{'k':'a','j':''}}"));

    // Written once each: Prometheus would take g{k=""} and g for one series, and keep one of them.
    assertEquals(
        """
        # HELP g g
        # TYPE g gauge
        g 2.0
        g{k="a",} 1.0
        """,
        pushed());
    assertEquals(OptionalDouble.of(2), aggregator.value("g", Map.of("k", "")));
    // Checked as a delta's before the empty value is left out: it names no series without labels.
    assertEquals(
        "gauge g: label name __k is reserved (it starts with __)",
        assertThrows(InvalidDeltaException.class, () -> aggregator.remove("g", Map.of("__k", "")))
            .getMessage());
    assertTrue(aggregator.remove("g", Map.of("k", "a", "j", "")));
    assertTrue(aggregator.remove("g", Map.of("k", "")));
    assertEquals("", pushed());
  }

  @Test
  void removedFamilyFreesItsNameForAnotherType() throws IOException {
    aggregator.apply(delta("{'type':'counter','name':'x','method':'inc'}"));
    assertThrows(
        InvalidDeltaException.class,
        () -> aggregator.apply(delta("{'type':'gauge','name':'x','method':'set','value':5}")));

    assertTrue(aggregator.removeFamily("x_total"));
    assertFalse(aggregator.removeFamily("x"));
    aggregator.apply(delta("{'type':'gauge','name':'x','method':'set','value':5}"));

    assertEquals(
        """
        # HELP x x
        # TYPE x gauge
        x 5.0
        """,
        pushed());
  }

  @Test
  void clearRemovesEveryPushedMetricButKeepsTelemetry() throws IOException {
    aggregator.apply(delta("{'type':'gauge','name':'a','method':'inc'}"));
    aggregator.apply(delta("{'type':'histogram','name':'b','method':'observe','value':1}"));
    byte[] body = "{\"type\":\"gauge\",\"name\":\"c\",\"method\":\"inc\"}".getBytes();
    aggregator.ingestEach(Transport.UDP, body, 0, body.length);

    aggregator.clear();

    assertEquals("", pushed());
    assertEquals(
        1.0,
        registry.getSampleValue(
            "pushprom_deltas_applied_total", new String[] {"transport"}, new String[] {"udp"}));
    assertFalse(aggregator.removeFamily("pushprom_deltas_applied_total"));
    aggregator.apply(delta("{'type':'counter','name':'b','method':'inc'}"));
    assertEquals(OptionalDouble.of(1), aggregator.value("b", Map.of()));
  }

  /** The exposition of the pushed metrics, without Pushprom's own. */
  private String pushed() throws IOException {
    StringWriter writer = new StringWriter();
    TextFormat.write004(writer, registry.metricFamilySamples());
    StringBuilder kept = new StringBuilder();
    for (String line : writer.toString().split("\n")) {
      if (!line.contains("pushprom_")) {
        kept.append(line).append('\n');
      }
    }
    return kept.toString();
  }
}
