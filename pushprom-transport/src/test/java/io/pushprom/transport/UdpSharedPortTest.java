package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pushprom.core.Aggregator;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The listener's sockets share their port with each other only, and keep each sender's order. */
class UdpSharedPortTest {
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  @Test
  void secondListenerOnTheSamePortIsRefused() throws Exception {
    try (UdpListener first = UdpListener.start(Aggregator.create(), ANY_PORT)) {
      InetSocketAddress taken = new InetSocketAddress("127.0.0.1", first.port());

      BindException e =
          assertThrows(BindException.class, () -> UdpListener.start(Aggregator.create(), taken));

      assertTrue(e.getMessage().contains("in use"), e.getMessage());
    }
  }

  @Test
  void lastSetFromOneSenderWins() throws Exception {
    Aggregator aggregator = Aggregator.create();
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
        DatagramChannel sender = DatagramChannel.open()) {
      InetSocketAddress target = new InetSocketAddress("127.0.0.1", udp.port());
      int sent = 0;
      // Rounds small enough for any receive buffer, each sent as fast as the sender can.
      for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 100; i++) {
          sent++;
          String delta =
              "{\"type\":\"gauge\",\"name\":\"level\",\"method\":\"set\",\"value\":" + sent + "}";
          sender.send(ByteBuffer.wrap(delta.getBytes(StandardCharsets.UTF_8)), target);
        }
        awaitApplied(aggregator, sent);

        assertEquals((double) sent, aggregator.registry().getSampleValue("level"));
      }
    }
  }

  /** Waits until {@code count} deltas were applied: counted after applying, unlike packets. */
  private static void awaitApplied(Aggregator aggregator, int count) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    Double applied = applied(aggregator);
    while ((applied == null || applied < count) && Instant.now().isBefore(deadline)) {
      Thread.sleep(2);
      applied = applied(aggregator);
    }
    assertEquals((double) count, applied, "deltas applied");
  }

  private static Double applied(Aggregator aggregator) {
    return aggregator
        .registry()
        .getSampleValue(
            "pushprom_deltas_applied_total", new String[] {"transport"}, new String[] {"udp"});
  }
}
