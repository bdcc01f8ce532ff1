package io.pushprom.core;

import static io.pushprom.core.DeltaTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Whole {@code /metrics} bodies, as Prometheus scrapes them, in text format 0.0.4. */
class ExpositionTest {
  private static final String OWN_COUNTERS_HEADERS =
      """
      # HELP pushprom_deltas_applied_total Deltas applied, by transport.
      # TYPE pushprom_deltas_applied_total counter
      # HELP pushprom_deltas_rejected_total Deltas rejected, by transport and reason; reason \
      batch counts the valid deltas of an HTTP batch that was rejected whole.
      # TYPE pushprom_deltas_rejected_total counter
      """;

  private Aggregator aggregator;

  @BeforeEach
  void createAggregator() {
    aggregator = Aggregator.create();
  }

  private void apply(String singleQuotedJson) {
    aggregator.apply(Delta.parse(json(singleQuotedJson)));
  }

  /**
   * The {@code /metrics} body. The registry yields its families, and a family its series, in hash
   * order: so families are sorted by name, and the series of a gauge or counter by their text.
   * Histogram and summary tests keep to one series, whose lines keep their order. The gauges of the
   * build and of the series count are left out but where a test asks for them.
   */
  private String scrape() throws IOException {
    return scrape(name -> !name.startsWith("pushprom_series") && !name.equals(BUILD_INFO_NAME));
  }

  private static final String BUILD_INFO_NAME = "pushprom_build_info";

  /**
   * {@code pushprom_build_info} as this JVM exposes it: the version is {@code unknown} here, where
   * the classes come from a directory and not from a jar with a manifest.
   */
  static String buildInfo() {
    return """
           # HELP pushprom_build_info Pushprom's version and the Java version it runs on; always 1.
           # TYPE pushprom_build_info gauge
           pushprom_build_info{version="%s",java_version="%s",} 1.0
           """
        .formatted(Version.current(), System.getProperty("java.version"));
  }

  private String scrape(Predicate<String> names) throws IOException {
    return Scrape.of(aggregator, names, false);
  }

  @Test
  void freshAggregatorExposesOnlyItsOwnCountersWithoutSeries() throws IOException {
    assertEquals(OWN_COUNTERS_HEADERS, scrape());
  }

  @Test
  void exposesReadmeGauge() throws IOException {
    apply(
        "{'type':'gauge','name':'trees','help':'the amount of trees','method':'add',"
            + "'value':3002,'labels':{'species':'araucaria','job':'bot'}}");

    assertEquals(
        OWN_COUNTERS_HEADERS
            + """
              # HELP trees the amount of trees
              # TYPE trees gauge
              trees{job="bot",species="araucaria",} 3002.0
              """,
        scrape());
  }

  @Test
  void exposesCounterWithTotalSuffixAndNoCreatedSeries() throws IOException {
    aggregator.ingestAll(
        Transport.HTTP,
        """
        {"type":"counter","name":"gophers","help":"little burrowing rodents","labels":{},\
        "method":"inc"}
        {"type":"counter","name":"gophers","help":"little burrowing rodents","labels":{},\
        "method":"inc"}
        """
            .getBytes(StandardCharsets.UTF_8));

    assertEquals(
        """
        # HELP gophers_total little burrowing rodents
        # TYPE gophers_total counter
        gophers_total 2.0
        # HELP pushprom_deltas_applied_total Deltas applied, by transport.
        # TYPE pushprom_deltas_applied_total counter
        pushprom_deltas_applied_total{transport="http",} 2.0
        # HELP pushprom_deltas_rejected_total Deltas rejected, by transport and reason; reason \
        batch counts the valid deltas of an HTTP batch that was rejected whole.
        # TYPE pushprom_deltas_rejected_total counter
        """,
        scrape());
  }

