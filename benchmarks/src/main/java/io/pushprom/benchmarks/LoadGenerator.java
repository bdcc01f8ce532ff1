package io.pushprom.benchmarks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.DoubleFunction;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Pushprom's load test. It starts the server jar on 127.0.0.1 (a fresh process for each group of
 * scenarios, so that counts start at zero), offers it UDP and HTTP deltas at set rates, counts on
 * {@code /metrics} what was applied, scrapes it at 100,000 and 1,000,000 series, weighs a series on
 * the heap, floods it with 10,000,000 new series at {@code -Xmx256m} ({@link Flood}), and prints
 * one markdown table of what it measured against the targets.
 *
 * <pre>{@code
 * mvn -q package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar io.pushprom.benchmarks.LoadGenerator \
 *     --jar pushprom-cli/target/pushprom.jar [--jmh /tmp/jmh.json]
 * }</pre>
 *
 * <p>{@code --jmh} adds the scores of a JMH result file ({@code -rf json}) to the table. Progress
 * goes to stderr and the table to stdout. Every scenario is bounded in time and count; the whole
 * run takes about two and a half minutes, and a watchdog stops it after six. Exit codes: 0 when
 * every target was met, 1 when one was not (or could not be measured), 2 for a bad command line.
 */
public final class LoadGenerator {
  private static final Duration WATCHDOG = Duration.ofMinutes(6);
  private static final double MAX_LOSS = 0.001;

  private static final int START_UPS = 3;
  private static final double START_UP_TARGET_MILLIS = 1_000;

  private static final int UDP_SERIES = 100;
  private static final int UDP_SINGLE_RATE = 100_000;
  private static final Duration UDP_SINGLE_TIME = Duration.ofSeconds(5);
  private static final List<Integer> UDP_SEARCH_RATES =
      List.of(50_000, 100_000, 150_000, 200_000, 300_000, 400_000);
  private static final Duration UDP_SEARCH_STEP = Duration.ofSeconds(2);

  /** The sender shares two cores with the server; a search step counts if it got this close. */
  private static final double UDP_SEARCH_MIN_OFFERED = 0.95;

  /** A fresh server drops datagrams while its JIT compiles; the measured run starts warm. */
  private static final int UDP_WARM_UP_RATE = 50_000;

  private static final Duration UDP_WARM_UP = Duration.ofSeconds(1);

  /** Parsing batches takes the JIT longer to compile fully than single deltas do. */
  private static final Duration UDP_BATCH_WARM_UP = Duration.ofSeconds(2);

  private static final int UDP_BATCH_DELTAS = 20;
  private static final int UDP_BATCH_RATE = 50_000;
  private static final Duration UDP_BATCH_TIME = Duration.ofSeconds(5);
  private static final double UDP_BATCH_TARGET = 1_000_000;

  /** How long the server may take, after the last datagram, to apply what it received. */
  private static final Duration UDP_SETTLE_TIMEOUT = Duration.ofSeconds(10);

  private static final int HTTP_SERIES = 100;
  private static final int HTTP_CONNECTIONS = 16;
  private static final Duration HTTP_WARM_UP = Duration.ofSeconds(2);
  private static final int HTTP_ROUNDS = 3;
  private static final Duration HTTP_ROUND = Duration.ofSeconds(2);
  private static final Duration HTTP_MEASURE = Duration.ofSeconds(5);
  private static final double HTTP_RATIO_TARGET = 0.85;
  private static final int HTTP_BATCH_DELTAS = 1_000;
  private static final int HTTP_BATCH_CONNECTIONS = 4;
  private static final Duration HTTP_BATCH_WARM_UP = Duration.ofSeconds(1);
  private static final double HTTP_BATCH_TARGET = 1_000_000;

  /** A TTL far longer than the run, so that expiry runs (every 10 s) but removes nothing. */
  private static final List<String> EXPIRY_FLAGS = List.of("-series-ttl", "10m");

  private static final double EXPIRY_RATIO_TARGET = 0.85;
  private static final int EXPIRY_ROUNDS = 5;

  /** A bound on any one connection's requests, far above what a few seconds allow. */
  private static final long MAX_REQUESTS_PER_CONNECTION = 10_000_000;

  private static final int FILL_CONNECTIONS = 2;
  private static final Duration FILL_TIMEOUT = Duration.ofSeconds(90);
  private static final int SCRAPE_SMALL_SERIES = 100_000;
  private static final int SCRAPE_SMALL_COUNT = 20;
  private static final double SCRAPE_SMALL_TARGET_MILLIS = 175;
  private static final int SCRAPE_LARGE_SERIES = 1_000_000;
  private static final int SCRAPE_LARGE_COUNT = 5;

  /** Deltas a second POSTed while the large scrapes run. */
  private static final int SCRAPE_POSTS_PER_SECOND = 2_000;

