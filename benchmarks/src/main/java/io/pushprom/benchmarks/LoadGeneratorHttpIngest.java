package io.pushprom.benchmarks;

import static io.pushprom.benchmarks.LoadGeneratorDeltas.counter;
import static io.pushprom.benchmarks.LoadGeneratorDeltas.ndjson;
import static io.pushprom.benchmarks.LoadGeneratorDeltas.series;
import static io.pushprom.benchmarks.LoadGeneratorTable.count;
import static io.pushprom.benchmarks.LoadGeneratorTable.percent;

import io.pushprom.benchmarks.LoadGeneratorTable.Row;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;

/**
 * The HTTP ingest scenarios: one delta per {@code POST} on 16 keep-alive connections against a
 * {@link NullServer} that does no work, NDJSON bodies of 1,000 deltas, and those bodies again with
 * expiry on and off. Servers compared take turns, so that a noisy neighbour weighs on both.
 *
 * <pre>{@code
 * List<Row> rows = new LoadGeneratorHttpIngest(jar).batches();
 * }</pre>
 */
final class LoadGeneratorHttpIngest {
  private static final int SERIES = 100;
  private static final int CONNECTIONS = 16;
  private static final Duration WARM_UP = Duration.ofSeconds(2);
  private static final int ROUNDS = 3;
  private static final Duration ROUND = Duration.ofSeconds(2);
  private static final Duration MEASURE = Duration.ofSeconds(5);
  private static final double RATIO_TARGET = 0.85;
  private static final int BATCH_DELTAS = 1_000;
  private static final int BATCH_CONNECTIONS = 4;
  private static final Duration BATCH_WARM_UP = Duration.ofSeconds(1);
  private static final double BATCH_TARGET = 1_000_000;

  /** A TTL far longer than the run, so that expiry runs (every 10 s) but removes nothing. */
  private static final List<String> EXPIRY_FLAGS = List.of("-series-ttl", "10m");

  private static final double EXPIRY_RATIO_TARGET = 0.85;
  private static final int EXPIRY_ROUNDS = 5;

  /** A bound on any one connection's requests, far above what a few seconds allow. */
  static final long MAX_REQUESTS_PER_CONNECTION = 10_000_000;

  private final Path jar;

  LoadGeneratorHttpIngest(Path jar) {
    this.jar = jar;
  }

  // One delta per POST

  /** What a run of keep-alive clients got: 200s in all, and those within the measured window. */
  private record HttpRun(long ok, long measured, Duration window) {
    double perSecond() {
      return measured / (window.toNanos() / 1e9);
    }
  }

  List<Row> single() throws Exception {
    List<byte[]> requests =
        IntStream.range(0, SERIES)
            .mapToObj(i -> LoadGeneratorHttp.post(counter("lg_http_single", series(i))))
            .toList();
    String offered =
        CONNECTIONS
            + " keep-alive connections, "
            + ROUNDS
            + " rounds of "
            + ROUND.toSeconds()
            + " s each, the servers taking turns, after "
            + WARM_UP.toSeconds()
            + " s warm-up each";
    // The two servers take turns, so that a noisy neighbour on a shared machine weighs on both.
    try (LoadGeneratorServer nullServer = LoadGeneratorServer.nullServer();
        LoadGeneratorServer server = LoadGeneratorServer.pushprom(jar, List.of())) {
      hammer(nullServer.httpPort(), CONNECTIONS, requests, WARM_UP, ROUND);
      hammer(server.httpPort(), CONNECTIONS, requests, WARM_UP, ROUND);
      double warmUpApplied = server.sum("lg_http_single_total");
      long baselineRequests = 0;
      long requestsServed = 0;
      long ok = 0;
      for (int round = 0; round < ROUNDS; round++) {
        baselineRequests +=
            hammer(nullServer.httpPort(), CONNECTIONS, requests, Duration.ZERO, ROUND).measured();
        HttpRun run = hammer(server.httpPort(), CONNECTIONS, requests, Duration.ZERO, ROUND);
        requestsServed += run.measured();
        ok += run.ok();
      }
      double applied = server.sum("lg_http_single_total") - warmUpApplied;
      double window = ROUNDS * ROUND.toNanos() / 1e9;
      double baselinePerSecond = baselineRequests / window;
      double perSecond = requestsServed / window;
      double ratio = perSecond / baselinePerSecond;
      return List.of(
          Row.info(
              "HTTP single: NullServer (JDK HttpServer, no work)",
              offered,
              count(baselinePerSecond) + " req/s",
              "baseline"),
          Row.of(
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
              ratio >= RATIO_TARGET && applied == ok));
    }
  }

