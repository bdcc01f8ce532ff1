package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prometheus.client.CollectorRegistry;
import io.pushprom.core.Aggregator;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
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
      registry.register(new KernelDrops(target.getPort(), 4096));

      for (int i = 0; i < 200; i++) {
        sender.send(ByteBuffer.allocate(1024), target);
      }

      Double drops = registry.getSampleValue("pushprom_udp_receive_drops_total");
      assertNotNull(drops);
      assertTrue(drops > 0, "drops: " + drops);
      assertEquals(4096.0, registry.getSampleValue("pushprom_udp_receive_buffer_bytes"));
    }
  }

  @Test
  void listenerExposesItsPortsDropsAndBuffer() throws Exception {
    assumeTrue(Files.exists(Path.of("/proc/net/udp")), "the kernel tells drops on Linux only");
    Aggregator aggregator = Aggregator.create();
    try (UdpListener udp = UdpListener.start(aggregator, new InetSocketAddress("127.0.0.1", 0))) {
      CollectorRegistry registry = aggregator.registry();

      assertEquals(0.0, registry.getSampleValue("pushprom_udp_receive_drops_total"));
      assertTrue(
          registry.getSampleValue("pushprom_udp_receive_buffer_bytes") > 0,
          "no receive buffer for port " + udp.port());
    }
    assertEquals(null, aggregator.registry().getSampleValue("pushprom_udp_receive_buffer_bytes"));
  }
}
