package io.pushprom.core;

import static io.pushprom.core.DeltaTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.prometheus.client.CollectorRegistry;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LimitsTest {
  private static final Limits SMALL =
      Limits.defaults()
          .withMaxLabels(2)
          .withMaxLabelValueLength(5)
          .withMaxNameLength(10)
          .withMaxHelpLength(8)
          .withMaxBuckets(3)
          .withMaxObjectives(2);

  /** A gauge delta named trees with {@code labels} labels named l0, l1, ... */
  private static String withLabels(int labels, boolean reversed) {
    StringBuilder json =
        new StringBuilder("{\"type\":\"gauge\",\"name\":\"trees\",\"method\":\"inc\",\"labels\":{");
    for (int i = 0; i < labels; i++) {
      int n = reversed ? labels - 1 - i : i;
      json.append(i == 0 ? "" : ",").append("\"l").append(n).append("\":\"v").append(n).append('"');
    }
    return json.append("}}").toString();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void defaultsAreTheMeasuredOnes() {
    Limits limits = Limits.defaults();

    assertEquals(
        List.of(64, 1024, 256, 4096, 128, 16, 100_000),
        List.of(
            limits.maxLabels(),
            limits.maxLabelValueLength(),
            limits.maxNameLength(),
            limits.maxHelpLength(),
            limits.maxBuckets(),
            limits.maxObjectives(),
            limits.maxDeltasPerBody()));
    assertEquals(
        "Limits[maxLabels=64, maxLabelValueLength=1024, maxNameLength=256, maxHelpLength=4096,"
            + " maxBuckets=128, maxObjectives=16, maxDeltasPerBody=100000]",
        limits.toString());
  }

  @Test
  void eachLimitChangesAlone() {
    assertEquals(
        "Limits[maxLabels=2, maxLabelValueLength=5, maxNameLength=10, maxHelpLength=8,"
            + " maxBuckets=3, maxObjectives=2, maxDeltasPerBody=100000]",
        SMALL.toString());
    assertEquals(Limits.defaults(), Limits.defaults().withMaxLabels(64));
    assertEquals(Limits.defaults().hashCode(), Limits.defaults().withMaxBuckets(128).hashCode());
    assertNotEquals(Limits.defaults(), SMALL);
    assertNotEquals(Limits.defaults(), "limits");
  }

  static Stream<Arguments> nonPositive() {
    return Stream.of(
        arguments((IntFunction<Limits>) Limits.defaults()::withMaxLabels, "maxLabels"),
        arguments(
            (IntFunction<Limits>) Limits.defaults()::withMaxLabelValueLength,
            "maxLabelValueLength"),
        arguments((IntFunction<Limits>) Limits.defaults()::withMaxNameLength, "maxNameLength"),
        arguments((IntFunction<Limits>) Limits.defaults()::withMaxHelpLength, "maxHelpLength"),
        arguments((IntFunction<Limits>) Limits.defaults()::withMaxBuckets, "maxBuckets"),
        arguments((IntFunction<Limits>) Limits.defaults()::withMaxObjectives, "maxObjectives"));
  }

  @ParameterizedTest
  @MethodSource("nonPositive")
  void rejectsLimitsThatAreNotPositive(IntFunction<Limits> with, String name) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with.apply(0));

    assertEquals(name + ": 0 is not allowed, must be positive", e.getMessage());
  }

  static Stream<Arguments> overLimits() {
    return Stream.of(
        arguments(
            "{'type':'gauge','name':'trees','method':'inc','labels':{'a':'1','b':'2','c':'3'}}",
            "gauge trees: 3 label pairs exceed the limit of 2"),
        arguments(
            "{'type':'gauge','name':'trees','method':'inc','labels':{'a':'123456'}}",
            "gauge trees: label a: value of 6 characters exceeds the limit of 5"),
        arguments(
            "{'type':'gauge','name':'trees','method':'inc','labels':{'a':123456}}",
            "gauge trees: label a: value of 6 characters exceeds the limit of 5"),
        arguments(
            "{'type':'gauge','name':'trees','method':'inc','labels':{'abcdefghijk':'1'}}",
            "gauge trees: label name abcdefghijk of 11 characters exceeds the limit of 10"),
        arguments(
            "{'type':'gauge','name':'abcdefghijk','method':'inc'}",
            "gauge abcdefghijk: metric name of 11 characters exceeds the limit of 10"),
        arguments(
            "{'type':'gauge','name':'trees','method':'inc','help':'123456789'}",
            "gauge trees: help text of 9 characters exceeds the limit of 8"),
        arguments(
            "{'type':'histogram','name':'h','method':'observe','value':1,'buckets':[1,2,3,4]}",
            "histogram h: 4 buckets exceed the limit of 3"),
        arguments(
            "{'type':'summary','name':'s','method':'observe','value':1,"
                + "'objectives':{'0.5':0.05,'0.9':0.01,'0.99':0.001}}",
            "summary s: 3 objectives exceed the limit of 2"));
  }

  @ParameterizedTest
  @MethodSource("overLimits")
  void parserRefusesDeltasOverTheLimits(String singleQuoted, String message) {
    Aggregator aggregator = Aggregator.builder().limits(SMALL).build();

    IngestResult result = aggregator.ingestAll(Transport.HTTP, bytes(json(singleQuoted)));

    assertEquals(List.of(new Rejection(0, Reason.INVALID, message)), result.rejections());
    InvalidDeltaException e =
        assertThrows(InvalidDeltaException.class, () -> Delta.parse(json(singleQuoted), SMALL));
    assertEquals(message, e.getMessage());
  }

  @ParameterizedTest
  @MethodSource("overLimits")
  void applyRefusesJavaDeltasOverTheLimitsWithTheSameMessage(String singleQuoted, String message) {
    Delta delta = Delta.parse(json(singleQuoted)); // within the defaults
    Aggregator aggregator = Aggregator.builder().limits(SMALL).build();

    InvalidDeltaException e =
        assertThrows(InvalidDeltaException.class, () -> aggregator.apply(delta));

    assertEquals(message, e.getMessage());
    assertEquals(Reason.INVALID, e.reason());
    assertEquals(0, e.getStackTrace().length, "an invalid delta costs no stack trace");
  }

  @Test
  void longNamesAreCutShortInMessages() {
    String name = "n".repeat(300);
    IngestResult result =
        Aggregator.create()
            .ingestAll(
                Transport.HTTP,
                bytes(json("{'type':'gauge','name':'" + name + "','method':'inc'}")));

    assertEquals(
        "gauge " + "n".repeat(48) + "...: metric name of 300 characters exceeds the limit of 256",
        result.rejections().get(0).message());
  }

  @Test
  void refusesAMillionLabelsQuicklyWithTheDefaults() {
    byte[] body = bytes(withLabels(1_000_000, false));
    Aggregator aggregator = Aggregator.create();

    IngestResult result = aggregator.ingestEach(Transport.UDP, body, 0, body.length);

    assertEquals(
        List.of(
            new Rejection(
                0, Reason.INVALID, "gauge trees: 1000000 label pairs exceed the limit of 64")),
        result.rejections());
  }

  @Test
  void appliesOneHundredThousandReversedLabelsWhenAllowed() {
    byte[] body = bytes(withLabels(100_000, true));
    Aggregator aggregator =
        Aggregator.builder().limits(Limits.defaults().withMaxLabels(100_000)).build();

    IngestResult result = aggregator.ingestAll(Transport.HTTP, body);

    assertEquals(new IngestResult(1, 1, List.of()), result);
    Map<String, String> labels = new HashMap<>();
    for (int i = 0; i < 100_000; i++) {
      labels.put("l" + i, "v" + i);
    }
    assertEquals(
        1.0,
        aggregator
            .registry()
            .getSampleValue(
                "trees",
                labels.keySet().stream().sorted().toArray(String[]::new),
                labels.keySet().stream().sorted().map(labels::get).toArray(String[]::new)));
  }

  @Test
  void httpRefusesTheWholeBatchUdpTheOverLimitDeltaOnly() {
    String body =
        json("{'type':'gauge','name':'a','method':'inc'}\n")
            + withLabels(3, false)
            + "\n"
            + json("{'type':'gauge','name':'b','method':'inc'}");
    Aggregator http = Aggregator.builder().limits(SMALL).build();
    Aggregator udp = Aggregator.builder().limits(SMALL).build();

    IngestResult all = http.ingestAll(Transport.HTTP, bytes(body));
    IngestResult each = udp.ingestEach(Transport.UDP, bytes(body), 0, bytes(body).length);

    Rejection tooMany =
        new Rejection(1, Reason.INVALID, "gauge trees: 3 label pairs exceed the limit of 2");
    assertEquals(new IngestResult(3, 0, List.of(tooMany)), all);
    assertEquals(new IngestResult(3, 2, List.of(tooMany)), each);
    assertEquals(null, http.registry().getSampleValue("a"));
    assertEquals(1.0, udp.registry().getSampleValue("b"));
  }

  @Test
  void builderTakesTheRegistryAndLimits() {
    CollectorRegistry registry = new CollectorRegistry();

    Aggregator aggregator = Aggregator.builder().registry(registry).limits(SMALL).build();

    assertSame(registry, aggregator.registry());
    assertSame(SMALL, aggregator.limits());
    assertSame(Limits.defaults(), Aggregator.create().limits());
    assertSame(Limits.defaults(), Aggregator.create(new CollectorRegistry()).limits());
    assertThrows(NullPointerException.class, () -> Aggregator.builder().limits(null));
  }

  @Test
  void longTextsAreCutShortInMessages() {
    String text = "x".repeat(100_000);
    byte[] body =
        bytes(
            json(
                "{'type':'"
                    + text
                    + "','name':'a'}\n{'type':'gauge','name':'a','method':'"
                    + text
                    + "'}\n{'type':'gauge','name':'a','method':'set','value':'"
                    + text
                    + "'}"));

    IngestResult result = Aggregator.create().ingestEach(Transport.UDP, body, 0, body.length);

    String cut = "x".repeat(48) + "...";
    assertEquals(
        List.of(
            "a: unknown type \"" + cut + "\", expected counter, gauge, histogram or summary",
            "gauge a: unknown method \"" + cut + "\", expected inc, dec, add, sub, set",
            "gauge a: value must be a number, got a string \"" + cut + "\""),
        result.rejections().stream().map(Rejection::message).toList());
  }

  /** {@code count} inc deltas of counter c, one per line, then {@code tail} as the last line. */
  private static byte[] ndjson(int count) {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < count; i++) {
      body.append("{\"type\":\"counter\",\"name\":\"c\",\"method\":\"inc\"}\n");
    }
    return bytes(body.toString());
  }

  @Test
  void bodyOverTheDeltaLimitIsRefusedWholeOverHttpWithOneReasonForTheRest() {
    Aggregator aggregator =
        Aggregator.builder().limits(Limits.defaults().withMaxDeltasPerBody(3)).build();

    IngestResult atLimit = aggregator.ingestAll(Transport.HTTP, ndjson(3));
    IngestResult overLimit = aggregator.ingestAll(Transport.HTTP, ndjson(1_000));

    assertTrue(atLimit.ok());
    assertEquals(
        List.of(
            new Rejection(
                3,
                Reason.INVALID,
                "body: more than 3 deltas, the limit; the rest was not read; send smaller"
                    + " batches")),
        overLimit.rejections());
    assertEquals(3.0, aggregator.registry().getSampleValue("c_total"));
  }

  @Test
  void datagramOverTheDeltaLimitHasItsFirstDeltasApplied() {
    Aggregator aggregator =
        Aggregator.builder().limits(Limits.defaults().withMaxDeltasPerBody(3)).build();
    byte[] body =
        bytes("[" + "{\"type\":\"counter\",\"name\":\"c\",\"method\":\"inc\"},".repeat(9) + "{}]");

    IngestResult result = aggregator.ingestEach(Transport.UDP, body, 0, body.length);

    assertEquals(3, result.applied());
    assertEquals(1, result.rejections().size());
    assertEquals(3.0, aggregator.registry().getSampleValue("c_total"));
  }

  @Test
  void aMillionEmptyObjectsCostOneRejectionPastTheLimit() {
    Aggregator aggregator = Aggregator.create();
    byte[] body = bytes("{}\n".repeat(1_000_000));

    IngestResult result = aggregator.ingestAll(Transport.HTTP, body);

    assertEquals(100_001, result.rejections().size());
    assertEquals(
        "body: more than 100000 deltas, the limit; the rest was not read; send smaller batches",
        result.rejections().get(100_000).message());
  }
}
