package io.pushprom.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RecentRejectionsTest {
  private static final String GOOD =
      "{\"type\":\"gauge\",\"name\":\"trees\",\"method\":\"set\",\"value\":1}";
  private static final String NEGATIVE =
      "{\"type\":\"counter\",\"name\":\"gophers\",\"method\":\"add\",\"value\":-1}";

  private final Aggregator aggregator = Aggregator.create();

  private IngestResult each(String body, String source) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return aggregator.ingestEach(Transport.UDP, bytes, 0, bytes.length, () -> source);
  }

  private IngestResult all(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return aggregator.ingestAll(Transport.HTTP, bytes, 0, bytes.length, () -> "10.0.0.7:41234");
  }

  static Stream<Arguments> texts() {
    return Stream.of(
        arguments("one delta", NEGATIVE, List.of(NEGATIVE)),
        arguments("padded", "\n  " + NEGATIVE + " \n", List.of(NEGATIVE)),
        arguments("in an array", "[" + GOOD + ",\n " + NEGATIVE + "]", List.of(NEGATIVE)),
        arguments(
            "NDJSON, a broken line",
            GOOD + "\n{\"type\":\"gauge\",\"name\":\n" + GOOD,
            List.of("{\"type\":\"gauge\",\"name\":")),
        arguments("not JSON", "hello world", List.of("hello world")),
        arguments("not an object", "[" + GOOD + ", 42]", List.of("42")),
        arguments("an empty body", "  ", List.of("")),
        arguments(
            "a conflict with an earlier delta of the batch",
            GOOD + "\n{\"type\":\"counter\",\"name\":\"trees\",\"method\":\"inc\"}",
            List.of("{\"type\":\"counter\",\"name\":\"trees\",\"method\":\"inc\"}")),
        arguments(
            "non-ASCII",
            "{\"type\":\"gauge\",\"name\":\"bäume\",\"method\":\"set\",\"value\":1}",
            List.of("{\"type\":\"gauge\",\"name\":\"bäume\",\"method\":\"set\",\"value\":1}")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("texts")
  void keepsTheTextOfEachRejectedDeltaAsSent(String name, String body, List<String> texts) {
    each(body, "192.0.2.1:5000");
    List<String> kept = new ArrayList<>();
    aggregator.recentRejections().forEach(rejected -> kept.add(0, rejected.text()));
    assertEquals(texts, kept);
  }

  @Test
  void namesTransportSourceReasonAndMessage() {
    all("[" + GOOD + "," + NEGATIVE + "]");
    RejectedDelta rejected = aggregator.recentRejections().get(0);
    assertEquals(Transport.HTTP, rejected.transport());
    assertEquals("10.0.0.7:41234", rejected.source());
    assertEquals(Reason.INVALID, rejected.reason());
    assertEquals("counter gophers: negative increment -1 is not allowed", rejected.message());
    assertEquals(NEGATIVE, rejected.text());
    // The valid delta of the batch rejected whole is counted, not listed.
    assertEquals(1, aggregator.recentRejections().size());
  }

  @Test
  void anUnnamedSourceIsEmpty() {
    aggregator.ingestAll(Transport.HTTP, NEGATIVE.getBytes(StandardCharsets.UTF_8));
    assertEquals("", aggregator.recentRejections().get(0).source());
  }

  @Test
  void keepsTheLastHundredNewestFirst() {
    for (int i = 0; i < 250; i++) {
      each("garbage " + i, "192.0.2.1:" + i);
    }
    List<RejectedDelta> kept = aggregator.recentRejections();
    assertEquals(100, kept.size());
    assertEquals("garbage 249", kept.get(0).text());
    assertEquals("garbage 150", kept.get(99).text());
    assertEquals("192.0.2.1:150", kept.get(99).source());
    assertTrue(kept.get(0).time().compareTo(kept.get(99).time()) >= 0);
  }

  @Test
  void keepsTheLastHundredOfOneBody() {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 1_000; i++) {
      body.append("{\"type\":\"gauge\",\"name\":\"g").append(i).append("\",\"method\":\"set\"}\n");
    }
    all(body.toString());
    List<RejectedDelta> kept = aggregator.recentRejections();
    assertEquals(100, kept.size());
    assertEquals("{\"type\":\"gauge\",\"name\":\"g999\",\"method\":\"set\"}", kept.get(0).text());
    assertEquals("{\"type\":\"gauge\",\"name\":\"g900\",\"method\":\"set\"}", kept.get(99).text());
  }

  @Test
  void cutsLongTextsToThreeHundredCharacters() {
    String help = "é".repeat(100_000);
    each(
        "{\"type\":\"counter\",\"name\":\"x\",\"help\":\""
            + help
            + "\",\"method\":\"add\",\"value\":-1}",
        "192.0.2.1:5000");
    String text = aggregator.recentRejections().get(0).text();
    assertEquals(RejectedDelta.MAX_TEXT + 1, text.length());
    assertTrue(text.startsWith("{\"type\":\"counter\",\"name\":\"x\",\"help\":\"éé"), text);
    assertTrue(text.endsWith("é…"), text);
  }

  @Test
  void neverCutsASurrogatePair() {
    String text =
        RecentRejections.text(("a" + "😀".repeat(200)).getBytes(StandardCharsets.UTF_8), 0, 801);
    assertEquals(RejectedDelta.MAX_TEXT, text.length());
    assertTrue(text.endsWith("😀…"), text);
  }

  @Test
  void readsMalformedUtf8AsReplacementCharacters() {
    byte[] body = {'{', (byte) 0xC0, (byte) 0xAF, '}'};
    aggregator.ingestEach(Transport.UDP, body, 0, body.length, () -> "192.0.2.1:5000");
    assertEquals("{\uFFFD\uFFFD}", aggregator.recentRejections().get(0).text());
  }

  @Test
  void overviewListsMetricsWithTheMostSeriesFirst() {
    all(
        "{\"type\":\"gauge\",\"name\":\"one\",\"help\":\"a"
            + " gauge\",\"method\":\"set\",\"value\":1}");
    for (int i = 0; i < 3; i++) {
      all(
          "{\"type\":\"counter\",\"name\":\"three_total\",\"method\":\"inc\",\"labels\":{\"i\":\""
              + i
              + "\"}}");
    }
    aggregator.remove("one", Map.of());
    List<MetricOverview> overview = aggregator.overview();
    assertEquals(2, overview.size());
    MetricOverview three = overview.get(0);
    assertEquals("three", three.name());
    assertEquals(MetricType.COUNTER, three.type());
    assertEquals("three_total", three.help());
    assertEquals(3, three.series());
    assertTrue(three.lastUpdate() != null);
    MetricOverview one = overview.get(1);
    assertEquals("one", one.name());
    assertEquals("a gauge", one.help());
    assertEquals(0, one.series());
    assertNull(one.lastUpdate());
  }
}
