package io.pushprom.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Texts that are not well-formed Unicode are refused, never rewritten. */
class UnicodeTest {
  private Aggregator aggregator;

  @BeforeEach
  void createAggregator() {
    aggregator = Aggregator.create();
  }

  /** A delta whose label path has {@code hex} bytes between {@code before} and {@code after}. */
  private static byte[] labelValue(String before, String hex, String after) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(
        ("{\"type\":\"gauge\",\"name\":\"trees\",\"method\":\"inc\",\"labels\":{\"path\":\""
                + before)
            .getBytes(StandardCharsets.UTF_8));
    body.writeBytes(HexFormat.of().parseHex(hex));
    body.writeBytes((after + "\"}}").getBytes(StandardCharsets.UTF_8));
    return body.toByteArray();
  }

  private IngestResult ingestEach(byte[] body) {
    return aggregator.ingestEach(Transport.UDP, body, 0, body.length);
  }

  private Double trees(String path) {
    return aggregator
        .registry()
        .getSampleValue("trees", new String[] {"path"}, new String[] {path});
  }

  @ParameterizedTest
  @CsvSource({
    "\\ud800, d800, 0",
    "\\udfff, dfff, 0",
    "\\ud800x, d800, 0",
    "a\\udc00\\ud800, dc00, 1",
    "\\ud83d\\ude00\\ude00, de00, 2"
  })
  void rejectsEscapedLoneSurrogates(String escaped, String unit, int index) {
    IngestResult result = ingestEach(labelValue(escaped, "", ""));

    assertEquals(
        List.of(
            new Rejection(
                0,
                Reason.INVALID,
                "gauge trees: label path value: lone surrogate \\u"
                    + unit
                    + " at index "
                    + index
                    + " is invalid Unicode")),
        result.rejections());
  }

  @ParameterizedTest
  @CsvSource({
    "c0af, c0", // overlong /
    "c1bf, c1",
    "e080af, e0", // overlong, three bytes
    "f08080af, f0", // overlong, four bytes
    "eda080, ed", // a high surrogate, as CESU-8 writes it
    "eda0bdedb880, ed", // a CESU-8 pair
    "f4908080, f4", // past U+10FFFF
    "f5808080, f5",
  })
  void rejectsUtf8ThatJacksonDecodes(String hex, String first) {
    IngestResult result = ingestEach(labelValue("a", hex, ""));

    assertEquals(
        List.of(
            new Rejection(
                0,
                Reason.INVALID,
                "gauge trees: label path value: byte 0x"
                    + first
                    + " at offset 65 of the body starts no well-formed UTF-8 sequence (overlong,"
                    + " surrogate, past U+10FFFF or cut short)")),
        result.rejections());
  }

  @ParameterizedTest
  @CsvSource({"f8", "fe", "ff", "80", "bf", "c3", "e282", "f09f98"})
  void jacksonRejectsOtherBadBytesAsMalformed(String hex) {
    IngestResult result = ingestEach(labelValue("a", hex, ""));

    assertEquals(Reason.MALFORMED, result.rejections().get(0).reason());
    assertTrue(
        result.rejections().get(0).message().contains("Invalid UTF-8"),
        result.rejections().get(0).message());
  }

  @Test
  void rejectsBadBytesInHelpTextsAndReadsFromTheGivenOffset() {
    byte[] delta =
        "xx{\"type\":\"gauge\",\"name\":\"trees\",\"method\":\"inc\",\"help\":\"é"
            .getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(delta);
    body.writeBytes(HexFormat.of().parseHex("eda080"));
    body.writeBytes("\"}".getBytes(StandardCharsets.UTF_8));
    byte[] bytes = body.toByteArray();

    IngestResult result = aggregator.ingestEach(Transport.UDP, bytes, 2, bytes.length - 2);

    assertEquals(
        "gauge trees: help text: byte 0xed at offset 56 of the body starts no well-formed UTF-8"
            + " sequence (overlong, surrogate, past U+10FFFF or cut short)",
        result.rejections().get(0).message());
  }

  static Stream<Arguments> wellFormed() {
    return Stream.of(
        arguments("c3a9", "é"),
        arguments("e697a5e69cac", "日本"),
        arguments("f09f9880", "\ud83d\ude00"),
        arguments("f48fbfbf", "\udbff\udfff"),
        arguments("ee8080", "\ue000"));
  }

  @ParameterizedTest
  @MethodSource("wellFormed")
  void acceptsWellFormedText(String hex, String text) {
    IngestResult result = ingestEach(labelValue("", hex, ""));

    assertEquals(List.of(), result.rejections());
    assertEquals(1.0, trees(text));
  }

  @Test
  void escapedAndRawEmojiAreOneSeries() {
    ingestEach(labelValue("", "f09f9880", ""));
    ingestEach(labelValue("\\ud83d\\ude00", "", ""));

    assertEquals(2.0, trees("\ud83d\ude00"));
  }

  @Test
  void javaDeltasWithLoneSurrogatesAreInvalid() {
    InvalidDeltaException label =
        assertThrows(
            InvalidDeltaException.class,
            () -> Delta.of(MetricType.GAUGE, "trees", Method.INC, 0, Map.of("path", "a\ud800")));
    InvalidDeltaException help =
        assertThrows(
            InvalidDeltaException.class,
            () -> new Delta(MetricType.GAUGE, "trees", "\udfff", Method.INC, 0, null, null, null));

    assertEquals(
        "gauge trees: label path value: lone surrogate \\ud800 at index 1 is invalid Unicode",
        label.getMessage());
    assertEquals(
        "gauge trees: help text: lone surrogate \\udfff at index 0 is invalid Unicode",
        help.getMessage());
  }

  @Test
  void parseRefusesJavaTextWithALoneSurrogate() {
    InvalidDeltaException e =
        assertThrows(
            InvalidDeltaException.class,
            () ->
                Delta.parse(
                    "{\"type\":\"gauge\",\"name\":\"trees\",\"method\":\"inc\",\"help\":\"\ud800\"}"));

    assertEquals(Reason.MALFORMED, e.reason());
    assertEquals(
        "delta: the JSON text has a lone surrogate, which is invalid Unicode", e.getMessage());
  }
}
