package io.pushprom.benchmarks;

import static io.pushprom.benchmarks.LoadGeneratorTable.seconds;

import io.pushprom.benchmarks.LoadGeneratorTable.Row;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Pushprom's load test. It starts the server jar on 127.0.0.1 (a fresh process for each scenario,
 * so that counts start at zero), runs the scenarios in order, each a class that returns its rows,
 * and prints one markdown table of what they measured against the targets:
 *
 * <ul>
 *   <li>{@link LoadGeneratorJmh}: the JMH scores of {@code --jmh}, folded in;
 *   <li>{@link LoadGeneratorStartUp}: process start to the first 200;
 *   <li>{@link LoadGeneratorUdp}: single deltas, NDJSON batches, the PHP client's order, and single
 *       deltas while 1,000,000 series are scraped;
 *   <li>{@link LoadGeneratorHttpIngest}: single deltas against a do-nothing server, batches,
 *       batches with expiry on and off;
 *   <li>{@link LoadGeneratorScrape}: scrapes at 100,000 and 1,000,000 series, heap per series;
 *   <li>{@link LoadGeneratorMemory}: resident memory under the README's and the Dockerfile's
 *       options, and (only when asked, {@code --only memory-options}) by collector;
 *   <li>{@link LoadGeneratorSnapshot}: the state file at 1,000,000 series;
 *   <li>{@link Flood}: 10,000,000 new series at {@code -Xmx256m}.
 * </ul>
 *
 * <pre>{@code
 * mvn -q package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar io.pushprom.benchmarks.LoadGenerator \
 *     --jar pushprom-cli/target/pushprom.jar [--jmh /tmp/jmh.json] [--only "UDP"]
 * }</pre>
 *
 * <p>{@code --only PREFIX} runs the scenarios whose name starts with PREFIX. Progress goes to
 * stderr and the table to stdout. Every scenario is bounded in time and count; a watchdog stops the
 * run after twelve minutes. Exit codes: 0 when every target was met, 1 when one was not (or could
 * not be measured), 2 for a bad command line.
 */
public final class LoadGenerator {
  private static final Duration WATCHDOG = Duration.ofMinutes(12);
  private static final long START_NANOS = System.nanoTime();

  /** Makes a scenario's rows; one that throws gets an error row instead. */
  private interface Rows {
    List<Row> make() throws Exception;
  }

  /** A scenario, by the name {@code --only} matches; {@code always} ones run without it too. */
  private record Scenario(String name, boolean always, Rows rows) {}

  private LoadGenerator() {}

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
      if (i + 1 >= args.length) {
        exitWithUsage("unknown or incomplete flag " + flag);
      }
      switch (flag) {
        case "--only" -> only = args[++i];
        case "--jar" -> jar = Path.of(args[++i]);
        case "--jmh" -> jmh = Path.of(args[++i]);
        default -> exitWithUsage("unknown or incomplete flag " + flag);
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
    LoadGeneratorTable table = new LoadGeneratorTable();
    for (Scenario scenario : scenarios(jar, jmh)) {
      boolean chosen = only == null ? scenario.always() : scenario.name().startsWith(only);
      if (chosen) {
        table.addAll(measure(scenario));
      }
    }
    System.out.print(table.render());
    System.out.flush();
    System.exit(table.passed() ? 0 : 1);
  }

  /** Every scenario, in the order of the table. */
  private static List<Scenario> scenarios(Path jar, Path jmh) {
    LoadGeneratorUdp udp = new LoadGeneratorUdp(jar);
    LoadGeneratorHttpIngest http = new LoadGeneratorHttpIngest(jar);
    LoadGeneratorScrape scrape = new LoadGeneratorScrape(jar);
    LoadGeneratorMemory memory = new LoadGeneratorMemory(jar);
    return List.of(
        new Scenario(
            "JMH results", jmh != null, () -> jmh == null ? List.of() : LoadGeneratorJmh.rows(jmh)),
        new Scenario("Start-up", true, () -> LoadGeneratorStartUp.rows(jar)),
        new Scenario("UDP single", true, udp::single),
        new Scenario("UDP batches", true, udp::batches),
        new Scenario("UDP order", true, udp::order),
        new Scenario("UDP while scraped at 1M series", true, udp::duringScrapes),
        new Scenario("HTTP single", true, http::single),
        new Scenario("HTTP batches", true, http::batches),
        new Scenario("HTTP batches, expiry on vs off", true, http::batchesWithExpiry),
        new Scenario("Scrape at 100k series", true, scrape::small),
        new Scenario("Scrape at 1M series", true, scrape::large),
        new Scenario("Memory (RSS)", true, memory::targets),
        new Scenario("State file at 1M series", true, LoadGeneratorSnapshot::rows),
        new Scenario("Flood", true, () -> List.of(Flood.row(jar))),
        // A minute and a half more, for docs/footprint.md; not every run needs it.
        new Scenario("memory-options", false, memory::options));
  }

  private static List<Row> measure(Scenario scenario) {
    log(scenario.name() + " ...");
    long start = System.nanoTime();
    try {
      return scenario.rows().make();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of(Row.error(scenario.name(), e));
    } catch (Exception e) {
      log(scenario.name() + " failed: " + e);
      if (e instanceof RuntimeException) {
        e.printStackTrace();
      }
      return List.of(Row.error(scenario.name(), e));
    } finally {
      log(scenario.name() + " took " + seconds(System.nanoTime() - start));
    }
  }

  private static String usage() {
    return "usage: java -cp benchmarks.jar io.pushprom.benchmarks.LoadGenerator"
        + " --jar PUSHPROM_JAR [--jmh JMH_RESULT_JSON] [--only SCENARIO_PREFIX]\n"
        + "  --only memory-options: resident memory by JVM options (not in the default run)\n";
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
              log("still running after " + WATCHDOG.toMinutes() + " min; stopping");
              // The shutdown hook of LoadGeneratorServer kills the servers.
              System.exit(1);
            },
            "loadgen-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /** Progress, to stderr, with the seconds since the run started. */
  static void log(String message) {
    System.err.printf(
        Locale.ROOT, "[loadgen %6.1f s] %s%n", (System.nanoTime() - START_NANOS) / 1e9, message);
  }
}
