package io.pushprom.benchmarks;

import static io.pushprom.benchmarks.LoadGeneratorTable.count;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The deltas the scenarios send, as text, and the fill that makes many series at once: NDJSON
 * bodies of 1,000 deltas POSTed over a few keep-alive connections.
 *
 * <pre>{@code
 * LoadGeneratorDeltas.fill(port, 1_000_000, i -> LoadGeneratorDeltas.counter("c", LoadGeneratorDeltas.series(i)));
 * }</pre>
 */
final class LoadGeneratorDeltas {
  static final int BATCH = 1_000;

  /** Two connections were 300,000 series/s at 1M; four keep both cores busy while one parses. */
  static final int FILL_CONNECTIONS = 4;

  private static final Duration FILL_TIMEOUT = Duration.ofSeconds(90);

  private LoadGeneratorDeltas() {}

  /** An {@code inc} of counter {@code name} with {@code labels} (JSON members, maybe none). */
  static String counter(String name, String labels) {
    return "{\"type\":\"counter\",\"name\":\""
        + name
        + "\",\"help\":\"h\",\"labels\":{"
        + labels
        + "},\"method\":\"inc\"}";
  }

  /** The label {@code series="i"}. */
  static String series(int i) {
    return "\"series\":\"" + i + "\"";
  }

  /** Two labels, {@code a} and {@code b}, a thousand values of {@code b} for each {@code a}. */
  static String twoLabels(int i) {
    return "\"a\":\"" + i / 1000 + "\",\"b\":\"" + i % 1000 + "\"";
  }

  /** Deltas {@code from} to {@code to - 1}, one a line. */
  static String ndjson(int from, int to, IntFunction<String> delta) {
    StringBuilder body = new StringBuilder();
    for (int i = from; i < to; i++) {
      body.append(delta.apply(i)).append('\n');
    }
    return body.toString();
  }

  static ByteBuffer direct(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
  }

  /**
   * POSTs deltas 0 to {@code series - 1} in NDJSON bodies of {@link #BATCH}, over a few keep-alive
   * connections, each body made when its turn comes; every body must be answered 200.
   *
   * @return the nanoseconds the fill took
   */
  static long fill(int port, int series, IntFunction<String> delta)
      throws IOException, InterruptedException {
    int bodies = (series + BATCH - 1) / BATCH;
    AtomicInteger next = new AtomicInteger();
    long start = System.nanoTime();
    LoadGeneratorWorkers.inParallel(
        "fill",
        FILL_CONNECTIONS,
        FILL_TIMEOUT,
        connection -> {
          ByteArrayOutputStream answer = new ByteArrayOutputStream();
          try (LoadGeneratorHttp http = LoadGeneratorHttp.connect(port)) {
            for (int i = next.getAndIncrement(); i < bodies; i = next.getAndIncrement()) {
              answer.reset();
              String body = ndjson(i * BATCH, Math.min(series, (i + 1) * BATCH), delta);
              int status = http.send(LoadGeneratorHttp.post(body), answer).status();
              if (status != 200) {
                throw new IOException("POST / body " + i + ": status " + status + ": " + answer);
              }
            }
          }
        });
    return System.nanoTime() - start;
  }

  /** Fails unless the series of {@code sample} sum to {@code series}: one inc each. */
  static void checkFilled(LoadGeneratorServer server, String sample, int series)
      throws IOException {
    double total = server.sum(sample);
    if (total != series) {
      throw new IOException(
          sample + ": sums to " + count(total) + " after the fill, not " + count(series));
    }
  }
}
