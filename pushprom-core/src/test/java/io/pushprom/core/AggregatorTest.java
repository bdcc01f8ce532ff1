package io.pushprom.core;

import static io.pushprom.core.DeltaTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Gauge;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AggregatorTest {
  private static final String[] NO_LABELS = {};

  private Aggregator aggregator;

  @BeforeEach
  void createAggregator() {
    aggregator = Aggregator.create();
  }

  private void apply(String singleQuotedJson) {
    aggregator.apply(Delta.parse(json(singleQuotedJson)));
  }

  private InvalidDeltaException rejectionOf(String singleQuotedJson) {
    Delta delta = Delta.parse(json(singleQuotedJson));
    return assertThrows(InvalidDeltaException.class, () -> aggregator.apply(delta));
  }

  private IngestResult ingestAll(String singleQuotedJson) {
    return aggregator.ingestAll(
        Transport.HTTP, json(singleQuotedJson).getBytes(StandardCharsets.UTF_8));
  }

  private IngestResult ingestEach(String singleQuotedJson) {
    byte[] body = json(singleQuotedJson).getBytes(StandardCharsets.UTF_8);
    return aggregator.ingestEach(Transport.UDP, body, 0, body.length);
  }

  private Double value(String name) {
    return aggregator.registry().getSampleValue(name);
  }

  private Double value(String name, String[] labelNames, String[] labelValues) {
    return aggregator.registry().getSampleValue(name, labelNames, labelValues);
  }

  private List<String> familyNames() {
    List<String> names = new ArrayList<>();
    for (MetricFamilySamples family :
        Collections.list(aggregator.registry().metricFamilySamples())) {
      names.add(family.name);
    }
    Collections.sort(names);
    return names;
  }

  private MetricFamilySamples family(String name) {
    for (MetricFamilySamples family :
        Collections.list(aggregator.registry().metricFamilySamples())) {
      if (family.name.equals(name)) {
        return family;
      }
    }
    return null;
  }

  static Stream<Arguments> typesAndMethods() {
    List<Arguments> cases = new ArrayList<>();
    Object[][] table = {
      // type, method, value, sample, after one, after two
      {"counter", "inc", "", "m_total", 1.0, 2.0},
      {"counter", "inc", ",'value':5", "m_total", 1.0, 2.0},
      {"counter", "add", ",'value':2.5", "m_total", 2.5, 5.0},
      {"counter", "add", ",'value':0", "m_total", 0.0, 0.0},
      {"gauge", "set", ",'value':3", "m", 3.0, 3.0},
      {"gauge", "set", ",'value':-3", "m", -3.0, -3.0},
      {"gauge", "inc", "", "m", 1.0, 2.0},
      {"gauge", "dec", "", "m", -1.0, -2.0},
      {"gauge", "dec", ",'value':5", "m", -1.0, -2.0},
      {"gauge", "add", ",'value':2.5", "m", 2.5, 5.0},
      {"gauge", "add", ",'value':-2.5", "m", -2.5, -5.0},
      {"gauge", "sub", ",'value':2.5", "m", -2.5, -5.0},
      {"histogram", "observe", ",'value':0.3", "m_count", 1.0, 2.0},
      {"histogram", "observe", ",'value':0.25", "m_sum", 0.25, 0.5},
      {"summary", "observe", ",'value':1.5", "m_count", 1.0, 2.0},
      {"summary", "observe", ",'value':1.5", "m_sum", 1.5, 3.0},
    };
    for (Object[] row : table) {
      cases.add(arguments(row[0], row[1], row[2], "", row[3], NO_LABELS, row[4], row[5]));
      cases.add(
          arguments(
              row[0],
              row[1],
              row[2],
              ",'labels':{'species':'araucaria','job':'bot'}",
              row[3],
              new String[] {"job", "species"},
              row[4],
              row[5]));
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} {1}{2}{3}")
  @MethodSource("typesAndMethods")
  void appliesEveryTypeAndMethodWithAndWithoutLabels(
      String type,
      String method,
      String value,
      String labels,
      String sample,
      String[] labelNames,
      double afterOne,
      double afterTwo) {
    String delta =
        "{'type':'" + type + "','name':'m','method':'" + method + "'" + value + labels + "}";
    String[] labelValues = labelNames.length == 0 ? NO_LABELS : new String[] {"bot", "araucaria"};

    apply(delta);
    assertEquals(afterOne, value(sample, labelNames, labelValues));
    apply(delta);
    assertEquals(afterTwo, value(sample, labelNames, labelValues));
  }

  @Test
  void gaugeMethodsCombine() {
    apply("{'type':'gauge','name':'trees','method':'set','value':10}");
    apply("{'type':'gauge','name':'trees','method':'add','value':3002}");
    apply("{'type':'gauge','name':'trees','method':'sub','value':2}");
    apply("{'type':'gauge','name':'trees','method':'inc'}");
    apply("{'type':'gauge','name':'trees','method':'dec'}");
    apply("{'type':'gauge','name':'trees','method':'dec'}");

    assertEquals(3009.0, value("trees"));

    apply("{'type':'gauge','name':'trees','method':'set','value':7}");

    assertEquals(7.0, value("trees"));
  }

  @Test
  void histogramCountsObservationsIntoDefaultBuckets() {
    apply("{'type':'histogram','name':'lat','method':'observe','value':0.3,'buckets':[]}");
    apply("{'type':'histogram','name':'lat','method':'observe','value':7}");

    assertEquals(0.0, value("lat_bucket", new String[] {"le"}, new String[] {"0.25"}));
    assertEquals(1.0, value("lat_bucket", new String[] {"le"}, new String[] {"0.5"}));
    assertEquals(1.0, value("lat_bucket", new String[] {"le"}, new String[] {"5.0"}));
    assertEquals(2.0, value("lat_bucket", new String[] {"le"}, new String[] {"10.0"}));
    assertEquals(2.0, value("lat_bucket", new String[] {"le"}, new String[] {"+Inf"}));
    assertEquals(7.3, value("lat_sum"), 1e-9);
  }

  @Test
  void histogramUsesTheBucketsOfItsFirstDelta() {
    apply("{'type':'histogram','name':'lat','method':'observe','value':1.5,'buckets':[1,2,5]}");
    apply("{'type':'histogram','name':'lat','method':'observe','value':3,'buckets':[]}");
    apply("{'type':'histogram','name':'lat','method':'observe','value':0.5}");
    apply("{'type':'histogram','name':'lat','method':'observe','value':9,'buckets':[1,2,5]}");

    assertEquals(1.0, value("lat_bucket", new String[] {"le"}, new String[] {"1.0"}));
    assertEquals(2.0, value("lat_bucket", new String[] {"le"}, new String[] {"2.0"}));
    assertEquals(3.0, value("lat_bucket", new String[] {"le"}, new String[] {"5.0"}));
    assertEquals(4.0, value("lat_bucket", new String[] {"le"}, new String[] {"+Inf"}));
    assertNull(value("lat_bucket", new String[] {"le"}, new String[] {"0.005"}));
  }

  @Test
  void rejectsDifferentBucketsNamingTheExistingOnes() {
    apply("{'type':'histogram','name':'lat','method':'observe','value':1.5,'buckets':[1,2,5]}");

    InvalidDeltaException e =
        rejectionOf(
            "{'type':'histogram','name':'lat','method':'observe','value':1,'buckets':[1,2]}");

    assertEquals(
        "histogram lat: buckets [1, 2] differ from the existing buckets [1, 2, 5]", e.getMessage());
    assertEquals(Reason.CONFLICT, e.reason());
    assertEquals(1.0, value("lat_count"));
  }

  @Test
  void rejectsExplicitBucketsOnAHistogramWithDefaultBuckets() {
    apply("{'type':'histogram','name':'lat','method':'observe','value':1}");

    InvalidDeltaException e =
        rejectionOf(
            "{'type':'histogram','name':'lat','method':'observe','value':1,'buckets':[0.1,1]}");

    assertEquals(
        "histogram lat: buckets [0.1, 1] differ from the existing buckets"
            + " [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]",
        e.getMessage());
  }

  @Test
  void summaryWithoutObjectivesHasOnlySumAndCount() {
    apply("{'type':'summary','name':'sz','method':'observe','value':1.5,'labels':{'k':'7'}}");

    assertEquals(1.0, value("sz_count", new String[] {"k"}, new String[] {"7"}));
    assertEquals(1.5, value("sz_sum", new String[] {"k"}, new String[] {"7"}));
    assertEquals(
        List.of("sz_count", "sz_sum"),
        family("sz").samples.stream().map(sample -> sample.name).sorted().toList());
  }

  @Test
  void summaryWithObjectivesTracksQuantiles() {
    for (int i = 1; i <= 100; i++) {
      apply(
          "{'type':'summary','name':'sz','method':'observe','value':"
              + i
              + ",'objectives':{'0.5':0.01,'0.99':0.001}}");
    }

    assertEquals(50.0, value("sz", new String[] {"quantile"}, new String[] {"0.5"}), 1.0);
    assertEquals(99.0, value("sz", new String[] {"quantile"}, new String[] {"0.99"}), 1.0);
    assertEquals(100.0, value("sz_count"));
  }

  @Test
  void rejectsDifferentObjectivesNamingTheExistingOnes() {
    apply("{'type':'summary','name':'sz','method':'observe','value':1,'objectives':{'0.5':0.05}}");

    InvalidDeltaException e =
        rejectionOf(
            "{'type':'summary','name':'sz','method':'observe','value':1,"
                + "'objectives':{'0.9':0.01}}");

    assertEquals(
        "summary sz: objectives {0.9: 0.01} differ from the existing objectives {0.5: 0.05}",
        e.getMessage());
    assertEquals(1.0, value("sz_count"));
  }

  @Test
  void labelOrderNeverMatters() {
    apply("{'type':'counter','name':'gophers','method':'inc','labels':{'a':'1','b':'2','c':'3'}}");
    apply("{'type':'counter','name':'gophers','method':'inc','labels':{'c':'3','a':'1','b':'2'}}");

    assertEquals(
        2.0, value("gophers_total", new String[] {"a", "b", "c"}, new String[] {"1", "2", "3"}));
    assertEquals(1, family("gophers").samples.size());
  }

  @Test
  void differentLabelSetsAreMoreSeriesOfOneFamily() {
    apply("{'type':'gauge','name':'trees','method':'set','value':1}");
    apply("{'type':'gauge','name':'trees','method':'set','value':2,'labels':{'species':'pine'}}");
    apply(
        "{'type':'gauge','name':'trees','method':'set','value':3,"
            + "'labels':{'species':'pine','zone':'south'}}");
    apply("{'type':'gauge','name':'trees','method':'set','value':4,'labels':{'zone':'south'}}");

    assertEquals(1.0, value("trees"));
    assertEquals(2.0, value("trees", new String[] {"species"}, new String[] {"pine"}));
    assertEquals(
        3.0, value("trees", new String[] {"species", "zone"}, new String[] {"pine", "south"}));
    assertEquals(4.0, value("trees", new String[] {"zone"}, new String[] {"south"}));
    assertEquals(4, family("trees").samples.size());
  }

  @Test
  void counterWithAndWithoutTotalSuffixIsOneFamily() {
    apply("{'type':'counter','name':'gophers','method':'inc'}");
    apply("{'type':'counter','name':'gophers_total','method':'add','value':2}");

    assertEquals(3.0, value("gophers_total"));
    assertNull(value("gophers_total_total"));
    assertEquals(1, family("gophers").samples.size());
  }

  @Test
  void counterPushedWithTotalSuffixKeepsIt() {
    apply("{'type':'counter','name':'gophers_total','method':'inc'}");
    apply("{'type':'counter','name':'gophers','method':'inc'}");

    assertEquals(2.0, value("gophers_total"));
  }

  @Test
  void newestHelpWins() {
    apply("{'type':'gauge','name':'trees','help':'old help','method':'set','value':1}");
    apply(
        "{'type':'gauge','name':'trees','help':'new help','method':'set','value':2,"
            + "'labels':{'species':'pine'}}");

    assertEquals("new help", family("trees").help);

    apply("{'type':'gauge','name':'trees','help':'newest help','method':'inc'}");

    assertEquals("newest help", family("trees").help);
  }

  @Test
  void newMetricWithoutHelpIsHelpedByItsName() {
    apply("{'type':'gauge','name':'trees','method':'set','value':1}");

    assertEquals("trees", family("trees").help);
  }

  @Test
  void deltaWithoutHelpKeepsTheExistingHelp() {
    apply("{'type':'gauge','name':'trees','help':'the trees','method':'set','value':1}");
    apply("{'type':'gauge','name':'trees','method':'inc'}");
    apply("{'type':'gauge','name':'trees','help':'','method':'inc'}");

    assertEquals("the trees", family("trees").help);
    assertEquals(3.0, value("trees"));
  }

  @Test
  void rejectsTypeConflictNamingTheExistingType() {
    apply("{'type':'gauge','name':'trees','method':'set','value':5}");

    InvalidDeltaException e = rejectionOf("{'type':'counter','name':'trees','method':'inc'}");

    assertEquals("trees: conflicting metric types, existing: gauge, new: counter", e.getMessage());
    assertEquals(Reason.CONFLICT, e.reason());
    assertEquals(5.0, value("trees"));
    assertNull(value("trees_total"));
  }

  static Stream<Arguments> nameCollisions() {
    return Stream.of(
        arguments(
            "{'type':'counter','name':'gophers','method':'inc'}",
            "{'type':'gauge','name':'gophers_total','method':'set','value':1}",
            "gophers_total: conflicting metric types, existing: counter gophers, new: gauge"),
        arguments(
            "{'type':'gauge','name':'gophers_total','method':'set','value':1}",
            "{'type':'counter','name':'gophers','method':'inc'}",
            "counter gophers: its series gophers_total would collide with gauge gophers_total"),
        arguments(
            "{'type':'histogram','name':'lat','method':'observe','value':1}",
            "{'type':'gauge','name':'lat_bucket','method':'set','value':1}",
            "lat_bucket: conflicting metric types, existing: histogram lat, new: gauge"),
        arguments(
            "{'type':'histogram','name':'lat','method':'observe','value':1}",
            "{'type':'histogram','name':'lat_sum','method':'observe','value':1}",
            "histogram lat_sum: name is taken by the series of histogram lat"),
        arguments(
            "{'type':'gauge','name':'sz_count','method':'set','value':1}",
            "{'type':'summary','name':'sz','method':'observe','value':1}",
            "summary sz: its series sz_count would collide with gauge sz_count"));
  }

  @ParameterizedTest
  @MethodSource("nameCollisions")
  void rejectsDeltaWhoseSeriesCollideWithAnotherFamily(
      String existing, String colliding, String message) {
    apply(existing);
    List<String> before = familyNames();

    InvalidDeltaException e = rejectionOf(colliding);

    assertEquals(message, e.getMessage());
    assertEquals(Reason.CONFLICT, e.reason());
    assertEquals(before, familyNames());
  }

  @Test
  void rejectedDeltaLeavesNoFamilyBehind() {
    IngestResult result =
        ingestAll(
            "{'type':'histogram','name':'lat','method':'observe','value':1,'labels':{'le':'1'}}");
    assertEquals(Reason.INVALID, result.rejections().get(0).reason());
    List<String> before = familyNames();

    apply("{'type':'gauge','name':'lat','method':'set','value':2}");

    assertEquals(2.0, value("lat"));
    assertTrue(familyNames().contains("lat"), familyNames().toString());
    assertFalse(before.contains("lat"), before.toString());
  }

  @Test
  void conflictingDeltaInABatchLeavesTheBatchsNewFamiliesBehind() {
    apply("{'type':'gauge','name':'trees','method':'set','value':5}");

    IngestResult result =
        ingestAll(
            "[{'type':'gauge','name':'fresh','method':'set','value':1,'labels':{'a':'b'}},"
                + "{'type':'counter','name':'trees','method':'inc'}]");

    assertEquals(
        List.of(
            new Rejection(
                1,
                Reason.CONFLICT,
                "trees: conflicting metric types, existing: gauge, new: counter")),
        result.rejections());
    assertNull(family("fresh"));
    apply("{'type':'counter','name':'fresh','method':'inc'}");
    assertEquals(1.0, value("fresh_total"));
  }

  @Test
  void rejectsNameOfACollectorTheApplicationRegistered() {
    CollectorRegistry registry = new CollectorRegistry();
    Gauge up = Gauge.build("app_up", "Whether the app is up.").register(registry);
    up.set(1);
    aggregator = Aggregator.create(registry);

    InvalidDeltaException e =
        rejectionOf("{'type':'gauge','name':'app_up','method':'set','value':0}");

    assertEquals(
        "gauge app_up: name is taken by another collector of the registry: the application's own,"
            + " or pushprom's telemetry",
        e.getMessage());
    assertEquals(Reason.CONFLICT, e.reason());
    assertEquals(1.0, registry.getSampleValue("app_up"));
  }

  @Test
  void rejectsNameOfPushpromsOwnTelemetry() {
    InvalidDeltaException e =
        rejectionOf("{'type':'counter','name':'pushprom_deltas_applied_total','method':'inc'}");

    assertEquals(
        "counter pushprom_deltas_applied_total: name is taken by another collector of the"
            + " registry: the application's own, or pushprom's telemetry",
        e.getMessage());
  }

  @Test
  void foreignCollisionRejectsTheWholeBatchAndRegistersNothing() {
    CollectorRegistry registry = new CollectorRegistry();
    Gauge.build("app_up", "Whether the app is up.").register(registry).set(1);
    aggregator = Aggregator.create(registry);

    IngestResult result =
        ingestAll(
            "{'type':'gauge','name':'fresh','method':'set','value':1}\n"
                + "{'type':'counter','name':'app_up','method':'inc'}\n"
                + "{'type':'histogram','name':'lat','method':'observe','value':1}");

    assertEquals(0, result.applied());
    assertEquals(
        List.of(
            new Rejection(
                1,
                Reason.CONFLICT,
                "counter app_up: name is taken by another collector of the registry: the"
                    + " application's own, or pushprom's telemetry")),
        result.rejections());
    assertNull(value("fresh"));
    assertNull(value("lat_count"));
    apply("{'type':'counter','name':'fresh','method':'inc'}");
    apply("{'type':'summary','name':'lat','method':'observe','value':1}");
    assertEquals(1.0, value("fresh_total"));
    assertEquals(1.0, value("lat_count"));
  }

  @Test
  void rejectsDeltaNamedLikePushpromsOwnCounters() {
    InvalidDeltaException e =
        rejectionOf("{'type':'counter','name':'pushprom_deltas_applied_total','method':'inc'}");

    assertEquals(Reason.CONFLICT, e.reason());
    assertTrue(e.getMessage().startsWith("counter pushprom_deltas_applied"), e.getMessage());
    ingestAll("{'type':'gauge','name':'a','method':'set','value':1}");
    assertEquals(1.0, applied("http"));
  }

  @Test
  void ingestAllAppliesNothingWhenAnyDeltaIsBad() {
    IngestResult result =
        ingestAll(
            "{'type':'gauge','name':'a','method':'set','value':1}\n"
                + "{'type':'counter','name':'gophers','method':'add','value':-1}\n"
                + "{'type':'gauge','name':'b','method':'set','value':2}\n"
                + "{'type':'gauge','name':\n");

    assertEquals(4, result.received());
    assertEquals(0, result.applied());
    assertEquals(List.of(1, 3), result.rejections().stream().map(Rejection::index).toList());
    assertEquals(
        List.of(Reason.INVALID, Reason.MALFORMED),
        result.rejections().stream().map(Rejection::reason).toList());
    assertEquals(
        "counter gophers: negative increment -1 is not allowed",
        result.rejections().get(0).message());
    assertNull(value("a"));
    assertNull(value("b"));
    assertEquals(
        List.of(), familyNames().stream().filter(n -> !n.startsWith("pushprom_")).toList());
  }

  @Test
  void ingestAllListsConflictsBesideMalformedAndInvalidDeltas() {
    apply("{'type':'gauge','name':'trees','method':'set','value':5}");

    IngestResult result =
        ingestAll(
            "{'type':'counter','name':'trees','method':'inc'}\n"
                + "{'type':'gauge','name':'a','method':'set','value':1}\n"
                + "{'type':'gauge','name':'b','method':'set'}\n"
                + "{oops\n");

    assertEquals(4, result.received());
    assertEquals(0, result.applied());
    assertEquals(List.of(0, 2, 3), result.rejections().stream().map(Rejection::index).toList());
    assertEquals(
        List.of(Reason.CONFLICT, Reason.INVALID, Reason.MALFORMED),
        result.rejections().stream().map(Rejection::reason).toList());
    assertEquals(
        "trees: conflicting metric types, existing: gauge, new: counter",
        result.rejections().get(0).message());
    assertEquals(5.0, value("trees"));
    assertNull(value("a"));
  }

  @Test
  void ingestAllRejectsDeltasThatConflictWithEachOther() {
    IngestResult result =
        ingestAll(
            "[{'type':'gauge','name':'x','method':'set','value':1},"
                + "{'type':'counter','name':'x','method':'inc'},"
                + "{'type':'histogram','name':'lat','method':'observe','value':1,'buckets':[1]},"
                + "{'type':'histogram','name':'lat','method':'observe','value':1,'buckets':[2]}]");

    assertEquals(
        List.of(
            new Rejection(
                1, Reason.CONFLICT, "x: conflicting metric types, existing: gauge, new: counter"),
            new Rejection(
                3,
                Reason.CONFLICT,
                "histogram lat: buckets [2] differ from the existing buckets [1]")),
        result.rejections());
    assertNull(value("x"));
    assertNull(value("lat_count"));
  }

  @Test
  void ingestAllAppliesAWholeGoodBatch() {
    IngestResult result =
        ingestAll(
            "[{'type':'gauge','name':'x','method':'set','value':1},"
                + "{'type':'gauge','name':'x','method':'add','value':2},"
                + "{'type':'counter','name':'gophers','method':'inc'}]");

    assertEquals(new IngestResult(3, 3, List.of()), result);
    assertTrue(result.ok());
    assertEquals(3.0, value("x"));
    assertEquals(1.0, value("gophers_total"));
  }

  @Test
  void ingestEachAppliesTheValidDeltasAndCountsTheOthers() {
    apply("{'type':'gauge','name':'trees','method':'set','value':5}");

    IngestResult result =
        ingestEach(
            "{'type':'gauge','name':'a','method':'set','value':1}\n"
                + "{'type':'counter','name':'trees','method':'inc'}\n"
                + "{'type':'gauge','name':'trees','method':'inc'}\n"
                + "{'type':'gauge','name':'b','method':'set'}\n");

    assertEquals(4, result.received());
    assertEquals(2, result.applied());
    assertEquals(
        List.of(
            new Rejection(
                1,
                Reason.CONFLICT,
                "trees: conflicting metric types, existing: gauge, new: counter"),
            new Rejection(3, Reason.INVALID, "gauge b: method set needs a value")),
        result.rejections());
    assertEquals(1.0, value("a"));
    assertEquals(6.0, value("trees"));
  }

  @Test
  void countsAppliedAndRejectedDeltasByTransportAndReason() {
    ingestAll(
        "[{'type':'gauge','name':'a','method':'set','value':1},"
            + "{'type':'gauge','name':'b','method':'set','value':1}]");
    ingestAll(
        "[{'type':'gauge','name':'a','method':'set','value':1},"
            + "{'type':'counter','name':'a','method':'inc'},"
            + "{'type':'gauge','name':'c','method':'set'},"
            + "{'type':'gauge','name':'d','method':'set','value':1}]");
    ingestEach(
        "{'type':'gauge','name':'a','method':'inc'}\n"
            + "{oops\n"
            + "{'type':'counter','name':'a','method':'inc'}\n"
            + "{'type':'gauge','name':'b','method':'dec'}\n");

    assertEquals(2.0, applied("http"));
    assertEquals(2.0, applied("udp"));
    assertEquals(2.0, rejected("http", "batch"));
    assertEquals(1.0, rejected("http", "invalid"));
    assertEquals(1.0, rejected("http", "conflict"));
    assertEquals(1.0, rejected("udp", "malformed"));
    assertEquals(1.0, rejected("udp", "conflict"));
    assertNull(rejected("udp", "batch"));
  }

  private Double applied(String transport) {
    return value(
        "pushprom_deltas_applied_total", new String[] {"transport"}, new String[] {transport});
  }

  private Double rejected(String transport, String reason) {
    return value(
        "pushprom_deltas_rejected_total",
        new String[] {"transport", "reason"},
        new String[] {transport, reason});
  }

  /** Runs {@code task} on {@code threads} threads at once, and rethrows the first failure. */
  private static void concurrently(int threads, IntConsumer task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  task.accept(thread);
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> future : futures) {
        future.get(1, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void updatesAreExactUnderConcurrency() throws Exception {
    int threads = 8;
    int rounds = 5_000;
    Delta counter = Delta.of(MetricType.COUNTER, "hits", Method.INC, 0, Map.of("job", "bot"));
    Delta gaugeUp = Delta.of(MetricType.GAUGE, "level", Method.ADD, 0.5, null);
    Delta gaugeDown = Delta.of(MetricType.GAUGE, "level", Method.DEC, 0, null);
    Delta histogram = Delta.of(MetricType.HISTOGRAM, "lat", Method.OBSERVE, 2, null);
    Delta summary = Delta.of(MetricType.SUMMARY, "sz", Method.OBSERVE, 3, Map.of("k", "7"));

    concurrently(
        threads,
        thread -> {
          for (int i = 0; i < rounds; i++) {
            aggregator.apply(counter);
            aggregator.apply(thread % 2 == 0 ? gaugeUp : gaugeDown);
            aggregator.apply(histogram);
            aggregator.apply(summary);
          }
        });

    double total = threads * rounds;
    assertEquals(total, value("hits_total", new String[] {"job"}, new String[] {"bot"}));
    assertEquals(total / 2 * 0.5 - total / 2, value("level"));
    assertEquals(total, value("lat_count"));
    assertEquals(total * 2, value("lat_sum"));
    assertEquals(total, value("lat_bucket", new String[] {"le"}, new String[] {"2.5"}));
    assertEquals(total, value("sz_count", new String[] {"k"}, new String[] {"7"}));
    assertEquals(total * 3, value("sz_sum", new String[] {"k"}, new String[] {"7"}));
  }

  @Test
  void concurrentFirstDeltasOfTheSameMetricsAreAllApplied() throws Exception {
    int threads = 8;
    int metrics = 300;

    concurrently(
        threads,
        thread -> {
          for (int i = 0; i < metrics; i++) {
            String name = "m" + i;
            aggregator.apply(Delta.of(MetricType.COUNTER, name, Method.INC, 0, null));
            aggregator.apply(Delta.of(MetricType.HISTOGRAM, name + "_h", Method.OBSERVE, 1, null));
            aggregator.apply(
                Delta.of(MetricType.GAUGE, name + "_g", Method.INC, 0, Map.of("t", "" + thread)));
          }
        });

    for (int i = 0; i < metrics; i++) {
      assertEquals((double) threads, value("m" + i + "_total"), "m" + i);
      assertEquals((double) threads, value("m" + i + "_h_count"), "m" + i + "_h");
      for (int t = 0; t < threads; t++) {
        assertEquals(1.0, value("m" + i + "_g", new String[] {"t"}, new String[] {"" + t}));
      }
    }
  }

  @Test
  void concurrentBatchesAreCountedExactly() throws Exception {
    int threads = 8;
    int rounds = 500;
    byte[] good =
        json("{'type':'counter','name':'gophers','method':'inc','labels':{'job':'bot'}}\n"
                + "{'type':'gauge','name':'trees','method':'add','value':2}\n")
            .getBytes(StandardCharsets.UTF_8);
    byte[] bad =
        json("{'type':'counter','name':'gophers','method':'inc','labels':{'job':'bot'}}\n"
                + "{'type':'counter','name':'trees','method':'inc'}\n")
            .getBytes(StandardCharsets.UTF_8);
    // Exists before the race, so that the bad batch always conflicts on it.
    apply("{'type':'gauge','name':'trees','method':'set','value':0}");

    concurrently(
        threads,
        thread -> {
          for (int i = 0; i < rounds; i++) {
            assertTrue(aggregator.ingestAll(Transport.HTTP, good).ok());
            assertEquals(1, aggregator.ingestEach(Transport.UDP, bad, 0, bad.length).applied());
            assertEquals(0, aggregator.ingestAll(Transport.HTTP, bad).applied());
          }
        });

    double batches = threads * rounds;
    assertEquals(batches * 2, value("gophers_total", new String[] {"job"}, new String[] {"bot"}));
    assertEquals(batches * 2, value("trees"));
    assertEquals(batches * 2, applied("http"));
    assertEquals(batches, applied("udp"));
    assertEquals(batches, rejected("http", "conflict"));
    assertEquals(batches, rejected("http", "batch"));
    assertEquals(batches, rejected("udp", "conflict"));
  }
}
