package io.pushprom.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class DeltaTest {

  /** Turns the single quotes of a readable JSON literal into double quotes. */
  static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  private static InvalidDeltaException rejectionOf(String singleQuotedJson) {
    return assertThrows(InvalidDeltaException.class, () -> Delta.parse(json(singleQuotedJson)));
  }

  @Test
  void parsesPhpGaugeSetPayload() {
    Delta delta =
        Delta.parse(
            """
            {"type":"gauge","name":"fish_in_the_sea","help":"we eat fish and new fish is born",\
            "labels":{"species":"Thalassoma noronhanum"},"value":2000.0,"method":"set"}""");

    assertEquals(MetricType.GAUGE, delta.type());
    assertEquals("fish_in_the_sea", delta.name());
    assertEquals("we eat fish and new fish is born", delta.help());
    assertEquals(Method.SET, delta.method());
    assertEquals(2000.0, delta.value());
    assertEquals(Map.of("species", "Thalassoma noronhanum"), delta.labels());
  }

  @Test
  void parsesPhpCounterIncWithoutValueAndEmptyLabels() {
    Delta delta =
        Delta.parse(
            """
            {"type":"counter","name":"gophers","help":"little burrowing rodents",\
            "labels":{},"method":"inc"}""");

    assertEquals(MetricType.COUNTER, delta.type());
    assertEquals(Method.INC, delta.method());
    assertEquals(1, delta.value());
    assertEquals(Map.of(), delta.labels());
  }

  @Test
  void parsesPhpHistogramWithEmptyBuckets() {
    Delta delta =
        Delta.parse(
            """
            {"type":"histogram","name":"lat","help":"latency","labels":{},"value":12.0,\
            "method":"observe","buckets":[]}""");

    assertEquals(MetricType.HISTOGRAM, delta.type());
    assertEquals(12.0, delta.value());
    assertEquals(List.of(), delta.buckets());
  }

  @Test
  void parsesPhpSummaryWithoutObjectives() {
    Delta delta =
        Delta.parse(
            """
            {"type":"summary","name":"sz","help":"size","labels":{"k":"7"},"value":1.5,\
            "method":"observe"}""");

    assertEquals(MetricType.SUMMARY, delta.type());
    assertEquals(1.5, delta.value());
    assertEquals(Map.of("k", "7"), delta.labels());
    assertEquals(Map.of(), delta.objectives());
  }

  @Test
  void parsesReadmeExample() {
    Delta delta =
        Delta.parse(
            json(
                "{'type':'gauge','name':'trees','help':'the amount of trees','method':'add',"
                    + "'value':3002,'labels':{'species':'araucaria','job':'bot'}}"));

    assertEquals(
        new Delta(
            MetricType.GAUGE,
            "trees",
            "the amount of trees",
            Method.ADD,
            3002,
            new TreeMap<>(Map.of("species", "araucaria", "job", "bot")),
            null,
            null),
        delta);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{'type':'gauge','name':'trees','method':'set','value':1}",
        "{'type':'gauge','name':'trees','help':'','method':'set','value':1}",
        "{'type':'gauge','name':'trees','help':null,'method':'set','value':1}"
      })
  void missingHelpIsEmpty(String singleQuotedJson) {
    assertEquals("", Delta.parse(json(singleQuotedJson)).help());
  }

  @Test
  void unescapesSlashesAsPhpWritesThem() {
    Delta delta =
        Delta.parse(
            """
            {"type":"gauge","name":"hits","help":"hits per path\\/route","method":"set",\
            "value":1,"labels":{"url":"http:\\/\\/example.com\\/a"}}""");

    assertEquals("hits per path/route", delta.help());
    assertEquals(Map.of("url", "http://example.com/a"), delta.labels());
  }

  @Test
  void ignoresUnknownFields() {
    Delta delta =
        Delta.parse(
            json(
                "{'type':'gauge','timestamp':1700000000,'name':'trees','method':'set',"
                    + "'value':4,'extra':{'nested':[1,{'deep':null}]},'host':'web1'}"));

    assertEquals(Delta.of(MetricType.GAUGE, "trees", Method.SET, 4, null), delta);
  }

  @ParameterizedTest
  @CsvSource({
    "counter, inc",
    "counter, add",
    "gauge, set",
    "gauge, inc",
    "gauge, dec",
    "gauge, add",
    "gauge, sub",
    "histogram, observe",
    "summary, observe"
  })
  void acceptsEveryMethodItsTypeAllows(String type, String method) {
    Delta delta =
        Delta.parse(json("{'type':'" + type + "','name':'m','method':'" + method + "','value':2}"));

    assertEquals(MetricType.fromJson(type), delta.type());
    assertEquals(Method.fromJson(method), delta.method());
  }

  static Stream<Arguments> disallowedMethods() {
    return Stream.of(
        arguments(
            "counter",
            "set",
            "counter m: method set is not allowed on a counter, expected inc, add"),
        arguments(
            "counter",
            "dec",
            "counter m: method dec is not allowed on a counter, expected inc, add"),
        arguments(
            "counter",
            "sub",
            "counter m: method sub is not allowed on a counter, expected inc, add"),
        arguments(
            "counter",
            "observe",
            "counter m: method observe is not allowed on a counter, expected inc, add"),
        arguments(
            "gauge",
            "observe",
            "gauge m: method observe is not allowed on a gauge, expected inc, dec, add, sub, set"),
        arguments(
            "histogram",
            "inc",
            "histogram m: method inc is not allowed on a histogram, expected observe"),
        arguments(
            "histogram",
            "set",
            "histogram m: method set is not allowed on a histogram, expected observe"),
        arguments(
            "summary",
            "add",
            "summary m: method add is not allowed on a summary, expected observe"),
        arguments(
            "summary",
            "dec",
            "summary m: method dec is not allowed on a summary, expected observe"));
  }

  @ParameterizedTest
  @MethodSource("disallowedMethods")
  void rejectsMethodTheTypeDoesNotAllow(String type, String method, String message) {
    InvalidDeltaException e =
        rejectionOf("{'type':'" + type + "','name':'m','method':'" + method + "','value':1}");

    assertEquals(message, e.getMessage());
    assertEquals(Reason.INVALID, e.reason());
  }

  @ParameterizedTest
  @ValueSource(strings = {"increment", "INC", "Set", ""})
  void rejectsUnknownMethodNamingItAndTheType(String method) {
    InvalidDeltaException e =
        rejectionOf("{'type':'gauge','name':'trees','method':'" + method + "','value':1}");

    assertEquals(
        "gauge trees: unknown method \"" + method + "\", expected inc, dec, add, sub, set",
        e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"Counter", "COUNTER", "untyped", "info", ""})
  void rejectsUnknownType(String type) {
    InvalidDeltaException e =
        rejectionOf("{'type':'" + type + "','name':'gophers','method':'inc'}");

    assertEquals(
        "gophers: unknown type \"" + type + "\", expected counter, gauge, histogram or summary",
        e.getMessage());
    assertEquals(Reason.INVALID, e.reason());
  }

  static Stream<Arguments> missingFields() {
    return Stream.of(
        arguments(
            "{'name':'gophers','method':'inc'}",
            "delta: missing type, expected counter, gauge, histogram or summary"),
        arguments("{'type':'gauge','method':'set','value':1}", "gauge: missing name"),
        arguments("{'type':'gauge','name':'','method':'set','value':1}", "gauge: missing name"),
        arguments(
            "{'type':'gauge','name':'trees','value':1}",
            "gauge trees: missing method, expected inc, dec, add, sub, set"),
        arguments(
            "{'type':'histogram','name':'lat','value':1}",
            "histogram lat: missing method, expected observe"));
  }

  @ParameterizedTest
  @MethodSource("missingFields")
  void rejectsMissingRequiredField(String singleQuotedJson, String message) {
    assertEquals(message, rejectionOf(singleQuotedJson).getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"1trees", "trees-total", "trees total", "árvores", "trees.count"})
  void rejectsInvalidMetricName(String name) {
    InvalidDeltaException e =
        rejectionOf("{'type':'gauge','name':'" + name + "','method':'set','value':1}");

    assertEquals(
        "gauge " + name + ": invalid metric name, expected [a-zA-Z_:][a-zA-Z0-9_:]*",
        e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"trees", "_trees", ":trees", "job:trees:rate5m", "Trees2"})
  void acceptsValidMetricName(String name) {
    assertEquals(name, Delta.of(MetricType.GAUGE, name, Method.SET, 1, null).name());
  }

  @Test
  void rejectsCounterNamedOnlyTotalSuffix() {
    InvalidDeltaException e =
        assertThrows(
            InvalidDeltaException.class,
            () -> Delta.of(MetricType.COUNTER, "_total", Method.INC, 0, null));

    assertEquals(
        "counter _total: a counter's name must not be only the _total suffix", e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({"-1, -1", "-0.5, -0.5", "-3002, -3002"})
  void rejectsNegativeCounterAdd(double value, String shown) {
    InvalidDeltaException e =
        assertThrows(
            InvalidDeltaException.class,
            () -> Delta.of(MetricType.COUNTER, "gophers", Method.ADD, value, null));

    assertEquals(
        "counter gophers: negative increment " + shown + " is not allowed", e.getMessage());
    assertEquals(Reason.INVALID, e.reason());
  }

  @Test
  void acceptsZeroCounterAdd() {
    assertEquals(0, Delta.of(MetricType.COUNTER, "gophers", Method.ADD, 0, null).value());
  }

  @ParameterizedTest
  @CsvSource({"set, -3", "add, -2.5", "sub, -1"})
  void acceptsNegativeGaugeValues(String method, double value) {
    assertEquals(
        value, Delta.of(MetricType.GAUGE, "trees", Method.fromJson(method), value, null).value());
  }

  @ParameterizedTest
  @CsvSource({"counter, inc", "gauge, inc", "gauge, dec"})
  void incAndDecIgnoreTheValue(String type, String method) {
    Delta withValue =
        Delta.parse(json("{'type':'" + type + "','name':'m','method':'" + method + "','value':7}"));
    Delta withoutValue =
        Delta.parse(json("{'type':'" + type + "','name':'m','method':'" + method + "'}"));
    Delta withNegative =
        Delta.of(MetricType.fromJson(type), "m", Method.fromJson(method), -5, null);

    assertEquals(1, withValue.value());
    assertEquals(withValue, withoutValue);
    assertEquals(1, withNegative.value());
  }

  @ParameterizedTest
  @CsvSource({
    "counter, add",
    "gauge, set",
    "gauge, add",
    "gauge, sub",
    "histogram, observe",
    "summary, observe"
  })
  void rejectsMissingValueWhereTheMethodNeedsOne(String type, String method) {
    String subject = type + " m: ";
    String expected = subject + "method " + method + " needs a value";

    assertEquals(
        expected,
        rejectionOf("{'type':'" + type + "','name':'m','method':'" + method + "'}").getMessage());
    assertEquals(
        expected,
        rejectionOf("{'type':'" + type + "','name':'m','method':'" + method + "','value':null}")
            .getMessage());
  }

  @Test
  void rejectsMissingValueBuiltAsNaN() {
    InvalidDeltaException e =
        assertThrows(
            InvalidDeltaException.class,
            () -> Delta.of(MetricType.GAUGE, "trees", Method.SET, Double.NaN, null));

    assertEquals("gauge trees: method set needs a value", e.getMessage());
  }

  static Stream<Arguments> nonNumericValues() {
    return Stream.of(
        arguments("'3'", "gauge trees: value must be a number, got a string \"3\""),
        arguments("'NaN'", "gauge trees: value must be a number, got a string \"NaN\""),
        arguments("true", "gauge trees: value must be a number, got a boolean"),
        arguments("[3]", "gauge trees: value must be a number, got an array"),
        arguments("{'v':3}", "gauge trees: value must be a number, got an object"));
  }

  @ParameterizedTest
  @MethodSource("nonNumericValues")
  void rejectsValueThatIsNotANumber(String value, String message) {
    InvalidDeltaException e =
        rejectionOf("{'type':'gauge','name':'trees','method':'set','value':" + value + "}");

    assertEquals(message, e.getMessage());
    assertEquals(Reason.INVALID, e.reason());
  }

  @ParameterizedTest
  @CsvSource({
    "gauge, set, 1e999, Infinity",
    "gauge, sub, -1e999, -Infinity",
    "counter, add, 1e999, Infinity",
    "histogram, observe, 1e999, Infinity"
  })
  void rejectsValueThatIsNotFinite(String type, String method, String value, String shown) {
    InvalidDeltaException e =
        rejectionOf(
            "{'type':'" + type + "','name':'m','method':'" + method + "','value':" + value + "}");

    assertEquals(type + " m: value " + shown + " is not finite", e.getMessage());
  }

  static Stream<Arguments> labelValueKinds() {
    return Stream.of(
        arguments("'araucaria'", "araucaria"),
        arguments("200", "200"),
        arguments("-3", "-3"),
        arguments("1.50", "1.50"),
        arguments("12.0", "12.0"),
        arguments("1e3", "1e3"),
        arguments("true", "true"),
        arguments("false", "false"),
        arguments("'São Paulo \\u00e9'", "São Paulo é"));
  }

  @ParameterizedTest
  @MethodSource("labelValueKinds")
  void keepsLabelValueAsItsJsonText(String value, String label) {
    Delta delta =
        Delta.parse(
            json(
                "{'type':'gauge','name':'trees','method':'set','value':1,'labels':{'k':"
                    + value
                    + "}}"));

    assertEquals(Map.of("k", label), delta.labels());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {"null | null", "{'a':'b'} | an object", "['a'] | an array", "[] | an array"})
  void rejectsLabelValueThatIsNotAScalar(String value, String kind) {
    InvalidDeltaException e =
        rejectionOf(
            "{'type':'gauge','name':'trees','method':'set','value':1,'labels':{'species':'x',"
                + "'code':"
                + value
                + "}}");

    assertEquals(
        "gauge trees: label code must be a string, number or boolean, got " + kind, e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {"'job=bot' | a string", "3 | a number", "true | a boolean"})
  void rejectsLabelsThatAreNotAnObject(String labels, String kind) {
    InvalidDeltaException e =
        rejectionOf(
            "{'type':'gauge','name':'trees','method':'set','value':1,'labels':" + labels + "}");

    assertEquals("gauge trees: labels must be an object, got " + kind, e.getMessage());
  }

  @Test
  void treatsNullLabelsAsNone() {
    assertEquals(
        Map.of(),
        Delta.parse(json("{'type':'gauge','name':'trees','method':'set','value':1,'labels':null}"))
            .labels());
  }

  @ParameterizedTest
  @ValueSource(strings = {"1job", "job-name", "job:name", "jób", "job name"})
  void rejectsInvalidLabelName(String label) {
    InvalidDeltaException e =
        assertThrows(
            InvalidDeltaException.class,
            () -> Delta.of(MetricType.GAUGE, "trees", Method.SET, 1, Map.of(label, "x")));

    assertEquals(
        "gauge trees: invalid label name \"" + label + "\", expected [a-zA-Z_][a-zA-Z0-9_]*",
        e.getMessage());
  }

  @Test
  void rejectsAnInvalidNameEveryTimeFromOneThread() {
    // The same instances each time, as the parser's string cache hands back a repeated name.
    String name = "trees-total";
    String label = "job-name";
    for (int i = 0; i < 3; i++) {
      assertEquals(
          "gauge trees-total: invalid metric name, expected [a-zA-Z_:][a-zA-Z0-9_:]*",
          assertThrows(
                  InvalidDeltaException.class,
                  () -> Delta.of(MetricType.GAUGE, name, Method.SET, 1, null))
              .getMessage());
      assertEquals(
          "gauge trees: invalid label name \"job-name\", expected [a-zA-Z_][a-zA-Z0-9_]*",
          assertThrows(
                  InvalidDeltaException.class,
                  () -> Delta.of(MetricType.GAUGE, "trees", Method.SET, 1, Map.of(label, "x")))
              .getMessage());
    }
  }

  @Test
  void aValidMetricNameIsStillCheckedAsALabelName() {
    String name = "job:trees";
    assertEquals(name, Delta.of(MetricType.GAUGE, name, Method.SET, 1, null).name());
    InvalidDeltaException e =
        assertThrows(
            InvalidDeltaException.class,
            () -> Delta.of(MetricType.GAUGE, name, Method.SET, 1, Map.of(name, "x")));
    assertEquals(
        "gauge job:trees: invalid label name \"job:trees\", expected [a-zA-Z_][a-zA-Z0-9_]*",
        e.getMessage());
  }

  @Test
  void readsEveryTypeAndMethodByItsJsonName() {
    for (MetricType type : MetricType.values()) {
      assertEquals(type, MetricType.fromJson(type.jsonName()));
    }
    for (Method method : Method.values()) {
      assertEquals(method, Method.fromJson(method.jsonName()));
    }
    assertEquals(null, MetricType.fromJson("Counter"));
    assertEquals(null, Method.fromJson(null));
  }

  @ParameterizedTest
  @ValueSource(strings = {"__name__", "__x", "__"})
  void rejectsLabelNameStartingWithTwoUnderscores(String label) {
    InvalidDeltaException e =
        rejectionOf(
            "{'type':'gauge','name':'trees','method':'set','value':1,'labels':{'"
                + label
                + "':'x'}}");

    assertEquals(
        "gauge trees: label name " + label + " is reserved (it starts with __)", e.getMessage());
  }

  @Test
  void cutsALongReservedLabelNameShortInItsMessage() {
    String label = "_".repeat(10_000);

    InvalidDeltaException e =
        assertThrows(
            InvalidDeltaException.class,
            () -> Delta.of(MetricType.GAUGE, "trees", Method.INC, 0, Map.of(label, "")));

    assertEquals(
        "gauge trees: label name " + "_".repeat(48) + "... is reserved (it starts with __)",
        e.getMessage());
  }

  @Test
  void rejectsLeLabelOnHistogram() {
    InvalidDeltaException e =
        rejectionOf(
            "{'type':'histogram','name':'lat','method':'observe','value':1,'labels':{'le':'1'}}");

    assertEquals("histogram lat: label name le is reserved on a histogram", e.getMessage());
  }

  @Test
  void leavesOutLabelsWithAnEmptyValueAsPrometheusDoes() {
    Delta delta =
        Delta.parse(
            json(
                "{'type':'gauge','name':'g','method':'inc','labels':{'job':'','zone':'eu','app':''}}"));

    assertEquals(Map.of("zone", "eu"), delta.labels());
    assertEquals(
        Map.of(), Delta.of(MetricType.GAUGE, "g", Method.INC, 0, Map.of("job", "")).labels());
  }

  @Test
  void checksALabelWithAnEmptyValueBeforeLeavingItOut() {
    assertEquals(
        "gauge g: label name __job is reserved (it starts with __)",
        rejectionOf("{'type':'gauge','name':'g','method':'inc','labels':{'__job':''}}")
            .getMessage());
    assertEquals(
        "histogram lat: label name le is reserved on a histogram",
        rejectionOf(
                "{'type':'histogram','name':'lat','method':'observe','value':1,'labels':{'le':''}}")
            .getMessage());
  }

  @Test
  void rejectsQuantileLabelOnSummary() {
    InvalidDeltaException e =
        rejectionOf(
            "{'type':'summary','name':'sz','method':'observe','value':1,"
                + "'labels':{'quantile':'0.5'}}");

    assertEquals("summary sz: label name quantile is reserved on a summary", e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({
    "gauge, set, le",
    "counter, inc, le",
    "summary, observe, le",
    "histogram, observe, quantile",
    "gauge, set, quantile"
  })
  void allowsLeAndQuantileWhereTheTypeDoesNotReserveThem(String type, String method, String label) {
    Delta delta =
        Delta.of(MetricType.fromJson(type), "m", Method.fromJson(method), 1, Map.of(label, "x"));

    assertEquals(Map.of(label, "x"), delta.labels());
  }

  @Test
  void labelOrderNeverMatters() {
    Delta one =
        Delta.parse(
            json(
                "{'type':'gauge','name':'trees','method':'set','value':1,"
                    + "'labels':{'species':'araucaria','job':'bot','zone':'south'}}"));
    Delta other =
        Delta.parse(
            json(
                "{'type':'gauge','name':'trees','method':'set','value':1,"
                    + "'labels':{'zone':'south','species':'araucaria','job':'bot'}}"));

    assertEquals(one, other);
    assertEquals(List.of("job", "species", "zone"), List.copyOf(one.labels().keySet()));
  }

  @Test
  void parsesBucketsAndObjectives() {
    Delta histogram =
        Delta.parse(
            json(
                "{'type':'histogram','name':'lat','method':'observe','value':1,"
                    + "'buckets':[-1,0,0.5,2]}"));
    Delta summary =
        Delta.parse(
            json(
                "{'type':'summary','name':'sz','method':'observe','value':1,"
                    + "'objectives':{'0.9':0.01,'0.5':0.05,'0.99':0.001}}"));

    assertEquals(List.of(-1.0, 0.0, 0.5, 2.0), histogram.buckets());
    assertEquals(Map.of(0.5, 0.05, 0.9, 0.01, 0.99, 0.001), summary.objectives());
  }

  static Stream<Arguments> invalidBuckets() {
    return Stream.of(
        arguments(
            "[1,1]",
            "histogram lat: buckets [1, 1] must be finite and strictly increasing (+Inf is"
                + " implicit)"),
        arguments(
            "[0.5,2,1]",
            "histogram lat: buckets [0.5, 2, 1] must be finite and strictly increasing"
                + " (+Inf is implicit)"),
        arguments(
            "[1,1e999]",
            "histogram lat: buckets [1, Infinity] must be finite and strictly increasing"
                + " (+Inf is implicit)"),
        arguments("['1']", "histogram lat: buckets[0] must be a number, got a string \"1\""),
        arguments("[1,true]", "histogram lat: buckets[1] must be a number, got a boolean"),
        arguments("{'a':1}", "histogram lat: buckets must be an array of numbers, got an object"),
        arguments("'1,2'", "histogram lat: buckets must be an array of numbers, got a string"));
  }

  @ParameterizedTest
  @MethodSource("invalidBuckets")
  void rejectsInvalidBuckets(String buckets, String message) {
    InvalidDeltaException e =
        rejectionOf(
            "{'type':'histogram','name':'lat','method':'observe','value':1,'buckets':"
                + buckets
                + "}");

    assertEquals(message, e.getMessage());
    assertEquals(Reason.INVALID, e.reason());
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "null"})
  void treatsEmptyOrNullBucketsAsUnset(String buckets) {
    Delta delta =
        Delta.parse(
            json(
                "{'type':'histogram','name':'lat','method':'observe','value':1,'buckets':"
                    + buckets
                    + "}"));

    assertEquals(List.of(), delta.buckets());
  }

  static Stream<Arguments> invalidObjectives() {
    return Stream.of(
        arguments("{'1.5':0.01}", "summary sz: objective quantile 1.5 must be between 0 and 1"),
        arguments("{'-0.5':0.01}", "summary sz: objective quantile -0.5 must be between 0 and 1"),
        arguments(
            "{'0.5':1.5}",
            "summary sz: objective error 1.5 of quantile 0.5 must be between 0.001 and 1"),
        // An error of 0 makes the estimator keep every observation: a client could slow it down.
        arguments(
            "{'0.5':0}",
            "summary sz: objective error 0.0 of quantile 0.5 must be between 0.001 and 1"),
        arguments(
            "{'0.99':0.0001}",
            "summary sz: objective error 1.0E-4 of quantile 0.99 must be between 0.001 and 1"),
        arguments("{'median':0.05}", "summary sz: objective quantile \"median\" is not a number"),
        arguments(
            "{'0.5':'0.05'}", "summary sz: objective 0.5 must be a number, got a string \"0.05\""),
        arguments(
            "[0.5]",
            "summary sz: objectives must be an object of quantile to error, got an array"));
  }

  @ParameterizedTest
  @MethodSource("invalidObjectives")
  void rejectsInvalidObjectives(String objectives, String message) {
    InvalidDeltaException e =
        rejectionOf(
            "{'type':'summary','name':'sz','method':'observe','value':1,'objectives':"
                + objectives
                + "}");

    assertEquals(message, e.getMessage());
  }

  @Test
  void parseRejectsMoreThanOneDelta() {
    InvalidDeltaException e =
        rejectionOf(
            "[{'type':'gauge','name':'a','method':'set','value':1},"
                + "{'type':'gauge','name':'b','method':'set','value':1}]");

    assertEquals("delta: expected one delta, got 2", e.getMessage());
  }

  @Test
  void parseRejectsMalformedJson() {
    InvalidDeltaException e = rejectionOf("{'type':'gauge','name':");

    assertEquals(Reason.MALFORMED, e.reason());
    assertTrue(e.getMessage().startsWith("malformed JSON at line 1, column "), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\n\n"})
  void parseRejectsEmptyText(String text) {
    InvalidDeltaException e = assertThrows(InvalidDeltaException.class, () -> Delta.parse(text));

    assertEquals(Reason.MALFORMED, e.reason());
    assertEquals(
        "empty body: expected a delta, a JSON array of deltas or one delta per line",
        e.getMessage());
  }

  @Test
  void labelsOfABuiltDeltaCannotBeChangedAfterwards() {
    Map<String, String> labels = new TreeMap<>(Map.of("job", "bot"));
    Delta delta = Delta.of(MetricType.GAUGE, "trees", Method.SET, 1, labels);
    labels.put("job", "human");

    assertEquals(Map.of("job", "bot"), delta.labels());
    assertThrows(UnsupportedOperationException.class, () -> delta.labels().put("x", "y"));
  }

  @Test
  void invalidDeltasCostNoStackTrace() {
    InvalidDeltaException invalid =
        assertThrows(
            InvalidDeltaException.class,
            () -> Delta.of(MetricType.COUNTER, "x", Method.ADD, -1, null));
    InvalidDeltaException quiet = InvalidDeltaException.quiet(Reason.INVALID, "x");

    assertEquals("counter x: negative increment -1 is not allowed", invalid.getMessage());
    assertEquals(0, invalid.getStackTrace().length);
    assertEquals(0, quiet.getStackTrace().length);
    assertTrue(new InvalidDeltaException(Reason.INVALID, "x").getStackTrace().length > 0);
  }

  @Test
  void describesASeriesAsTheExpositionWritesIt() {
    assertEquals(
        "trees{job=\"bot\",species=\"say \\\"oak\\\"\\n\\\\\"}",
        Delta.describe("trees", Map.of("species", "say \"oak\"\n\\", "job", "bot")));
  }
}
