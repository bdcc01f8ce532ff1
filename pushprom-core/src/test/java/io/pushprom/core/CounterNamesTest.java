package io.pushprom.core;

import static io.pushprom.core.DeltaTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.SampleNameFilter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Counters named as the Go original names them, {@link CounterNames#GO}. */
class CounterNamesTest {
  @TempDir Path directory;

  private CollectorRegistry registry;
  private Aggregator aggregator;

  @BeforeEach
  void createAggregator() {
    registry = new CollectorRegistry();
    aggregator = Aggregator.builder(registry).counterNames(CounterNames.GO).build();
  }

  private void apply(String singleQuotedJson) {
    aggregator.apply(Delta.parse(json(singleQuotedJson)));
  }

  /** The pushed families the registry yields, by name; Pushprom's own left out. */
  private List<MetricFamilySamples> pushed() {
    List<MetricFamilySamples> families = new ArrayList<>();
    for (MetricFamilySamples family : Collections.list(registry.metricFamilySamples())) {
      if (!family.name.startsWith("pushprom_")) {
        families.add(family);
      }
    }
    families.sort((a, b) -> a.name.compareTo(b.name));
    return families;
  }

  @Test
  void openMetricsIsTheDefault() {
    assertEquals(CounterNames.OPENMETRICS, Aggregator.create().counterNames());
    assertEquals(CounterNames.GO, aggregator.counterNames());
  }

  @ParameterizedTest
  @ValueSource(strings = {"go", "openmetrics"})
  void flagValuesNameTheirNaming(String value) {
    assertEquals(value, CounterNames.fromFlagValue(value).flagValue());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Go", "GO", "prometheus", "openmetrics "})
  void rejectsOtherFlagValuesNamingThem(String value) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CounterNames.fromFlagValue(value));

    assertEquals(
        "invalid counter naming \"" + value + "\", expected openmetrics or go", e.getMessage());
  }

  @Test
  void counterSamplesCarryTheNameAsPushed() {
    apply(
        "{'type':'counter','name':'gophers','help':'rodents','method':'inc','labels':{'job':'bot'}}");

    List<MetricFamilySamples> families = pushed();
    assertEquals(1, families.size());
    MetricFamilySamples gophers = families.get(0);
    assertInstanceOf(GoCounterSamples.class, gophers);
    assertEquals("gophers", gophers.name);
    assertEquals(Collector.Type.UNKNOWN, gophers.type);
    assertEquals("rodents", gophers.help);
    assertEquals(
        List.of(new MetricFamilySamples.Sample("gophers", List.of("job"), List.of("bot"), 1)),
        gophers.samples);
    assertEquals(
        1.0, registry.getSampleValue("gophers", new String[] {"job"}, new String[] {"bot"}));
    assertNull(
        registry.getSampleValue("gophers_total", new String[] {"job"}, new String[] {"bot"}));
  }

  /** As in Go, where x and x_total were two metrics: nothing of one is the other's. */
  @Test
  void counterPushedAsXAndAsXTotalAreTwoMetrics() {
    apply("{'type':'counter','name':'x','help':'one','method':'add','value':2}");
    apply("{'type':'counter','name':'x_total','help':'two','method':'add','value':5}");

    List<MetricFamilySamples> families = pushed();
    assertEquals(List.of("x", "x_total"), families.stream().map(f -> f.name).toList());
    assertEquals("one", families.get(0).help);
    assertEquals("two", families.get(1).help);
    assertEquals(OptionalDouble.of(2), aggregator.value("x", Map.of()));
    assertEquals(OptionalDouble.of(5), aggregator.value("x_total", Map.of()));
    assertEquals(2, aggregator.seriesCount());

    assertTrue(aggregator.removeFamily("x_total"));
    assertEquals(OptionalDouble.of(2), aggregator.value("x", Map.of()));
    assertEquals(OptionalDouble.empty(), aggregator.value("x_total", Map.of()));
  }

  @Test
  void gaugeNamedAsACountersTotalIsNoCollision() {
    apply("{'type':'counter','name':'x','method':'inc'}");
    apply("{'type':'gauge','name':'x_total','method':'set','value':7}");

    assertEquals(OptionalDouble.of(1), aggregator.value("x", Map.of()));
    assertEquals(OptionalDouble.of(7), aggregator.value("x_total", Map.of()));
  }

  @Test
  void counterNamedAsAHistogramsSeriesCollides() {
    apply("{'type':'histogram','name':'lat','method':'observe','value':1}");

    InvalidDeltaException e =
        assertThrows(
            InvalidDeltaException.class,
            () -> apply("{'type':'counter','name':'lat_count','method':'inc'}"));

    assertEquals(Reason.CONFLICT, e.reason());
    assertEquals(
        "lat_count: conflicting metric types, existing: histogram lat, new: counter",
        e.getMessage());
  }

  @Test
  void otherTypesAreNamedAsEver() {
    apply("{'type':'gauge','name':'trees','method':'set','value':3}");
    apply("{'type':'histogram','name':'lat','method':'observe','value':1,'buckets':[1]}");

    List<MetricFamilySamples> families = pushed();
    assertEquals(Collector.Type.HISTOGRAM, families.get(0).type);
    assertEquals(Collector.Type.GAUGE, families.get(1).type);
  }

  /** simpleclient's registry filters by sample name, and the family stays a counter of Go's. */
  @Test
  void filteringByTheNameAsPushedKeepsTheCounter() {
    apply("{'type':'counter','name':'gophers','method':'inc'}");
    apply("{'type':'counter','name':'moles','method':'inc'}");

    List<MetricFamilySamples> found =
        Collections.list(
            registry.filteredMetricFamilySamples(
                SampleNameFilter.restrictToNamesEqualTo(null, Set.of("gophers"))));

    assertEquals(1, found.size());
    assertInstanceOf(GoCounterSamples.class, found.get(0));
    assertEquals("gophers", found.get(0).samples.get(0).name);
    assertNull(found.get(0).filter(name -> false));
  }

  @Test
  void stateFileKeepsCountersApartAcrossARestart() throws IOException {
    apply("{'type':'counter','name':'x','method':'add','value':2}");
    apply("{'type':'counter','name':'x_total','method':'add','value':5}");
    Path file = directory.resolve("state.json");
    StateFile.write(aggregator, file);

    Aggregator restored = Aggregator.builder().counterNames(CounterNames.GO).build();
    assertTrue(StateFile.load(file, restored));

    assertEquals(OptionalDouble.of(2), restored.value("x", Map.of()));
    assertEquals(OptionalDouble.of(5), restored.value("x_total", Map.of()));
  }

  @Test
  void stateFileSaysItsCountersAreNamedGo() throws IOException {
    Path file = directory.resolve("state.json");
    StateFile.write(aggregator, file);
    StateFile.write(Aggregator.create(), directory.resolve("openmetrics.json"));

    assertTrue(Files.readString(file).contains(",\"counterNames\":\"go\","));
    assertFalse(Files.readString(directory.resolve("openmetrics.json")).contains("counterNames"));
  }

  /** A counter keeps the name it is exposed with where it can: x_total stays x_total. */
  @Test
  void stateFileOfTheOtherNamingLoadsUnderTheNamesItWouldBePushedWith() throws IOException {
    apply("{'type':'counter','name':'gophers_total','method':'add','value':5}");
    Path file = directory.resolve("state.json");
    StateFile.write(aggregator, file);
    Aggregator openMetrics = Aggregator.create();
    assertTrue(StateFile.load(file, openMetrics));
    assertEquals(OptionalDouble.of(5), openMetrics.value("gophers", Map.of()));
    assertEquals(
        5.0, openMetrics.registry().getSampleValue("gophers_total", new String[0], new String[0]));

    openMetrics.apply(Delta.parse(json("{'type':'counter','name':'moles','method':'inc'}")));
    StateFile.write(openMetrics, file);
    Aggregator go = Aggregator.builder().counterNames(CounterNames.GO).build();
    assertTrue(StateFile.load(file, go));
    assertEquals(OptionalDouble.of(5), go.value("gophers", Map.of()));
    assertEquals(OptionalDouble.of(1), go.value("moles", Map.of()));
  }

  @Test
  void stateFileWithXAndXTotalIsRefusedWhereTheyWouldBeOne() throws IOException {
    apply("{'type':'counter','name':'x','method':'add','value':2}");
    apply("{'type':'counter','name':'x_total','method':'add','value':5}");
    Path file = directory.resolve("state.json");
    StateFile.write(aggregator, file);

    StateFileException e =
        assertThrows(StateFileException.class, () -> StateFile.load(file, Aggregator.create()));

    assertTrue(
        e.getMessage()
            .contains(
                "two counters of the file, apart as it names counters (go), would be one as this"
                    + " pushprom names them (openmetrics)"),
        e.getMessage());
  }
}
