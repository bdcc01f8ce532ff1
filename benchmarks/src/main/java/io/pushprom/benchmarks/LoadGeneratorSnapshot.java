package io.pushprom.benchmarks;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.pushprom.benchmarks.LoadGeneratorTable.Row;
import io.pushprom.core.Aggregator;
import io.pushprom.core.IngestResult;
import io.pushprom.core.Transport;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The state file at a million series, in a JVM of its own with {@code -Xmx1g}: the time the last
 * snapshot takes (as a SIGTERM writes it), the file's size, the heap the write takes beyond the
 * state, the deltas a thread applies meanwhile against as many before, and the time to load the
 * file back. Run in-process, through the aggregator's public builder, so the times are the
 * snapshot's alone, not a server's shutdown.
 */
final class LoadGeneratorSnapshot {
  private static final int SERIES = 1_000_000;
  private static final int BATCH = 1_000;
  private static final String HEAP = "-Xmx1g";
  private static final long BASELINE_MILLIS = 2_000;

  private LoadGeneratorSnapshot() {}

  /** Runs the measurement in a child JVM, in a directory of its own, and makes its row. */
  static List<Row> rows() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("pushprom-state");
    try {
      return List.of(row(dir));
    } finally {
      try (var files = Files.list(dir)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(dir);
    }
  }

  private static Row row(Path dir) throws IOException, InterruptedException {
    Path out = dir.resolve("snapshot.out");
    Process child =
        new ProcessBuilder(
                LoadGeneratorServer.java(),
                HEAP,
                "-XX:+ExitOnOutOfMemoryError",
                "-cp",
                System.getProperty("java.class.path"),
                LoadGeneratorSnapshot.class.getName(),
                dir.resolve("state.json").toString())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    String scenario = "state file: 1,000,000 counter series, " + HEAP;
    if (!child.waitFor(5, TimeUnit.MINUTES)) {
      child.destroyForcibly();
      return new Row(scenario, "", "", "", "writes and loads", "FAIL: did not end in 5 minutes");
    }
    Map<String, String> figures = new HashMap<>();
    for (String line : Files.readAllLines(out, UTF_8)) {
      int equals = line.indexOf('=');
      if (equals > 0) {
        figures.put(line.substring(0, equals), line.substring(equals + 1));
      }
    }
    if (child.exitValue() != 0 || !figures.containsKey("loaded")) {
      return new Row(
          scenario,
          "",
          "",
          "",
          "writes and loads",
          "FAIL: exit " + child.exitValue() + ": " + Files.readString(out, UTF_8).strip());
    }
    boolean whole = figures.get("loaded").equals(Integer.toString(SERIES));
    return new Row(
        scenario,
        "write "
            + figures.get("writeSeconds")
            + " s, "
            + figures.get("fileMegabytes")
            + " MB; load "
            + figures.get("loadSeconds")
            + " s",
        figures.get("pushesDuring") + " deltas/s pushed during the write",
        figures.get("pushesBefore")
            + " deltas/s before; heap "
            + figures.get("heapBeforeMegabytes")
            + " MB, peak "
            + figures.get("heapPeakMegabytes")
            + " MB",
        "no OOM at " + HEAP + ", every series back",
        whole ? "PASS" : "FAIL: " + figures.get("loaded") + " series loaded");
  }

  /** The child: {@code args[0]} is the state file to write and load. */
  public static void main(String[] args) throws Exception {
    // Only figures on stdout: the aggregator's lines about loading and writing are not wanted.
    Logger.getLogger("io.pushprom").setLevel(Level.WARNING);
    Path file = Path.of(args[0]);
    Aggregator aggregator =
        Aggregator.builder()
            .maxSeries(2 * SERIES)
            .stateFile(file)
            .stateInterval(Duration.ofHours(1))
            .build();
    for (int start = 0; start < SERIES; start += BATCH) {
      IngestResult result = aggregator.ingestAll(Transport.HTTP, batch(start));
      if (!result.rejections().isEmpty()) {
        throw new IllegalStateException(result.rejections().get(0).toString());
      }
    }
    System.gc();
    long heapBefore = usedHeap();

    AtomicLong pushed = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    byte[] updates = batch(0, 100);
    Thread pusher =
        new Thread(
            () -> {
              while (!stop.get()) {
                aggregator.ingestAll(Transport.HTTP, updates);
                pushed.addAndGet(100);
              }
            },
            "pusher");
    pusher.start();
    Thread.sleep(BASELINE_MILLIS);
    long before = pushed.get();
    double beforeRate = before / (BASELINE_MILLIS / 1e3);

    resetPeaks();
    long writeStart = System.nanoTime();
    aggregator.close(); // the last snapshot, as on SIGTERM
    long writeNanos = System.nanoTime() - writeStart;
    long during = pushed.get() - before;
    stop.set(true);
    pusher.join();
    long heapPeak = peakHeap();

    long loadStart = System.nanoTime();
    Aggregator loaded = Aggregator.builder().maxSeries(2 * SERIES).stateFile(file).build();
    long loadNanos = System.nanoTime() - loadStart;

    System.out.println("writeSeconds=" + format(writeNanos / 1e9));
    System.out.println("fileMegabytes=" + format(Files.size(file) / 1e6));
    System.out.println("loadSeconds=" + format(loadNanos / 1e9));
    System.out.println("pushesBefore=" + LoadGeneratorTable.count(beforeRate));
    System.out.println("pushesDuring=" + LoadGeneratorTable.count(during / (writeNanos / 1e9)));
    System.out.println("heapBeforeMegabytes=" + heapBefore / 1_000_000);
    System.out.println("heapPeakMegabytes=" + heapPeak / 1_000_000);
    System.out.println("loaded=" + loaded.seriesCount());
  }

  private static byte[] batch(int start) {
    return batch(start, BATCH);
  }

  /** {@code size} counter deltas of two labels, series {@code start} on. */
  private static byte[] batch(int start, int size) {
    String body =
        LoadGeneratorDeltas.ndjson(
            start,
            start + size,
            i ->
                LoadGeneratorDeltas.counter(
                    "snapshot_requests", "\"path\":\"/api/v1/items/" + i + "\",\"job\":\"php\""));
    return body.getBytes(UTF_8);
  }

  private static List<MemoryPoolMXBean> heapPools() {
    List<MemoryPoolMXBean> pools = new ArrayList<>();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pools.add(pool);
      }
    }
    return pools;
  }

  private static long usedHeap() {
    return heapPools().stream().mapToLong(pool -> pool.getUsage().getUsed()).sum();
  }

  private static void resetPeaks() {
    heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);
  }

  /** The sum of the pools' peaks: an upper bound of the heap in use at any moment since reset. */
  private static long peakHeap() {
    return heapPools().stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
  }

  private static String format(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }
}
