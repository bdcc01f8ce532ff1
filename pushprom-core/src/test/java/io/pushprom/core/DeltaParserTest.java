package io.pushprom.core;

import static io.pushprom.core.DeltaTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Body shapes, read through the public entry points: one delta, an array, NDJSON. */
class DeltaParserTest {
  private static final String A = "{'type':'gauge','name':'a','method':'set','value':1}";
  private static final String B = "{'type':'gauge','name':'b','method':'set','value':2}";
  private static final String C = "{'type':'gauge','name':'c','method':'set','value':3}";

  private Aggregator aggregator;

  @BeforeEach
  void createAggregator() {
    aggregator = Aggregator.create();
  }

  private IngestResult ingestEach(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return aggregator.ingestEach(Transport.UDP, bytes, 0, bytes.length);
  }

  private IngestResult ingestAll(String body) {
    return aggregator.ingestAll(Transport.HTTP, body.getBytes(StandardCharsets.UTF_8));
  }

  private Double value(String name) {
    return aggregator.registry().getSampleValue(name);
  }

  private static String messages(IngestResult result) {
    return result.rejections().toString();
  }

  @Test
  void readsOneDelta() {
    IngestResult result = ingestAll(json(A));

    assertEquals(new IngestResult(1, 1, List.of()), result);
    assertEquals(1.0, value("a"));
  }

  /**
   * Short plain ASCII strings are read from the bytes and the others by Jackson: either way each
   * field holds the text as JSON means it, read twice as once (the second time from the cache).
   */
  @ParameterizedTest
  @MethodSource("stringsAsWritten")
  void readsStringsAsJsonMeansThem(String written, String meant) {
    String body =
        json("{'type':'counter','name':'n','help':'%s','method':'inc','labels':{'l':'%s'}}")
            .formatted(written, written);
    for (int time = 0; time < 2; time++) {
      Delta delta = Delta.parse(body);

      assertEquals(meant, delta.help());
      // A label whose value is empty is left out.
      assertEquals(meant, delta.labels().getOrDefault("l", ""));
    }
  }

  static Stream<Arguments> stringsAsWritten() {
    return Stream.of(
        arguments("GET", "GET"),
        arguments("", ""),
        arguments("a b~\u007f", "a b~\u007f"),
        arguments("say \\\"hi\\\"", "say \"hi\""),
        arguments("back\\\\slash", "back\\slash"),
        arguments("\\u0041BC", "ABC"),
        arguments("caf\u00e9", "caf\u00e9"),
        arguments("x".repeat(256), "x".repeat(256)),
        arguments("x".repeat(257), "x".repeat(257)),
        arguments("y".repeat(300) + "\\n", "y".repeat(300) + "\n"));
  }

