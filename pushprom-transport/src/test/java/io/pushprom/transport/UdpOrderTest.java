package io.pushprom.transport;

import static io.pushprom.transport.Deltas.json;
import static io.pushprom.transport.Samples.value;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.client.CollectorRegistry;
import io.pushprom.core.Aggregator;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deltas sent from a fresh socket each, as the official PHP client sends them, are applied in the
 * order they arrive: the source port says nothing about order, and the kernel spreads fresh ports
 * over whatever sockets share the listener's port.
 */
class UdpOrderTest {
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  /** Series whose steps are interleaved in one burst: small enough for any receive buffer. */
  private static final int WINDOW = 40;

  private Aggregator aggregator;
  private CollectorRegistry registry;

  @BeforeEach
  void createAggregator() {
    aggregator = Aggregator.create();
    registry = aggregator.registry();
  }

  /** {@code set 100, inc, add 10, sub 5, dec} is 105 only when applied in that order. */
  private static List<String> gaugeSteps(int series) {
    String head = "{'type':'gauge','name':'level','labels':{'series':'" + series + "'},";
    return List.of(
        json(head + "'method':'set','value':100}"),
        json(head + "'method':'inc'}"),
        json(head + "'method':'add','value':10}"),
        json(head + "'method':'sub','value':5}"),
        json(head + "'method':'dec'}"));
  }

  /**
   * The PHP client's {@code Histogram}: the first observation names the buckets, the next ones send
   * {@code "buckets": []}. Applied the other way round, the first would make the histogram with the
   * default buckets and the second be refused as a conflict.
   */
  private static List<String> histogramSteps(int histogram) {
    String head = "{'type':'histogram','name':'latency_" + histogram + "','method':'observe',";
    return List.of(
        json(head + "'value':0.3,'buckets':[0.2,0.4,0.8]}"),
        json(head + "'value':0.7,'buckets':[]}"));
  }

  @Test
  void deltasFromAFreshSocketEachAreAppliedInTheOrderSent() throws Exception {
    int gauges = 2_000;
    int histograms = 400;
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT)) {
      int sent = 0;
      for (int first = 0; first < gauges; first += WINDOW) {
        List<List<String>> sequences = new ArrayList<>();
        for (int series = first; series < first + WINDOW; series++) {
          sequences.add(gaugeSteps(series));
        }
        int histogram = first / WINDOW * histograms / (gauges / WINDOW);
        for (int h = histogram; h < histogram + histograms / (gauges / WINDOW); h++) {
          sequences.add(histogramSteps(h));
        }
        sent += sendInterleaved(udp.port(), sequences);
        awaitHandled(sent);
      }

      var wrong = new TreeMap<String, Double>();
      for (int series = 0; series < gauges; series++) {
        Double level = value(registry, "level", "series", Integer.toString(series));
        if (!Objects.equals(level, 105.0)) {
          wrong.put("level{series=" + series + "}", level);
        }
      }
      for (int h = 0; h < histograms; h++) {
        String name = "latency_" + h;
        Double count = value(registry, name + "_count");
        Double atPointFour = value(registry, name + "_bucket", "le", "0.4");
        Double atPointEight = value(registry, name + "_bucket", "le", "0.8");
        if (!Objects.equals(count, 2.0)
            || !Objects.equals(atPointFour, 1.0)
            || !Objects.equals(atPointEight, 2.0)) {
          wrong.put(name + " count, le 0.4, le 0.8", count);
        }
      }
      assertEquals(new TreeMap<>(), wrong, "series whose deltas were applied out of order");
      assertEquals(0.0, rejected(), "deltas rejected");
    }
  }

  @Test
  void lastSetFromOneSocketWins() throws Exception {
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
        UdpSender sender = UdpSender.to(udp.port())) {
      int sent = 0;
      // Rounds small enough for any receive buffer, each sent as fast as the sender can.
      for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 100; i++) {
          sent++;
          sender.send(json("{'type':'gauge','name':'level','method':'set','value':" + sent + "}"));
        }
        awaitHandled(sent);

        assertEquals((double) sent, registry.getSampleValue("level"));
      }
    }
  }

  /**
   * Sends step 1 of every sequence, then step 2 of those that have one, and so on, each datagram
   * from a socket of its own.
   *
   * @return the number of datagrams sent
   */
  private static int sendInterleaved(int port, List<List<String>> sequences) throws Exception {
    int sent = 0;
    for (int step = 0; ; step++) {
      int sentThisStep = 0;
      for (List<String> sequence : sequences) {
        if (step < sequence.size()) {
          UdpSender.sendFromFreshSocket(port, sequence.get(step));
          sentThisStep++;
        }
      }
      if (sentThisStep == 0) {
        return sent;
      }
      sent += sentThisStep;
    }
  }

  /** Waits until {@code count} deltas were applied or rejected: both are counted after the fact. */
  private void awaitHandled(int count) {
    long start = System.nanoTime();
    while (handled() < count && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
      Thread.yield();
    }
    assertEquals(count, handled(), "deltas applied or rejected");
  }

  private double handled() {
    Double applied = value(registry, "pushprom_deltas_applied_total", "transport", "udp");
    return (applied == null ? 0 : applied) + rejected();
  }

  private double rejected() {
    double rejected = 0;
    for (String reason : new String[] {"malformed", "invalid", "conflict"}) {
      Double count =
          value(registry, "pushprom_deltas_rejected_total", "transport", "udp", "reason", reason);
      rejected += count == null ? 0 : count;
    }
    return rejected;
  }
}
