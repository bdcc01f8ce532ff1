package io.pushprom.transport;

import static io.pushprom.transport.Deltas.inc;
import static io.pushprom.transport.Deltas.json;
import static io.pushprom.transport.Samples.awaitValue;
import static io.pushprom.transport.Samples.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.prometheus.client.CollectorRegistry;
import io.pushprom.core.Aggregator;
import io.pushprom.core.Limits;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The limits of {@link Limits}, set small, as a client meets them: over HTTP a delta over a limit
 * gets {@code 400} naming it and one at the limit {@code 200}; over UDP it is counted as invalid
 * while the deltas beside it are applied.
 */
class LimitsOverHttpTest {
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);
  private static final int MAX_REQUEST_BYTES = 1000;

  private Aggregator aggregator;
  private CollectorRegistry registry;
  private HttpListener http;

  @BeforeEach
  void start() throws Exception {
    aggregator =
        Aggregator.builder()
            .limits(
                Limits.defaults()
                    .withMaxLabels(2)
                    .withMaxLabelValueLength(5)
                    .withMaxNameLength(10)
                    .withMaxHelpLength(8)
                    .withMaxBuckets(3)
                    .withMaxObjectives(2)
                    .withMaxDeltasPerBody(3))
            .build();
    registry = aggregator.registry();
    http =
        HttpListener.builder(aggregator)
            .address(ANY_PORT)
            .maxRequestBytes(MAX_REQUEST_BYTES)
            .start();
  }

  @AfterEach
  void stop() {
    http.close();
  }

  /** The limit, a delta just over it, what the answer says, and the same delta at the limit. */
  static Stream<Arguments> overAndAtLimit() {
    return Stream.of(
        Arguments.of(
            "labels",
            json("{'type':'counter','name':'c','method':'inc','labels':{'a':'1','b':'2','d':'3'}}"),
            "counter c: 3 label pairs exceed the limit of 2",
            json("{'type':'counter','name':'c','method':'inc','labels':{'a':'1','b':'2'}}")),
        Arguments.of(
            "label value length",
            json("{'type':'counter','name':'c','method':'inc','labels':{'k':'abcdef'}}"),
            "counter c: label k: value of 6 characters exceeds the limit of 5",
            json("{'type':'counter','name':'c','method':'inc','labels':{'k':'abcde'}}")),
        Arguments.of(
            "label value length, in UTF-16 units",
            // Three emoji are six UTF-16 units (and twelve bytes); é and two emoji are five.
            json("{'type':'counter','name':'c','method':'inc','labels':{'k':'😀😀😀'}}"),
            "counter c: label k: value of 6 characters exceeds the limit of 5",
            json("{'type':'counter','name':'c','method':'inc','labels':{'k':'é😀😀'}}")),
        Arguments.of(
            "metric name length",
            json("{'type':'counter','name':'abcdefghijk','method':'inc'}"),
            "counter abcdefghijk: metric name of 11 characters exceeds the limit of 10",
            json("{'type':'counter','name':'abcdefghij','method':'inc'}")),
        Arguments.of(
            "label name length",
            json("{'type':'counter','name':'c','method':'inc','labels':{'abcdefghijk':'v'}}"),
            "counter c: label name abcdefghijk of 11 characters exceeds the limit of 10",
            json("{'type':'counter','name':'c','method':'inc','labels':{'abcdefghij':'v'}}")),
        Arguments.of(
            "help length",
            json("{'type':'counter','name':'c','help':'123456789','method':'inc'}"),
            "counter c: help text of 9 characters exceeds the limit of 8",
            json("{'type':'counter','name':'c','help':'12345678','method':'inc'}")),
        Arguments.of(
            "buckets",
            json(
                "{'type':'histogram','name':'h','method':'observe','value':1,"
                    + "'buckets':[1,2,3,4]}"),
            "histogram h: 4 buckets exceed the limit of 3",
            json("{'type':'histogram','name':'h','method':'observe','value':1,'buckets':[1,2,3]}")),
        Arguments.of(
            "objectives",
            json(
                "{'type':'summary','name':'s','method':'observe','value':1,"
                    + "'objectives':{'0.5':0.05,'0.9':0.01,'0.99':0.001}}"),
            "summary s: 3 objectives exceed the limit of 2",
            json(
                "{'type':'summary','name':'s','method':'observe','value':1,"
                    + "'objectives':{'0.5':0.05,'0.9':0.01}}")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("overAndAtLimit")
  void deltaOverALimitIsRefusedNamingItAndOneAtTheLimitIsApplied(
      String limit, String over, String message, String atLimit) throws Exception {
    HttpResponse<String> refused = Http.post(http.port(), "/", over);

    assertEquals(400, refused.statusCode(), refused.body());
    assertEquals(message + "\n", refused.body());
    assertEquals(
        1.0,
        value(
            registry, "pushprom_deltas_rejected_total", "transport", "http", "reason", "invalid"));

    HttpResponse<String> applied = Http.post(http.port(), "/", atLimit);

    assertEquals(200, applied.statusCode(), applied.body());
    assertEquals("ok", applied.body());
    assertEquals(1.0, value(registry, "pushprom_deltas_applied_total", "transport", "http"));
  }

  @Test
  void bodyOfMoreDeltasThanTheLimitIsRefusedAndOneAtTheLimitIsApplied() throws Exception {
    String three = inc("c") + "\n" + inc("c") + "\n" + inc("c");

    HttpResponse<String> refused = Http.post(http.port(), "/", three + "\n" + inc("c"));

    assertEquals(400, refused.statusCode(), refused.body());
    assertEquals(
        "delta 3: body: more than 3 deltas, the limit; the rest was not read;"
            + " send smaller batches\n",
        refused.body());
    assertNull(value(registry, "c_total"));

    HttpResponse<String> applied = Http.post(http.port(), "/", three);

    assertEquals(200, applied.statusCode(), applied.body());
    assertEquals(3.0, value(registry, "c_total"));
  }

  @Test
  void bodyOverTheRequestLimitIsRefusedAndOneAtTheLimitIsApplied() throws Exception {
    // White space after a delta is part of the body, and of no delta.
    String atLimit = inc("c") + " ".repeat(MAX_REQUEST_BYTES - inc("c").length());

    HttpResponse<String> tooLarge = Http.post(http.port(), "/", atLimit + " ");

    assertEquals(413, tooLarge.statusCode());
    assertEquals("body too large: over 1000 bytes; send smaller batches\n", tooLarge.body());
    assertNull(value(registry, "c_total"));

    HttpResponse<String> applied = Http.post(http.port(), "/", atLimit);

    assertEquals(200, applied.statusCode(), applied.body());
    assertEquals(1.0, value(registry, "c_total"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("overAndAtLimit")
  void deltaOverALimitOverUdpIsCountedAndTheValidOneBesideItApplied(
      String limit, String over, String message, String atLimit) throws Exception {
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
        UdpSender sender = UdpSender.to(udp.port())) {
      sender.send(over + "\n" + inc("ok"));

      // Counted after the datagram's valid deltas are applied.
      awaitValue(
          registry, 1.0, "pushprom_deltas_rejected_total", "transport", "udp", "reason", "invalid");
      assertEquals(1.0, value(registry, "ok_total"));
      assertEquals(1.0, value(registry, "pushprom_deltas_applied_total", "transport", "udp"));
    }
  }

  @Test
  void datagramOfMoreDeltasThanTheLimitHasTheFirstOnesApplied() throws Exception {
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
        UdpSender sender = UdpSender.to(udp.port())) {
      sender.send(String.join("\n", inc("ok"), inc("ok"), inc("ok"), inc("ok"), inc("ok")));

      awaitValue(
          registry, 1.0, "pushprom_deltas_rejected_total", "transport", "udp", "reason", "invalid");
      assertEquals(3.0, value(registry, "ok_total"));
    }
  }
}
