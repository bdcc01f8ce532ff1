package io.pushprom.benchmarks;

import static io.pushprom.benchmarks.LoadGeneratorTable.count;
import static io.pushprom.benchmarks.LoadGeneratorTable.percent;

import io.pushprom.benchmarks.LoadGeneratorTable.Row;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The official PHP client's UDP pattern at a high rate: each datagram from a new source port, as
 * the client opens a socket per push. Every gauge is pushed {@code set 100, inc, add 10, sub 5,
 * dec}, which ends at 105 only if applied in that order; every histogram is observed first with
 * explicit buckets and then with {@code "buckets": []}, as the client's {@code Histogram} does,
 * which keeps both observations only in that order. Sequences of a hundred series are interleaved
 * step by step. The rows count the series that end exact.
 *
 * <p>Four threads send, as four PHP workers would, taking windows of series from one queue, so each
 * series is pushed in order by one sender. The first row holds the server to 50,000 datagrams a
 * second: its senders cycle through sockets opened before the run, each datagram from the next one,
 * so that what the server sees (a source port per datagram, never one series' steps from the same
 * port) costs the sender a {@code send} alone. The second row, for information, sends as the PHP
 * client does, opening and closing a socket per datagram, as fast as that goes: on 2 cores shared
 * with the server, 36,000 to 49,900 a second on the VMs of December 2026 and 22,000 to 31,000 on
 * some before, the cost of making sockets on that VM rather than anything the server does.
 *
 * <p>The warm-up sends as many series as a measured run: with a quarter of that, the JIT was still
 * compiling through the first run, and the server's pauses for new series' garbage (100 to 200 ms
 * on this VM) outlasted what its receive buffer holds at this rate in 3 runs of 8.
 */
final class LoadGeneratorUdpOrder {
  private static final int GAUGES = 20_000;
  private static final int HISTOGRAMS = 5_000;
  private static final int WINDOW = 100;
  private static final int RATE = 50_000;
  private static final int SENDERS = 4;

  /**
   * Sockets per sender: the window's 125 series come between two steps of one, so every step of a
   * series leaves from another port; 1,024 descriptors in all stay under the usual 4,096.
   */
  private static final int SOCKETS_PER_SENDER = 256;

  private static final Duration MAX_SEND_TIME = Duration.ofSeconds(10);
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(10);

  /** The sender shares two cores with the server; the run counts if it got this close. */
  private static final double MIN_OFFERED = 0.95;

  /** A fresh server drops datagrams while its JIT compiles; the measured runs start warm. */
  private static final int WARM_UP_GAUGES = 20_000;

  private static final String WARM_UP = "lg_order_warm_up_";

  private LoadGeneratorUdpOrder() {}

  /** How a sender thread sends one datagram. */
  private interface Socket extends AutoCloseable {
    void send(byte[] datagram) throws IOException;

    @Override
    void close() throws IOException;
  }

  /** Opens what one sender thread sends with. */
  private interface Sockets {
    Socket open(InetSocketAddress target) throws IOException;
  }

  /** A socket opened and closed per datagram, an IPv4 one, as PHP's {@code fsockopen} opens. */
  private static final Sockets FRESH =
      target ->
          new Socket() {
            @Override
            public void send(byte[] datagram) throws IOException {
              try (DatagramChannel fresh = DatagramChannel.open(StandardProtocolFamily.INET)) {
                fresh.send(ByteBuffer.wrap(datagram), target);
              }
            }

            @Override
            public void close() {}
          };

  /** {@link #SOCKETS_PER_SENDER} sockets opened before the run, each datagram from the next. */
  private static final Sockets CYCLED =
      target -> {
        DatagramChannel[] channels = new DatagramChannel[SOCKETS_PER_SENDER];
        try {
          for (int i = 0; i < channels.length; i++) {
            channels[i] = DatagramChannel.open(StandardProtocolFamily.INET);
            channels[i].connect(target);
          }
        } catch (IOException e) {
          closeAll(channels);
          throw e;
        }
        return new Socket() {
          private int next;

          @Override
          public void send(byte[] datagram) throws IOException {
            channels[next].write(ByteBuffer.wrap(datagram));
            next = (next + 1) % channels.length;
          }

          @Override
          public void close() throws IOException {
            closeAll(channels);
          }
        };
      };

  private static void closeAll(DatagramChannel[] channels) throws IOException {
    for (DatagramChannel channel : channels) {
      if (channel != null) {
        channel.close();
      }
    }
  }