  @ParameterizedTest
  @CsvSource({"counter,inc", "c\\u006funter,\\u0069nc"})
  void readsTypeAndMethodHoweverWritten(String type, String method) {
    Delta delta =
        Delta.parse(json("{'type':'%s','name':'n','method':'%s'}").formatted(type, method));

    assertEquals(MetricType.COUNTER, delta.type());
    assertEquals(Method.INC, delta.method());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0000fffe", "feff0000", "003c0000", "00003c00"})
  void bytesJacksonTakesForUtf32AreMalformed(String hex) {
    byte[] body = HexFormat.of().parseHex(hex);

    IngestResult result = aggregator.ingestEach(Transport.UDP, body, 0, body.length);

    assertEquals(1, result.rejections().size());
    assertEquals(Reason.MALFORMED, result.rejections().get(0).reason());
    assertTrue(messages(result).startsWith("[delta 0: malformed JSON: "), messages(result));
  }

  @Test
  void readsJsonArray() {
    IngestResult result = ingestAll(json("[" + A + "," + B + "," + C + "]"));

    assertEquals(new IngestResult(3, 3, List.of()), result);
    assertEquals(List.of(1.0, 2.0, 3.0), List.of(value("a"), value("b"), value("c")));
  }

  @Test
  void readsPrettyPrintedJsonArray() {
    String body =
        """
        [
          {
            "type": "gauge",
            "name": "a",
            "method": "set",
            "value": 1
          },
          {
            "type": "gauge",
            "name": "b",
            "method": "set",
            "value": 2
          }
        ]
        """;

    assertEquals(new IngestResult(2, 2, List.of()), ingestAll(body));
    assertEquals(2.0, value("b"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"\n", "\r\n", "\n\n", " \n\t"})
  void readsNdjsonWithAnyLineBreak(String lineBreak) {
    String body = json(A) + lineBreak + json(B) + lineBreak + json(C) + lineBreak;

    assertEquals(new IngestResult(3, 3, List.of()), ingestAll(body));
    assertEquals(List.of(1.0, 2.0, 3.0), List.of(value("a"), value("b"), value("c")));
  }

  @Test
  void readsNdjsonWithoutFinalLineBreak() {
    assertEquals(new IngestResult(2, 2, List.of()), ingestAll(json(A + "\n" + B)));
  }

  @Test
  void readsLinesThatAreArrays() {
    IngestResult result = ingestAll(json("[" + A + "," + B + "]\n" + C + "\n[]"));

    assertEquals(new IngestResult(3, 3, List.of()), result);
  }

  static Stream<Arguments> malformedLines() {
    return Stream.of(
        arguments("not json at all", 2, "Unrecognized token 'not'"),
        arguments("{'type':'gauge',,'name':'x'}", 2, "double-quote to start field name"),
        arguments("{'type':'gauge','name':'b", 2, "Illegal unquoted character"),
        arguments("{'type'}", 2, "was expecting a colon"),
        arguments("}", 2, "Unexpected close marker"),
        // Cut short: the parser notices on the next line, which must still be read.
        arguments("{'type':'gauge','name':'b','method':'set','value':2", 3, "expecting comma"),
        arguments("{'type':'gauge','name':'b','method':'set',", 3, "to start field name"),
        arguments("{'type':'gauge','labels':{'a':'b'", 3, "expecting comma"));
  }

  @ParameterizedTest
  @MethodSource("malformedLines")
  void malformedLineMidNdjsonLosesOnlyThatLine(String line, int reportedLine, String problem) {
    IngestResult result = ingestEach(json(A + "\n" + line + "\n" + C + "\n"));

    assertEquals(3, result.received(), messages(result));
    assertEquals(2, result.applied(), messages(result));
    assertEquals(1, result.rejections().size(), messages(result));
    Rejection rejection = result.rejections().get(0);
    assertEquals(1, rejection.index());
    assertEquals(Reason.MALFORMED, rejection.reason());
    assertTrue(
        rejection.message().startsWith("malformed JSON at line " + reportedLine + ", column "),
        messages(result));
    assertTrue(rejection.message().contains(problem), messages(result));
    assertEquals(1.0, value("a"));
    assertEquals(3.0, value("c"));
  }

  @Test
  void malformedFirstAndLastLinesLoseOnlyThemselves() {
    IngestResult result = ingestEach(json("{oops\n" + B + "\n{'type':"));

    assertEquals(3, result.received(), messages(result));
    assertEquals(1, result.applied());
    assertEquals(List.of(0, 2), result.rejections().stream().map(Rejection::index).toList());
    assertTrue(
        result.rejections().get(1).message().startsWith("malformed JSON at line 3, column "),
        messages(result));
    assertEquals(2.0, value("b"));
  }

  @Test
  void neverReadsADeltaTwiceAfterMalformedJson() {
    String add = "{'type':'gauge','name':'x','method':'add','value':1}";
    String body = json("[\n" + add + ",\n" + add + " " + add + "\n]\n" + add + "}\n" + add);

    IngestResult result = ingestEach(body);

    // The stray ] after the broken array is the rest of that rejection, not one of its own.
    assertEquals(List.of(2, 4), result.rejections().stream().map(Rejection::index).toList());
    assertEquals(result.applied(), value("x"));
    assertEquals(4.0, value("x"), messages(result));
  }

  @Test
  void oneBrokenPrettyPrintedObjectIsOneRejection() {
    String body =
        json(
            """
            {
              'type': 'gauge',
              'name': 'x' 'method': 'set',
              'value': 1,
              'labels': {'a': 'b'}
            }
            {'type':'gauge','name':'y','method':'set','value':2}
            """);

    IngestResult result = ingestEach(body);

    assertEquals(List.of(0), result.rejections().stream().map(Rejection::index).toList());
    assertEquals(Reason.MALFORMED, result.rejections().get(0).reason());
    assertEquals(2, result.received());
    assertEquals(2.0, value("y"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\n", "\r\n\r\n", "\t \n "})
  void rejectsEmptyBody(String body) {
    IngestResult result = ingestAll(body);

    assertEquals(0, result.applied());
    assertEquals(
        List.of(
            new Rejection(
                0,
                Reason.MALFORMED,
                "empty body: expected a delta, a JSON array of deltas or one delta per line")),
        result.rejections());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {"42 | a number", "'gophers' | a string", "null | null", "true | a boolean"})
  void rejectsTopLevelValueThatIsNotAnObject(String value, String kind) {
    IngestResult result = ingestEach(json(value));

    assertEquals(
        List.of(new Rejection(0, Reason.MALFORMED, "delta: expected a JSON object, got " + kind)),
        result.rejections());
  }

  @Test
  void rejectsArrayElementsThatAreNotObjectsAndAppliesTheRest() {
    IngestResult result = ingestEach(json("[" + A + ", 7, ['nested'], 'x', " + C + "]"));

    assertEquals(5, result.received());
    assertEquals(2, result.applied());
    assertEquals(
        List.of(
            new Rejection(1, Reason.MALFORMED, "delta: expected a JSON object, got a number"),
            new Rejection(2, Reason.MALFORMED, "delta: expected a JSON object, got an array"),
            new Rejection(3, Reason.MALFORMED, "delta: expected a JSON object, got a string")),
        result.rejections());
    assertEquals(3.0, value("c"));
  }

  @Test
  void invalidDeltaInNdjsonIsRejectedByIndexAndTheOthersApplied() {
    String body =
        json(
            A
                + "\n{'type':'counter','name':'gophers','method':'add','value':-1}\n"
                + "{'type':'gauge','name':'c','method':'set','value':'3'}\n"
                + B);

    IngestResult result = ingestEach(body);

    assertEquals(4, result.received());
    assertEquals(2, result.applied());
    assertEquals(
        List.of(
            new Rejection(
                1, Reason.INVALID, "counter gophers: negative increment -1 is not allowed"),
            new Rejection(
                2, Reason.INVALID, "gauge c: value must be a number, got a string \"3\"")),
        result.rejections());
    assertNull(value("gophers_total"));
    assertNull(value("c"));
    assertEquals(2.0, value("b"));
  }

  @Test
  void appliesExactPhpPayloadsAsNdjson() {
    String body =
        """
        {"type":"gauge","name":"fish_in_the_sea","help":"we eat fish and new fish is born",\
        "labels":{"species":"Thalassoma noronhanum"},"value":2000.0,"method":"set"}
        {"type":"counter","name":"gophers","help":"little burrowing rodents","labels":{},\
        "method":"inc"}
        {"type":"histogram","name":"lat","help":"latency","labels":{},"value":12.0,\
        "method":"observe","buckets":[]}
        {"type":"summary","name":"sz","help":"size","labels":{"k":"7"},"value":1.5,\
        "method":"observe"}
        """;

    IngestResult result = ingestAll(body);

    assertEquals(new IngestResult(4, 4, List.of()), result);
    assertEquals(
        2000.0,
        aggregator
            .registry()
            .getSampleValue(
                "fish_in_the_sea",
                new String[] {"species"},
                new String[] {"Thalassoma noronhanum"}));
    assertEquals(1.0, value("gophers_total"));
    assertEquals(1.0, value("lat_count"));
    assertEquals(12.0, value("lat_sum"));
    assertEquals(
        1.5,
        aggregator.registry().getSampleValue("sz_sum", new String[] {"k"}, new String[] {"7"}));
  }

  @Test
  void labelValueKindsReachTheSeries() {
    IngestResult result =
        ingestAll(
            json(
                "{'type':'counter','name':'http_requests','method':'inc',"
                    + "'labels':{'code':200,'ratio':1.50,'cached':true,'path':'\\/a'}}"));

    assertTrue(result.ok(), messages(result));
    assertEquals(
        1.0,
        aggregator
            .registry()
            .getSampleValue(
                "http_requests_total",
                new String[] {"cached", "code", "path", "ratio"},
                new String[] {"true", "200", "/a", "1.50"}));
  }

  @Test
  void readsOnlyTheGivenSliceOfTheBuffer() {
    byte[] buffer = json("garbage" + A + "\n" + B + "garbage").getBytes(StandardCharsets.UTF_8);
    int offset = "garbage".length();
    int length = buffer.length - 2 * offset;

    IngestResult all = aggregator.ingestAll(Transport.HTTP, buffer, offset, length);

    assertEquals(new IngestResult(2, 2, List.of()), all);
    assertEquals(2.0, value("b"));
  }

  @Test
  void reportsMalformedLineNumbersFromTheStartOfTheSlice() {
    byte[] buffer = json("xx\n" + A + "\n{bad\n").getBytes(StandardCharsets.UTF_8);

    IngestResult result = aggregator.ingestEach(Transport.UDP, buffer, 3, buffer.length - 3);

    assertEquals(1, result.applied());
    assertTrue(
        result.rejections().get(0).message().startsWith("malformed JSON at line 2, column "),
        messages(result));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{\"type\":\"counter\",\"name\":\"plain\",\"method\":\"inc\"}",
        "{\"type\":\"counter\",\"name\":\"through_jackson\",\"help\":\"caf\u00e9\","
            + "\"method\":\"inc\"}"
      })
  void theThreadThatParsedABodyDoesNotKeepIt(String body) throws InterruptedException {
    WeakReference<byte[]> kept = parsed(body);

    // Each of up to 2,000 workers keeping the largest body it read would fill any heap.
    for (int i = 0; i < 100 && kept.get() != null; i++) {
      System.gc();
      Thread.sleep(10);
    }
    assertNull(kept.get(), "the body's bytes are still reachable after the parse");
  }

  /** Parses {@code body} in a frame of its own, which holds it no longer once returned. */
  private static WeakReference<byte[]> parsed(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    assertEquals(1, DeltaParser.parse(bytes, 0, bytes.length, Limits.defaults()).size());
    return new WeakReference<>(bytes);
  }
}
