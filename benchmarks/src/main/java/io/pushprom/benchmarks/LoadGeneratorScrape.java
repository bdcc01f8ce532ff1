package io.pushprom.benchmarks;

import static io.pushprom.benchmarks.LoadGeneratorDeltas.counter;
import static io.pushprom.benchmarks.LoadGeneratorDeltas.series;
import static io.pushprom.benchmarks.LoadGeneratorTable.count;
import static io.pushprom.benchmarks.LoadGeneratorTable.join;
import static io.pushprom.benchmarks.LoadGeneratorTable.median;
import static io.pushprom.benchmarks.LoadGeneratorTable.megabytes;
import static io.pushprom.benchmarks.LoadGeneratorTable.millis;
import static io.pushprom.benchmarks.LoadGeneratorTable.percentile;
import static io.pushprom.benchmarks.LoadGeneratorTable.seconds;

import io.pushprom.benchmarks.LoadGeneratorTable.Row;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The scrape scenarios: {@code GET /metrics} at 100,000 series, and at 1,000,000 series of two
 * labels while 16 keep-alive connections POST single deltas as fast as they are answered; then the
 * heap a series takes, from the live heap of the full server against an empty one.
 *
 * <pre>{@code
 * List<Row> rows = new LoadGeneratorScrape(jar).small();
 * }</pre>
 */
final class LoadGeneratorScrape {
  private static final int SMALL_SERIES = 100_000;
  private static final int SMALL_COUNT = 20;
  private static final double SMALL_TARGET_MILLIS = 50;

  static final int LARGE_SERIES = 1_000_000;
  private static final int LARGE_COUNT = 9;
  private static final double LARGE_TARGET_MILLIS = 700;

  /**
   * The JVM of the large server: a heap that holds 1,000,000 series and their scrape. The README's
   * options with {@code -Xmx384m} hold them too (155 MB live), but their serial collector stops the
   * scrape and the POSTs alike: on 2026-12-05 a median of 5.9 s against 3.6 s here, filling at
   * 38,000 series/s against 178,000.
   */
  static final List<String> LARGE_JVM = List.of("-Xmx1g");

  /** {@code -max-series auto} at {@code -Xmx1g} is 1,048,576, enough; a smaller heap needs this. */
  static final List<String> LARGE_FLAGS = List.of("-max-series", "2000000");

  private static final String LARGE_NAME = "lg_big";

  /** Connections POSTing single deltas, back to back, while the large server is scraped. */
  private static final int POSTERS = 16;

  /** POSTs answered before the first scrape: about 2 s of them on a 2-core machine. */
  private static final int WARM_POSTS = 20_000;

  private static final double BYTES_PER_SERIES_TARGET = 400;

  private final Path jar;

  LoadGeneratorScrape(Path jar) {
    this.jar = jar;
  }

  // 100,000 series

  List<Row> small() throws Exception {
    String name = "lg_scrape";
    try (LoadGeneratorServer server = LoadGeneratorServer.pushprom(jar, List.of())) {
      long fillNanos =
          LoadGeneratorDeltas.fill(server.httpPort(), SMALL_SERIES, i -> counter(name, series(i)));
      LoadGeneratorDeltas.checkFilled(server, name + "_total", SMALL_SERIES);
      double[] millis = new double[SMALL_COUNT];
      long bytes = 0;
      for (int i = 0; i < millis.length; i++) {
        LoadGeneratorServer.Scrape scrape = server.scrape();
        millis[i] = scrape.millis();
        bytes = scrape.bytes();
      }
      double median = median(millis);
      return List.of(
          Row.of(
              "Scrape at 100,000 series",
              count(SMALL_SERIES)
                  + " series filled in "
                  + seconds(fillNanos)
                  + "; "
                  + SMALL_COUNT
                  + " × GET /metrics, "
                  + megabytes(bytes),
              "median " + millis(median) + ", p90 " + millis(percentile(millis, 0.9)),
              "—",
              "median ≤ " + millis(SMALL_TARGET_MILLIS),
              median <= SMALL_TARGET_MILLIS));
    }
  }

  // 1,000,000 series, and the heap per series

