package io.pushprom.benchmarks;

import static io.pushprom.benchmarks.LoadGeneratorTable.count;
import static io.pushprom.benchmarks.LoadGeneratorTable.megabytes;
import static io.pushprom.benchmarks.LoadGeneratorTable.seconds;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The series limit against a flood of new series. It starts the server jar as an operator would,
 * {@code java -XX:+ExitOnOutOfMemoryError -Xmx256m -jar pushprom.jar}, the limit left at {@code
 * auto}, and pushes 10,000,000 deltas, each to a series of its own: 9,000,000 over HTTP in NDJSON
 * bodies of 1,000 on 2 connections and, at the same time, 1,000,000 over UDP, one a datagram. Then
 * the server must be alive and answering, hold no more series than its limit and nearly as many,
 * still apply a delta to a series it holds, have counted every delta it refused, never have run out
 * of memory, and exit 0 on SIGTERM. It prints what it measured and each check that failed.
 *
 * <pre>{@code
 * mvn -q package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar io.pushprom.benchmarks.Flood \
 *     --jar pushprom-cli/target/pushprom.jar [--xmx 256m] \
 *     [--shape counter|histogram|summary|summary-objectives] \
 *     [--http-deltas 9000000] [--udp-deltas 1000000] [-- PUSHPROM_FLAGS...]
 * }</pre>
 *
 * <p>The other flags size runs that weigh a series on the heap: {@code --xmx 2g --http-deltas
 * 1000000 --udp-deltas 0 -- -max-series 1000000} fills a million series exactly; what follows
 * {@code --} goes to Pushprom. Exit codes: 0 when every check held, 1 when one did not, 2 for a bad
 * command line.
 */
public final class Flood {
  private static final int BATCH = 1_000;
  private static final int HTTP_CONNECTIONS = 2;
  private static final int UDP_RATE = 100_000;

  /** Bounds on each phase, far above what they take, so that a stuck server fails the run. */
  private static final Duration HTTP_TIMEOUT = Duration.ofMinutes(5);

  private static final Duration UDP_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(15);

  /** Each label value is a decimal number; the series' id is {@code a * 1000 + b}. */
  private static final Pattern SERIES_LABELS = Pattern.compile("a=\"(\\d+)\",b=\"(\\d+)\"");

  /**
   * A refusal for the limit: "the limit of N series" before 2026-12-07, "the series limit of N
   * places" since.
   */
  private static final String LIMIT_REFUSAL = "would exceed the";

  private static final int LOG_LINES_SHOWN = 5;

  /** What each delta of a flood updates, and the sample that shows one line per series. */
  enum Shape {
    COUNTER("flood", "flood_total", "\"type\":\"counter\",\"method\":\"inc\""),
    /** The 11 default buckets. */
    HISTOGRAM(
        "flood_seconds",
        "flood_seconds_count",
        "\"type\":\"histogram\",\"method\":\"observe\",\"value\":0.3"),
    /** No objectives: a count and a sum. */
    SUMMARY(
        "flood_summary_seconds",
        "flood_summary_seconds_count",
        "\"type\":\"summary\",\"method\":\"observe\",\"value\":0.3"),
    /** The quantiles of the README's example, each estimated over the last ten minutes. */
    SUMMARY_OBJECTIVES(
        "flood_quantiles_seconds",
        "flood_quantiles_seconds_count",
        "\"type\":\"summary\",\"method\":\"observe\",\"value\":0.3,"
            + "\"objectives\":{\"0.5\":0.05,\"0.9\":0.01,\"0.99\":0.001}",
        16);

    private final String name;
    private final String seriesSample;
    private final String fields;

    /** The places each series takes in the server's limit (Family.OBJECTIVE_PLACES). */
    private final int places;

    Shape(String name, String seriesSample, String fields) {
      this(name, seriesSample, fields, 1);
    }

    Shape(String name, String seriesSample, String fields, int places) {
      this.name = name;
      this.seriesSample = seriesSample;
      this.fields = fields;
      this.places = places;
    }