  /** What one run sent, how fast, and how many series ended as sent. */
  private record Run(
      long total, long sent, double offered, long exactGauges, long exactHistograms, double lost) {
    double exact() {
      return (double) (exactGauges + exactHistograms) / (GAUGES + HISTOGRAMS);
    }

    String sending(String how) {
      return count(sent)
          + " datagrams at "
          + count(offered)
          + "/s from "
          + SENDERS
          + " threads, "
          + how
          + ": "
          + count(GAUGES)
          + " gauges × set, inc, add, sub, dec + "
          + count(HISTOGRAMS)
          + " histograms × 2 observes, "
          + WINDOW
          + " series interleaved";
    }

    String achieved() {
      return count(exactGauges)
          + " of "
          + count(GAUGES)
          + " gauges = 105, "
          + count(exactHistograms)
          + " of "
          + count(HISTOGRAMS)
          + " histograms whole";
    }

    String loss() {
      return percent(exact(), 3) + " exact; " + count(lost) + " datagrams lost";
    }

    boolean whole() {
      return sent == total && exact() == 1.0;
    }
  }

  static List<Row> rows(LoadGeneratorServer server) throws IOException, InterruptedException {
    InetSocketAddress target = new InetSocketAddress("127.0.0.1", server.udpPort());
    byte[][][] warmUp = datagrams(WARM_UP + "level", WARM_UP + "latency_", WARM_UP_GAUGES);
    send(warmUp, CYCLED, RATE, target);
    awaitSettled(server);
    Run cycled = run(server, "lg_order_cycled_", CYCLED, RATE, target);
    Run fresh = run(server, "lg_order_fresh_", FRESH, RATE, target);
    return List.of(
        Row.of(
            "UDP order: a new source port per datagram, as the PHP client sends",
            cycled.sending(SENDERS * SOCKETS_PER_SENDER + " sockets in turn")
                + ", after "
                + count(WARM_UP_GAUGES)
                + " gauges' warm-up",
            cycled.achieved(),
            cycled.loss(),
            count(RATE) + "/s, 100% of series exact",
            cycled.offered >= MIN_OFFERED * RATE && cycled.whole()),
        Row.info(
            "UDP order: a socket opened per datagram, as the PHP client does",
            fresh.sending("each opened, used once and closed") + " (the sender's limit)",
            fresh.achieved(),
            fresh.loss()));
  }

  /** Sends a fresh set of series, then counts the ones the server ended with as sent. */
  private static Run run(
      LoadGeneratorServer server,
      String prefix,
      Sockets sockets,
      int perSecond,
      InetSocketAddress target)
      throws IOException, InterruptedException {
    String gauge = prefix + "level";
    String histogram = prefix + "latency_";
    double before = awaitSettled(server);
    byte[][][] datagrams = datagrams(gauge, histogram, GAUGES);
    long total = Arrays.stream(datagrams).mapToLong(window -> window.length).sum();
    Sent sent = send(datagrams, sockets, perSecond, target);
    double handled = awaitSettled(server) - before;

    Map<String, Double> samples =
        LoadGeneratorServer.samples(
            server.metrics(), name -> name.startsWith(gauge) || name.startsWith(histogram));
    long exactGauges =
        samples.entrySet().stream()
            .filter(sample -> sample.getKey().startsWith(gauge + "{"))
            .filter(sample -> sample.getValue() == 105.0)
            .count();
    long exactHistograms = 0;
    for (int h = 0; h < HISTOGRAMS; h++) {
      String name = histogram + h;
      if (Double.valueOf(2.0).equals(samples.get(name + "_count"))
          && Double.valueOf(1.0).equals(samples.get(name + "_bucket{le=\"0.4\",}"))) {
        exactHistograms++;
      }
    }
    return new Run(
        total,
        sent.datagrams(),
        sent.perSecond(),
        exactGauges,
        exactHistograms,
        sent.datagrams() - handled);
  }