  List<Row> large() throws Exception {
    Row fill;
    Row scrape;
    long full;
    try (LoadGeneratorServer server = LoadGeneratorServer.pushprom(jar, LARGE_JVM, LARGE_FLAGS)) {
      long fillNanos = fillLarge(server);
      fill =
          Row.info(
              "Fill 1,000,000 series, 2 labels (" + String.join(" ", LARGE_JVM) + ")",
              count(LARGE_SERIES / LoadGeneratorDeltas.BATCH)
                  + " POSTs × 1,000 deltas, "
                  + LoadGeneratorDeltas.FILL_CONNECTIONS
                  + " connections",
              count(LARGE_SERIES / (fillNanos / 1e9)) + " series/s (" + seconds(fillNanos) + ")",
              "—");
      scrape = scrapeWhilePosting(server);
      full = server.liveHeapBytes();
    }
    long empty;
    try (LoadGeneratorServer server = LoadGeneratorServer.pushprom(jar, LARGE_JVM, LARGE_FLAGS)) {
      server.awaitHealthy();
      empty = server.liveHeapBytes();
    }
    double perSeries = (double) (full - empty) / LARGE_SERIES;
    return List.of(
        fill,
        scrape,
        Row.of(
            "Heap per series at 1,000,000 series",
            "jcmd GC.class_histogram, full vs empty server",
            megabytes(full) + " live vs " + megabytes(empty),
            String.format(Locale.ROOT, "%.0f B/series", perSeries),
            "≤ " + (int) BYTES_PER_SERIES_TARGET + " B/series",
            perSeries <= BYTES_PER_SERIES_TARGET));
  }

  /**
   * Fills {@code server} with the 1,000,000 series of counter {@code lg_big}, two labels each, and
   * checks that each has one inc.
   *
   * @return the nanoseconds the POSTs took
   */
  static long fillLarge(LoadGeneratorServer server) throws IOException, InterruptedException {
    long nanos =
        LoadGeneratorDeltas.fill(
            server.httpPort(),
            LARGE_SERIES,
            i -> counter(LARGE_NAME, LoadGeneratorDeltas.twoLabels(i)));
    LoadGeneratorDeltas.checkFilled(server, LARGE_NAME + "_total", LARGE_SERIES);
    return nanos;
  }

  /**
   * Scrapes the full server while {@link #POSTERS} connections POST single deltas back to back,
   * each as soon as the last is answered, all of which must be applied. The posters run for {@link
   * #WARM_POSTS} POSTs and one scrape goes first, unmeasured: Prometheus scrapes every few seconds a
   * server that is pushed to all the time, so the code of both is compiled by the time it matters.
   */
  private static Row scrapeWhilePosting(LoadGeneratorServer server) throws Exception {
    String name = "lg_during_scrape";
    AtomicBoolean scraping = new AtomicBoolean(true);
    LongAdder answered = new LongAdder();
    AtomicReference<Exception> posterFailure = new AtomicReference<>();
    double[] millis = new double[LARGE_COUNT];
    long bytes = 0;
    long postedBefore = 0;
    long start = 0;
    long end = 0;
    Thread posters =
        new Thread(
            () -> {
              try {
                LoadGeneratorWorkers.inParallel(
                    "poster",
                    POSTERS,
                    Duration.ofMinutes(2),
                    connection -> {
                      byte[] request = LoadGeneratorHttp.post(counter(name, series(connection)));
                      try (LoadGeneratorHttp http = LoadGeneratorHttp.connect(server.httpPort())) {
                        while (scraping.get()) {
                          int status = http.send(request, OutputStream.nullOutputStream()).status();
                          if (status != 200) {
                            throw new IOException("POST / during a scrape: status " + status);
                          }
                          answered.increment();
                        }
                      }
                    });
              } catch (IOException | InterruptedException e) {
                posterFailure.set(e);
              }
            },
            "loadgen-posters");
    posters.setDaemon(true);
    posters.start();
    try {
      // Prometheus finds a server that was being pushed to all along: the POST path is compiled, in
      // the server and here, and the posters are at their steady rate before the first scrape.
      while (answered.sum() < WARM_POSTS && posters.isAlive()) {
        Thread.sleep(50);
      }
      server.scrape();
      postedBefore = answered.sum();
      start = System.nanoTime();
      for (int i = 0; i < millis.length; i++) {
        LoadGeneratorServer.Scrape scrape = server.scrape();
        millis[i] = scrape.millis();
        bytes = scrape.bytes();
      }
      end = System.nanoTime();
    } finally {
      scraping.set(false);
      posters.join(30_000);
    }
    if (posterFailure.get() != null) {
      throw posterFailure.get();
    }
    long posted = answered.sum();
    long postedMeasured = answered.sum() - postedBefore;
    double applied = server.sum(name + "_total");
    double median = median(millis);
    return Row.of(
        "Scrape at 1,000,000 series, POSTing meanwhile",
        "1 + "
            + LARGE_COUNT
            + " × GET /metrics, "
            + megabytes(bytes)
            + "; "
            + POSTERS
            + " keep-alive connections POSTing 1 delta each, flat out",
        "median "
            + millis(median)
            + " ("
            + join(millis, LoadGeneratorTable::millis)
            + "); "
            + count(postedMeasured / ((end - start) / 1e9))
            + " POSTs/s answered 200 while measured; of "
            + count(posted)
            + " POSTs in all, applied "
            + count(applied),
        "—",
        "median ≤ " + millis(LARGE_TARGET_MILLIS) + "; POSTs applied",
        median <= LARGE_TARGET_MILLIS && posted > 0 && applied == posted);
  }
}