    /** The delta to the series numbered {@code id}, two short labels, as one NDJSON line. */
    void append(StringBuilder out, long id) {
      out.append('{')
          .append(fields)
          .append(",\"name\":\"")
          .append(name)
          .append("\",\"help\":\"flood\",\"labels\":{\"a\":\"")
          .append(id / 1000)
          .append("\",\"b\":\"")
          .append(id % 1000)
          .append("\"}}\n");
    }

    String delta(long id) {
      StringBuilder out = new StringBuilder(128);
      append(out, id);
      return out.toString();
    }

    String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * How to flood: the server's heap, the shape of each delta, how many go over each transport, and
   * Pushprom's flags beyond the loopback addresses (none: the limit is {@code auto}).
   */
  record Settings(
      Path jar,
      String maxHeap,
      Shape shape,
      long httpDeltas,
      long udpDeltas,
      List<String> serverFlags) {
    Settings {
      if (httpDeltas < 0 || httpDeltas % BATCH != 0) {
        throw new IllegalArgumentException(
            "flood: --http-deltas " + httpDeltas + " is not a multiple of " + BATCH);
      }
      if (udpDeltas < 0) {
        throw new IllegalArgumentException("flood: --udp-deltas " + udpDeltas + " is negative");
      }
      serverFlags = List.copyOf(serverFlags);
    }

    /** What CI runs: 10,000,000 counter deltas at {@code -Xmx256m}, the limit at auto. */
    static Settings defaults(Path jar) {
      return new Settings(jar, "256m", Shape.COUNTER, 9_000_000, 1_000_000, List.of());
    }

    long deltas() {
      return httpDeltas + udpDeltas;
    }

    List<String> jvmOptions() {
      return List.of("-XX:+ExitOnOutOfMemoryError", "-Xmx" + maxHeap);
    }

    private String flags() {
      return serverFlags.isEmpty() ? "(-max-series auto)" : String.join(" ", serverFlags);
    }

    /** What is sent, in short, for a row of the load generator's table. */
    String brief() {
      return count(httpDeltas)
          + " over HTTP (NDJSON × "
          + count(BATCH)
          + ", "
          + HTTP_CONNECTIONS
          + " connections) + "
          + count(udpDeltas)
          + " over UDP at "
          + count(UDP_RATE)
          + "/s, at once; "
          + flags();
    }

    String describe() {
      return count(deltas())
          + " "
          + shape.label()
          + " deltas, each to a new series ("
          + count(httpDeltas)
          + " over HTTP in NDJSON bodies of "
          + count(BATCH)
          + " on "
          + HTTP_CONNECTIONS
          + " connections; "
          + count(udpDeltas)
          + " over UDP, 1 a datagram, at "
          + count(UDP_RATE)
          + "/s, meanwhile), to java "
          + String.join(" ", jvmOptions())
          + " -jar pushprom.jar "
          + flags();
    }
  }

  /** What a flood found: its figures, one a line, and each check that failed. */
  record Outcome(
      List<String> figures,
      List<String> problems,
      long limit,
      long series,
      long sendNanos,
      long deltas,
      OptionalLong liveHeapBytes,
      OptionalLong rssBytes) {
    boolean passed() {
      return problems.isEmpty();
    }

    String report() {
      StringBuilder out = new StringBuilder();
      figures.forEach(line -> out.append("  ").append(line).append('\n'));
      problems.forEach(line -> out.append("  FAILED: ").append(line).append('\n'));
      return out.toString();
    }
  }

  private final Settings settings;
  private final Consumer<String> progress;
  private final List<String> figures = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();
  private long limit = -1;
  private long series = -1;
  private long sendNanos;
  private OptionalLong liveHeap = OptionalLong.empty();
  private OptionalLong rss = OptionalLong.empty();

  /** What the flood is doing, for a failure's message: "while ...". */
  private String step = "while starting";

  private Flood(Settings settings, Consumer<String> progress) {
    this.settings = settings;
    this.progress = progress;
  }