  private static final double SCRAPE_LARGE_TARGET_MILLIS = 2_000;
  private static final List<String> SCRAPE_LARGE_JVM = List.of("-Xmx1g");
  private static final double BYTES_PER_SERIES_TARGET = 400;

  private final Path jar;
  private final LoadGeneratorTable table = new LoadGeneratorTable();
  private final long startNanos = System.nanoTime();

  /** Runs only the scenarios whose name starts with this, when set. */
  private final String only;

  private LoadGenerator(Path jar, String only) {
    this.jar = jar;
    this.only = only;
  }

  public static void main(String[] args) {
    Path jar = null;
    Path jmh = null;
    String only = null;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("-h") || flag.equals("--help")) {
        System.out.print(usage());
        return;
      }
      if (flag.equals("--only") && i + 1 < args.length) {
        only = args[++i];
        continue;
      }
      if ((flag.equals("--jar") || flag.equals("--jmh")) && i + 1 < args.length) {
        Path value = Path.of(args[++i]);
        if (flag.equals("--jar")) {
          jar = value;
        } else {
          jmh = value;
        }
      } else {
        exitWithUsage("unknown or incomplete flag " + flag);
      }
    }
    if (jar == null) {
      exitWithUsage("--jar is required");
    } else if (!Files.isRegularFile(jar)) {
      exitWithUsage(
          "--jar "
              + jar
              + ": no such file; build it first: mvn -q package -DskipTests (from the repo root)");
    }
    startWatchdog();
    LoadGenerator generator = new LoadGenerator(jar, only);
    generator.runAll(jmh);
    System.out.print(generator.table.render());
    System.out.flush();
    System.exit(generator.table.passed() ? 0 : 1);
  }

  private static String usage() {
    return "usage: java -cp benchmarks.jar io.pushprom.benchmarks.LoadGenerator"
        + " --jar PUSHPROM_JAR [--jmh JMH_RESULT_JSON] [--only SCENARIO_PREFIX]\n";
  }

  private static void exitWithUsage(String problem) {
    System.err.println("loadgen: " + problem);
    System.err.print(usage());
    System.exit(2);
  }

  /** A last resort: each scenario has bounds of its own, but the run must end regardless. */
  private static void startWatchdog() {
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(WATCHDOG.toMillis());
              } catch (InterruptedException e) {
                return;
              }
              System.err.println(
                  "loadgen: still running after " + WATCHDOG.toMinutes() + " min; stopping");
              // The shutdown hook of LoadGeneratorServer kills the servers.
              System.exit(1);
            },
            "loadgen-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  private interface Scenario {
    void run() throws Exception;
  }

  private void runAll(Path jmh) {
    if (jmh != null) {
      measure("JMH results", () -> table.addAll(LoadGeneratorJmh.rows(jmh)));
    }
    measure("Start-up", this::startUp);
    measure("UDP single", this::udpSingle);
    measure("UDP batches", this::udpBatches);
    measure("UDP order", this::udpOrder);
    measure("HTTP single", this::httpSingle);
    measure("HTTP batches", this::httpBatches);
    measure("HTTP batches, expiry on vs off", this::httpBatchesExpiry);
    measure("Scrape at 100k series", this::scrapeSmall);
    measure("Scrape at 1M series", this::scrapeLarge);
    measure("State file at 1M series", this::stateFile);
    measure("Flood", this::flood);
  }

  private void stateFile() throws Exception {
    Path dir = Files.createTempDirectory("pushprom-state");
    try {
      table.addAll(List.of(LoadGeneratorSnapshot.row(dir)));
    } finally {
      try (var files = Files.list(dir)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(dir);
    }
  }

  /** Runs a scenario; one that throws gets an error row, and the next one runs. */
  private void measure(String name, Scenario scenario) {
    if (only != null && !name.startsWith(only)) {
      return;
    }
    log(name + " ...");
    long start = System.nanoTime();
    try {
      scenario.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      table.error(name, e);
    } catch (Exception e) {
      log(name + " failed: " + e);
      if (e instanceof RuntimeException) {
        e.printStackTrace();
      }
      table.error(name, e);
    }
    log(name + " took " + seconds(System.nanoTime() - start));
  }

  private LoadGeneratorServer pushprom() throws IOException {
    return LoadGeneratorServer.pushprom(jar, List.of());
  }

  // 1. Start-up

  private void startUp() throws Exception {
    double[] millis = new double[START_UPS];
    for (int i = 0; i < START_UPS; i++) {
      try (LoadGeneratorServer server = pushprom()) {
        millis[i] = server.awaitHealthy();
      }
    }
    double median = median(millis);
    table.add(
        "Start-up: process start to first 200 on /health",
        START_UPS + " starts, polled every 5 ms",
        "median " + millis(median) + " (" + join(millis, LoadGenerator::millis) + ")",
        "—",
        "< " + millis(START_UP_TARGET_MILLIS),
        median < START_UP_TARGET_MILLIS);
  }

  // 2. UDP, one delta per datagram

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

    /** Sent at least {@code share} of the rate asked for, and at most 0.1% of it lost. */
    boolean passes(int datagramsPerSecond, double share) {
      return offeredPerSecond() >= share * datagramsPerSecond && loss() <= MAX_LOSS;
    }
  }

  private void udpSingle() throws Exception {
    try (LoadGeneratorServer server = pushprom();
        UdpSenders channel = UdpSenders.to(server.udpPort())) {
      String warmUp = "lg_udp_warm_up";
      udpRun(server, channel, warmUp, singleDatagrams(warmUp), 1, UDP_WARM_UP_RATE, UDP_WARM_UP);
      String name = "lg_udp_single";
      UdpRun run =
          udpRun(server, channel, name, singleDatagrams(name), 1, UDP_SINGLE_RATE, UDP_SINGLE_TIME);
      table.add(
          "UDP single: 1 delta/datagram, 100 series",
          count(run.datagrams())
              + " in "
              + seconds(run.sendNanos())
              + " ("
              + rate(run)
              + ") after "
              + UDP_WARM_UP.toSeconds()
              + " s at "
              + count(UDP_WARM_UP_RATE)
              + "/s",
          count(run.applied()) + " applied (" + percent(1 - run.loss(), 3) + ")",
          percent(run.loss(), 3) + " loss",
          count(UDP_SINGLE_RATE) + "/s, ≥ 99.9% applied",
          run.passes(UDP_SINGLE_RATE, 0.99));

      udpSearch(server, channel);
      reportDrops(server, "UDP single + search");
    }
  }

  /**
   * Offers single-delta datagrams at rising rates, a fresh counter per step so that each counts
   * only its own, and reports the highest rate applied with at most 0.1% loss.
   */
  private void udpSearch(LoadGeneratorServer server, UdpSenders channel) throws Exception {
    String best = "none";
    String firstFailure = "none";
    for (int perSecond : UDP_SEARCH_RATES) {
      String name = "lg_udp_rate_" + perSecond;
      UdpRun step =
          udpRun(server, channel, name, singleDatagrams(name), 1, perSecond, UDP_SEARCH_STEP);
      String outcome = "sent " + rate(step) + ", " + percent(step.loss(), 3) + " lost";
      log("  " + count(perSecond) + "/s: " + outcome);
      if (!step.passes(perSecond, UDP_SEARCH_MIN_OFFERED)) {
        String limit = step.loss() <= MAX_LOSS ? " (the sender's limit)" : "";
        firstFailure = count(perSecond) + "/s: " + outcome + limit;
        break;
      }
      best = count(perSecond) + "/s (" + outcome + ")";
    }
    table.info(
        "UDP single: highest rate with ≤ 0.1% loss",
        UDP_SEARCH_RATES.stream().map(r -> r / 1000 + "k").collect(Collectors.joining(", "))
            + "/s, "
            + UDP_SEARCH_STEP.toSeconds()
            + " s each, stop at first failure",
        best,
        "first failure: " + firstFailure);
  }

  // 3. UDP, NDJSON batches

  private void udpBatches() throws Exception {
    String name = "lg_udp_batch";
    ByteBuffer[] datagrams = new ByteBuffer[UDP_SERIES / UDP_BATCH_DELTAS];
    for (int d = 0; d < datagrams.length; d++) {
      int first = d * UDP_BATCH_DELTAS;
      datagrams[d] = direct(ndjson(first, first + UDP_BATCH_DELTAS, i -> counter(name, series(i))));
    }
    try (LoadGeneratorServer server = pushprom();
        UdpSenders channel = UdpSenders.to(server.udpPort())) {
      // As for single deltas: a long-running server is warm, so the JIT's first second is left out.
      String warmUp = "lg_udp_batch_warm_up";
      ByteBuffer[] warmUpDatagrams = new ByteBuffer[datagrams.length];
      for (int d = 0; d < datagrams.length; d++) {
        int first = d * UDP_BATCH_DELTAS;
        warmUpDatagrams[d] =
            direct(ndjson(first, first + UDP_BATCH_DELTAS, i -> counter(warmUp, series(i))));
      }
      udpRun(
          server,
          channel,
          warmUp,
          warmUpDatagrams,
          UDP_BATCH_DELTAS,
          UDP_WARM_UP_RATE / UDP_BATCH_DELTAS * 10,
          UDP_BATCH_WARM_UP);
      UdpRun run =
          udpRun(
              server, channel, name, datagrams, UDP_BATCH_DELTAS, UDP_BATCH_RATE, UDP_BATCH_TIME);
      double appliedPerSecond = run.applied() / (run.sendNanos() / 1e9);
      double settleSeconds = (run.settleNanos() - run.sendNanos()) / 1e9;
      table.add(
          "UDP batches: NDJSON, 20 deltas/datagram",
          count(run.deltas())
              + " deltas in "
              + seconds(run.sendNanos())
              + " ("
              + count(run.deltas() / (run.sendNanos() / 1e9))
              + "/s) after "
              + UDP_BATCH_WARM_UP.toSeconds()
              + " s at "
              + count(UDP_WARM_UP_RATE * 10)
              + " deltas/s",
          count(appliedPerSecond)
              + " deltas/s applied (all in "
              + String.format(Locale.ROOT, "+%.2f s", settleSeconds)
              + ")",
          percent(run.loss(), 3) + " loss",
          "1,000,000/s, ≤ 0.1% loss",
          run.passes(UDP_BATCH_RATE, 0.99)
              && appliedPerSecond >= UDP_BATCH_TARGET * (1 - MAX_LOSS)
              && settleSeconds <= 1);
      reportDrops(server, "UDP batches");
    }
  }

  // 3b. UDP, a fresh socket per datagram, order-sensitive

  private void udpOrder() throws Exception {
    try (LoadGeneratorServer server = pushprom()) {
      table.addAll(List.of(LoadGeneratorUdpOrder.row(server)));
      reportDrops(server, "UDP order");
    }
  }

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
  private static ByteBuffer[] singleDatagrams(String name) {
    return IntStream.range(0, UDP_SERIES)
        .mapToObj(i -> direct(counter(name, series(i))))
        .toArray(ByteBuffer[]::new);
  }

  /**
   * Sends {@code datagrams} round-robin at {@code perSecond} for {@code duration}, then waits for
   * the server to apply what it received and counts the deltas of counter {@code name}.
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
    String sample = name + "_total";
    double expected = (double) sent * deltasPerDatagram;
    long deadline = System.nanoTime() + UDP_SETTLE_TIMEOUT.toNanos();
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
    return new UdpRun(sent, deltasPerDatagram, sendNanos, applied, settled);
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
   * Reports the server's own count of datagrams the kernel dropped: any {@code pushprom_udp_*}
   * sample with "drop" in its name, if this build of the server has one.
   */
  private void reportDrops(LoadGeneratorServer server, String scenario) throws IOException {
    Map<String, Double> drops =
        LoadGeneratorServer.samples(
            server.metrics(), name -> name.startsWith("pushprom_udp_") && name.contains("drop"));
    String found =
        drops.isEmpty()
            ? "not exposed by this server"
            : drops.entrySet().stream()
                .map(sample -> sample.getKey() + " = " + count(sample.getValue()))
                .collect(Collectors.joining(", "));
    table.info(scenario + ": kernel drops the server reports", "—", found, "—");
  }

  // 4. HTTP, one delta per POST

  /** What a run of keep-alive clients got: 200s in all, and those within the measured window. */
  private record HttpRun(long ok, long measured, Duration window) {
    double perSecond() {
      return measured / (window.toNanos() / 1e9);
    }
  }

  private void httpSingle() throws Exception {
    List<byte[]> requests =
        IntStream.range(0, HTTP_SERIES)
            .mapToObj(i -> LoadGeneratorHttp.post(counter("lg_http_single", series(i))))
            .toList();
    String offered =
        HTTP_CONNECTIONS
            + " keep-alive connections, "
            + HTTP_ROUNDS
            + " rounds of "
            + HTTP_ROUND.toSeconds()
            + " s each, the servers taking turns, after "
            + HTTP_WARM_UP.toSeconds()
            + " s warm-up each";
    // The two servers take turns, so that a noisy neighbour on a shared machine weighs on both.
    try (LoadGeneratorServer nullServer = LoadGeneratorServer.nullServer();
        LoadGeneratorServer server = pushprom()) {
      hammer(nullServer.httpPort(), HTTP_CONNECTIONS, requests, HTTP_WARM_UP, HTTP_ROUND);
      hammer(server.httpPort(), HTTP_CONNECTIONS, requests, HTTP_WARM_UP, HTTP_ROUND);
      double warmUpApplied = server.sum("lg_http_single_total");
      long baselineRequests = 0;
      long requestsServed = 0;
      long ok = 0;
      for (int round = 0; round < HTTP_ROUNDS; round++) {
        baselineRequests +=
            hammer(nullServer.httpPort(), HTTP_CONNECTIONS, requests, Duration.ZERO, HTTP_ROUND)
                .measured();
        HttpRun run =
            hammer(server.httpPort(), HTTP_CONNECTIONS, requests, Duration.ZERO, HTTP_ROUND);
        requestsServed += run.measured();
        ok += run.ok();
      }
      double applied = server.sum("lg_http_single_total") - warmUpApplied;
      double window = HTTP_ROUNDS * HTTP_ROUND.toNanos() / 1e9;
      double baselinePerSecond = baselineRequests / window;
      double perSecond = requestsServed / window;
      double ratio = perSecond / baselinePerSecond;
      table.info(
          "HTTP single: NullServer (JDK HttpServer, no work)",
          offered,
          count(baselinePerSecond) + " req/s",
          "baseline");
      table.add(
          "HTTP single: pushprom, 1 delta/POST",
          offered,
          count(perSecond)
              + " req/s; applied "
              + count(applied)
              + (applied == ok ? " = " : " ≠ ")
              + count(ok)
              + " 200s",
          percent(ratio, 1) + " of NullServer",
          "≥ 85% of NullServer",
          ratio >= HTTP_RATIO_TARGET && applied == ok);
    }
  }

  // 5. HTTP, NDJSON batches

  private void httpBatches() throws Exception {
    byte[] request =
        LoadGeneratorHttp.post(
            ndjson(0, HTTP_BATCH_DELTAS, i -> counter("lg_http_batch", series(i % HTTP_SERIES))));
    try (LoadGeneratorServer server = pushprom()) {
      HttpRun run =
          hammer(
              server.httpPort(),
              HTTP_BATCH_CONNECTIONS,
              List.of(request),
              HTTP_BATCH_WARM_UP,
              HTTP_MEASURE);
      double applied = server.sum("lg_http_batch_total");
      double expected = (double) run.ok() * HTTP_BATCH_DELTAS;
      double deltasPerSecond = run.perSecond() * HTTP_BATCH_DELTAS;
      table.add(
          "HTTP batches: NDJSON, 1,000 deltas/POST",
          HTTP_BATCH_CONNECTIONS
              + " keep-alive connections, "
              + HTTP_BATCH_WARM_UP.toSeconds()
              + " s warm-up + "
              + HTTP_MEASURE.toSeconds()
              + " s",
          count(deltasPerSecond)
              + " deltas/s ("
              + count(run.perSecond())
              + " POST/s); applied "
              + count(applied)
              + (applied == expected ? " = " : " ≠ ")
              + "200s × 1,000",
          "—",
          "≥ 1,000,000 deltas/s",
          deltasPerSecond >= HTTP_BATCH_TARGET && applied == expected);
    }
  }

  /**
   * The HTTP batches again, on a server with {@code -series-ttl 10m} and one without, taking turns
   * as the single-delta servers do, so that a noisy neighbour weighs on both; five rounds, as three
   * ranged from 84% to 109% over five runs.
   */
  private void httpBatchesExpiry() throws Exception {
    String name = "lg_http_expiry";
    byte[] request =
        LoadGeneratorHttp.post(
            ndjson(0, HTTP_BATCH_DELTAS, i -> counter(name, series(i % HTTP_SERIES))));
    List<byte[]> requests = List.of(request);
    try (LoadGeneratorServer off = pushprom();
        LoadGeneratorServer on = LoadGeneratorServer.pushprom(jar, List.of(), EXPIRY_FLAGS)) {
      long offOk =
          hammer(off.httpPort(), HTTP_BATCH_CONNECTIONS, requests, HTTP_BATCH_WARM_UP, HTTP_ROUND)
              .ok();
      long onOk =
          hammer(on.httpPort(), HTTP_BATCH_CONNECTIONS, requests, HTTP_BATCH_WARM_UP, HTTP_ROUND)
              .ok();
      long offMeasured = 0;
      long onMeasured = 0;
      for (int round = 0; round < EXPIRY_ROUNDS; round++) {
        // Each goes first in every other round: the second of a pair tended to measure more.
        boolean offFirst = round % 2 == 0;
        HttpRun first =
            hammer(
                (offFirst ? off : on).httpPort(),
                HTTP_BATCH_CONNECTIONS,
                requests,
                Duration.ZERO,
                HTTP_ROUND);
        HttpRun second =
            hammer(
                (offFirst ? on : off).httpPort(),
                HTTP_BATCH_CONNECTIONS,
                requests,
                Duration.ZERO,
                HTTP_ROUND);
        HttpRun offRun = offFirst ? first : second;
        HttpRun onRun = offFirst ? second : first;
        offOk += offRun.ok();
        offMeasured += offRun.measured();
        onOk += onRun.ok();
        onMeasured += onRun.measured();
      }
      double window = EXPIRY_ROUNDS * HTTP_ROUND.toNanos() / 1e9;
      double offPerSecond = offMeasured * HTTP_BATCH_DELTAS / window;
      double onPerSecond = onMeasured * HTTP_BATCH_DELTAS / window;
      double ratio = onPerSecond / offPerSecond;
      boolean offExact = off.sum(name + "_total") == (double) offOk * HTTP_BATCH_DELTAS;
      boolean onExact = on.sum(name + "_total") == (double) onOk * HTTP_BATCH_DELTAS;
      table.add(
          "HTTP batches: expiry on (-series-ttl 10m) vs off",
          HTTP_BATCH_CONNECTIONS
              + " keep-alive connections, NDJSON × 1,000, "
              + EXPIRY_ROUNDS
              + " rounds of "
              + HTTP_ROUND.toSeconds()
              + " s each, the servers taking turns, after "
              + HTTP_BATCH_WARM_UP.toSeconds()
              + " s warm-up + "
              + HTTP_ROUND.toSeconds()
              + " s each",
          "on "
              + count(onPerSecond)
              + " deltas/s, off "
              + count(offPerSecond)
              + " deltas/s; applied "
              + (onExact && offExact ? "=" : "≠")
              + " 200s × 1,000 on both",
          percent(ratio, 1) + " of expiry off",
          "≥ " + percent(EXPIRY_RATIO_TARGET, 0) + " of expiry off",
          ratio >= EXPIRY_RATIO_TARGET && onExact && offExact);
    }
  }

  /**
   * Has {@code connections} threads, each on its own keep-alive connection, send {@code requests}
   * round-robin back to back for {@code warmUp} plus {@code measure}; counts the 200s that arrived
   * within the measured window. Any other status fails the run.
   */
  private static HttpRun hammer(
      int port, int connections, List<byte[]> requests, Duration warmUp, Duration measure)
      throws IOException, InterruptedException {
    LongAdder ok = new LongAdder();
    LongAdder measured = new LongAdder();
    long windowStart = System.nanoTime() + warmUp.toNanos();
    long windowEnd = windowStart + measure.toNanos();
    inParallel(
        "http",
        connections,
        warmUp.plus(measure).plusSeconds(30),
        connection -> {
          ByteArrayOutputStream body = new ByteArrayOutputStream();
          try (LoadGeneratorHttp http = LoadGeneratorHttp.connect(port)) {
            for (long i = connection; i < MAX_REQUESTS_PER_CONNECTION; i++) {
              body.reset();
              int status = http.send(requests.get((int) (i % requests.size())), body).status();
              long now = System.nanoTime();
              if (status != 200) {
                throw new IOException("POST /: status " + status + ": " + body);
              }
              ok.increment();
              if (now - windowStart >= 0 && now - windowEnd < 0) {
                measured.increment();
              }
              if (now - windowEnd >= 0) {
                break;
              }
            }
          }
        });
    return new HttpRun(ok.sum(), measured.sum(), measure);
  }

  // 6. Scrape at 100,000 series

  private void scrapeSmall() throws Exception {
    String name = "lg_scrape";
    try (LoadGeneratorServer server = pushprom()) {
      long start = System.nanoTime();
      fill(
          server.httpPort(),
          SCRAPE_SMALL_SERIES / HTTP_BATCH_DELTAS,
          body ->
              ndjson(
                  body * HTTP_BATCH_DELTAS,
                  (body + 1) * HTTP_BATCH_DELTAS,
                  i -> counter(name, series(i))));
      long fillNanos = System.nanoTime() - start;
      checkSeries(server, name + "_total", SCRAPE_SMALL_SERIES);
      double[] millis = new double[SCRAPE_SMALL_COUNT];
      long bytes = 0;
      for (int i = 0; i < millis.length; i++) {
        Scrape scrape = scrape(server.httpPort());
        millis[i] = scrape.millis();
        bytes = scrape.bytes();
      }
      double median = median(millis);
      table.add(
          "Scrape at 100,000 series",
          count(SCRAPE_SMALL_SERIES)
              + " series filled in "
              + seconds(fillNanos)
              + "; "
              + SCRAPE_SMALL_COUNT
              + " × GET /metrics, "
              + megabytes(bytes),
          "median " + millis(median) + ", p90 " + millis(percentile(millis, 0.9)),
          "—",
          "median < " + millis(SCRAPE_SMALL_TARGET_MILLIS),
          median < SCRAPE_SMALL_TARGET_MILLIS);
    }
  }

  // 7. Scrape at 1,000,000 series, and memory per series

  private void scrapeLarge() throws Exception {
    String name = "lg_big";
    long full;
    try (LoadGeneratorServer server = LoadGeneratorServer.pushprom(jar, SCRAPE_LARGE_JVM)) {
      long start = System.nanoTime();
      fill(
          server.httpPort(),
          SCRAPE_LARGE_SERIES / HTTP_BATCH_DELTAS,
          body ->
              ndjson(
                  body * HTTP_BATCH_DELTAS,
                  (body + 1) * HTTP_BATCH_DELTAS,
                  i -> counter(name, "\"a\":\"" + i / 1000 + "\",\"b\":\"" + i % 1000 + "\"")));
      long fillNanos = System.nanoTime() - start;
      table.info(
          "Fill 1,000,000 series, 2 labels (-Xmx1g)",
          count(SCRAPE_LARGE_SERIES / HTTP_BATCH_DELTAS)
              + " POSTs × 1,000 deltas, "
              + FILL_CONNECTIONS
              + " connections",
          count(SCRAPE_LARGE_SERIES / (fillNanos / 1e9)) + " series/s (" + seconds(fillNanos) + ")",
          "—");
      scrapeWhilePosting(server);
      full = server.liveHeapBytes();
    }
    long empty;
    try (LoadGeneratorServer server = LoadGeneratorServer.pushprom(jar, SCRAPE_LARGE_JVM)) {
      server.awaitHealthy();
      empty = server.liveHeapBytes();
    }
    double perSeries = (double) (full - empty) / SCRAPE_LARGE_SERIES;
    table.add(
        "Heap per series at 1,000,000 series",
        "jcmd GC.class_histogram, full vs empty server",
        megabytes(full) + " live vs " + megabytes(empty),
        String.format(Locale.ROOT, "%.0f B/series", perSeries),
        "≤ " + (int) BYTES_PER_SERIES_TARGET + " B/series",
        perSeries <= BYTES_PER_SERIES_TARGET);
  }

  /**
   * Scrapes the full server while another thread POSTs deltas, paced as a busy PHP fleet would
   * push, all of which must be applied. One scrape first, unmeasured: Prometheus scrapes every few
   * seconds, so the exposition's code is compiled by the time it matters.
   */
  private void scrapeWhilePosting(LoadGeneratorServer server) throws Exception {
    String name = "lg_during_scrape";
    byte[] request = LoadGeneratorHttp.post(counter(name, ""));
    AtomicBoolean scraping = new AtomicBoolean(true);
    LongAdder accepted = new LongAdder();
    AtomicReference<Exception> posterFailure = new AtomicReference<>();
    Thread poster =
        new Thread(
            () -> {
              try (LoadGeneratorHttp http = LoadGeneratorHttp.connect(server.httpPort())) {
                long next = System.nanoTime();
                for (long i = 0; i < MAX_REQUESTS_PER_CONNECTION && scraping.get(); i++) {
                  next += 1_000_000_000L / SCRAPE_POSTS_PER_SECOND;
                  LockSupport.parkNanos(next - System.nanoTime());
                  int status = http.send(request, OutputStream.nullOutputStream()).status();
                  if (status != 200) {
                    throw new IOException("POST / during a scrape: status " + status);
                  }
                  accepted.increment();
                }
              } catch (IOException e) {
                posterFailure.set(e);
              }
            },
            "loadgen-poster");
    poster.setDaemon(true);
    double[] millis = new double[SCRAPE_LARGE_COUNT];
    long bytes = 0;
    poster.start();
    try {
      scrape(server.httpPort());
      for (int i = 0; i < millis.length; i++) {
        Scrape scrape = scrape(server.httpPort());
        millis[i] = scrape.millis();
        bytes = scrape.bytes();
      }
    } finally {
      scraping.set(false);
      poster.join(30_000);
    }
    if (posterFailure.get() != null) {
      throw posterFailure.get();
    }
    double applied = server.sum(name + "_total");
    long posted = accepted.sum();
    double median = median(millis);
    table.add(
        "Scrape at 1,000,000 series, POSTing meanwhile",
        "1 + " + SCRAPE_LARGE_COUNT + " × GET /metrics, " + megabytes(bytes),
        "median "
            + millis(median)
            + " ("
            + join(millis, LoadGenerator::millis)
            + "); "
            + count(posted)
            + " POSTs 200 meanwhile (paced at "
            + count(SCRAPE_POSTS_PER_SECOND)
            + "/s), applied "
            + count(applied),
        "—",
        "median < " + millis(SCRAPE_LARGE_TARGET_MILLIS) + "; POSTs applied",
        median < SCRAPE_LARGE_TARGET_MILLIS && posted > 0 && applied == posted);
  }

  // 8. The flood: 10,000,000 new series at -Xmx256m

  private void flood() throws Exception {
    Flood.Settings settings = Flood.Settings.defaults(jar);
    Flood.Outcome outcome = Flood.run(settings, message -> log("  " + message));
    String held =
        "limit held: "
            + count(outcome.series())
            + " series of "
            + count(outcome.limit())
            + "; alive, answering, exit 0; heap "
            + megabytes(outcome.liveHeapBytes())
            + " live, RSS "
            + megabytes(outcome.rssBytes());
    table.add(
        "Flood: 10M distinct series at -Xmx256m",
        settings.brief(),
        outcome.passed() ? held : "failed: " + outcome.problems().get(0),
        seconds(outcome.sendNanos())
            + " ("
            + count(outcome.deltas() / (outcome.sendNanos() / 1e9))
            + " deltas/s)",
        "≤ limit and near it; alive; no OOM",
        outcome.passed());
    if (!outcome.passed()) {
      log("Flood failed:\n" + outcome.report());
    }
  }

  record Scrape(double millis, long bytes) {}

  /** One {@code GET /metrics}, uncompressed, timed from the request to the body's last byte. */
  static Scrape scrape(int port) throws IOException {
    try (LoadGeneratorHttp http = LoadGeneratorHttp.connect(port)) {
      byte[] request = LoadGeneratorHttp.get("/metrics");
      long start = System.nanoTime();
      LoadGeneratorHttp.Response response = http.send(request, OutputStream.nullOutputStream());
      double millis = (System.nanoTime() - start) / 1e6;
      if (response.status() != 200) {
        throw new IOException("GET /metrics: status " + response.status());
      }
      return new Scrape(millis, response.length());
    }
  }

  /** POSTs bodies 0 to {@code bodies - 1} over a few keep-alive connections; each must be 200. */
  private static void fill(int port, int bodies, IntFunction<String> body)
      throws IOException, InterruptedException {
    AtomicInteger next = new AtomicInteger();
    inParallel(
        "fill",
        FILL_CONNECTIONS,
        FILL_TIMEOUT,
        connection -> {
          ByteArrayOutputStream answer = new ByteArrayOutputStream();
          try (LoadGeneratorHttp http = LoadGeneratorHttp.connect(port)) {
            for (int i = next.getAndIncrement(); i < bodies; i = next.getAndIncrement()) {
              answer.reset();
              int status = http.send(LoadGeneratorHttp.post(body.apply(i)), answer).status();
              if (status != 200) {
                throw new IOException("POST / body " + i + ": status " + status + ": " + answer);
              }
            }
          }
        });
  }

  private static void checkSeries(LoadGeneratorServer server, String sample, int series)
      throws IOException {
    double total = server.sum(sample);
    if (total != series) {
      throw new IOException(
          sample + ": sums to " + count(total) + " after the fill, not " + series);
    }
  }

  interface Worker {
    void run(int index) throws Exception;
  }

  /**
   * Runs {@code worker} with indexes 0 to {@code count - 1}, each on a daemon thread of its own,
   * waits for all of them, and throws the first failure.
   */
  static void inParallel(String name, int count, Duration timeout, Worker worker)
      throws IOException, InterruptedException {
    AtomicReference<Exception> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int index = i;
      Thread thread =
          new Thread(
              () -> {
                try {
                  worker.run(index);
                } catch (Exception e) {
                  failure.compareAndSet(null, e);
                }
              },
              "loadgen-" + name + "-" + i);
      thread.setDaemon(true);
      thread.start();
      threads.add(thread);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread thread : threads) {
      thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (thread.isAlive()) {
        throw new IOException(name + ": not done within " + timeout.toSeconds() + " s");
      }
    }
    Exception first = failure.get();
    if (first != null) {
      throw new IOException(name + ": " + first.getMessage(), first);
    }
  }

  // Deltas

  private static String counter(String name, String labels) {
    return "{\"type\":\"counter\",\"name\":\""
        + name
        + "\",\"help\":\"h\",\"labels\":{"
        + labels
        + "},\"method\":\"inc\"}";
  }

  private static String series(int i) {
    return "\"series\":\"" + i + "\"";
  }

  /** Deltas {@code from} to {@code to - 1}, one a line. */
  private static String ndjson(int from, int to, IntFunction<String> delta) {
    StringBuilder body = new StringBuilder();
    for (int i = from; i < to; i++) {
      body.append(delta.apply(i)).append('\n');
    }
    return body.toString();
  }

  private static ByteBuffer direct(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
  }

  // Numbers

  private static double median(double[] values) {
    return percentile(values, 0.5);
  }

  /** The nearest-rank percentile. */
  private static double percentile(double[] values, double fraction) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(fraction * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }

  static String count(double value) {
    return String.format(Locale.ROOT, "%,.0f", value);
  }

  private static String rate(UdpRun run) {
    return count(run.offeredPerSecond()) + "/s";
  }

  static String percent(double fraction, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f%%", 100 * fraction);
  }

  private static String millis(double millis) {
    return String.format(Locale.ROOT, millis < 100 ? "%.1f ms" : "%,.0f ms", millis);
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }

  private static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }

  private static String megabytes(OptionalLong bytes) {
    return bytes.isPresent() ? megabytes(bytes.getAsLong()) : "unknown";
  }

  private static String join(double[] values, DoubleFunction<String> format) {
    return Arrays.stream(values).mapToObj(format).collect(Collectors.joining(", "));
  }

  private void log(String message) {
    System.err.printf(
        Locale.ROOT, "[loadgen %6.1f s] %s%n", (System.nanoTime() - startNanos) / 1e9, message);
  }
}
