package io.pushprom.benchmarks;

import static io.pushprom.benchmarks.LoadGeneratorDeltas.counter;
import static io.pushprom.benchmarks.LoadGeneratorDeltas.direct;
import static io.pushprom.benchmarks.LoadGeneratorDeltas.ndjson;
import static io.pushprom.benchmarks.LoadGeneratorDeltas.series;
import static io.pushprom.benchmarks.LoadGeneratorTable.count;
import static io.pushprom.benchmarks.LoadGeneratorTable.median;
import static io.pushprom.benchmarks.LoadGeneratorTable.millis;
import static io.pushprom.benchmarks.LoadGeneratorTable.percent;
import static io.pushprom.benchmarks.LoadGeneratorTable.seconds;

import io.pushprom.benchmarks.LoadGeneratorTable.Row;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The UDP scenarios: single deltas at 100,000/s and a search for the highest rate without loss,
 * NDJSON batches at 1,000,000 deltas/s, the PHP client's fresh socket per datagram ({@link
 * LoadGeneratorUdpOrder}), and single deltas at 50,000/s while a server of 1,000,000 series is
 * scraped. "Applied" is always what {@code /metrics} counts, after the server settled.
 *
 * <pre>{@code
 * List<Row> rows = new LoadGeneratorUdp(jar).single();
 * }</pre>
 */
final class LoadGeneratorUdp {
  private static final double MAX_LOSS = 0.001;

  private static final int SERIES = 100;
  private static final int SINGLE_RATE = 100_000;
  private static final Duration SINGLE_TIME = Duration.ofSeconds(5);
  private static final List<Integer> SEARCH_RATES =
      List.of(50_000, 100_000, 150_000, 200_000, 300_000, 400_000);
  private static final Duration SEARCH_STEP = Duration.ofSeconds(2);

  /** The sender shares two cores with the server; a search step counts if it got this close. */
  private static final double SEARCH_MIN_OFFERED = 0.95;

  /** A fresh server drops datagrams while its JIT compiles; the measured run starts warm. */
  private static final int WARM_UP_RATE = 50_000;

  private static final Duration WARM_UP = Duration.ofSeconds(1);

  /**
   * Parsing batches takes the JIT longer to compile fully than single deltas do: C2 was busy for
   * the whole of a 2 s warm-up at half the rate, and compiled again as the run doubled it.
   */
  private static final Duration BATCH_WARM_UP = Duration.ofSeconds(3);

  private static final int BATCH_DELTAS = 20;
  private static final int BATCH_RATE = 50_000;
  private static final Duration BATCH_TIME = Duration.ofSeconds(5);
  private static final double BATCH_TARGET = 1_000_000;

  private static final int SCRAPED_SERIES = 10_000;
  private static final int SCRAPED_RATE = 50_000;
  private static final Duration SCRAPED_TIME = Duration.ofSeconds(10);
  private static final Duration SCRAPE_EVERY = Duration.ofSeconds(2);

  /** How long the server may take, after the last datagram, to apply what it received. */
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(10);

  private final Path jar;

  LoadGeneratorUdp(Path jar) {
    this.jar = jar;
  }

  /** What one paced UDP run sent, and what the server applied of it. */
  private record UdpRun(
      long datagrams, int deltasPerDatagram, long sendNanos, double applied, long settleNanos) {
    long deltas() {
      return datagrams * deltasPerDatagram;
    }

    double loss() {
      return deltas() == 0 ? 1 : 1 - applied / deltas();
    }

    double offeredPerSecond() {
      return datagrams / (sendNanos / 1e9);
    }

    String rate() {
      return count(offeredPerSecond()) + "/s";
    }

    /** Sent at least {@code share} of the rate asked for, and at most 0.1% of it lost. */
    boolean passes(int datagramsPerSecond, double share) {
      return offeredPerSecond() >= share * datagramsPerSecond && loss() <= MAX_LOSS;
    }
  }

  // One delta per datagram

