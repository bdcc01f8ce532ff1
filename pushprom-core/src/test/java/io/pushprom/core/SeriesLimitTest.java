package io.pushprom.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.CollectorRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SeriesLimitTest {
  private final CollectorRegistry registry = new CollectorRegistry();

  /** Room for three series of one metric: the metric takes places of its own. */
  private final Aggregator aggregator =
      Aggregator.builder(registry).maxSeries(Family.FAMILY_PLACES + 3).build();

  private static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  private static Delta gauge(String labelValue) {
    return Delta.parse(
        json("{'type':'gauge','name':'g','method':'inc','labels':{'k':'" + labelValue + "'}}"));
  }

  private IngestResult ingestAll(String singleQuotedNdjson) {
    return aggregator.ingestAll(
        Transport.HTTP, json(singleQuotedNdjson).getBytes(StandardCharsets.UTF_8));
  }

  private double rejected(String reason) {
    Double value =
        registry.getSampleValue(
            "pushprom_deltas_rejected_total",
            new String[] {"transport", "reason"},
            new String[] {"http", reason});
    return value == null ? 0 : value;
  }

  @Test
  void refusesANewSeriesBeyondTheLimitNamingItAndKeepsUpdatingExistingOnes() {
    aggregator.apply(gauge("a"));
    aggregator.apply(gauge("b"));
    aggregator.apply(gauge("c"));

    InvalidDeltaException e =
        assertThrows(InvalidDeltaException.class, () -> aggregator.apply(gauge("d")));

    assertEquals(Reason.LIMIT, e.reason());
    assertEquals(
        "gauge g: a new series {k=\"d\"} would exceed the series limit of 5 places; deltas to"
            + " existing series still apply",
        e.getMessage());
    aggregator.apply(gauge("a"));
    assertEquals(2, aggregator.value("g", Map.of("k", "a")).getAsDouble());
    assertTrue(aggregator.value("g", Map.of("k", "d")).isEmpty());
    assertEquals(3, aggregator.seriesCount());
    assertEquals(3, registry.getSampleValue("pushprom_series"));
    assertEquals(5, registry.getSampleValue("pushprom_series_limit"));
    assertEquals(5, registry.getSampleValue("pushprom_series_places"));
  }

  @Test
  void aNewMetricBeyondTheLimitIsNotCreatedAndItsNameStaysFree() {
    aggregator.apply(gauge("a"));
    aggregator.apply(gauge("b"));
    aggregator.apply(gauge("c"));

    IngestResult result =
        ingestAll("{'type':'histogram','name':'lat','method':'observe','value':1}");

    assertEquals(Reason.LIMIT, result.rejections().get(0).reason());
    aggregator.removeFamily("g");
    aggregator.apply(Delta.parse(json("{'type':'counter','name':'lat','method':'inc'}")));
    assertEquals(1, aggregator.value("lat", Map.of()).getAsDouble());
  }

  @Test
  void aBatchThatWouldPassTheLimitIsRejectedWholeNamingEachNewSeries() {
    aggregator.apply(gauge("a"));
    aggregator.apply(gauge("b"));

    IngestResult result =
        ingestAll(
            "{'type':'gauge','name':'g','method':'inc','labels':{'k':'a'}}\n"
                + "{'type':'gauge','name':'g','method':'inc','labels':{'k':'c'}}\n"
                + "{'type':'gauge','name':'g','method':'inc','labels':{'k':'c'}}\n"
                + "{'type':'counter','name':'fresh','method':'inc'}\n");

    assertEquals(0, result.applied());
    assertEquals(List.of(1, 3), result.rejections().stream().map(Rejection::index).toList());
    assertTrue(result.rejections().stream().allMatch(r -> r.reason() == Reason.LIMIT));
    assertEquals(1, aggregator.value("g", Map.of("k", "a")).getAsDouble());
    assertEquals(2, rejected("limit"));
    assertEquals(2, rejected("batch"));
  }

  @Test
  void aBatchMakingOneSeriesManyTimesNeedsOnePlace() {
    aggregator.apply(gauge("a"));
    aggregator.apply(gauge("b"));

    IngestResult result =
        ingestAll(
            "{'type':'gauge','name':'g','method':'inc','labels':{'k':'c'}}\n"
                + "{'type':'gauge','name':'g','method':'inc','labels':{'k':'c'}}\n");

    assertEquals(2, result.applied());
    assertEquals(2, aggregator.value("g", Map.of("k", "c")).getAsDouble());
  }

  @Test
  void eachMetricTakesPlacesOfItsOwnSoManyMetricsCannotFillTheHeap() {
    Aggregator limited =
        Aggregator.builder(new CollectorRegistry())
            .maxSeries(3 * (Family.FAMILY_PLACES + 1))
            .build();
    for (String name : List.of("a", "b", "c")) {
      limited.apply(Delta.parse(json("{'type':'counter','name':'" + name + "','method':'inc'}")));
    }

    InvalidDeltaException e =
        assertThrows(
            InvalidDeltaException.class,
            () -> limited.apply(Delta.parse(json("{'type':'counter','name':'d','method':'inc'}"))));

    assertEquals(Reason.LIMIT, e.reason());
    assertEquals(
        "counter d: a new series {} would exceed the series limit of 9 places (its new metric takes"
            + " 2 more: 2, and one per 256 bytes of its name and help); deltas to existing series"
            + " still apply",
        e.getMessage());
    assertEquals(3, limited.seriesCount());
    limited.removeFamily("a");
    limited.apply(Delta.parse(json("{'type':'counter','name':'d','method':'inc'}")));
    assertEquals(1, limited.value("d", Map.of()).getAsDouble());
  }

  @Test
  void longLabelsTakeAPlaceMorePer256BytesAndGiveThemBack() {
    CollectorRegistry own = new CollectorRegistry();
    Aggregator limited = Aggregator.builder(own).maxSeries(Family.FAMILY_PLACES + 6).build();
    String long601Bytes = "x".repeat(600); // with the label name k: 601 bytes, two places more
    String cjk301Bytes = "字".repeat(100); // three bytes a character in UTF-8: one place more
    limited.apply(gauge(long601Bytes));
    limited.apply(gauge(cjk301Bytes));
    limited.apply(gauge("short"));

    assertEquals(Family.FAMILY_PLACES + 6, own.getSampleValue("pushprom_series_places"));
    assertEquals(3, limited.seriesCount());
    InvalidDeltaException e =
        assertThrows(InvalidDeltaException.class, () -> limited.apply(gauge("y".repeat(300))));
    assertEquals(Reason.LIMIT, e.reason());
    assertTrue(
        e.getMessage()
            .contains(
                "(it takes 2: one, and one more per 256 bytes of its label names and values)"),
        e.getMessage());

    limited.remove("g", Map.of("k", long601Bytes));
    assertEquals(Family.FAMILY_PLACES + 3, own.getSampleValue("pushprom_series_places"));
    limited.apply(gauge("y".repeat(300)));
    assertEquals(1, limited.value("g", Map.of("k", "y".repeat(300))).getAsDouble());
  }

  @Test
  void aLongHelpTakesPlacesForItsMetric() {
    CollectorRegistry own = new CollectorRegistry();
    Aggregator limited = Aggregator.builder(own).maxSeries(100).build();
    limited.apply(
        Delta.parse(
            json(
                "{'type':'counter','name':'hits','method':'inc','help':'"
                    + "h".repeat(1020)
                    + "'}")));

    // The name and help, 1,024 bytes: four places more than a metric's own, and its series' one.
    assertEquals(Family.FAMILY_PLACES + 4 + 1, own.getSampleValue("pushprom_series_places"));
    limited.removeFamily("hits");
    assertEquals(0, own.getSampleValue("pushprom_series_places"));
  }

  @Test
  void udpAppliesWhatFitsAndCountsTheRestAsLimit() {
    byte[] body =
        json("{'type':'gauge','name':'g','method':'inc','labels':{'k':'a'}}\n"
                + "{'type':'gauge','name':'g','method':'inc','labels':{'k':'b'}}\n"
                + "{'type':'gauge','name':'g','method':'inc','labels':{'k':'c'}}\n"
                + "{'type':'gauge','name':'g','method':'inc','labels':{'k':'d'}}\n"
                + "{'type':'gauge','name':'g','method':'inc','labels':{'k':'a'}}\n")
            .getBytes(StandardCharsets.UTF_8);

    IngestResult result = aggregator.ingestEach(Transport.UDP, body, 0, body.length);

    assertEquals(4, result.applied());
    assertEquals(3, result.rejections().get(0).index());
    assertEquals(
        1,
        registry.getSampleValue(
            "pushprom_deltas_rejected_total",
            new String[] {"transport", "reason"},
            new String[] {"udp", "limit"}));
  }

  @Test
  void removalsMakeRoom() {
    aggregator.apply(gauge("a"));
    aggregator.apply(gauge("b"));
    aggregator.apply(gauge("c"));

    aggregator.remove("g", Map.of("k", "a"));
    aggregator.apply(gauge("d"));
    aggregator.removeFamily("g");
    assertEquals(0, aggregator.seriesCount());
    aggregator.apply(gauge("e"));
    aggregator.apply(gauge("f"));
    aggregator.clear();

    assertEquals(0, aggregator.seriesCount());
    aggregator.apply(gauge("x"));
    aggregator.apply(gauge("y"));
    aggregator.apply(gauge("z"));
    assertEquals(3, aggregator.seriesCount());
  }

  @Test
  void aSummaryWithObjectivesTakesTheRoomOfSixteenSeries() {
    Aggregator limited = Aggregator.builder().maxSeries(2 * Family.FAMILY_PLACES + 20).build();
    limited.apply(
        Delta.parse(
            json(
                "{'type':'summary','name':'rpc','method':'observe','value':1,"
                    + "'objectives':{'0.5':0.05}}")));
    for (String value : List.of("a", "b", "c", "d")) {
      limited.apply(gauge(value));
    }

    InvalidDeltaException e =
        assertThrows(InvalidDeltaException.class, () -> limited.apply(gauge("e")));
    InvalidDeltaException another =
        assertThrows(
            InvalidDeltaException.class,
            () ->
                limited.apply(
                    Delta.parse(
                        json(
                            "{'type':'summary','name':'rpc','method':'observe','value':1,"
                                + "'labels':{'k':'v'}}"))));

    assertEquals(Reason.LIMIT, e.reason());
    assertTrue(
        another
            .getMessage()
            .contains("limit of 24 places (it takes 16: 16 as a summary with objectives)"),
        another.getMessage());
    assertEquals(5, limited.seriesCount());
    limited.removeFamily("rpc");
    limited.apply(gauge("e"));
    assertEquals(5, limited.seriesCount());
  }

  /**
   * Threads make distinct series, singly and in batches, while another removes them: the limit
   * holds at every moment a scrape looks, and the count ends equal to the series that exist.
   */
  @Test
  void theCountStaysExactUnderThreads() throws InterruptedException {
    int limit = 500;
    Aggregator limited = Aggregator.builder().maxSeries(limit).build();
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean failed = new AtomicBoolean();
    AtomicInteger over = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int id = t;
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                  for (int i = 0; i < 20_000; i++) {
                    String labels = "{'k':'" + (i % 2_000) + "','t':'" + id % 2 + "'}";
                    String delta =
                        "{'type':'counter','name':'c"
                            + i % 3
                            + "','method':'inc',"
                            + "'labels':"
                            + labels
                            + "}";
                    byte[] body =
                        json(i % 2 == 0
                                ? delta
                                : delta + "\n" + delta.replace("'inc'", "'add','value':2"))
                            .getBytes(StandardCharsets.UTF_8);
                    limited.ingestAll(Transport.HTTP, body);
                    if (limited.seriesCount() > limit) {
                      over.incrementAndGet();
                    }
                  }
                } catch (Throwable e) {
                  failed.set(true);
                }
              },
              "creator-" + t);
      thread.start();
      threads.add(thread);
    }
    start.countDown();
    int round = 0;
    while (threads.stream().anyMatch(Thread::isAlive)) {
      if (round++ % 2 == 0) {
        limited.removeFamily("c" + round % 3);
      } else {
        limited.remove("c0", Map.of("k", String.valueOf(round % 2_000), "t", "0"));
      }
    }
    for (Thread thread : threads) {
      thread.join();
    }

    assertFalse(failed.get(), "a thread threw");
    assertEquals(0, over.get(), "the count passed the limit");
    int exposed = 0;
    for (var family : Collections.list(limited.registry().metricFamilySamples())) {
      if (family.name.matches("c[0-2]")) {
        exposed += family.samples.size();
      }
    }
    assertEquals(exposed, limited.seriesCount());
  }
}
