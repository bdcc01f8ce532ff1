package io.pushprom.transport;

import static io.pushprom.transport.Deltas.inc;
import static io.pushprom.transport.Samples.awaitValue;
import static io.pushprom.transport.Samples.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prometheus.client.CollectorRegistry;
import io.pushprom.core.Aggregator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KernelDropsTest {
  @Test
  void countsDatagramsTheKernelDroppedForAFullBuffer() throws Exception {
    assumeTrue(Files.exists(Path.of("/proc/net/udp")), "the kernel tells drops on Linux only");
    try (DatagramChannel unread = DatagramChannel.open();
        DatagramChannel sender = DatagramChannel.open()) {
      unread.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
      unread.bind(new InetSocketAddress("127.0.0.1", 0));
      InetSocketAddress target = (InetSocketAddress) unread.getLocalAddress();
      CollectorRegistry registry = new CollectorRegistry();
      KernelDrops.join(registry, target, 4096);
      String address = "127.0.0.1:" + target.getPort();

      for (int i = 0; i < 200; i++) {
        sender.send(ByteBuffer.allocate(1024), target);
      }

      Double drops = value(registry, "pushprom_udp_receive_drops_total", "address", address);
      assertNotNull(drops);
      assertTrue(drops > 0, "drops: " + drops);
      assertEquals(
          4096.0, value(registry, "pushprom_udp_receive_buffer_bytes", "address", address));
    }
  }

  @Test
  void listenerExposesItsDropsAndBufferLabelledWithItsAddress() throws Exception {
    assumeTrue(Files.exists(Path.of("/proc/net/udp")), "the kernel tells drops on Linux only");
    Aggregator aggregator = Aggregator.create();
    CollectorRegistry registry = aggregator.registry();
    String address;
    try (UdpListener udp = UdpListener.start(aggregator, new InetSocketAddress("127.0.0.1", 0))) {
      address = "127.0.0.1:" + udp.port();

      assertEquals(0.0, value(registry, "pushprom_udp_receive_drops_total", "address", address));
      assertTrue(
          value(registry, "pushprom_udp_receive_buffer_bytes", "address", address) > 0,
          "no receive buffer for " + address);
    }
    assertNull(value(registry, "pushprom_udp_receive_buffer_bytes", "address", address));
  }

  @Test
  void listenersOnIpv4AndIpv6AndTwoPortsShareOneAggregator() throws Exception {
    Aggregator aggregator = Aggregator.create();
    CollectorRegistry registry = aggregator.registry();
    try (UdpListener first = UdpListener.start(aggregator, new InetSocketAddress("127.0.0.1", 0));
        UdpListener second = UdpListener.start(aggregator, new InetSocketAddress("127.0.0.1", 0))) {
      UdpListener ipv6 = startOnIpv6Loopback(aggregator, first.port());
      try (ipv6) {
        String[] addresses = {
          "127.0.0.1:" + first.port(), "127.0.0.1:" + second.port(), "[::1]:" + first.port()
        };
        send(first.address(), inc("gophers"));
        send(second.address(), inc("gophers"));
        send(ipv6.address(), inc("gophers"));

        awaitValue(registry, 3.0, "gophers_total");
        assertEquals(3.0, value(registry, "pushprom_udp_packets_total"));
        for (String address : addresses) {
          assertTrue(
              value(registry, "pushprom_udp_receive_buffer_bytes", "address", address) > 0,
              address);
          if (Files.exists(Path.of("/proc/net/udp"))) {
            assertEquals(
                0.0, value(registry, "pushprom_udp_receive_drops_total", "address", address));
          }
        }
      }
      assertNull(
          value(registry, "pushprom_udp_receive_buffer_bytes", "address", "[::1]:" + first.port()));
      assertTrue(
          value(
                  registry,
                  "pushprom_udp_receive_buffer_bytes",
                  "address",
                  "127.0.0.1:" + first.port())
              > 0);
    }
    assertNull(registry.getSampleValue("pushprom_udp_receive_buffer_bytes"));
  }

  @Test
  void aListenerCanStartAgainAfterTheLastClosed() throws Exception {
    Aggregator aggregator = Aggregator.create();
    UdpListener.start(aggregator, new InetSocketAddress("127.0.0.1", 0)).close();
    try (UdpListener udp = UdpListener.start(aggregator, new InetSocketAddress("127.0.0.1", 0))) {
      assertTrue(
          value(
                  aggregator.registry(),
                  "pushprom_udp_receive_buffer_bytes",
                  "address",
                  "127.0.0.1:" + udp.port())
              > 0);
    }
  }

  @Test
  void sameAddressTwiceInOneRegistryIsRefused() {
    CollectorRegistry registry = new CollectorRegistry();
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", 9090);
    KernelDrops.join(registry, address, 4096);

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> KernelDrops.join(registry, address, 4096));

    assertEquals("udp listener: 127.0.0.1:9090 is already exposed", e.getMessage());
  }

  @Test
  void tableAddressesAreTheKernelsSpelling() {
    assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "words print reversed");

    assertEquals(
        Set.of("0100007F:2382", "0000000000000000FFFF00000100007F:2382"),
        KernelDrops.tableAddresses(new InetSocketAddress("127.0.0.1", 9090)));
    assertEquals(
        Set.of("00000000000000000000000001000000:2382"),
        KernelDrops.tableAddresses(new InetSocketAddress("::1", 9090)));
    assertEquals(
        Set.of("00000000:2382", "00000000000000000000000000000000:2382"),
        KernelDrops.tableAddresses(new InetSocketAddress(9090)));
  }

  @Test
  void labelIsTheAddressAsPeopleWriteIt() {
    assertEquals("[::1]:9090", KernelDrops.label(new InetSocketAddress("::1", 9090)));
    assertEquals("[::]:9090", KernelDrops.label(new InetSocketAddress("::", 9090)));
    assertEquals(
        "[fe80::1:0:0:2]:9090",
        KernelDrops.label(new InetSocketAddress("fe80:0:0:0:1:0:0:2", 9090)));
    assertEquals(
        "[2001:db8::1]:9090", KernelDrops.label(new InetSocketAddress("2001:db8::1", 9090)));
    assertEquals("0.0.0.0:9090", KernelDrops.label(new InetSocketAddress(9090)));
  }

  /** Skips the test when this host cannot bind IPv6's loopback (a container without IPv6). */
  private static UdpListener startOnIpv6Loopback(Aggregator aggregator, int port)
      throws IOException {
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("::1", 0));
    } catch (IOException | UnsupportedOperationException e) {
      assumeTrue(false, "::1 cannot be bound here: " + e);
    }
    return UdpListener.start(aggregator, new InetSocketAddress("::1", port));
  }

  private static void send(InetSocketAddress to, String text) throws IOException {
    try (DatagramChannel channel = DatagramChannel.open()) {
      channel.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), to);
    }
  }
}
