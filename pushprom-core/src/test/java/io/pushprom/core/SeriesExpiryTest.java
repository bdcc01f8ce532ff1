package io.pushprom.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.CollectorRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Expiry by a clock the test moves. The TTL is a minute so that the housekeeping thread, which runs
 * every 6 s of real time, stays out of the way: the test calls {@link Aggregator#expire()}.
 */
class SeriesExpiryTest {
  private static final Duration TTL = Duration.ofMinutes(1);

  /** The sweep's period, a tenth of the TTL: an update may be stamped that much early. */
  private static final Duration SWEEP = TTL.dividedBy(10);

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final CollectorRegistry registry = new CollectorRegistry();
  private final Aggregator aggregator =
      Aggregator.builder(registry).seriesTtl(TTL).clock(now::get).build();

  @AfterEach
  void close() {
    aggregator.close();
  }

  private static Delta delta(String singleQuotedJson) {
    return Delta.parse(singleQuotedJson.replace('\'', '"'));
  }

  private void advance(Duration by) {
    now.addAndGet(by.toNanos());
  }

  private Delta gauge(String tree) {
    return delta("{'type':'gauge','name':'trees','method':'inc','labels':{'tree':'" + tree + "'}}");
  }

  @Test
  void aSeriesWithoutADeltaForLongerThanTheTtlGoesAndOneUpdatedStays() {
    aggregator.apply(gauge("oak"));
    aggregator.apply(gauge("elm"));
    aggregator.expire(); // moves the stamp clock to now, as the housekeeping does
    advance(TTL);
    aggregator.expire();
    aggregator.apply(gauge("elm"));

    advance(SWEEP.multipliedBy(2).plusNanos(1));
    aggregator.expire();

    assertTrue(aggregator.value("trees", Map.of("tree", "oak")).isEmpty());
    assertEquals(2, aggregator.value("trees", Map.of("tree", "elm")).getAsDouble());
    assertEquals(1, registry.getSampleValue("pushprom_series_expired_total"));
    assertEquals(1, aggregator.seriesCount());
  }

  @Test
  void neverExpiresASeriesBeforeTheTtl() {
    aggregator.apply(gauge("oak"));

    advance(TTL);
    aggregator.expire();
    assertTrue(aggregator.value("trees", Map.of("tree", "oak")).isPresent());

    // Stamped with the last tick, up to one sweep early, so it may go up to two sweeps late.
    advance(SWEEP.multipliedBy(2).plusNanos(1));
    aggregator.expire();
    assertTrue(aggregator.value("trees", Map.of("tree", "oak")).isEmpty());
  }

  @Test
  void aMetricLeftWithoutSeriesGoesAndItsNameMayComeBackWithAnotherType() {
    aggregator.apply(gauge("oak"));

    advance(TTL.plus(SWEEP.multipliedBy(2)).plusNanos(1));
    aggregator.expire();

    assertTrue(
        Collections.list(registry.metricFamilySamples()).stream()
            .noneMatch(family -> family.name.equals("trees")));
    aggregator.apply(delta("{'type':'counter','name':'trees','method':'inc'}"));
    assertEquals(1, aggregator.value("trees_total", Map.of()).getAsDouble());
  }

  @Test
  void expiredSeriesMakeRoomUnderTheLimit() {
    Aggregator limited =
        Aggregator.builder()
            .maxSeries(Family.FAMILY_PLACES + 1)
            .seriesTtl(TTL)
            .clock(now::get)
            .build();
    try {
      limited.apply(gauge("oak"));
      advance(TTL.plus(SWEEP.multipliedBy(2)).plusNanos(1));
      limited.expire();

      limited.apply(gauge("elm"));

      assertEquals(1, limited.value("trees", Map.of("tree", "elm")).getAsDouble());
    } finally {
      limited.close();
    }
  }

  /**
   * Threads increment a counter while expiry removes it again and again: every increment is in a
   * series the expiry removed, or in the live one.
   */
  @Test
  void everyIncrementIsInAnExpiredSeriesOrTheLiveOne() throws InterruptedException {
    Delta inc = delta("{'type':'counter','name':'hits','method':'inc','labels':{'k':'v'}}");
    int threads = 4;
    int perThread = 200_000;
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean failed = new AtomicBoolean();
    List<Thread> updaters = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                  for (int i = 0; i < perThread; i++) {
                    aggregator.apply(inc);
                  }
                } catch (Throwable e) {
                  failed.set(true);
                }
              },
              "updater-" + t);
      thread.start();
      updaters.add(thread);
    }
    double[] expiredTotal = {0};
    int[] expiries = {0};
    start.countDown();
    while (updaters.stream().anyMatch(Thread::isAlive)) {
      advance(TTL.plus(SWEEP.multipliedBy(3)));
      aggregator.expire(
          series -> {
            expiries[0]++;
            expiredTotal[0] += ((ScalarSeries) series).removedValue();
          });
    }
    for (Thread thread : updaters) {
      thread.join();
    }

    assertFalse(failed.get(), "an update threw");
    double live = aggregator.value("hits", Map.of("k", "v")).orElse(0);
    assertEquals(threads * perThread, expiredTotal[0] + live, expiries[0] + " expiries");
    assertTrue(expiries[0] > 0);
  }

  @Test
  void withoutATtlNothingExpires() {
    Aggregator forever = Aggregator.builder().clock(now::get).build();
    forever.apply(gauge("oak"));

    advance(Duration.ofDays(365));
    forever.expire();

    assertEquals(1, forever.value("trees", Map.of("tree", "oak")).getAsDouble());
  }
}
