package io.pushprom.benchmarks;

import static io.pushprom.benchmarks.LoadGeneratorDeltas.counter;
import static io.pushprom.benchmarks.LoadGeneratorTable.count;
import static io.pushprom.benchmarks.LoadGeneratorTable.seconds;

import io.pushprom.benchmarks.LoadGeneratorTable.Row;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Resident memory: the VmRSS of {@code /proc/PID/status}, the whole process and not only its heap,
 * of a server holding 100,000 or 1,000,000 counter series (one label each, as in docs/footprint.md)
 * under given JVM options. It reads VmRSS idle (nothing pushed), after the fill, after three whole
 * scrapes (a scrape allocates), and VmHWM, the peak. The scenarios hold the README's run command
 * and the Dockerfile's options to the targets; {@code memory-options} compares collectors at
 * 100,000 series, adding the ingest rate and the server's CPU time a delta costs. Run on its own,
 * it prints one row of docs/footprint.md's table, as {@code benchmarks/rss.sh} asks it to:
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar io.pushprom.benchmarks.LoadGeneratorMemory \
 *     --jar pushprom-cli/target/pushprom.jar --series 100000 --header -- -XX:+UseSerialGC -Xmx256m
 * }</pre>
 */
final class LoadGeneratorMemory {
  /** The README's run command. */
  private static final List<String> README =
      List.of("-XX:+ExitOnOutOfMemoryError", "-XX:+UseSerialGC", "-Xms32m", "-Xmx256m");

  /** The Dockerfile's JAVA_TOOL_OPTIONS. */
  private static final List<String> DOCKER =
      List.of(
          "-XX:+ExitOnOutOfMemoryError",
          "-XX:+UseSerialGC",
          "-Xms32m",
          "-XX:MinHeapFreeRatio=10",
          "-XX:MaxHeapFreeRatio=20",
          "-XX:MaxRAMPercentage=50",
          "-Xss256k",
          "-XX:MaxMetaspaceSize=64m",
          "-XX:ReservedCodeCacheSize=32m");

  /** So that the limit never refuses a series; {@code auto} would stop at 253,440 at 256m. */
  private static final List<String> FLAGS = List.of("-max-series", "2000000");

  private static final int SMALL = 100_000;
  private static final int LARGE = 1_000_000;
  private static final long SMALL_TARGET_BYTES = 150_000_000;
  private static final long LARGE_TARGET_BYTES = 600_000_000;

  /**
   * As rss.sh waited: the JVM settles after its start, and after the fill, before VmRSS is read.
   */
  private static final Duration IDLE_WAIT = Duration.ofSeconds(2);

  private static final Duration FILLED_WAIT = Duration.ofSeconds(2);
  private static final Duration SCRAPED_WAIT = Duration.ofSeconds(1);
  private static final int SCRAPES = 3;

  /** Deltas to existing series for the steady ingest rate, after one warm-up pass. */
  private static final long AGAIN_DELTAS = 2_000_000;

  /** The option sets of the comparison at 100,000 series; each gets ExitOnOutOfMemoryError. */
  private static final List<List<String>> OPTION_SETS =
      List.of(
          List.of(),
          List.of("-XX:+UseSerialGC"),
          List.of("-XX:+UseParallelGC", "-Xmx256m"),
          List.of("-XX:+UseG1GC", "-Xmx256m"),
          List.of("-XX:+UseZGC", "-XX:+ZUncommit", "-Xmx256m"),
          replace(DOCKER, "-XX:MaxRAMPercentage=50", "-Xmx256m"));

  private final Path jar;

  LoadGeneratorMemory(Path jar) {
    this.jar = jar;
  }

  /** What one server's memory did. Bytes are VmRSS, peak VmHWM; rates and CPU per delta. */
  record Footprint(
      long idle,
      long filled,
      long scraped,
      long peak,
      long fillNanos,
      double newPerSecond,
      double newCpuMicros,
      double againPerSecond,
      double againCpuMicros) {
    /** The figure the targets hold: after the fill or after the scrapes, whichever is larger. */
    long held() {
      return Math.max(filled, scraped);
    }
  }

  // The default run: the README's and the Dockerfile's options against the targets

