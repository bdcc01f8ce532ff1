package io.pushprom.benchmarks;

import static io.pushprom.benchmarks.LoadGeneratorTable.join;
import static io.pushprom.benchmarks.LoadGeneratorTable.median;
import static io.pushprom.benchmarks.LoadGeneratorTable.millis;

import io.pushprom.benchmarks.LoadGeneratorTable.Row;
import java.nio.file.Path;
import java.util.List;

/**
 * Start-up: from {@code java -jar} to the first 200 on {@code /health}, the median of three starts.
 *
 * <pre>{@code
 * List<Row> rows = LoadGeneratorStartUp.rows(jar);
 * }</pre>
 */
final class LoadGeneratorStartUp {
  private static final int STARTS = 3;
  private static final double TARGET_MILLIS = 1_000;

  private LoadGeneratorStartUp() {}

  static List<Row> rows(Path jar) throws Exception {
    double[] millis = new double[STARTS];
    for (int i = 0; i < STARTS; i++) {
      try (LoadGeneratorServer server = LoadGeneratorServer.pushprom(jar, List.of())) {
        millis[i] = server.awaitHealthy();
      }
    }
    double median = median(millis);
    return List.of(
        Row.of(
            "Start-up: process start to first 200 on /health",
            STARTS + " starts, polled every 5 ms",
            "median " + millis(median) + " (" + join(millis, LoadGeneratorTable::millis) + ")",
            "—",
            "< " + millis(TARGET_MILLIS),
            median < TARGET_MILLIS));
  }
}
