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
  private final Aggregator aggregator = Aggregator.builder(registry).maxSeries(3).build();

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
        "gauge g: a new series {k=\"d\"} would exceed the limit of 3 series; deltas to existing"
            + " series still apply",
        e.getMessage());
    aggregator.apply(gauge("a"));
    assertEquals(2, aggregator.value("g", Map.of("k", "a")).getAsDouble());
    assertTrue(aggregator.value("g", Map.of("k", "d")).isEmpty());
    assertEquals(3, aggregator.seriesCount());
    assertEquals(3, registry.getSampleValue("pushprom_series"));
    assertEquals(3, registry.getSampleValue("pushprom_series_limit"));
  }

  @Test
  void aNewMetricBeyondTheLimitIsNotCreatedAndItsNameStaysFree() {
    aggregator.apply(gauge("a"));
    aggregator.apply(gauge("b"));
    aggregator.apply(gauge("c"));

    IngestResult result =
        ingestAll("{'type':'histogram','name':'lat','method':'observe','value':1}");

    assertEquals(Reason.LIMIT, result.rejections().get(0).reason());
    aggregator.remove("g", Map.of("k", "a"));
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
    Aggregator limited = Aggregator.builder().maxSeries(20).build();
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
            .contains("limit of 20 series (a summary with objectives counts as 16)"),
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