  List<Row> single() throws Exception {
    List<Row> rows = new ArrayList<>();
    try (LoadGeneratorServer server = LoadGeneratorServer.pushprom(jar, List.of());
        UdpSenders channel = UdpSenders.to(server.udpPort())) {
      String name = "lg_udp_single";
      ByteBuffer[] datagrams = singleDatagrams(name, SERIES);
      warmUp(server, channel, name, datagrams);
      UdpRun run = udpRun(server, channel, name, datagrams, 1, SINGLE_RATE, SINGLE_TIME);
      rows.add(
          Row.of(
              "UDP single: 1 delta/datagram, 100 series",
              count(run.datagrams())
                  + " in "
                  + seconds(run.sendNanos())
                  + " ("
                  + run.rate()
                  + ") after "
                  + WARM_UP.toSeconds()
                  + " s at "
                  + count(WARM_UP_RATE)
                  + "/s",
              count(run.applied()) + " applied (" + percent(1 - run.loss(), 3) + ")",
              percent(run.loss(), 3) + " loss",
              count(SINGLE_RATE) + "/s, ≥ 99.9% applied",
              run.passes(SINGLE_RATE, 0.99)));
      rows.add(search(server, channel));
      rows.add(drops(server, "UDP single + search"));
    }
    return rows;
  }

  /**
   * As a long-running server is warm, the JIT's first second is left out of what is measured, on
   * the series the run then sends to: the first delta of a new metric takes paths the JIT compiles
   * again, and a run that starts with it loses datagrams meanwhile.
   */
  private static void warmUp(
      LoadGeneratorServer server, UdpSenders channel, String name, ByteBuffer[] datagrams)
      throws IOException, InterruptedException {
    udpRun(server, channel, name, datagrams, 1, WARM_UP_RATE, WARM_UP);
  }

  /**
   * Offers single-delta datagrams at rising rates, a fresh counter per step so that each counts
   * only its own, and reports the highest rate applied with at most 0.1% loss.
   */
  private static Row search(LoadGeneratorServer server, UdpSenders channel) throws Exception {
    String best = "none";
    String firstFailure = "none";
    for (int perSecond : SEARCH_RATES) {
      String name = "lg_udp_rate_" + perSecond;
      UdpRun step =
          udpRun(server, channel, name, singleDatagrams(name, SERIES), 1, perSecond, SEARCH_STEP);
      String outcome = "sent " + step.rate() + ", " + percent(step.loss(), 3) + " lost";
      LoadGenerator.log("  " + count(perSecond) + "/s: " + outcome);
      if (!step.passes(perSecond, SEARCH_MIN_OFFERED)) {
        String limit = step.loss() <= MAX_LOSS ? " (the sender's limit)" : "";
        firstFailure = count(perSecond) + "/s: " + outcome + limit;
        break;
      }
      best = count(perSecond) + "/s (" + outcome + ")";
    }
    return Row.info(
        "UDP single: highest rate with ≤ 0.1% loss",
        SEARCH_RATES.stream().map(r -> r / 1000 + "k").collect(Collectors.joining(", "))
            + "/s, "
            + SEARCH_STEP.toSeconds()
            + " s each, stop at first failure",
        best,
        "first failure: " + firstFailure);
  }

  // NDJSON batches

  /**
   * Batches at 1,000,000 deltas/s, after a warm-up at that rate on the same series (see {@link
   * #warmUp}): with the warm-up on other series, or at half the rate, the JIT's compiling again as
   * the run began lost 0.5–6% of the run's datagrams (docs/performance.md).
   */
  List<Row> batches() throws Exception {
    String name = "lg_udp_batch";
    try (LoadGeneratorServer server = LoadGeneratorServer.pushprom(jar, List.of());
        UdpSenders channel = UdpSenders.to(server.udpPort())) {
      ByteBuffer[] datagrams = batchDatagrams(name);
      udpRun(server, channel, name, datagrams, BATCH_DELTAS, BATCH_RATE, BATCH_WARM_UP);
      UdpRun run = udpRun(server, channel, name, datagrams, BATCH_DELTAS, BATCH_RATE, BATCH_TIME);
      double appliedPerSecond = run.applied() / (run.sendNanos() / 1e9);
      double settleSeconds = (run.settleNanos() - run.sendNanos()) / 1e9;
      return List.of(
          Row.of(
              "UDP batches: NDJSON, 20 deltas/datagram",
              count(run.deltas())
                  + " deltas in "
                  + seconds(run.sendNanos())
                  + " ("
                  + count(run.deltas() / (run.sendNanos() / 1e9))
                  + "/s) after "
                  + BATCH_WARM_UP.toSeconds()
                  + " s at the same rate",
              count(appliedPerSecond)
                  + " deltas/s applied (all in "
                  + String.format(Locale.ROOT, "+%.2f s", settleSeconds)
                  + ")",
              percent(run.loss(), 3) + " loss",
              "1,000,000/s, ≤ 0.1% loss",
              run.passes(BATCH_RATE, 0.99)
                  && appliedPerSecond >= BATCH_TARGET * (1 - MAX_LOSS)
                  && settleSeconds <= 1),
          drops(server, "UDP batches"));
    }
  }

