package io.pushprom.core;

import static io.pushprom.core.DeltaTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** No delta makes a counter or gauge infinite: it is refused, and the series keeps its value. */
class FiniteValuesTest {
  private Aggregator aggregator;

  @BeforeEach
  void createAggregator() {
    aggregator = Aggregator.create();
  }

  private void apply(String singleQuoted) {
    aggregator.apply(Delta.parse(json(singleQuoted)));
  }

  private String rejectionOf(String singleQuoted) {
    Delta delta = Delta.parse(json(singleQuoted));
    InvalidDeltaException e =
        assertThrows(InvalidDeltaException.class, () -> aggregator.apply(delta));
    assertEquals(Reason.INVALID, e.reason());
    return e.getMessage();
  }

  private Double value(String name) {
    return aggregator.registry().getSampleValue(name);
  }

  @Test
  void refusesACounterAddThatWouldOverflow() {
    apply("{'type':'counter','name':'big','method':'add','value':1e308}");

    assertEquals(
        "counter big: adding 1.0E308 to 1.0E308 would make it infinite",
        rejectionOf("{'type':'counter','name':'big','method':'add','value':1e308}"));
    assertEquals(1e308, value("big_total"));
  }

  @ParameterizedTest
  @CsvSource({"histogram, lat_sum, lat_count", "summary, size_sum, size_count"})
  void refusesAnObservationThatWouldMakeTheSumInfinite(String type, String sum, String count) {
    String name = sum.substring(0, sum.indexOf('_'));
    String observe =
        "{'type':'" + type + "','name':'" + name + "','method':'observe','value':1.7e308}";
    apply(observe);

    assertEquals(
        type + " " + name + ": adding 1.7E308 to 1.7E308 would make its sum infinite",
        rejectionOf(observe));
    assertEquals(1.7e308, value(sum));
    assertEquals(1.0, value(count));
  }

  @ParameterizedTest
  @CsvSource({
    "1.7e308, add, 1e308, adding 1.0E308 to 1.7E308",
    "-1.7e308, sub, 1e308, subtracting 1.0E308 from -1.7E308",
    "-1.7e308, add, -1e308, adding -1.0E308 to -1.7E308",
    "1.7e308, sub, -1e308, subtracting -1.0E308 from 1.7E308",
  })
  void refusesAGaugeChangeThatWouldOverflow(
      String start, String method, String value, String change) {
    apply("{'type':'gauge','name':'g','method':'set','value':" + start + "}");

    assertEquals(
        "gauge g: " + change + " would make it infinite",
        rejectionOf("{'type':'gauge','name':'g','method':'" + method + "','value':" + value + "}"));
    assertEquals(Double.parseDouble(start), value("g"));
  }

  @Test
  void refusesAnInfiniteValueFromJson() {
    InvalidDeltaException e =
        assertThrows(
            InvalidDeltaException.class,
            () -> Delta.parse(json("{'type':'gauge','name':'g','method':'set','value':-1e400}")));

    assertEquals("gauge g: value -Infinity is not finite", e.getMessage());
  }

  @Test
  void keepsTheLargestValueWhenASmallAmountRoundsAway() {
    apply("{'type':'counter','name':'big','method':'add','value':1.7976931348623157e308}");
    apply("{'type':'counter','name':'big','method':'add','value':1e291}");

    assertEquals(Double.MAX_VALUE, value("big_total"));
    assertEquals(
        "counter big: adding 1.0E300 to 1.7976931348623157E308 would make it infinite",
        rejectionOf("{'type':'counter','name':'big','method':'add','value':1e300}"));
  }

  @Test
  void httpRefusesABatchWhoseDeltasOverflowTogether() {
    byte[] body =
        json("[{'type':'counter','name':'big','method':'add','value':1e308},"
                + "{'type':'counter','name':'big','method':'add','value':1e308}]")
            .getBytes(StandardCharsets.UTF_8);

    IngestResult result = aggregator.ingestAll(Transport.HTTP, body);

    assertEquals(
        List.of(
            new Rejection(
                1,
                Reason.INVALID,
                "counter big: adding 1.0E308 to 1.0E308 would make it infinite")),
        result.rejections());
    assertNull(value("big_total"));
  }

  @Test
  void udpAppliesTheDeltaThatFitsAndRefusesTheOther() {
    byte[] body =
        json("{'type':'counter','name':'big','method':'add','value':1e308}\n"
                + "{'type':'counter','name':'big','method':'add','value':1e308}")
            .getBytes(StandardCharsets.UTF_8);

    IngestResult result = aggregator.ingestEach(Transport.UDP, body, 0, body.length);

    assertEquals(1, result.applied());
    assertEquals(1e308, value("big_total"));
  }
}