  List<Row> targets() throws Exception {
    List<String> readmeLarge = replace(README, "-Xmx256m", "-Xmx384m");
    List<String> dockerSmall = plus(DOCKER, "-XX:MaxRAM=512m");
    List<String> dockerLarge = plus(DOCKER, "-XX:MaxRAM=768m");
    return List.of(
        targetRow("README's options", README, String.join(" ", README), SMALL, SMALL_TARGET_BYTES),
        targetRow(
            "README's options",
            readmeLarge,
            String.join(" ", readmeLarge)
                + " (-Xmx384m, not 256m: docs/footprint.md found 1M needs it)",
            LARGE,
            LARGE_TARGET_BYTES),
        targetRow(
            "Dockerfile's options",
            dockerSmall,
            "the Dockerfile's JAVA_TOOL_OPTIONS -XX:MaxRAM=512m (a 512 MiB container: 256 MiB"
                + " heap)",
            SMALL,
            SMALL_TARGET_BYTES),
        targetRow(
            "Dockerfile's options",
            dockerLarge,
            "the Dockerfile's JAVA_TOOL_OPTIONS -XX:MaxRAM=768m (a 384 MiB heap, the -Xmx384m"
                + " docs/footprint.md found 1M needs)",
            LARGE,
            LARGE_TARGET_BYTES));
  }

  private Row targetRow(
      String which, List<String> options, String note, int series, long targetBytes)
      throws IOException, InterruptedException {
    Footprint footprint = measure(jar, options, series, false);
    return Row.of(
        "RSS at " + count(series) + " series, the " + which,
        note
            + " -max-series 2000000; filled in "
            + seconds(footprint.fillNanos())
            + ", then "
            + SCRAPES
            + " × GET /metrics",
        "idle "
            + mb(footprint.idle())
            + ", filled "
            + mb(footprint.filled())
            + ", scraped "
            + mb(footprint.scraped())
            + ", peak "
            + mb(footprint.peak())
            + " MB",
        "larger " + mb(footprint.held()) + " MB",
        "≤ " + mb(targetBytes) + " MB VmRSS, filled and scraped",
        footprint.held() <= targetBytes);
  }

  // memory-options: collectors compared at 100,000 series

  List<Row> options() throws Exception {
    List<Row> rows = new ArrayList<>();
    for (List<String> options : OPTION_SETS) {
      Footprint f = measure(jar, options, SMALL, true);
      rows.add(
          Row.info(
              "RSS by JVM options at 100,000 series: " + label(options),
              "100,000 series, then "
                  + SCRAPES
                  + " × GET /metrics, then "
                  + count(AGAIN_DELTAS)
                  + " deltas to them",
              "idle "
                  + mb(f.idle())
                  + ", filled "
                  + mb(f.filled())
                  + ", scraped "
                  + mb(f.scraped())
                  + ", peak "
                  + mb(f.peak())
                  + " MB",
              rates(f)));
    }
    return rows;
  }

  private static String label(List<String> options) {
    if (options.isEmpty()) {
      return "JVM defaults";
    }
    return options.equals(replace(DOCKER, "-XX:MaxRAMPercentage=50", "-Xmx256m"))
        ? "chosen (the Dockerfile's, -Xmx256m)"
        : String.join(" ", options);
  }

  private static String rates(Footprint f) {
    return String.format(
        Locale.ROOT,
        "new %s/s at %.1f µs CPU, again %s/s at %.1f µs CPU a delta",
        count(f.newPerSecond()),
        f.newCpuMicros(),
        count(f.againPerSecond()),
        f.againCpuMicros());
  }

  // The measurement

  /**
   * Starts the jar with {@code -XX:+ExitOnOutOfMemoryError} and {@code options}, fills {@code
   * series} counter series and reads VmRSS along the way; with {@code again}, also the steady rate
   * of deltas to series that exist.
   */
  static Footprint measure(Path jar, List<String> options, int series, boolean again)
      throws IOException, InterruptedException {
    List<String> jvm =
        options.contains("-XX:+ExitOnOutOfMemoryError")
            ? options
            : plus(List.of("-XX:+ExitOnOutOfMemoryError"), options.toArray(String[]::new));
    try (LoadGeneratorServer server = LoadGeneratorServer.pushprom(jar, jvm, FLAGS)) {
      server.awaitHealthy();
      Thread.sleep(IDLE_WAIT.toMillis());
      long idle = rss(server, "VmRSS");
      long cpu = server.cpuNanos();
      long fillNanos = fill(server, series);
      double newPerSecond = series / (fillNanos / 1e9);
      double newCpuMicros = (server.cpuNanos() - cpu) / 1e3 / series;
      LoadGeneratorDeltas.checkFilled(server, "c_total", series);
      Thread.sleep(FILLED_WAIT.toMillis());
      long filled = rss(server, "VmRSS");
      for (int i = 0; i < SCRAPES; i++) {
        server.scrape();
      }
      Thread.sleep(SCRAPED_WAIT.toMillis());
      long scraped = rss(server, "VmRSS");
      double againPerSecond = Double.NaN;
      double againCpuMicros = Double.NaN;
      if (again) {
        fill(server, series);
        long passes = (AGAIN_DELTAS + series - 1) / series;
        cpu = server.cpuNanos();
        long nanos = 0;
        for (long pass = 0; pass < passes; pass++) {
          nanos += fill(server, series);
        }
        againPerSecond = passes * series / (nanos / 1e9);
        againCpuMicros = (server.cpuNanos() - cpu) / 1e3 / (passes * series);
      }
      long peak = rss(server, "VmHWM");
      return new Footprint(
          idle,
          filled,
          scraped,
          peak,
          fillNanos,
          newPerSecond,
          newCpuMicros,
          againPerSecond,
          againCpuMicros);
    }
  }