  @Test
  void counterPushedWithTotalSuffixIsExposedOnce() throws IOException {
    apply("{'type':'counter','name':'gophers_total','help':'rodents','method':'add','value':2}");
    apply("{'type':'counter','name':'gophers','help':'rodents','method':'inc'}");

    assertEquals(
        """
        # HELP gophers_total rodents
        # TYPE gophers_total counter
        gophers_total 3.0
        """
            + OWN_COUNTERS_HEADERS,
        scrape());
  }

  @Test
  void exposesPhpHistogramWithDefaultBuckets() throws IOException {
    apply(
        "{'type':'histogram','name':'lat','help':'latency','labels':{},'value':12.0,"
            + "'method':'observe','buckets':[]}");
    apply("{'type':'histogram','name':'lat','help':'latency','value':0.3,'method':'observe'}");

    assertEquals(
        """
        # HELP lat latency
        # TYPE lat histogram
        lat_bucket{le="0.005",} 0.0
        lat_bucket{le="0.01",} 0.0
        lat_bucket{le="0.025",} 0.0
        lat_bucket{le="0.05",} 0.0
        lat_bucket{le="0.1",} 0.0
        lat_bucket{le="0.25",} 0.0
        lat_bucket{le="0.5",} 1.0
        lat_bucket{le="1.0",} 1.0
        lat_bucket{le="2.5",} 1.0
        lat_bucket{le="5.0",} 1.0
        lat_bucket{le="10.0",} 1.0
        lat_bucket{le="+Inf",} 2.0
        lat_count 2.0
        lat_sum 12.3
        """
            + OWN_COUNTERS_HEADERS,
        scrape());
  }

  @Test
  void exposesHistogramWithItsOwnBucketsAndLabels() throws IOException {
    apply(
        "{'type':'histogram','name':'lat','help':'latency','method':'observe','value':1.5,"
            + "'buckets':[0.5,2],'labels':{'route':'\\/home'}}");

    assertEquals(
        """
        # HELP lat latency
        # TYPE lat histogram
        lat_bucket{route="/home",le="0.5",} 0.0
        lat_bucket{route="/home",le="2.0",} 1.0
        lat_bucket{route="/home",le="+Inf",} 1.0
        lat_count{route="/home",} 1.0
        lat_sum{route="/home",} 1.5
        """
            + OWN_COUNTERS_HEADERS,
        scrape());
  }

  @Test
  void exposesPhpSummaryWithOnlySumAndCount() throws IOException {
    apply(
        "{'type':'summary','name':'sz','help':'size','labels':{'k':'7'},'value':1.5,"
            + "'method':'observe'}");

    assertEquals(
        OWN_COUNTERS_HEADERS
            + """
              # HELP sz size
              # TYPE sz summary
              sz_count{k="7",} 1.0
              sz_sum{k="7",} 1.5
              """,
        scrape());
  }

  @Test
  void exposesSummaryQuantilesWhenObjectivesAreGiven() throws IOException {
    apply(
        "{'type':'summary','name':'sz','help':'size','value':4,'method':'observe',"
            + "'objectives':{'0.5':0.05,'0.9':0.01}}");

    assertEquals(
        OWN_COUNTERS_HEADERS
            + """
              # HELP sz size
              # TYPE sz summary
              sz{quantile="0.5",} 4.0
              sz{quantile="0.9",} 4.0
              sz_count 1.0
              sz_sum 4.0
              """,
        scrape());
  }

  @Test
  void newestHelpWins() throws IOException {
    apply("{'type':'gauge','name':'trees','help':'first','method':'set','value':1}");
    apply(
        "{'type':'gauge','name':'trees','help':'second','method':'set','value':2,"
            + "'labels':{'zone':'south'}}");
    apply("{'type':'gauge','name':'trees','help':'third','method':'inc'}");

    assertEquals(
        OWN_COUNTERS_HEADERS
            + """
              # HELP trees third
              # TYPE trees gauge
              trees 2.0
              trees{zone="south",} 2.0
              """,
        scrape());
  }