  /** NDJSON datagrams of {@link #BATCH_DELTAS} deltas over the {@link #SERIES} series. */
  private static ByteBuffer[] batchDatagrams(String name) {
    ByteBuffer[] datagrams = new ByteBuffer[SERIES / BATCH_DELTAS];
    for (int d = 0; d < datagrams.length; d++) {
      int first = d * BATCH_DELTAS;
      datagrams[d] = direct(ndjson(first, first + BATCH_DELTAS, i -> counter(name, series(i))));
    }
    return datagrams;
  }

  // A fresh socket per datagram, order-sensitive

  List<Row> order() throws Exception {
    try (LoadGeneratorServer server = LoadGeneratorServer.pushprom(jar, List.of())) {
      List<Row> rows = new ArrayList<>(LoadGeneratorUdpOrder.rows(server));
      rows.add(drops(server, "UDP order"));
      return rows;
    }
  }

  // Single deltas while a server of 1,000,000 series is scraped

  /**
   * Fills a server with the large scrape's 1,000,000 series, then offers single deltas over 10,000
   * other series at 50,000/s while another thread scrapes {@code /metrics} every 2 s, as Prometheus
   * would: a scrape must not make the server drop what arrives meanwhile.
   */
  List<Row> duringScrapes() throws Exception {
    try (LoadGeneratorServer server =
            LoadGeneratorServer.pushprom(
                jar, LoadGeneratorScrape.LARGE_JVM, LoadGeneratorScrape.LARGE_FLAGS);
        UdpSenders channel = UdpSenders.to(server.udpPort())) {
      long fillNanos = LoadGeneratorScrape.fillLarge(server);
      String name = "lg_udp_scraped";
      ByteBuffer[] datagrams = singleDatagrams(name, SCRAPED_SERIES);
      warmUp(server, channel, name, datagrams);
      List<Double> scrapes = new ArrayList<>();
      AtomicBoolean sending = new AtomicBoolean(true);
      AtomicReference<Exception> scraperFailure = new AtomicReference<>();
      Thread scraper =
          new Thread(
              () -> {
                try {
                  long next = System.nanoTime();
                  while (sending.get()) {
                    scrapes.add(server.scrape().millis());
                    next += SCRAPE_EVERY.toNanos();
                    while (sending.get() && System.nanoTime() - next < 0) {
                      LockSupport.parkNanos(Math.min(50_000_000L, next - System.nanoTime()));
                    }
                  }
                } catch (IOException e) {
                  scraperFailure.set(e);
                }
              },
              "loadgen-scraper");
      scraper.setDaemon(true);
      scraper.start();
      UdpRun run;
      try {
        run = udpRun(server, channel, name, datagrams, 1, SCRAPED_RATE, SCRAPED_TIME);
      } finally {
        sending.set(false);
        scraper.join(30_000);
      }
      if (scraperFailure.get() != null) {
        throw scraperFailure.get();
      }
      double[] millis = scrapes.stream().mapToDouble(Double::doubleValue).toArray();
      return List.of(
          Row.of(
              "UDP single while scraped: 10,000 series, /metrics at 1,000,000",
              count(run.datagrams())
                  + " in "
                  + seconds(run.sendNanos())
                  + " ("
                  + run.rate()
                  + ") after "
                  + WARM_UP.toSeconds()
                  + " s warm-up; "
                  + millis.length
                  + " × GET /metrics meanwhile, every "
                  + SCRAPE_EVERY.toSeconds()
                  + " s, median "
                  + (millis.length == 0 ? "—" : millis(median(millis)))
                  + "; filled in "
                  + seconds(fillNanos)
                  + " ("
                  + String.join(" ", LoadGeneratorScrape.LARGE_JVM)
                  + ")",
              count(run.applied()) + " applied (" + percent(1 - run.loss(), 3) + ")",
              percent(run.loss(), 3) + " loss",
              count(SCRAPED_RATE) + "/s, ≥ 99.9% applied",
              run.passes(SCRAPED_RATE, 0.99) && millis.length > 0),
          drops(server, "UDP single while scraped"));
    }
  }

  // The sending

  /**
   * Sockets that send in turn, as the PHP processes of a web server do, each its own source port:
   * the server spreads sources over its receive threads, keeping each one's order.
   */
  static final class UdpSenders implements AutoCloseable {
    private static final int SOCKETS = 64;
    private final DatagramChannel[] channels = new DatagramChannel[SOCKETS];
    private int next;

