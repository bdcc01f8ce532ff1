package io.pushprom.transport;

import static io.pushprom.transport.Deltas.inc;
import static io.pushprom.transport.Deltas.json;
import static io.pushprom.transport.Samples.awaitValue;
import static io.pushprom.transport.Samples.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.CollectorRegistry;
import io.pushprom.core.Aggregator;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UdpListenerTest {
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  private Aggregator aggregator;
  private CollectorRegistry registry;

  @BeforeEach
  void createAggregator() {
    aggregator = Aggregator.create();
    registry = aggregator.registry();
  }

  @Test
  void portZeroIsBoundToAFreePortThatIsReported() throws Exception {
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT)) {
      assertNotEquals(0, udp.port());
      assertEquals(udp.port(), udp.address().getPort());
      assertEquals("127.0.0.1", udp.address().getAddress().getHostAddress());
    }
  }

  @Test
  void builderAsksTheKernelForTheReceiveBufferAndAppliesThroughItsQueue() throws Exception {
    try (UdpListener udp =
            UdpListener.builder(aggregator)
                .address(ANY_PORT)
                .receiveBufferBytes(64 << 10)
                .queueBytes(UdpListener.MIN_QUEUE_BYTES)
                .start();
        UdpSender sender = UdpSender.to(udp.port())) {
      sender.send(inc("gophers"));

      awaitValue(registry, 1.0, "gophers_total");
      // Linux doubles what is asked for, for its own bookkeeping.
      double buffer =
          value(
              registry, "pushprom_udp_receive_buffer_bytes", "address", "127.0.0.1:" + udp.port());
      assertTrue(buffer >= 64 << 10 && buffer <= 128 << 10, "buffer: " + buffer);
    }
  }

  @Test
  void builderRefusesAQueueUnderTheMinimum() {
    UdpListener.Builder builder = UdpListener.builder(aggregator);

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> builder.queueBytes(1000));

    assertEquals("queue bytes: 1000 is less than the minimum of 262144", e.getMessage());
  }

  @Test
  void builderRefusesANonPositiveReceiveBuffer() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> UdpListener.builder(aggregator).receiveBufferBytes(0));

    assertEquals("receive buffer bytes: 0 is not positive", e.getMessage());
  }

  @Test
  void secondListenerOnTheSamePortIsRefused() throws Exception {
    try (UdpListener first = UdpListener.start(aggregator, ANY_PORT)) {
      InetSocketAddress taken = new InetSocketAddress("127.0.0.1", first.port());

      BindException e =
          assertThrows(BindException.class, () -> UdpListener.start(Aggregator.create(), taken));

      assertTrue(e.getMessage().contains("in use"), e.getMessage());
    }
  }

  @Test
  void datagramOfOneDeltaIsAppliedAndCounted() throws Exception {
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
        UdpSender sender = UdpSender.to(udp.port())) {
      sender.send(
          json("{'type':'gauge','name':'trees','method':'add','value':3002,'labels':{'k':'v'}}"));

      awaitValue(registry, 3002.0, "trees", "k", "v");
      assertEquals(1.0, value(registry, "pushprom_udp_packets_total"));
      assertEquals(1.0, value(registry, "pushprom_deltas_applied_total", "transport", "udp"));
    }
  }

  @Test
  void everyDatagramIsCountedAsAPacket() throws Exception {
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
        UdpSender sender = UdpSender.to(udp.port())) {
      sender.send(inc("gophers") + "\n" + inc("gophers"));
      sender.send("[" + inc("gophers") + "]");
      sender.send("garbage");

      awaitValue(
          registry,
          1.0,
          "pushprom_deltas_rejected_total",
          "transport",
          "udp",
          "reason",
          "malformed");
      assertEquals(3.0, value(registry, "pushprom_udp_packets_total"));
      assertEquals(3.0, value(registry, "gophers_total"));
      assertEquals(3.0, value(registry, "pushprom_deltas_applied_total", "transport", "udp"));
    }
  }

  @Test
  void ndjsonBatchDatagramOfSixtyKilobytesIsAppliedWhole() throws Exception {
    StringBuilder batch = new StringBuilder();
    int deltas = 0;
    while (batch.length() < 60_000) {
      batch
          .append(
              json("{'type':'counter','name':'bulk','method':'inc','labels':{'line':'%05d'}}")
                  .formatted(deltas++))
          .append('\n');
    }
    byte[] datagram = batch.toString().getBytes(StandardCharsets.UTF_8);
    assertTrue(datagram.length > 60_000 && datagram.length < UdpListener.MAX_DATAGRAM_BYTES);

    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
        UdpSender sender = UdpSender.to(udp.port())) {
      sender.send(datagram);

      awaitValue(registry, deltas, "pushprom_deltas_applied_total", "transport", "udp");
      assertEquals(1.0, value(registry, "bulk_total", "line", "00000"));
      assertEquals(1.0, value(registry, "bulk_total", "line", String.format("%05d", deltas - 1)));
      assertEquals(1.0, value(registry, "pushprom_udp_packets_total"));
    }
  }

  @Test
  void garbageDatagramsDoNotStopTheListener() throws Exception {
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
        UdpSender sender = UdpSender.to(udp.port())) {
      sender.send("garbage");
      sender.send(new byte[0]);
      sender.send(new byte[] {(byte) 0x80, (byte) 0xff, 0, 1});
      sender.send(HexFormat.of().parseHex("0000fffe"));
      sender.send(json("{'type':'counter','name':'gophers','method':'inc'"));
      sender.send(inc("gophers"));

      awaitValue(registry, 1.0, "gophers_total");
      assertEquals(6.0, value(registry, "pushprom_udp_packets_total"));
    }
  }

  /**
   * Bytes that are not JSON: text, nothing at all, binary garbage, and byte orders Jackson takes
   * for odd UTF-32 layouts.
   */
  @ParameterizedTest
  @ValueSource(strings = {"6e6f6e73656e7365", "", "808182", "c328", "0000fffe", "003c0000"})
  void garbageDatagramIsCountedAsMalformed(String hex) throws Exception {
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
        UdpSender sender = UdpSender.to(udp.port())) {
      sender.send(HexFormat.of().parseHex(hex));
      sender.send(inc("gophers"));

      // The listener takes datagrams in order, so the garbage was handled before this.
      awaitValue(registry, 1.0, "gophers_total");
      assertEquals(
          1.0,
          value(
              registry,
              "pushprom_deltas_rejected_total",
              "transport",
              "udp",
              "reason",
              "malformed"));
    }
  }

  @Test
  void validDeltasOfAMixedDatagramAreAppliedAndInvalidOnesCounted() throws Exception {
    String datagram =
        String.join(
            "\n",
            inc("a"),
            "not json",
            json("{'type':'gauge','name':'b','method':'set','value':5}"),
            json("{'type':'counter','name':'c','method':'add','value':-1}"),
            json("{'type':'gauge','name':'a','method':'set','value':1}"),
            inc("a"));
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
        UdpSender sender = UdpSender.to(udp.port())) {
      sender.send(datagram);

      awaitValue(registry, 3.0, "pushprom_deltas_applied_total", "transport", "udp");
      for (String reason : new String[] {"malformed", "invalid", "conflict"}) {
        awaitValue(
            registry, 1.0, "pushprom_deltas_rejected_total", "transport", "udp", "reason", reason);
      }
      assertEquals(2.0, value(registry, "a_total"));
      assertEquals(5.0, value(registry, "b"));
      assertNull(value(registry, "c_total"));
    }
  }

  @Test
  void jsonArrayDatagramIsApplied() throws Exception {
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
        UdpSender sender = UdpSender.to(udp.port())) {
      sender.send(
          "["
              + inc("a")
              + ","
              + json("{'type':'histogram','name':'lat','method':'observe','value':0.3}")
              + "]");

      awaitValue(registry, 2.0, "pushprom_deltas_applied_total", "transport", "udp");
      assertEquals(1.0, value(registry, "a_total"));
      assertEquals(1.0, value(registry, "lat_bucket", "le", "0.5"));
      assertEquals(0.3, value(registry, "lat_sum"));
    }
  }

  @Test
  void closeReleasesThePortAndStopsReceiving() throws Exception {
    UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
    InetSocketAddress address = udp.address();
    try (UdpSender sender = UdpSender.to(address.getPort())) {
      sender.send(inc("gophers"));
      awaitValue(registry, 1.0, "gophers_total");
    } finally {
      udp.close();
    }

    try (DatagramChannel successor = DatagramChannel.open();
        UdpSender sender = UdpSender.to(address.getPort())) {
      successor.bind(address);
      DatagramSocket socket = successor.socket();
      // Only so that a lost datagram fails the test instead of hanging it.
      socket.setSoTimeout(10_000);
      sender.send(inc("gophers"));

      DatagramPacket packet = new DatagramPacket(new byte[1024], 1024);
      socket.receive(packet);

      assertEquals(
          inc("gophers"),
          new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8));
    }
    assertEquals(1.0, value(registry, "gophers_total"));
    assertEquals(1.0, value(registry, "pushprom_udp_packets_total"));
  }

  @Test
  void listenerCanBeStartedAgainOnThePortOfAClosedOne() throws Exception {
    int port;
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT)) {
      port = udp.port();
    }

    Aggregator next = Aggregator.create();
    try (UdpListener again = UdpListener.start(next, new InetSocketAddress("127.0.0.1", port));
        UdpSender sender = UdpSender.to(port)) {
      sender.send(inc("gophers"));

      awaitValue(next.registry(), 1.0, "gophers_total");
      assertEquals(port, again.port());
    }
  }
}