  /** Floods a server started for it, checks it, stops it, and says what it found. */
  static Outcome run(Settings settings, Consumer<String> progress) throws InterruptedException {
    Flood flood = new Flood(settings, progress);
    flood.run();
    return new Outcome(
        List.copyOf(flood.figures),
        List.copyOf(flood.problems),
        flood.limit,
        flood.series,
        flood.sendNanos,
        settings.deltas(),
        flood.liveHeap,
        flood.rss);
  }

  /** The load generator's row: the default flood, held against its targets. */
  static LoadGeneratorTable.Row row(Path jar) throws InterruptedException {
    Settings settings = Settings.defaults(jar);
    Outcome outcome = run(settings, message -> LoadGenerator.log("  " + message));
    String held =
        "limit held: "
            + count(outcome.series())
            + " series of "
            + count(outcome.limit())
            + "; alive, answering, exit 0; heap "
            + megabytes(outcome.liveHeapBytes())
            + " live, RSS "
            + megabytes(outcome.rssBytes());
    if (!outcome.passed()) {
      LoadGenerator.log("Flood failed:\n" + outcome.report());
    }
    return LoadGeneratorTable.Row.of(
        "Flood: 10M distinct series at -Xmx256m",
        settings.brief(),
        outcome.passed() ? held : "failed: " + outcome.problems().get(0),
        seconds(outcome.sendNanos())
            + " ("
            + count(outcome.deltas() / (outcome.sendNanos() / 1e9))
            + " deltas/s)",
        "≤ limit and near it; alive; no OOM",
        outcome.passed());
  }

  public static void main(String[] args) throws InterruptedException {
    Settings settings = null;
    try {
      settings = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.print(usage());
      System.exit(2);
    }
    if (settings == null) {
      System.out.print(usage());
      return;
    }
    long start = System.nanoTime();
    System.out.println("flood: " + settings.describe());
    Outcome outcome =
        run(
            settings,
            message ->
                System.err.printf(
                    Locale.ROOT,
                    "[flood %6.1f s] %s%n",
                    (System.nanoTime() - start) / 1e9,
                    message));
    System.out.print(outcome.report());
    System.out.println(
        "flood: "
            + (outcome.passed() ? "PASS" : "FAIL, " + outcome.problems().size() + " checks")
            + " in "
            + seconds(System.nanoTime() - start));
    System.out.flush();
    System.exit(outcome.passed() ? 0 : 1);
  }