    static UdpSenders to(int port) throws IOException {
      UdpSenders senders = new UdpSenders();
      try {
        for (int i = 0; i < SOCKETS; i++) {
          senders.channels[i] = DatagramChannel.open();
          senders.channels[i].connect(new InetSocketAddress("127.0.0.1", port));
        }
        return senders;
      } catch (IOException e) {
        senders.close();
        throw e;
      }
    }

    void write(ByteBuffer datagram) throws IOException {
      channels[next].write(datagram);
      next = (next + 1) % SOCKETS;
    }

    @Override
    public void close() throws IOException {
      for (DatagramChannel channel : channels) {
        if (channel != null) {
          channel.close();
        }
      }
    }
  }

  /** One datagram per series of counter {@code name}, each a single delta. */
  private static ByteBuffer[] singleDatagrams(String name, int series) {
    return IntStream.range(0, series)
        .mapToObj(i -> direct(counter(name, series(i))))
        .toArray(ByteBuffer[]::new);
  }

  /**
   * Sends {@code datagrams} round-robin at {@code perSecond} for {@code duration}, then waits for
   * the server to apply what it received and counts the deltas of counter {@code name} it added.
   */
  private static UdpRun udpRun(
      LoadGeneratorServer server,
      UdpSenders channel,
      String name,
      ByteBuffer[] datagrams,
      int deltasPerDatagram,
      int perSecond,
      Duration duration)
      throws IOException, InterruptedException {
    String sample = name + "_total";
    double before = server.sum(sample);
    long start = System.nanoTime();
    long sent =
        sendPaced(
            index -> {
              ByteBuffer datagram = datagrams[(int) (index % datagrams.length)];
              datagram.rewind();
              channel.write(datagram);
            },
            perSecond * duration.toNanos() / 1_000_000_000L,
            perSecond,
            duration);
    long sendNanos = System.nanoTime() - start;
    double expected = before + (double) sent * deltasPerDatagram;
    long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
    double applied = server.sum(sample);
    long settled = System.nanoTime() - start;
    // Settled when all arrived, or when three more polls 100 ms apart agree: the rest was lost.
    int unchanged = 0;
    while (applied < expected && unchanged < 3 && System.nanoTime() - deadline < 0) {
      Thread.sleep(100);
      double now = server.sum(sample);
      if (now == applied) {
        unchanged++;
      } else {
        applied = now;
        settled = System.nanoTime() - start;
        unchanged = 0;
      }
    }
    return new UdpRun(sent, deltasPerDatagram, sendNanos, applied - before, settled);
  }

  /** Sends the datagram numbered {@code index}, counting from 0. */
  interface DatagramSend {
    void send(long index) throws IOException;
  }

  /**
   * Sends {@code total} datagrams at {@code perSecond}, paced by {@link System#nanoTime}: whatever
   * is due is sent in a burst (of at most 2 ms' worth, when catching up), then the thread parks
   * until the next datagram is due. Stops after {@code duration} even if it fell behind.
   *
   * @return how many datagrams were sent
   */
  static long sendPaced(DatagramSend send, long total, int perSecond, Duration duration)
      throws IOException {
    long maxBurst = Math.max(1, perSecond / 500);
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    long sent = 0;
    while (sent < total) {
      long now = System.nanoTime();
      if (now - end >= 0) {
        break;
      }
      long due = Math.min(total, (now - start) * perSecond / 1_000_000_000L);
      if (due <= sent) {
        LockSupport.parkNanos(start + (sent + 1) * 1_000_000_000L / perSecond - now);
        continue;
      }
      for (long burst = Math.min(due - sent, maxBurst); burst > 0; burst--) {
        send.send(sent++);
      }
    }
    return sent;
  }

  /**
   * The server's own count of datagrams the kernel dropped over its whole life, warm-ups included:
   * any {@code pushprom_udp_*} sample with "drop" in its name, if this build of the server has one.
   */
  private static Row drops(LoadGeneratorServer server, String scenario) throws IOException {
    Map<String, Double> drops =
        LoadGeneratorServer.samples(
            server.metrics(), name -> name.startsWith("pushprom_udp_") && name.contains("drop"));
    String found =
        drops.isEmpty()
            ? "not exposed by this server"
            : drops.entrySet().stream()
                .map(sample -> sample.getKey() + " = " + count(sample.getValue()))
                .collect(Collectors.joining(", "));
    return Row.info(
        scenario + ": kernel drops the server reports, warm-up included", "—", found, "—");
  }
}