  // NDJSON batches

  List<Row> batches() throws Exception {
    byte[] request =
        LoadGeneratorHttp.post(
            ndjson(0, BATCH_DELTAS, i -> counter("lg_http_batch", series(i % SERIES))));
    try (LoadGeneratorServer server = LoadGeneratorServer.pushprom(jar, List.of())) {
      HttpRun run =
          hammer(server.httpPort(), BATCH_CONNECTIONS, List.of(request), BATCH_WARM_UP, MEASURE);
      double applied = server.sum("lg_http_batch_total");
      double expected = (double) run.ok() * BATCH_DELTAS;
      double deltasPerSecond = run.perSecond() * BATCH_DELTAS;
      return List.of(
          Row.of(
              "HTTP batches: NDJSON, 1,000 deltas/POST",
              BATCH_CONNECTIONS
                  + " keep-alive connections, "
                  + BATCH_WARM_UP.toSeconds()
                  + " s warm-up + "
                  + MEASURE.toSeconds()
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
              deltasPerSecond >= BATCH_TARGET && applied == expected));
    }
  }

  /**
   * The HTTP batches again, on a server with {@code -series-ttl 10m} and one without, taking turns
   * as the single-delta servers do, so that a noisy neighbour weighs on both; five rounds, as three
   * ranged from 84% to 109% over five runs.
   */
  List<Row> batchesWithExpiry() throws Exception {
    String name = "lg_http_expiry";
    byte[] request =
        LoadGeneratorHttp.post(ndjson(0, BATCH_DELTAS, i -> counter(name, series(i % SERIES))));
    List<byte[]> requests = List.of(request);
    try (LoadGeneratorServer off = LoadGeneratorServer.pushprom(jar, List.of());
        LoadGeneratorServer on = LoadGeneratorServer.pushprom(jar, List.of(), EXPIRY_FLAGS)) {
      long offOk = hammer(off.httpPort(), BATCH_CONNECTIONS, requests, BATCH_WARM_UP, ROUND).ok();
      long onOk = hammer(on.httpPort(), BATCH_CONNECTIONS, requests, BATCH_WARM_UP, ROUND).ok();
      long offMeasured = 0;
      long onMeasured = 0;
      for (int round = 0; round < EXPIRY_ROUNDS; round++) {
        // Each goes first in every other round: the second of a pair tended to measure more.
        boolean offFirst = round % 2 == 0;
        HttpRun first =
            hammer(
                (offFirst ? off : on).httpPort(),
                BATCH_CONNECTIONS,
                requests,
                Duration.ZERO,
                ROUND);
        HttpRun second =
            hammer(
                (offFirst ? on : off).httpPort(),
                BATCH_CONNECTIONS,
                requests,
                Duration.ZERO,
                ROUND);
        HttpRun offRun = offFirst ? first : second;
        HttpRun onRun = offFirst ? second : first;
        offOk += offRun.ok();
        offMeasured += offRun.measured();
        onOk += onRun.ok();
        onMeasured += onRun.measured();
      }
      double window = EXPIRY_ROUNDS * ROUND.toNanos() / 1e9;
      double offPerSecond = offMeasured * BATCH_DELTAS / window;
      double onPerSecond = onMeasured * BATCH_DELTAS / window;
      double ratio = onPerSecond / offPerSecond;
      boolean offExact = off.sum(name + "_total") == (double) offOk * BATCH_DELTAS;
      boolean onExact = on.sum(name + "_total") == (double) onOk * BATCH_DELTAS;
      return List.of(
          Row.of(
              "HTTP batches: expiry on (-series-ttl 10m) vs off",
              BATCH_CONNECTIONS
                  + " keep-alive connections, NDJSON × 1,000, "
                  + EXPIRY_ROUNDS
                  + " rounds of "
                  + ROUND.toSeconds()
                  + " s each, the servers taking turns, after "
                  + BATCH_WARM_UP.toSeconds()
                  + " s warm-up + "
                  + ROUND.toSeconds()
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
              ratio >= EXPIRY_RATIO_TARGET && onExact && offExact));
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
    LoadGeneratorWorkers.inParallel(
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
}