  /** The settings the flags ask for; {@code null} for {@code --help}. */
  private static Settings parse(String[] args) {
    Settings defaults = Settings.defaults(null);
    Path jar = null;
    String maxHeap = defaults.maxHeap();
    Shape shape = defaults.shape();
    long httpDeltas = defaults.httpDeltas();
    long udpDeltas = defaults.udpDeltas();
    List<String> serverFlags = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("-h") || flag.equals("--help")) {
        return null;
      }
      if (flag.equals("--")) {
        serverFlags.addAll(List.of(args).subList(i + 1, args.length));
        break;
      }
      if (i + 1 == args.length) {
        throw new IllegalArgumentException("flood: " + flag + " is unknown or needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--jar" -> jar = Path.of(value);
        case "--xmx" -> maxHeap = value;
        case "--shape" -> shape = shape(value);
        case "--http-deltas" -> httpDeltas = number(flag, value);
        case "--udp-deltas" -> udpDeltas = number(flag, value);
        default -> throw new IllegalArgumentException("flood: unknown flag " + flag);
      }
    }
    if (jar == null) {
      throw new IllegalArgumentException("flood: --jar is required");
    }
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException(
          "flood: --jar " + jar + ": no such file; build it first: mvn -q package -DskipTests");
    }
    return new Settings(jar, maxHeap, shape, httpDeltas, udpDeltas, serverFlags);
  }

  private static Shape shape(String value) {
    for (Shape shape : Shape.values()) {
      if (shape.label().equals(value)) {
        return shape;
      }
    }
    throw new IllegalArgumentException(
        "flood: --shape " + value + " is not counter, histogram, summary or summary-objectives");
  }

  private static long number(String flag, String value) {
    try {
      return Long.parseLong(value.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("flood: " + flag + " " + value + " is not a number");
    }
  }

  private static String usage() {
    return String.join(
        " ",
        "usage: java -cp benchmarks.jar io.pushprom.benchmarks.Flood --jar PUSHPROM_JAR",
        "[--xmx 256m] [--shape counter|histogram|summary|summary-objectives]",
        "[--http-deltas 9000000] [--udp-deltas 1000000] [-- PUSHPROM_FLAGS...]\n");
  }

  private void run() throws InterruptedException {
    LoadGeneratorServer server;
    try {
      server =
          LoadGeneratorServer.pushprom(
              settings.jar(), settings.jvmOptions(), settings.serverFlags());
    } catch (IOException e) {
      problems.add("the server did not start: " + e.getMessage());
      return;
    }
    try (server) {
      check(server);
    } catch (IOException e) {
      // The server stopped answering, or answered what no check foresaw.
      problems.add(step + ": " + e.getMessage());
    }
    if (!server.isAlive() && server.exitCode().orElse(0) != 0) {
      problems.add("the server died " + step + ", with exit code " + server.exitCode().getAsInt());
    }
    if (server.loggedOutOfMemory()) {
      problems.add("the server logged that it ran out of memory");
    }
    if (!problems.isEmpty()) {
      figures.add("the server's last lines:\n" + lastLines(server.logTail(), LOG_LINES_SHOWN));
    }
  }

  private void check(LoadGeneratorServer server) throws IOException, InterruptedException {
    server.awaitHealthy();
    OptionalLong emptyHeap = liveHeap(server);
    limit = (long) value(counters(server), "pushprom_series_limit");
    figures.add("limit: " + count(limit) + " series");

    step = "while flooding";
    progress.accept("flooding: " + settings.describe());
    Sent sent = flood(server);
    figures.add(
        "sent "
            + count(settings.deltas())
            + " deltas in "
            + seconds(sendNanos)
            + ": "
            + count(settings.deltas() / (sendNanos / 1e9))
            + " deltas/s");

    step = "while its counters were read";
    progress.accept("checking what the server counted");
    Map<String, Double> counted = settle(server, sent.datagrams());
    account(sent, counted);

    // Before the scrape, which needs heap of its own: this is what the series take.
    step = "while its heap was weighed";
    liveHeap = liveHeap(server);
    rss = server.procStatusBytes("VmRSS");
    figures.add(
        "heap: "
            + megabytes(liveHeap)
            + " live after a full GC (empty server "
            + megabytes(emptyHeap)
            + perSeries(emptyHeap, liveHeap)
            + "); RSS "
            + megabytes(rss));

    step = "while GET /metrics was read";
    progress.accept("scraping /metrics");
    long probe = checkExposition(server);

    step = "while deltas were sent at the limit";
    checkExistingSeriesApplies(server, probe);
    checkNewSeriesRefused(server);

    step = "after the flood";
    int health = status(server, "/health");
    if (health != 200) {
      problems.add("GET /health: status " + health + ", not 200");
    }
    // A whole scrape last (one filtered by name[] does not count), so that on SIGTERM no delta
    // waits for one and the server exits at once.
    server.scrape();
    figures.add(
        "alive after the flood; GET /health "
            + health
            + "; RSS "
            + megabytes(server.procStatusBytes("VmRSS"))
            + ", peak "
            + megabytes(server.procStatusBytes("VmHWM")));

    step = "after SIGTERM";
    progress.accept("stopping the server (pid " + server.pid() + ") with SIGTERM");
    OptionalInt exit = server.terminate();
    figures.add(
        "SIGTERM: " + (exit.isPresent() ? "exit code " + exit.getAsInt() : "did not exit, killed"));
    if (exit.isEmpty()) {
      problems.add("SIGTERM: no exit, killed");
    }
  }

  /** What the flood sent, as the clients counted it. */
  private record Sent(long ok, long refused, long datagrams) {}

  /**
   * Sends the HTTP bodies on {@link #HTTP_CONNECTIONS} connections and the UDP datagrams on a
   * thread of their own, all at once; a body must be answered 200, or 400 for the limit.
   */
  private Sent flood(LoadGeneratorServer server) throws IOException, InterruptedException {
    long bodies = settings.httpDeltas() / BATCH;
    AtomicLong nextBody = new AtomicLong();
    LongAdder ok = new LongAdder();
    LongAdder refused = new LongAdder();
    AtomicReference<String> firstRefusal = new AtomicReference<>("none");
    AtomicLong datagrams = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Exception> udpFailure = new AtomicReference<>();
    Thread udp =
        new Thread(
            () -> {
              try (LoadGeneratorUdp.UdpSenders senders =
                  LoadGeneratorUdp.UdpSenders.to(server.udpPort())) {
                long first = settings.httpDeltas();
                LoadGeneratorUdp.sendPaced(
                    index -> {
                      if (stop.get()) {
                        throw new IOException("udp: stopped, the HTTP flood failed");
                      }
                      byte[] delta =
                          settings.shape().delta(first + index).getBytes(StandardCharsets.UTF_8);
                      senders.write(ByteBuffer.wrap(delta));
                      datagrams.incrementAndGet();
                    },
                    settings.udpDeltas(),
                    UDP_RATE,
                    UDP_TIMEOUT);
              } catch (IOException e) {
                udpFailure.set(e);
              }
            },
            "flood-udp");
    udp.setDaemon(true);
    long start = System.nanoTime();
    udp.start();
    try {
      LoadGeneratorWorkers.inParallel(
          "http",
          HTTP_CONNECTIONS,
          HTTP_TIMEOUT,
          connection -> {
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            StringBuilder body = new StringBuilder(BATCH * 128);
            try (LoadGeneratorHttp http = LoadGeneratorHttp.connect(server.httpPort())) {
              for (long i = nextBody.getAndIncrement();
                  i < bodies;
                  i = nextBody.getAndIncrement()) {
                body.setLength(0);
                for (long id = i * BATCH; id < (i + 1) * BATCH; id++) {
                  settings.shape().append(body, id);
                }
                answer.reset();
                int status = http.send(LoadGeneratorHttp.post(body.toString()), answer).status();
                String text = answer.toString(StandardCharsets.UTF_8);
                if (status == 200) {
                  ok.increment();
                } else if (status == 400 && text.contains(LIMIT_REFUSAL)) {
                  refused.increment();
                  firstRefusal.compareAndSet("none", text.lines().findFirst().orElse(""));
                } else {
                  throw new IOException(
                      "POST / body " + i + ": status " + status + ": " + firstLines(text));
                }
              }
            }
          });
    } finally {
      stop.set(true);
    }
    udp.join(UDP_TIMEOUT.plusSeconds(10).toMillis());
    sendNanos = System.nanoTime() - start;
    if (udp.isAlive() || udpFailure.get() != null) {
      throw new IOException(
          "udp: "
              + (udpFailure.get() != null ? udpFailure.get().getMessage() : "not done in time"));
    }
    if (datagrams.get() != settings.udpDeltas()) {
      throw new IOException(
          "udp: sent "
              + datagrams.get()
              + " of "
              + settings.udpDeltas()
              + " datagrams within "
              + UDP_TIMEOUT.toSeconds()
              + " s");
    }
    figures.add(
        "HTTP: "
            + count(ok.sum())
            + " POSTs 200, "
            + count(refused.sum())
            + " POSTs 400 for the limit; the first: "
            + firstRefusal.get());
    return new Sent(ok.sum(), refused.sum(), datagrams.get());
  }

  /**
   * Reads the server's counters once the UDP deltas it received are all handled: when the deltas
   * applied and rejected over UDP add up to the datagrams received and, with the kernel's drops, to
   * those sent; or when the counts stop moving, so that the accounting says what is missing.
   */
  private static Map<String, Double> settle(LoadGeneratorServer server, long datagrams)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
    Map<String, Double> counted = counters(server);
    int unchanged = 0;
    while (System.nanoTime() - deadline < 0 && unchanged < 5) {
      double received = value(counted, "pushprom_udp_packets_total");
      double handled = udp(counted, "applied") + udp(counted, "rejected");
      double dropped = summed(counted, "pushprom_udp_receive_drops_total");
      if (handled == received && received + dropped >= datagrams) {
        break;
      }
      Thread.sleep(100);
      Map<String, Double> now = counters(server);
      unchanged = now.equals(counted) ? unchanged + 1 : 0;
      counted = now;
    }
    return counted;
  }

  private static Map<String, Double> counters(LoadGeneratorServer server) throws IOException {
    return LoadGeneratorServer.samples(
        server.metrics(
            "pushprom_series",
            "pushprom_series_limit",
            "pushprom_udp_packets_total",
            "pushprom_udp_receive_drops_total",
            "pushprom_deltas_applied_total",
            "pushprom_deltas_rejected_total"),
        name -> true);
  }

  /** Checks that every delta sent is counted as applied or refused, and each series once. */
  private void account(Sent sent, Map<String, Double> counted) {
    series = (long) value(counted, "pushprom_series");
    double httpApplied = labelled(counted, "pushprom_deltas_applied_total", "http", null);
    double httpLimit = labelled(counted, "pushprom_deltas_rejected_total", "http", "limit");
    double httpBatch = labelled(counted, "pushprom_deltas_rejected_total", "http", "batch");
    double httpRejected = labelled(counted, "pushprom_deltas_rejected_total", "http", null);
    double udpApplied = udp(counted, "applied");
    double udpLimit = labelled(counted, "pushprom_deltas_rejected_total", "udp", "limit");
    double udpRejected = udp(counted, "rejected");
    double received = value(counted, "pushprom_udp_packets_total");
    boolean dropsExposed =
        counted.keySet().stream().anyMatch(key -> key.startsWith("pushprom_udp_receive_drops"));
    double dropped = summed(counted, "pushprom_udp_receive_drops_total");

    figures.add(
        "series held: "
            + count(series)
            + " of the limit of "
            + count(limit)
            + String.format(Locale.ROOT, " (%.3f%%)", 100.0 * series / limit));
    figures.add(
        "HTTP, by the server: "
            + count(httpApplied)
            + " applied, "
            + count(httpLimit)
            + " rejected for the limit, "
            + count(httpBatch)
            + " for the batch");
    figures.add(
        "UDP, by the server: "
            + count(received)
            + " datagrams received of "
            + count(sent.datagrams())
            + " sent, "
            + (dropsExposed ? count(dropped) + " dropped by the kernel" : "kernel drops unknown")
            + "; "
            + count(udpApplied)
            + " applied, "
            + count(udpLimit)
            + " rejected for the limit");

    double places = series * settings.shape().places;
    if (places > limit) {
      problems.add("pushprom_series " + series + " exceeds pushprom_series_limit " + limit);
    } else if (places < limit - BATCH * settings.shape().places && settings.deltas() >= limit) {
      problems.add(
          "pushprom_series "
              + series
              + " is not within a batch ("
              + BATCH
              + ") of the limit "
              + limit
              + " after "
              + settings.deltas()
              + " new series were pushed");
    }
    if (series != httpApplied + udpApplied) {
      problems.add(
          "pushprom_series "
              + series
              + " is not the deltas applied, "
              + count(httpApplied + udpApplied)
              + ", each of which made a series");
    }
    if (httpApplied != (double) sent.ok() * BATCH) {
      problems.add(
          "HTTP: "
              + count(httpApplied)
              + " deltas applied, not the "
              + count(sent.ok() * BATCH)
              + " of the bodies answered 200");
    }
    if (httpLimit + httpBatch != (double) sent.refused() * BATCH
        || httpRejected != httpLimit + httpBatch) {
      problems.add(
          "HTTP: "
              + count(httpRejected)
              + " deltas rejected ("
              + count(httpLimit)
              + " limit, "
              + count(httpBatch)
              + " batch), not the "
              + count(sent.refused() * BATCH)
              + " of the bodies refused for the limit");
    }
    if (udpApplied + udpRejected != received || udpRejected != udpLimit) {
      problems.add(
          "UDP: "
              + count(udpApplied)
              + " applied and "
              + count(udpRejected)
              + " rejected ("
              + count(udpLimit)
              + " for the limit), not the "
              + count(received)
              + " datagrams received");
    }
    if (dropsExposed ? received + dropped != sent.datagrams() : received > sent.datagrams()) {
      problems.add(
          "UDP: "
              + count(received)
              + " datagrams received and "
              + count(dropped)
              + " dropped by the kernel, not the "
              + count(sent.datagrams())
              + " sent");
    }
  }

  /**
   * Scrapes the whole {@code /metrics}, which must parse and show each series held once.
   *
   * @return the id of a series it shows
   */
  private long checkExposition(LoadGeneratorServer server) throws IOException {
    Exposition exposition = new Exposition(settings.shape().seriesSample);
    long start = System.nanoTime();
    LoadGeneratorHttp.Response response;
    // Read as it streams, line by line: a million histograms are 700 MB of text.
    try (LoadGeneratorHttp http = LoadGeneratorHttp.connect(server.httpPort())) {
      response = http.send(LoadGeneratorHttp.get("/metrics"), exposition);
    }
    long nanos = System.nanoTime() - start;
    if (response.status() != 200) {
      throw new IOException("GET /metrics: status " + response.status());
    }
    if (exposition.malformed != null) {
      throw new IOException("GET /metrics: does not parse: " + exposition.malformed);
    }
    figures.add(
        "GET /metrics: 200 in "
            + seconds(nanos)
            + ", "
            + String.format(Locale.ROOT, "%.1f MB", response.length() / 1e6)
            + ", "
            + count(exposition.lines)
            + " lines, "
            + count(exposition.series)
            + " series of the flood");
    if (exposition.series != series) {
      problems.add(
          "GET /metrics shows "
              + exposition.series
              + " series of the flood, not pushprom_series "
              + series);
    }
    if (exposition.firstId < 0) {
      throw new IOException("GET /metrics: no series of the flood to update");
    }
    return exposition.firstId;
  }

  /**
   * A text exposition checked as it arrives: every sample line must have a name and a number, and
   * the lines of one sample name are counted.
   */
  private static final class Exposition extends OutputStream {
    private final String seriesSample;
    private final StringBuilder line = new StringBuilder();
    long lines;
    long series;
    long firstId = -1;
    String malformed;

    Exposition(String seriesSample) {
      this.seriesSample = seriesSample;
    }

    @Override
    public void write(int b) {
      if (b != '\n') {
        // Every byte of the text format but in label values is ASCII, and ours are digits.
        line.append((char) b);
        return;
      }
      lines++;
      if (line.length() > 0 && line.charAt(0) != '#') {
        sample(line.toString());
      }
      line.setLength(0);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      for (int i = offset; i < offset + length; i++) {
        write(bytes[i]);
      }
    }

    private void sample(String text) {
      int brace = text.indexOf('{');
      int space = text.lastIndexOf(' ');
      int nameEnd = brace >= 0 ? brace : space;
      try {
        if (nameEnd <= 0) {
          throw new NumberFormatException("no name");
        }
        String value = text.substring(space + 1);
        if (!value.equals("+Inf") && !value.equals("-Inf")) {
          Double.parseDouble(value);
        }
      } catch (RuntimeException e) {
        if (malformed == null) {
          malformed = "line " + lines + ": " + text;
        }
        return;
      }
      if (text.startsWith(seriesSample) && nameEnd == seriesSample.length()) {
        series++;
        if (firstId < 0) {
          Matcher labels = SERIES_LABELS.matcher(text);
          if (labels.find()) {
            firstId = Long.parseLong(labels.group(1)) * 1000 + Long.parseLong(labels.group(2));
          }
        }
      }
    }
  }

  /** Checks that a delta to a series the server holds still applies, at the limit. */
  private void checkExistingSeriesApplies(LoadGeneratorServer server, long id) throws IOException {
    String sample = sampleOf(id);
    double before = seriesValue(server, sample);
    int status = post(server, settings.shape().delta(id));
    double after = seriesValue(server, sample);
    figures.add(
        "a delta to the existing series "
            + sample
            + ": "
            + status
            + ", "
            + count(before)
            + " → "
            + count(after));
    if (status != 200 || after != before + 1) {
      problems.add(
          "a delta to the existing series "
              + sample
              + " was answered "
              + status
              + " and took it from "
              + before
              + " to "
              + after
              + ", not to "
              + (before + 1));
    }
  }

  /** Checks that one more new series is refused, with the limit named. */
  private void checkNewSeriesRefused(LoadGeneratorServer server) throws IOException {
    String delta = settings.shape().delta(settings.deltas());
    try (LoadGeneratorHttp http = LoadGeneratorHttp.connect(server.httpPort())) {
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      int status = http.send(LoadGeneratorHttp.post(delta), answer).status();
      String text = answer.toString(StandardCharsets.UTF_8).strip();
      figures.add("a delta to a new series: " + status + " " + text);
      if (status != 400 || !text.contains(LIMIT_REFUSAL)) {
        problems.add("a delta to a new series was answered " + status + " " + text);
      }
    }
  }

  private String sampleOf(long id) {
    return settings.shape().seriesSample + "{a=\"" + id / 1000 + "\",b=\"" + id % 1000 + "\",}";
  }

  private double seriesValue(LoadGeneratorServer server, String sample) throws IOException {
    Double value =
        LoadGeneratorServer.samples(
                server.metrics(settings.shape().seriesSample),
                settings.shape().seriesSample::equals)
            .get(sample);
    if (value == null) {
      throw new IOException("GET /metrics: no sample " + sample);
    }
    return value;
  }

  private static int post(LoadGeneratorServer server, String body) throws IOException {
    try (LoadGeneratorHttp http = LoadGeneratorHttp.connect(server.httpPort())) {
      return http.send(LoadGeneratorHttp.post(body), OutputStream.nullOutputStream()).status();
    }
  }

  private static int status(LoadGeneratorServer server, String path) throws IOException {
    try (LoadGeneratorHttp http = LoadGeneratorHttp.connect(server.httpPort())) {
      return http.send(LoadGeneratorHttp.get(path), OutputStream.nullOutputStream()).status();
    }
  }

  /** The live heap after a full GC, by jcmd; empty, with the reason noted, if jcmd failed. */
  private OptionalLong liveHeap(LoadGeneratorServer server) throws InterruptedException {
    try {
      return OptionalLong.of(server.liveHeapBytes());
    } catch (IOException e) {
      figures.add("heap: not measured: " + e.getMessage());
      return OptionalLong.empty();
    }
  }

  private String perSeries(OptionalLong empty, OptionalLong full) {
    if (empty.isEmpty() || full.isEmpty() || series <= 0) {
      return "";
    }
    return String.format(
        Locale.ROOT,
        "; %.0f B a series over it",
        (double) (full.getAsLong() - empty.getAsLong()) / series);
  }

  private static String lastLines(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /** The value of an unlabelled sample, 0 if absent. */
  private static double value(Map<String, Double> samples, String name) {
    return samples.getOrDefault(name, 0.0);
  }

  /** The sum of every series of {@code name}, labelled or not: the drops, one per UDP socket. */
  private static double summed(Map<String, Double> samples, String name) {
    double sum = 0;
    for (Map.Entry<String, Double> sample : samples.entrySet()) {
      if (sample.getKey().equals(name) || sample.getKey().startsWith(name + "{")) {
        sum += sample.getValue();
      }
    }
    return sum;
  }

  private static double udp(Map<String, Double> counted, String what) {
    return labelled(counted, "pushprom_deltas_" + what + "_total", "udp", null);
  }

  /** The sum of the samples of {@code name} with this transport and, if not null, reason. */
  private static double labelled(
      Map<String, Double> samples, String name, String transport, String reason) {
    double sum = 0;
    for (Map.Entry<String, Double> sample : samples.entrySet()) {
      String key = sample.getKey();
      if (key.startsWith(name + "{")
          && key.contains("transport=\"" + transport + "\"")
          && (reason == null || key.contains("reason=\"" + reason + "\""))) {
        sum += sample.getValue();
      }
    }
    return sum;
  }

  private static String firstLines(String text) {
    return text.lines().limit(3).reduce((a, b) -> a + " / " + b).orElse("");
  }
}
