package io.pushprom.core;

import static io.pushprom.core.DeltaTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Input Jackson refuses is the client's error: a malformed rejection, never an exception. */
class MalformedInputTest {
  private static final String A = json("{'type':'gauge','name':'a','method':'inc'}");
  private static final String B = json("{'type':'gauge','name':'b','method':'inc'}");
  private static final String DEEP = "[".repeat(100_000);
  private static final String LONG_NUMBER =
      json("{'type':'gauge','name':'a','method':'set','value':" + "1".repeat(5000) + "}");

  private Aggregator aggregator;

  @BeforeEach
  void createAggregator() {
    aggregator = Aggregator.create();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private IngestResult ingestEach(byte[] body) {
    return aggregator.ingestEach(Transport.UDP, body, 0, body.length);
  }

  private static String onlyMalformed(IngestResult result) {
    assertEquals(1, result.rejections().size(), result.rejections().toString());
    Rejection rejection = result.rejections().get(0);
    assertEquals(Reason.MALFORMED, rejection.reason(), rejection.message());
    return rejection.message();
  }

  @Test
  void nestingTooDeepIsMalformedWithItsPlace() {
    String message = onlyMalformed(aggregator.ingestAll(Transport.HTTP, bytes(DEEP)));

    // Jackson words it differently from version to version (.ci/jackson-min runs the oldest).
    assertTrue(
        message.startsWith("malformed JSON at line 1, column 1002: ")
            && message.toLowerCase(Locale.ROOT).contains("depth (1001) exceeds the maximum allowed")
            && message.contains("(1000"),
        message);
    InvalidDeltaException e = assertThrows(InvalidDeltaException.class, () -> Delta.parse(DEEP));
    assertEquals(message, e.getMessage());
  }

  @Test
  void numberOfFiveThousandDigitsIsMalformed() {
    String message = onlyMalformed(aggregator.ingestAll(Transport.HTTP, bytes(LONG_NUMBER)));

    assertTrue(
        message.startsWith("malformed JSON at line 1, column ")
            && message.contains("length (5000) exceeds the maximum")
            && message.contains("(1000"),
        message);
  }

  @Test
  void stringOverJacksonsMaximumIsMalformed() {
    byte[] body = new byte[30_000_000];
    Arrays.fill(body, (byte) 'x');
    byte[] start = bytes(json("{'type':'gauge','name':'a','method':'inc','help':'"));
    System.arraycopy(start, 0, body, 0, start.length);
    body[body.length - 2] = '"';
    body[body.length - 1] = '}';

    String message = onlyMalformed(ingestEach(body));

    // 20,000,000 characters since Jackson 2.15.1; 2.15.0 allowed 5,000,000.
    assertTrue(message.contains("String") && message.contains("exceeds the maximum"), message);
  }

  @Test
  void truncatedInputIsMalformedWithLineAndColumn() {
    String message =
        onlyMalformed(aggregator.ingestAll(Transport.HTTP, bytes(json("{'type':'gauge','name':"))));

    assertTrue(message.startsWith("malformed JSON at line 1, column 24: "), message);
  }

  static IntStream everyByte() {
    return IntStream.range(0, 256);
  }

  @ParameterizedTest
  @MethodSource("everyByte")
  void everyOneByteBodyIsMalformed(int value) {
    byte[] body = {(byte) value};

    String each = onlyMalformed(ingestEach(body));
    String all = onlyMalformed(aggregator.ingestAll(Transport.HTTP, body));

    assertFalse(each.isEmpty());
    assertEquals(each, all);
  }

  @Test
  void udpAppliesTheValidLinesAroundHostileOnes() {
    byte[] body = bytes(String.join("\n", A, DEEP, LONG_NUMBER, "{\"type\":\"gau", B));

    IngestResult result = ingestEach(body);

    assertEquals(2, result.applied());
    assertEquals(
        List.of(Reason.MALFORMED, Reason.MALFORMED, Reason.MALFORMED),
        result.rejections().stream().map(Rejection::reason).toList());
    assertEquals(List.of(1, 2, 3), result.rejections().stream().map(Rejection::index).toList());
    assertTrue(result.rejections().get(0).message().startsWith("malformed JSON at line 2, "));
    assertEquals(1.0, aggregator.registry().getSampleValue("a"));
    assertEquals(1.0, aggregator.registry().getSampleValue("b"));
    assertEquals(
        3.0,
        aggregator
            .registry()
            .getSampleValue(
                "pushprom_deltas_rejected_total",
                new String[] {"transport", "reason"},
                new String[] {"udp", "malformed"}));
  }

  @Test
  void udpAppliesTheDeltasOfAnArrayBeforeTooDeepANesting() {
    IngestResult result = ingestEach(bytes("[" + A + "," + DEEP));

    assertEquals(1, result.applied());
    assertEquals(Reason.MALFORMED, result.rejections().get(0).reason());
    assertEquals(1.0, aggregator.registry().getSampleValue("a"));
  }

  @Test
  void httpRefusesTheWholeBodyAroundHostileLines() {
    IngestResult result =
        aggregator.ingestAll(Transport.HTTP, bytes(String.join("\n", A, DEEP, B)));

    assertEquals(0, result.applied());
    assertEquals(null, aggregator.registry().getSampleValue("a"));
  }
}
