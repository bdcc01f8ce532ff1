package io.pushprom.core;

import static io.pushprom.core.DeltaTest.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class StateFileTest {
  @TempDir Path directory;

  private Path file;
  private Aggregator aggregator;

  @BeforeEach
  void createAggregator() {
    file = directory.resolve("state.json");
    aggregator = Aggregator.create();
  }

  private void apply(String singleQuotedJson) {
    aggregator.apply(Delta.parse(json(singleQuotedJson)));
  }

  /** Writes {@code aggregator} and loads the file into a fresh aggregator, which it returns. */
  private Aggregator restart() throws IOException {
    StateFile.write(aggregator, file);
    Aggregator restored = Aggregator.create();
    assertTrue(StateFile.load(file, restored));
    return restored;
  }

  /**
   * The {@code /metrics} body, each family's lines sorted after its header, and families sorted by
   * name: the registry yields both in hash order.
   */
  private static String scrape(Aggregator aggregator) throws IOException {
    return Scrape.of(aggregator, name -> true, true);
  }

  /** The body without summary quantiles, whose window a restart empties. */
  private static String scrapeWithoutQuantiles(Aggregator aggregator) throws IOException {
    return scrape(aggregator)
        .lines()
        .filter(line -> !line.contains("quantile=\""))
        .collect(Collectors.joining("\n", "", "\n"));
  }

  /** The file {@code deltas} make, with the times of writing and of each update as {@code T}. */
  private String fileOf(String... singleQuotedDeltas) throws IOException {
    for (String delta : singleQuotedDeltas) {
      apply(delta);
    }
    StateFile.write(aggregator, file);
    return Files.readString(file)
        .replaceAll("\"written\":\"[^\"]+\"", "\"written\":T")
        .replaceAll("\"updated\":[0-9]+", "\"updated\":T");
  }

  @Test
  void writesCountersAsDocumented() throws IOException {
    assertEquals(
        """
        {"format":"pushprom-state","version":1,"written":T,"families":[
        {"name":"gophers","type":"counter","help":"Gophers seen.","series":[
        {"labels":{"job":"bot","zone":"eu"},"value":3.5,"updated":T}]}]}
        """,
        fileOf(
            "{'type':'counter','name':'gophers_total','help':'Gophers seen.','method':'add',"
                + "'value':3.5,'labels':{'zone':'eu','job':'bot'}}"));
  }

  @Test
  void writesHistogramsAsDocumented() throws IOException {
    assertEquals(
        """
        {"format":"pushprom-state","version":1,"written":T,"families":[
        {"name":"latency","type":"histogram","help":"latency","buckets":[0.1,1.0],"series":[
        {"labels":{},"bucketCounts":[1,0,2],"sum":7.05,"updated":T}]}]}
        """,
        fileOf(
            "{'type':'histogram','name':'latency','buckets':[0.1,1],'method':'observe','value':5}",
            "{'type':'histogram','name':'latency','method':'observe','value':2}",
            "{'type':'histogram','name':'latency','method':'observe','value':0.05}"));
  }

  @Test
  void writesSummariesAsDocumented() throws IOException {
    assertEquals(
        """
        {"format":"pushprom-state","version":1,"written":T,"families":[
        {"name":"rpc","type":"summary","help":"RPC time.","objectives":{"0.5":0.05,"1":0.001},\
        "series":[
        {"labels":{"m":"get"},"count":2,"sum":0.75,"updated":T}]}]}
        """,
        fileOf(
            "{'type':'summary','name':'rpc','help':'RPC time.','objectives':{'0.5':0.05,'1':0.001},"
                + "'method':'observe','value':0.25,'labels':{'m':'get'}}",
            "{'type':'summary','name':'rpc','method':'observe','value':0.5,'labels':{'m':'get'}}"));
  }

  @Test
  void writesAnEmptyAggregatorAsNoFamilies() throws IOException {
    assertEquals(
        "{\"format\":\"pushprom-state\",\"version\":1,\"written\":T,\"families\":[]}\n", fileOf());
  }

  /** Every type and shape of series, with the values that are hardest to write exactly. */
  private void pushEveryKind() {
    apply("{'type':'counter','name':'gophers','help':'Gophers seen.','method':'inc'}");
    apply("{'type':'counter','name':'gophers','method':'add','value':0.25,'labels':{'job':'a'}}");
    apply("{'type':'counter','name':'requests_total','method':'add','value':7,'labels':{'p':'/'}}");
    apply("{'type':'counter','name':'odd_total_total','method':'inc'}");
    apply(
        "{'type':'gauge','name':'temperature','help':'In °C.','method':'set','value':-12.5,"
            + "'labels':{'city':'Zürich ☃ 🐹'}}");
    apply("{'type':'gauge','name':'tenths','method':'add','value':0.1}");
    apply("{'type':'gauge','name':'tenths','method':'add','value':0.2}");
    apply(
        "{'type':'gauge','name':'extremes','method':'set','value':4.9e-324,'labels':{'e':'min'}}");
    apply(
        "{'type':'gauge','name':'extremes','method':'set','value':-1.7976931348623157e308,"
            + "'labels':{'e':'max'}}");
    apply("{'type':'gauge','name':'extremes','method':'set','value':-0.0,'labels':{'e':'zero'}}");
    apply("{'type':'gauge','name':'extremes','method':'set','value':1e22,'labels':{'e':'e22'}}");
    aggregator.apply(
        Delta.of(
            MetricType.GAUGE,
            "texts",
            Method.SET,
            1,
            Map.of("text", "say \"hi\" \\ back\\slash\nnew line\ttab", "empty", "")));
    aggregator.apply(
        new Delta(
            MetricType.GAUGE,
            "texts",
            "Help with \"quotes\", \\ and\na new line.",
            Method.SET,
            2,
            new java.util.TreeMap<>(Map.of("other", "x")),
            null,
            null));
    apply(
        "{'type':'histogram','name':'latency','help':'Seconds.','method':'observe','value':0.003,"
            + "'labels':{'path':'/a'}}");
    apply(
        "{'type':'histogram','name':'latency','method':'observe','value':100,"
            + "'labels':{'path':'/a'}}");
    apply("{'type':'histogram','name':'latency','method':'observe','value':0.2}");
    apply("{'type':'histogram','name':'sizes','buckets':[-1,2,5.5],'method':'observe','value':-3}");
    apply("{'type':'histogram','name':'sizes','method':'observe','value':4.5}");
    apply("{'type':'histogram','name':'sizes','method':'observe','value':1e300}");
    apply(
        "{'type':'summary','name':'rpc','objectives':{'0.5':0.05,'0.99':0.001},"
            + "'method':'observe','value':1,'labels':{'m':'get'}}");
    apply("{'type':'summary','name':'rpc','method':'observe','value':2.5,'labels':{'m':'get'}}");
    apply("{'type':'summary','name':'plain_summary','method':'observe','value':-2.5}");
  }

  @Test
  void restartExposesTheSameMetricsButQuantiles() throws IOException {
    pushEveryKind();

    Aggregator restored = restart();

    assertEquals(scrapeWithoutQuantiles(aggregator), scrapeWithoutQuantiles(restored));
  }

  @Test
  void restartKeepsEveryValueExactly() throws IOException {
    pushEveryKind();

    Aggregator restored = restart();

    for (String e : List.of("min", "max", "zero", "e22")) {
      assertEquals(
          Double.doubleToRawLongBits(aggregator.value("extremes", Map.of("e", e)).getAsDouble()),
          Double.doubleToRawLongBits(restored.value("extremes", Map.of("e", e)).getAsDouble()),
          e);
    }
    assertEquals(0.30000000000000004, restored.value("tenths", Map.of()).getAsDouble());
    assertEquals(1, restored.value("odd_total", Map.of()).getAsDouble());
    Observations sizes = restored.observations("sizes", Map.of()).orElseThrow();
    assertEquals(aggregator.observations("sizes", Map.of()).orElseThrow(), sizes);
    assertEquals(3, sizes.count());
  }

  @Test
  void anyFiniteDoubleComesBackExactly() throws IOException {
    java.util.Random random = new java.util.Random(42);
    double[] values = new double[10_000];
    for (int i = 0; i < values.length; i++) {
      do {
        values[i] = Double.longBitsToDouble(random.nextLong());
      } while (!Double.isFinite(values[i]));
      aggregator.apply(
          Delta.of(MetricType.GAUGE, "g", Method.SET, values[i], Map.of("i", Integer.toString(i))));
    }

    Aggregator restored = restart();

    for (int i = 0; i < values.length; i++) {
      double value = restored.value("g", Map.of("i", Integer.toString(i))).getAsDouble();
      assertEquals(Double.doubleToRawLongBits(values[i]), Double.doubleToRawLongBits(value));
    }
  }

  @Test
  void restoredSummaryHasItsCountAndSumAndAnEmptyQuantileWindow() throws IOException {
    pushEveryKind();

    Aggregator restored = restart();

    Observations rpc = restored.observations("rpc", Map.of("m", "get")).orElseThrow();
    assertEquals(2, rpc.count());
    assertEquals(3.5, rpc.sum());
    assertTrue(scrape(restored).contains("rpc{m=\"get\",quantile=\"0.5\",} NaN\n"));
  }

  @Test
  void restoredFamiliesKeepTheirTypesBucketsObjectivesAndHelp() throws IOException {
    pushEveryKind();
    // A family whose series are all gone still holds its name and buckets.
    apply("{'type':'histogram','name':'emptied','buckets':[1,2],'method':'observe','value':1}");
    aggregator.remove("emptied", Map.of());

    Aggregator restored = restart();

    for (String delta :
        List.of(
            "{'type':'gauge','name':'gophers','method':'set','value':1}",
            "{'type':'histogram','name':'sizes','buckets':[1],'method':'observe','value':1}",
            "{'type':'histogram','name':'emptied','buckets':[1],'method':'observe','value':1}",
            "{'type':'summary','name':'rpc','objectives':{'0.5':0.01},'method':'observe','value':1}",
            "{'type':'gauge','name':'latency_bucket','method':'set','value':1}")) {
      InvalidDeltaException e =
          assertThrows(
              InvalidDeltaException.class, () -> restored.apply(Delta.parse(json(delta))), delta);
      assertEquals(Reason.CONFLICT, e.reason(), e.getMessage());
    }
    assertTrue(scrape(restored).contains("# HELP temperature In °C.\n"));
  }

  @Test
  void restoredSeriesTakeNewDeltas() throws IOException {
    pushEveryKind();

    Aggregator restored = restart();
    restored.apply(Delta.parse(json("{'type':'counter','name':'gophers_total','method':'inc'}")));
    restored.apply(
        Delta.parse(json("{'type':'histogram','name':'sizes','method':'observe','value':2}")));

    assertEquals(2, restored.value("gophers", Map.of()).getAsDouble());
    Observations sizes = restored.observations("sizes", Map.of()).orElseThrow();
    assertEquals(4, sizes.count());
    assertEquals(2, sizes.buckets().get(2.0));
  }

  private static Series seriesOf(Aggregator aggregator, String family, Map<String, String> labels) {
    return aggregator.families().stream()
        .filter(each -> each.name().equals(family))
        .findFirst()
        .orElseThrow()
        .series(Labels.of(labels));
  }

  @Test
  void updatedIsTheWallClockTimeOfTheLastUpdate() throws IOException {
    long before = System.currentTimeMillis();
    Aggregator fresh =
        Aggregator.create(); // stamps its updates with its creation time, until ticked
    fresh.apply(Delta.parse(json("{'type':'gauge','name':'g','method':'set','value':1}")));
    StateFile.write(fresh, file);
    long after = System.currentTimeMillis();

    Matcher found = Pattern.compile("\"updated\":([0-9]+)").matcher(Files.readString(file));
    assertTrue(found.find());
    long updated = Long.parseLong(found.group(1));
    assertTrue(before - 1 <= updated && updated <= after, before + " " + updated + " " + after);
  }

  @Test
  void restoredSeriesAreAsOldAsTheFileSaysButNotFromTheFuture() throws IOException {
    long now = System.currentTimeMillis();
    Files.writeString(
        file,
        json(
            "{'format':'pushprom-state','version':1,'families':[{'name':'g','type':'gauge',"
                + "'series':["
                + "{'labels':{'age':'minute'},'value':1,'updated':"
                + (now - 60_000)
                + "},{'labels':{'age':'future'},'value':1,'updated':"
                + (now + 3_600_000)
                + "},{'labels':{'age':'ancient'},'value':1,'updated':"
                + Long.MIN_VALUE
                + "}]}]}"));
    Aggregator restored = Aggregator.create();

    StateFile.load(file, restored);

    long loaded = System.nanoTime();
    long minute = loaded - seriesOf(restored, "g", Map.of("age", "minute")).lastUpdateNanos();
    assertTrue(
        minute >= TimeUnit.SECONDS.toNanos(60) && minute < TimeUnit.SECONDS.toNanos(70),
        minute + " ns");
    long future = loaded - seriesOf(restored, "g", Map.of("age", "future")).lastUpdateNanos();
    assertTrue(future >= 0 && future < TimeUnit.SECONDS.toNanos(10), future + " ns");
    long ancient = loaded - seriesOf(restored, "g", Map.of("age", "ancient")).lastUpdateNanos();
    assertTrue(ancient > TimeUnit.DAYS.toNanos(365 * 99), ancient + " ns");
  }

  @Test
  void missingFileIsAFirstStart() {
    assertFalse(StateFile.load(file, aggregator));

    assertFalse(Files.exists(file));
  }

  @Test
  void loadsOnlyIntoAnAggregatorWithoutMetrics() throws IOException {
    apply("{'type':'gauge','name':'g','method':'set','value':1}");
    StateFile.write(aggregator, file);

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> StateFile.load(file, aggregator));
    assertEquals(
        "a state file is loaded into an aggregator without metrics, this one has some",
        e.getMessage());
  }

  @Test
  void loadsAFileWithoutWhiteSpaceOrWithMore() throws IOException {
    String families =
        "'families':[{'name':'g','type':'gauge','help':'G.','series':[{'labels':{},'value':2,"
            + "'updated':0}]}]";
    for (String text :
        List.of(
            "{'format':'pushprom-state','version':1," + families + "}",
            "\n {\n 'format' : 'pushprom-state' ,\n 'version' : 1 , " + families + " }\n\n")) {
      Files.writeString(file, json(text));
      Aggregator restored = Aggregator.create();

      assertTrue(StateFile.load(file, restored));

      assertEquals(2, restored.value("g", Map.of()).getAsDouble());
    }
  }

  @Test
  void seriesThatALabelWithAnEmptyValueMadeTwoLoadAsOneTheFirstWinning() throws IOException {
    Files.writeString(
        file,
        json(
            oneSeries(
                "gauge",
                "{'labels':{'a':''},'value':1,'updated':0},{'labels':{},'value':2,'updated':0},"
                    + "{'labels':{'a':'v'},'value':3,'updated':0},"
                    + "{'labels':{'b':''},'value':4,'updated':0}")));
    List<String> warnings = new ArrayList<>();
    Logger logger = Logger.getLogger(StateFile.class.getName());
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            warnings.add(record.getLevel() + " " + record.getMessage());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(handler);
    Aggregator restored = Aggregator.create();
    try {
      assertTrue(StateFile.load(file, restored));
    } finally {
      logger.removeHandler(handler);
    }

    assertEquals(
        """
        # HELP x x
        # TYPE x gauge
        x 1.0
        x{a="v",} 3.0
        """,
        Scrape.of(restored, "x"::equals, true));
    assertEquals(
        List.of(
            "WARNING state file "
                + file
                + ": gauge x: labels {} name the same series as an earlier one (a"
                + " label with an empty value is no label); the earlier one's state is kept",
            "WARNING state file "
                + file
                + ": gauge x: labels {b=} name the same series as an earlier one (a"
                + " label with an empty value is no label); the earlier one's state is kept"),
        warnings);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{'a':''}|{'a':''}|{a=}",
        "{'a':'','b':'1'}|{'b':'1','a':''}|{b=1, a=}",
        "{'a':''}|{},{}|{}",
      })
  void theSameSpellingOfASeriesTwiceIsRefusedEvenWithAnEmptyValue(
      String first, String then, String refused) throws IOException {
    StringBuilder series = new StringBuilder("{'labels':" + first + ",'value':1,'updated':0}");
    for (String labels : then.split("(?<=}),")) {
      series.append(",{'labels':").append(labels).append(",'value':2,'updated':0}");
    }
    Files.writeString(file, json(oneSeries("gauge", series.toString())));

    StateFileException e =
        assertThrows(StateFileException.class, () -> StateFile.load(file, Aggregator.create()));

    assertTrue(
        e.getMessage().endsWith(": gauge x: labels " + refused + " are those of an earlier series"),
        e.getMessage());
  }

  @Test
  void histogramsAndSummariesThatALabelWithAnEmptyValueMadeTwoKeepTheFirst() throws IOException {
    Files.writeString(
        file,
        json(
            HEAD
                + "{'name':'h','type':'histogram','buckets':[1],'series':["
                + "{'labels':{'z':''},'bucketCounts':[1,0],'sum':0.3,'updated':0},"
                + "{'labels':{},'bucketCounts':[3,1],'sum':2.5,'updated':0}]},"
                + "{'name':'s','type':'summary','series':["
                + "{'labels':{},'count':1,'sum':4,'updated':0},"
                + "{'labels':{'z':''},'count':3,'sum':9,'updated':0}]}]}"));
    Aggregator restored = Aggregator.create();

    assertTrue(StateFile.load(file, restored));

    Observations histogram = restored.observations("h", Map.of()).orElseThrow();
    assertEquals(1, histogram.count());
    assertEquals(0.3, histogram.sum());
    Observations summary = restored.observations("s", Map.of()).orElseThrow();
    assertEquals(1, summary.count());
    assertEquals(4, summary.sum());
  }

  private static final String HEAD = "{'format':'pushprom-state','version':1,'families':[";

  /** A file of one family of {@code type} whose series is {@code series}. */
  private static String oneSeries(String type, String series) {
    return HEAD + "{'name':'x','type':'" + type + "','series':[" + series + "]}]}";
  }

  static Stream<Arguments> badFiles() {
    return Stream.of(
        arguments("", "empty, not a pushprom state file"),
        arguments(
            "hello",
            "malformed JSON at line 1, column 6: Unrecognized token 'hello': was expecting"
                + " (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"),
        arguments(
            "[]",
            "not a pushprom state file (no \"format\": \"pushprom-state\" as its first field)"),
        arguments(
            "{'families':[],'format':'pushprom-state','version':1}",
            "not a pushprom state file (no \"format\": \"pushprom-state\" as its first field)"),
        arguments(
            "{'format':'prometheus','version':1,'families':[]}",
            "not a pushprom state file (no \"format\": \"pushprom-state\" as its first field)"),
        arguments(
            "{'format':'pushprom-state','version':2,'families':[]}",
            "version 2 is newer than this pushprom reads (1)"),
        arguments(
            "{'format':'pushprom-state','version':100000000000000000000000,'families':[]}",
            "version 100000000000000000000000 is newer than this pushprom reads (1)"),
        arguments(
            "{'format':'pushprom-state','version':0,'families':[]}",
            "version 0 does not exist, versions start at 1"),
        arguments(
            "{'format':'pushprom-state','version':'1','families':[]}",
            "at line 1, column 38: no \"version\" number after \"format\""),
        arguments("{'format':'pushprom-state','version':1}", "no \"families\""),
        arguments(
            "{'format':'pushprom-state','version':1,'families':{}}",
            "at line 1, column 51: \"families\" must be an array, got an object"),
        arguments(
            "{'format':'pushprom-state','version':1,'written':1,'families':[]}",
            "at line 1, column 50: \"written\" must be a string, got 1"),
        arguments(
            "{'format':'pushprom-state','version':1,'families':[],'extra':1}",
            "at line 1, column 62: unknown field \"extra\""),
        arguments(
            "{'format':'pushprom-state','version':1,'families':[]} {}",
            "at line 1, column 55: more after the end of the state"),
        arguments(
            "{'format':'pushprom-state','version':1,'families':[],'families':[]}",
            "malformed JSON at line 1, column 64: Duplicate field 'families'"),
        arguments(
            HEAD + "1]}", ".families[0] at line 1, column 52: a family must be an object, got 1"),
        arguments(
            HEAD + "{'name':'x','type':'Counter','series':[]}]}",
            ".families[0].type at line 1, column 71: unknown type \"Counter\", expected counter,"
                + " gauge, histogram or summary"),
        arguments(
            HEAD + "{'name':'x','series':[]}]}",
            ".families[0] at line 1, column 52: no \"type\" before \"series\""),
        arguments(
            HEAD + "{'type':'gauge'}]}",
            ".families[0] at line 1, column 52: no \"name\" before \"series\""),
        arguments(
            HEAD + "{'name':'x','type':'gauge','series':[],'help':'late'}]}",
            ".families[0].help at line 1, column 52: \"help\" after \"series\", which pushprom"
                + " writes last"),
        arguments(
            HEAD + "{'name':'x','type':'gauge','colour':'red'}]}",
            ".families[0].colour at line 1, column 88: unknown field \"colour\""),
        arguments(
            HEAD + "{'name':7,'type':'gauge'}]}",
            ".families[0].name at line 1, column 60: \"name\" must be a string, got 7"),
        arguments(
            HEAD + "{'name':'9lives','type':'gauge'}]}",
            ".families[0] at line 1, column 52: gauge 9lives: invalid metric name, expected"
                + " [a-zA-Z_:][a-zA-Z0-9_:]*"),
        arguments(
            HEAD + "{'name':'x','type':'gauge','buckets':[1]}]}",
            ".families[0] at line 1, column 52: gauge x: buckets are only for a histogram"),
        arguments(
            HEAD + "{'name':'x','type':'histogram','objectives':{}}]}",
            ".families[0] at line 1, column 52: histogram x: objectives are only for a summary"),
        arguments(
            HEAD + "{'name':'x','type':'histogram','buckets':[2,1]}]}",
            ".families[0] at line 1, column 52: histogram x: buckets [2, 1] must be finite and"
                + " strictly increasing (+Inf is implicit)"),
        arguments(
            HEAD + "{'name':'x','type':'histogram','buckets':[1,'2']}]}",
            ".families[0].buckets[1] at line 1, column 96: expected a number, got \"2\""),
        arguments(
            HEAD + "{'name':'x','type':'summary','objectives':{'0.5':2}}]}",
            ".families[0] at line 1, column 52: summary x: objective error 2.0 of quantile 0.5"
                + " must be between 0.001 and 1"),
        arguments(
            HEAD + "{'name':'x','type':'summary','objectives':{'half':0.1}}]}",
            ".families[0].objectives at line 1, column 52: objective quantile \"half\" is not a"
                + " number"),
        arguments(
            HEAD + "{'name':'x','type':'summary','objectives':{'0.5':'a'}}]}",
            ".families[0].objectives.\"0.5\" at line 1, column 101: expected a number, got \"a\""),
        arguments(
            HEAD + "{'name':'x','type':'gauge','help':'a\\ud800b'}]}",
            ".families[0] at line 1, column 52: gauge x: help text: lone surrogate \\ud800 at index"
                + " 1 is invalid Unicode"),
        arguments(
            HEAD + "{'name':'x','type':'gauge'},{'name':'x','type':'gauge'}]}",
            ".families[1] at line 1, column 80: gauge x: the family is in the file twice"),
        arguments(
            HEAD + "{'name':'x','type':'counter'},{'name':'x_total','type':'gauge'}]}",
            ".families[1] at line 1, column 82: x_total: conflicting metric types, existing:"
                + " counter x, new: gauge"),
        arguments(
            HEAD + "{'name':'x','type':'histogram'},{'name':'x_bucket','type':'gauge'}]}",
            ".families[1] at line 1, column 84: x_bucket: conflicting metric types, existing:"
                + " histogram x, new: gauge"),
        arguments(
            HEAD + "{'name':'pushprom_deltas_applied','type':'counter'}]}",
            ".families[0] at line 1, column 52: counter pushprom_deltas_applied: name is taken"
                + " by another collector of the registry: the application's own, or pushprom's"
                + " telemetry"),
        arguments(
            HEAD + "{'name':'x','type':'gauge','series':{}}]}",
            ".families[0].series at line 1, column 88: \"series\" must be an array, got an object"),
        arguments(
            oneSeries("counter", "{'labels':{},'value':-1,'updated':0}"),
            ".families[0].series[0] at line 1, column 91: counter x: negative increment -1 is not"
                + " allowed"),
        arguments(
            oneSeries("counter", "{'labels':{},'value':1e999,'updated':0}"),
            ".families[0].series[0] at line 1, column 91: counter x: value Infinity is not"
                + " finite"),
        arguments(
            oneSeries("gauge", "{'labels':{},'value':NaN,'updated':0}"),
            "malformed JSON at line 1, column 113: Non-standard token 'NaN': enable"
                + " `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"),
        arguments(
            oneSeries("gauge", "{'labels':{},'value':'NaN','updated':0}"),
            ".families[0].series[0].value at line 1, column 110: expected a number, got \"NaN\""),
        arguments(
            oneSeries("gauge", "{'labels':{},'value':-Infinity,'updated':0}"),
            "malformed JSON at line 1, column 119: Non-standard token '-Infinity': enable"
                + " `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"),
        arguments(
            oneSeries("gauge", "{'labels':{},'updated':0}"),
            ".families[0].series[0] at line 1, column 89: \"value\" is missing or null"),
        arguments(
            oneSeries("gauge", "{'labels':{},'value':null,'updated':0}"),
            ".families[0].series[0] at line 1, column 89: \"value\" is missing or null"),
        arguments(
            oneSeries("gauge", "{'value':1,'updated':0}"),
            ".families[0].series[0] at line 1, column 89: \"labels\" is missing or null"),
        arguments(
            oneSeries("gauge", "{'labels':{},'value':1}"),
            ".families[0].series[0] at line 1, column 89: \"updated\" is missing or null"),
        arguments(
            oneSeries("gauge", "{'labels':{},'value':1,'updated':1.5}"),
            ".families[0].series[0].updated at line 1, column 122: expected an integer, got 1.5"),
        arguments(
            oneSeries("gauge", "{'labels':{},'value':1,'updated':0,'count':1}"),
            ".families[0].series[0].count at line 1, column 133: unknown field \"count\""),
        arguments(
            oneSeries("gauge", "{'labels':{'a':1},'value':1,'updated':0}"),
            ".families[0].series[0].labels.a at line 1, column 104: expected a string, got 1"),
        arguments(
            oneSeries("gauge", "{'labels':{'a':'1','a':'2'},'value':1,'updated':0}"),
            ".families[0].series[0].labels at line 1, column 111: Duplicate field 'a'"),
        arguments(
            oneSeries("gauge", "{'labels':{'a':null},'value':1,'updated':0}"),
            ".families[0].series[0] at line 1, column 89: gauge x: label a has no value"),
        arguments(
            oneSeries("gauge", "{'labels':{'__name__':'y'},'value':1,'updated':0}"),
            ".families[0].series[0] at line 1, column 89: gauge x: label name __name__ is"
                + " reserved (it starts with __)"),
        arguments(
            oneSeries("gauge", "{'labels':{'a-b':'y'},'value':1,'updated':0}"),
            ".families[0].series[0] at line 1, column 89: gauge x: invalid label name \"a-b\","
                + " expected [a-zA-Z_][a-zA-Z0-9_]*"),
        arguments(
            oneSeries("gauge", "{'labels':{'a':'\\udc00'},'value':1,'updated':0}"),
            ".families[0].series[0] at line 1, column 89: gauge x: label a value: lone"
                + " surrogate \\udc00 at index 0 is invalid Unicode"),
        arguments(
            oneSeries(
                "gauge",
                "{'labels':{'a':'1'},'value':1,'updated':0},{'labels':{'a':'1'},'value':2,"
                    + "'updated':0}"),
            ".families[0].series[1] at line 1, column 132: gauge x: labels {a=1} are those of an"
                + " earlier series"),
        arguments(
            oneSeries("histogram", "{'labels':{'le':'1'},'bucketCounts':[],'sum':0,'updated':0}"),
            ".families[0].series[0] at line 1, column 93: histogram x: 0 bucket counts, expected"
                + " 12: one per bucket, +Inf last"),
        arguments(
            HEAD
                + "{'name':'x','type':'histogram','buckets':[1],'series':["
                + "{'labels':{'le':'1'},'bucketCounts':[0,0],'sum':0,'updated':0}]}]}",
            ".families[0].series[0] at line 1, column 107: histogram x: label name le is reserved"
                + " on a histogram"),
        arguments(
            HEAD
                + "{'name':'x','type':'histogram','buckets':[1],'series':["
                + "{'labels':{},'bucketCounts':[1,2,3],'sum':0,'updated':0}]}]}",
            ".families[0].series[0] at line 1, column 107: histogram x: 3 bucket counts, expected"
                + " 2: one per bucket, +Inf last"),
        arguments(
            HEAD
                + "{'name':'x','type':'histogram','buckets':[1],'series':["
                + "{'labels':{},'bucketCounts':[1,-2],'sum':0,'updated':0}]}]}",
            ".families[0].series[0] at line 1, column 107: histogram x: bucket count -2 is"
                + " negative"),
        arguments(
            HEAD
                + "{'name':'x','type':'histogram','buckets':[1],'series':["
                + "{'labels':{},'bucketCounts':[9223372036854775807,1],'sum':0,'updated':0}]}]}",
            ".families[0].series[0] at line 1, column 107: histogram x: bucket count 1 makes the"
                + " count exceed 2^63-1"),
        arguments(
            HEAD
                + "{'name':'x','type':'histogram','buckets':[1],'series':["
                + "{'labels':{},'bucketCounts':[1,99999999999999999999],'sum':0,'updated':0}]}]}",
            ".families[0].series[0].bucketCounts[1] at line 1, column 158: Numeric value"
                + " (99999999999999999999) out of range of long (-9223372036854775808 -"
                + " 9223372036854775807)"),
        arguments(
            HEAD
                + "{'name':'x','type':'histogram','buckets':[1],'series':["
                + "{'labels':{},'bucketCounts':[1,null],'sum':0,'updated':0}]}]}",
            ".families[0].series[0].bucketCounts[1] at line 1, column 138: expected an integer,"
                + " got null"),
        arguments(
            HEAD
                + "{'name':'x','type':'histogram','buckets':[1],'series':["
                + "{'labels':{},'bucketCounts':[1,0],'sum':1e999,'updated':0}]}]}",
            ".families[0].series[0] at line 1, column 107: histogram x: value Infinity is not"
                + " finite"),
        arguments(
            HEAD
                + "{'name':'x','type':'histogram','buckets':[1],'series':["
                + "{'labels':{},'value':1,'updated':0}]}]}",
            ".families[0].series[0].value at line 1, column 142: unknown field \"value\""),
        arguments(
            oneSeries("summary", "{'labels':{},'count':-1,'sum':0,'updated':0}"),
            ".families[0].series[0] at line 1, column 91: summary x: count -1 is negative"),
        arguments(
            oneSeries("summary", "{'labels':{},'count':1.0,'sum':0,'updated':0}"),
            ".families[0].series[0].count at line 1, column 112: expected an integer, got 1.0"),
        arguments(
            oneSeries("summary", "{'labels':{},'count':99999999999999999999,'sum':0,'updated':0}"),
            ".families[0].series[0].count at line 1, column 132: Numeric value"
                + " (99999999999999999999) out of range of long (-9223372036854775808 -"
                + " 9223372036854775807)"),
        arguments(
            oneSeries("counter", "{'labels':{},'value':1,'updated':0}").replace("]}]}", ""),
            "truncated at line 1, column 126"));
  }

  @ParameterizedTest
  @MethodSource
  void badFiles(String singleQuotedText, String problem) throws IOException {
    byte[] bytes = json(singleQuotedText).getBytes(StandardCharsets.UTF_8);
    Files.write(file, bytes);

    StateFileException e =
        assertThrows(StateFileException.class, () -> StateFile.load(file, Aggregator.create()));

    assertEquals("state file " + file + ": " + problem, e.getMessage());
    assertArrayEquals(bytes, Files.readAllBytes(file));
  }

  @Test
  void fileTruncatedInTheMiddleIsRefused() throws IOException {
    for (int i = 0; i < 100; i++) {
      apply(
          "{'type':'gauge','name':'g','method':'set','value':"
              + i
              + ",'labels':{'i':'"
              + i
              + "'}}");
    }
    StateFile.write(aggregator, file);
    byte[] whole = Files.readAllBytes(file);
    byte[] half = java.util.Arrays.copyOf(whole, whole.length / 2);
    Files.write(file, half);

    StateFileException e =
        assertThrows(StateFileException.class, () -> StateFile.load(file, Aggregator.create()));

    assertTrue(
        e.getMessage()
            .matches("state file \\Q" + file + "\\E: truncated at line \\d+, column \\d+"),
        e.getMessage());
    assertArrayEquals(half, Files.readAllBytes(file));
  }

  @Test
  void fileNotInUtf8IsRefused() throws IOException {
    byte[] bytes =
        json(oneSeries("gauge", "{'labels':{'a':'\u00ff'},'value':1,'updated':0}"))
            .getBytes(StandardCharsets.ISO_8859_1);
    Files.write(file, bytes);

    StateFileException e =
        assertThrows(StateFileException.class, () -> StateFile.load(file, Aggregator.create()));

    assertEquals(
        "state file "
            + file
            + ": .families[0].series[0].labels at line 1, column 106: Invalid UTF-8 start byte"
            + " 0xff",
        e.getMessage());
  }

  @Test
  void fileOverTheLimitsIsRefused() throws IOException {
    apply("{'type':'gauge','name':'g','method':'set','value':1,'labels':{'a':'1','b':'2'}}");
    StateFile.write(aggregator, file);
    Aggregator stricter = Aggregator.builder().limits(Limits.defaults().withMaxLabels(1)).build();

    StateFileException e =
        assertThrows(StateFileException.class, () -> StateFile.load(file, stricter));

    assertEquals(
        "state file "
            + file
            + ": .families[0].series[0] at line 3, column 1: gauge g: 2 label pairs exceed the"
            + " limit of 1",
        e.getMessage());
  }

  @Test
  void unreadableFileIsRefused() throws IOException {
    Files.createDirectory(file);

    StateFileException e =
        assertThrows(StateFileException.class, () -> StateFile.load(file, Aggregator.create()));

    assertTrue(
        e.getMessage().startsWith("state file " + file + ": cannot be read: "), e.getMessage());
  }

  @Test
  void writeReplacesTheFileAndLeavesNoTemporaryFile() throws IOException {
    Files.writeString(file, "the previous snapshot");
    apply("{'type':'gauge','name':'g','method':'set','value':1}");

    StateFile.write(aggregator, file);

    assertEquals(List.of(file), filesIn(directory));
    assertTrue(Files.readString(file).startsWith("{\"format\":\"pushprom-state\""));
  }

  @Test
  void writeReplacesATemporaryFileLeftByACrash() throws IOException {
    Files.writeString(directory.resolve("state.json.tmp"), "half a snaps");

    StateFile.write(aggregator, file);

    assertEquals(List.of(file), filesIn(directory));
  }

  @Test
  void failedWriteLeavesTheFileAsItWasAndNoTemporaryFile() throws IOException {
    // A directory that is not empty cannot be renamed over.
    Files.createDirectory(file);
    Files.writeString(file.resolve("inside"), "kept");

    assertThrows(IOException.class, () -> StateFile.write(aggregator, file));

    assertEquals(List.of(file), filesIn(directory));
    assertEquals("kept", Files.readString(file.resolve("inside")));
  }

  @Test
  void writeIntoAMissingDirectoryFails() {
    Path nowhere = directory.resolve("missing").resolve("state.json");

    assertThrows(IOException.class, () -> StateFile.write(aggregator, nowhere));

    assertFalse(Files.exists(nowhere.getParent()));
  }

  private static List<Path> filesIn(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.toList();
    }
  }

  @Test
  void writingWhileFourThreadsPushLoadsAStateOfSomeMomentPerSeries() throws Exception {
    int threads = 4;
    int seriesPerThread = 500;
    // Each thread owns its series, and only adds: a value can be bounded by two readings.
    ExecutorService pushers = Executors.newFixedThreadPool(threads);
    AtomicBoolean writing = new AtomicBoolean(true);
    List<Future<?>> pushing = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String thread = Integer.toString(t);
      pushing.add(
          pushers.submit(
              () -> {
                for (int round = 0; round == 0 || writing.get(); round++) {
                  for (int s = 0; s < seriesPerThread; s++) {
                    Map<String, String> labels = Map.of("thread", thread, "s", Integer.toString(s));
                    aggregator.apply(Delta.of(MetricType.COUNTER, "c", Method.INC, 0, labels));
                    aggregator.apply(
                        Delta.of(MetricType.HISTOGRAM, "h", Method.OBSERVE, 1, labels));
                    aggregator.apply(
                        Delta.of(MetricType.GAUGE, "g" + thread, Method.SET, round, labels));
                  }
                }
              }));
    }
    try {
      Map<String, Double> before = counts();
      while (before.size() < threads * seriesPerThread * 3) {
        before = counts(); // until every series exists
      }

      StateFile.write(aggregator, file);

      Map<String, Double> after = counts();
      writing.set(false);
      for (Future<?> each : pushing) {
        each.get();
      }
      Aggregator restored = Aggregator.create();
      StateFile.load(file, restored);
      for (String key : before.keySet()) {
        String[] parts = key.split(" ");
        Map<String, String> labels = Map.of("thread", parts[1], "s", parts[2]);
        double value =
            parts[0].equals("c")
                ? restored.value("c", labels).orElseThrow()
                : parts[0].equals("h")
                    ? restored.observations("h", labels).orElseThrow().count()
                    : restored.value(parts[0], labels).orElseThrow();
        assertTrue(
            before.get(key) <= value && value <= after.get(key),
            key + ": " + before.get(key) + " <= " + value + " <= " + after.get(key));
      }
    } finally {
      writing.set(false);
      pushers.shutdown();
      assertTrue(pushers.awaitTermination(10, TimeUnit.SECONDS));
    }
  }

  /** Every series' value or count, by {@code "name thread s"}. */
  private Map<String, Double> counts() {
    Map<String, Double> counts = new java.util.HashMap<>();
    for (Family family : aggregator.families()) {
      for (Series series : family.series()) {
        String key = family.name() + " " + series.key.values()[1] + " " + series.key.values()[0];
        counts.put(
            key,
            series instanceof ScalarSeries scalar
                ? scalar.value()
                : ((HistogramSeries) series).cumulativeCounts()[11] * 1.0);
      }
    }
    return counts;
  }
}