  /**
   * Sends every window at {@code perSecond} in all, from {@link #SENDERS} threads that take windows
   * from one queue, so a sender the scheduler set aside leaves the rest of the windows to the
   * others rather than the run's end.
   *
   * @return how many datagrams were sent, and in how long from the first
   */
  private static Sent send(
      byte[][][] windows, Sockets sockets, int perSecond, InetSocketAddress target)
      throws IOException, InterruptedException {
    long total = Arrays.stream(windows).mapToLong(window -> window.length).sum();
    AtomicInteger nextWindow = new AtomicInteger();
    AtomicLong sent = new AtomicLong();
    List<Socket> opened = new ArrayList<>();
    ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
    try {
      for (int s = 0; s < SENDERS; s++) {
        opened.add(sockets.open(target));
      }
      Pacer pacer = new Pacer(total, perSecond, MAX_SEND_TIME);
      List<Future<?>> running = new ArrayList<>();
      for (Socket socket : opened) {
        running.add(
            senders.submit(
                () -> {
                  for (int w; (w = nextWindow.getAndIncrement()) < windows.length; ) {
                    for (byte[] datagram : windows[w]) {
                      if (!pacer.awaitTurn()) {
                        return null;
                      }
                      socket.send(datagram);
                      sent.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> one : running) {
        one.get();
      }
      return new Sent(sent.get(), System.nanoTime() - pacer.start);
    } catch (ExecutionException e) {
      throw new IOException("a UDP order sender failed", e.getCause());
    } finally {
      senders.shutdownNow();
      for (Socket socket : opened) {
        socket.close();
      }
    }
  }

  /** How many datagrams a run sent, from its first turn until the senders were done. */
  private record Sent(long datagrams, long nanos) {
    double perSecond() {
      return datagrams / (nanos / 1e9);
    }
  }

  /**
   * Turns to send, shared by the sending threads: the n-th turn is due n / {@code perSecond} after
   * the first, and a thread behind the clock takes its turns at once, so the senders together catch
   * up. No turns are given after {@code duration}.
   */
  private static final class Pacer {
    private final AtomicLong turns = new AtomicLong();
    private final long total;
    private final int perSecond;
    private final long start = System.nanoTime();
    private final long end;

    Pacer(long total, int perSecond, Duration duration) {
      this.total = total;
      this.perSecond = perSecond;
      this.end = start + duration.toNanos();
    }

    /** Waits until the next turn is due; false when the turns or the time ran out. */
    boolean awaitTurn() {
      long turn = turns.getAndIncrement();
      if (turn >= total) {
        return false;
      }
      long due = start + turn * 1_000_000_000L / perSecond;
      for (long now = System.nanoTime(); now - due < 0; now = System.nanoTime()) {
        LockSupport.parkNanos(due - now);
      }
      return System.nanoTime() - end < 0;
    }
  }

  /**
   * Every datagram to send, by window of {@code WINDOW} gauges and a histogram for every four, in
   * order: each series' steps in turn, interleaved with the window's other series.
   */
  private static byte[][][] datagrams(String gauge, String histogram, int gauges) {
    List<byte[][]> windows = new ArrayList<>();
    int histogramsPerWindow = HISTOGRAMS * WINDOW / GAUGES;
    for (int first = 0; first < gauges; first += WINDOW) {
      List<List<String>> sequences = new ArrayList<>();
      for (int series = first; series < first + WINDOW; series++) {
        sequences.add(gaugeSteps(gauge, series));
      }
      int firstHistogram = first / WINDOW * histogramsPerWindow;
      for (int h = firstHistogram; h < firstHistogram + histogramsPerWindow; h++) {
        sequences.add(histogramSteps(histogram + h));
      }
      List<byte[]> datagrams = new ArrayList<>();
      for (int step = 0; step < 5; step++) {
        for (List<String> sequence : sequences) {
          if (step < sequence.size()) {
            datagrams.add(sequence.get(step).getBytes(StandardCharsets.UTF_8));
          }
        }
      }
      windows.add(datagrams.toArray(byte[][]::new));
    }
    return windows.toArray(byte[][][]::new);
  }

  private static List<String> gaugeSteps(String gauge, int series) {
    String head =
        "{\"type\":\"gauge\",\"name\":\""
            + gauge
            + "\",\"help\":\"h\",\"labels\":{\"series\":\""
            + series
            + "\"},";
    return List.of(
        head + "\"value\":100.0,\"method\":\"set\"}",
        head + "\"method\":\"inc\"}",
        head + "\"value\":10.0,\"method\":\"add\"}",
        head + "\"value\":5.0,\"method\":\"sub\"}",
        head + "\"method\":\"dec\"}");
  }

  private static List<String> histogramSteps(String histogram) {
    String head =
        "{\"type\":\"histogram\",\"name\":\"" + histogram + "\",\"help\":\"h\",\"labels\":{},";
    return List.of(
        head + "\"value\":0.3,\"method\":\"observe\",\"buckets\":[0.2,0.4,0.8]}",
        head + "\"value\":0.7,\"method\":\"observe\",\"buckets\":[]}");
  }

  /**
   * Waits until the server has applied or rejected every delta it will: when three polls 100 ms
   * apart agree.
   *
   * @return the deltas the server applied or rejected
   */
  private static double awaitSettled(LoadGeneratorServer server)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
    double handled = handled(server);
    for (int unchanged = 0; unchanged < 3 && System.nanoTime() - deadline < 0; ) {
      Thread.sleep(100);
      double now = handled(server);
      unchanged = now == handled ? unchanged + 1 : 0;
      handled = now;
    }
    return handled;
  }

  private static double handled(LoadGeneratorServer server) throws IOException {
    return server.sum("pushprom_deltas_applied_total")
        + server.sum("pushprom_deltas_rejected_total");
  }
}