  /**
   * An {@code inc} of counter {@code c} for each series, labelled {@code i}, as rss.sh did before
   * it called this class.
   */
  private static long fill(LoadGeneratorServer server, int series)
      throws IOException, InterruptedException {
    return LoadGeneratorDeltas.fill(
        server.httpPort(), series, i -> counter("c", "\"i\":\"" + i + "\""));
  }

  private static long rss(LoadGeneratorServer server, String field) throws IOException {
    return server
        .procStatusBytes(field)
        .orElseThrow(() -> new IOException(field + ": not in /proc/" + server.pid() + "/status"));
  }

  private static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.0f", bytes / 1e6);
  }

  private static List<String> plus(List<String> options, String... more) {
    List<String> all = new ArrayList<>(options);
    all.addAll(Arrays.asList(more));
    return List.copyOf(all);
  }

  private static List<String> replace(List<String> options, String old, String now) {
    return options.stream().map(option -> option.equals(old) ? now : option).toList();
  }

  // On its own: one row of docs/footprint.md

  /**
   * {@code --jar JAR [--series N] [--header] -- [JVM OPTIONS...]}: prints one markdown row, as
   * docs/footprint.md's tables have them. Exit status 0, 1 when the server failed, 2 for a bad
   * command line.
   */
  public static void main(String[] args) {
    Path jar = Path.of("pushprom-cli/target/pushprom.jar");
    int series = SMALL;
    boolean header = false;
    int i = 0;
    for (; i < args.length && !args[i].equals("--"); i++) {
      switch (args[i]) {
        case "--jar" -> jar = Path.of(value(args, ++i));
        case "--series" -> series = positive(value(args, ++i));
        case "--header" -> header = true;
        default -> exitWithUsage("unknown argument " + args[i] + " (JVM options go after --)");
      }
    }
    List<String> options = i < args.length ? List.of(args).subList(i + 1, args.length) : List.of();
    if (!Files.isRegularFile(jar)) {
      exitWithUsage("--jar " + jar + ": no such file; build it with mvn -q package -DskipTests");
    }
    if (header) {
      System.out.println(
          "| JVM options | series | idle MB | at N MB | scraped MB | peak MB | new/s | again/s"
              + " | new µs | again µs |");
      System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    }
    String label = options.isEmpty() ? "none (the JVM defaults)" : String.join(" ", options);
    try {
      Footprint f = measure(jar, options, series, true);
      System.out.printf(
          Locale.ROOT,
          "| `%s` | %d | %s | %s | %s | %s | %.0fk | %.0fk | %.1f | %.1f |%n",
          label,
          series,
          mb(f.idle()),
          mb(f.filled()),
          mb(f.scraped()),
          mb(f.peak()),
          f.newPerSecond() / 1000,
          f.againPerSecond() / 1000,
          f.newCpuMicros(),
          f.againCpuMicros());
    } catch (IOException e) {
      System.err.println("rss: " + e.getMessage());
      System.out.printf("| `%s` | %d | failed | - | - | - | - | - | - | - |%n", label, series);
      System.exit(1);
    } catch (InterruptedException e) {
      System.exit(1);
    }
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      exitWithUsage(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  private static int positive(String text) {
    try {
      int n = Integer.parseInt(text);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Said below.
    }
    exitWithUsage("--series " + text + ": not a positive whole number");
    return 0;
  }

  private static void exitWithUsage(String problem) {
    System.err.println("rss: " + problem);
    System.err.println(
        "usage: java -cp benchmarks.jar io.pushprom.benchmarks.LoadGeneratorMemory"
            + " [--jar JAR] [--series N] [--header] -- [JVM OPTIONS...]");
    System.exit(2);
  }
}
