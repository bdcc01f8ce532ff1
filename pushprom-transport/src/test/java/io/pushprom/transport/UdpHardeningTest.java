package io.pushprom.transport;

import static io.pushprom.transport.Deltas.inc;
import static io.pushprom.transport.Samples.awaitValue;
import static io.pushprom.transport.Samples.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.CollectorRegistry;
import io.pushprom.core.Aggregator;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/** What the UDP listener does with what it has received when it closes, or when applying fails. */
class UdpHardeningTest {
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  @Test
  void closeAppliesEveryDatagramReceivedBefore() throws Exception {
    Aggregator aggregator = Aggregator.create();
    CollectorRegistry registry = aggregator.registry();
    // Batches, so that applying is slower than receiving and some are still queued at close().
    int deltasPerDatagram = 50;
    String datagram = (inc("burst") + "\n").repeat(deltasPerDatagram);
    int datagrams = 2_000;

    UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
    try (UdpSender sender = UdpSender.to(udp.port())) {
      for (int i = 0; i < datagrams; i++) {
        sender.send(datagram);
      }
    } finally {
      udp.close();
    }

    // Received is what was counted; the kernel may have dropped some before, which is fine.
    double received = value(registry, "pushprom_udp_packets_total");
    assertTrue(received > 0, "no datagram received");
    assertEquals(received * deltasPerDatagram, value(registry, "burst_total"));
    assertEquals(
        received * deltasPerDatagram,
        value(registry, "pushprom_deltas_applied_total", "transport", "udp"));
  }

  @Test
  void errorWhileApplyingADatagramIsLoggedAndTheNextOneApplied() throws Exception {
    BreakingRegistry registry = new BreakingRegistry();
    Aggregator aggregator = Aggregator.create(registry);
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
        UdpSender sender = UdpSender.to(udp.port());
        CapturedLogs logs = CapturedLogs.of(UdpListener.class)) {
      registry.armed.set(true);

      sender.send(inc("first"));
      sender.send(inc("second"));

      awaitValue(registry, 1.0, "second_total");
      assertNull(value(registry, "first_total"));
      assertEquals(
          List.of("failed to handle a datagram: java.lang.AssertionError: registry broke"),
          logs.at(Level.SEVERE).stream().map(record -> record.getMessage()).toList());
    }
  }
}