  @Test
  void differentLabelSetsAreOneFamily() throws IOException {
    apply("{'type':'counter','name':'jobs','method':'inc'}");
    apply("{'type':'counter','name':'jobs','method':'inc','labels':{'queue':'mail'}}");
    apply(
        "{'type':'counter','name':'jobs_total','method':'add','value':3,"
            + "'labels':{'queue':'mail','state':'done'}}");
    apply(
        "{'type':'counter','name':'jobs','method':'inc','labels':{'state':'done','queue':'mail'}}");

    assertEquals(
        """
        # HELP jobs_total jobs
        # TYPE jobs_total counter
        jobs_total 1.0
        jobs_total{queue="mail",state="done",} 4.0
        jobs_total{queue="mail",} 1.0
        """
            + OWN_COUNTERS_HEADERS,
        scrape());
  }

  @Test
  void escapesLabelValuesAndHelp() throws IOException {
    apply(
        "{'type':'gauge','name':'quotes','help':'back\\\\slash and\\nnewline','method':'set',"
            + "'value':1,'labels':{'text':'say \\'hi\\'\\\\o\\/'}}");

    assertEquals(
        OWN_COUNTERS_HEADERS
            + """
              # HELP quotes back\\\\slash and\\nnewline
              # TYPE quotes gauge
              quotes{text="say \\"hi\\"\\\\o/",} 1.0
              """,
        scrape());
  }

  @Test
  void rejectedDeltasLeaveNoTraceButTheirCount() throws IOException {
    apply("{'type':'gauge','name':'trees','help':'trees','method':'set','value':5}");
    byte[] body =
        json("{'type':'counter','name':'trees','method':'inc'}\n"
                + "{'type':'summary','name':'fresh','method':'observe','value':1}\n")
            .getBytes(StandardCharsets.UTF_8);

    aggregator.ingestAll(Transport.HTTP, body);

    assertEquals(
        """
        # HELP pushprom_deltas_applied_total Deltas applied, by transport.
        # TYPE pushprom_deltas_applied_total counter
        # HELP pushprom_deltas_rejected_total Deltas rejected, by transport and reason; reason \
        batch counts the valid deltas of an HTTP batch that was rejected whole.
        # TYPE pushprom_deltas_rejected_total counter
        pushprom_deltas_rejected_total{transport="http",reason="batch",} 1.0
        pushprom_deltas_rejected_total{transport="http",reason="conflict",} 1.0
        # HELP trees trees
        # TYPE trees gauge
        trees 5.0
        """,
        scrape());
  }

  @Test
  void exposesItsVersionAndJavasAsAGaugeOfOne() throws IOException {
    assertEquals(buildInfo(), scrape(BUILD_INFO_NAME::equals));
  }

  @Test
  void buildInfoNameIsTakenForDeltas() {
    InvalidDeltaException e =
        assertThrows(
            InvalidDeltaException.class,
            () -> apply("{'type':'gauge','name':'pushprom_build_info','method':'set','value':2}"));

    assertEquals(
        "gauge pushprom_build_info: name is taken by another collector of the registry: the"
            + " application's own, or pushprom's telemetry",
        e.getMessage());
  }

  @Test
  void exposesHowManySeriesExistAndMay() throws IOException {
    aggregator = Aggregator.builder().maxSeries(1000).build();
    apply("{'type':'gauge','name':'trees','help':'trees','method':'set','value':5}");
    apply("{'type':'gauge','name':'trees','method':'set','value':6,'labels':{'species':'oak'}}");
    apply("{'type':'histogram','name':'lat','method':'observe','value':1}");

    assertEquals(
        """
# HELP pushprom_series Pushed series that exist now.
# TYPE pushprom_series gauge
pushprom_series 3.0
# HELP pushprom_series_limit How many places pushed series and metrics may take; a delta \
that would make a series beyond them is rejected.
# TYPE pushprom_series_limit gauge
pushprom_series_limit 1000.0
# HELP pushprom_series_places Places of the series limit taken: one a series, more for long \
labels or a summary's objectives, and a metric's own.
# TYPE pushprom_series_places gauge
pushprom_series_places 7.0
""",
        scrape(name -> name.startsWith("pushprom_series")));
  }
}
