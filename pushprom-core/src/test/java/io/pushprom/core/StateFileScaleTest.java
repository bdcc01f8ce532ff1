package io.pushprom.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a snapshot of a million counter series of two labels costs, printed, not asserted: it is a
 * measurement, for docs/state-file.md, and takes a minute. Run it with a heap of 1 GiB:
 *
 * <pre>
 * mvn -o -pl pushprom-core test -Djacoco.skip=true -Dtest=StateFileScaleTest \
 *     -Dpushprom.scale=true -DargLine=-Xmx1g
 * </pre>
 */
@EnabledIfSystemProperty(named = "pushprom.scale", matches = "true")
class StateFileScaleTest {
  private static final int SERIES = 1_000_000;

  @TempDir Path directory;

  private static Map<String, String> labels(int i) {
    return Map.of(
        "instance",
        String.format("web-%04d.example.com", i / 1000),
        "path",
        "/api/v1/items/" + i % 1000);
  }

  @Test
  void writesAndLoadsAMillionCounterSeries() throws Exception {
    Path file = directory.resolve("state.json");
    double sample = write(file);

    report("before load: %d MB of live heap", liveHeapMb());
    Aggregator restored = Aggregator.create();
    HeapSampler sampler = HeapSampler.started();
    long gcBefore = gcMillis();
    long start = System.nanoTime();
    StateFile.load(file, restored);
    long loaded = System.nanoTime() - start;
    report(
        "load: %.2f s; heap at most %d MB, GC %d ms; %d MB of live heap after",
        loaded / 1e9, sampler.stopped() >> 20, gcMillis() - gcBefore, liveHeapMb());

    assertEquals(sample, restored.value("http_requests", labels(123_456)).getAsDouble());
    assertEquals(SERIES, restored.families().iterator().next().size());
  }

  /** Writes a million series to {@code file}, pushing meanwhile; returns one series' value. */
  private double write(Path file) throws Exception {
    Aggregator aggregator = Aggregator.create();
    for (int i = 0; i < SERIES; i++) {
      aggregator.apply(Delta.of(MetricType.COUNTER, "http_requests", Method.ADD, i, labels(i)));
    }
    report(
        "max heap %d MB; %d series hold %d MB of live heap",
        Runtime.getRuntime().maxMemory() >> 20, SERIES, liveHeapMb());

    // Ingest on one thread while the snapshot is written on another: the machine has two cores.
    AtomicBoolean pushing = new AtomicBoolean(true);
    AtomicLong applied = new AtomicLong();
    AtomicLong slowest = new AtomicLong();
    Thread pusher =
        new Thread(
            () -> {
              Delta[] deltas = new Delta[1024];
              for (int i = 0; i < deltas.length; i++) {
                deltas[i] =
                    Delta.of(
                        MetricType.COUNTER,
                        "http_requests",
                        Method.INC,
                        0,
                        labels(ThreadLocalRandom.current().nextInt(SERIES)));
              }
              for (int i = 0; pushing.get(); i++) {
                long start = System.nanoTime();
                aggregator.apply(deltas[i & 1023]);
                long took = System.nanoTime() - start;
                if (took > slowest.get()) {
                  slowest.set(took);
                }
                applied.incrementAndGet();
              }
            },
            "pusher");
    pusher.start();
    Thread.sleep(2000);
    long appliedBefore = applied.get();
    long slowestBefore = slowest.getAndSet(0);
    report("ingest alone: %,d deltas/s, slowest %.1f ms", appliedBefore / 2, slowestBefore / 1e6);

    HeapSampler sampler = HeapSampler.started();
    long gcBefore = gcMillis();
    long start = System.nanoTime();
    long appliedAtStart = applied.get();
    StateFile.write(aggregator, file);
    long wrote = System.nanoTime() - start;
    long appliedDuring = applied.get() - appliedAtStart;
    report(
        "write from %.3f s of uptime: %.2f s, %,d bytes (%.1f MB, %.0f bytes a series); heap at"
            + " most %d MB, GC %d ms; ingest meanwhile %,d deltas/s, slowest %.1f ms",
        (ManagementFactory.getRuntimeMXBean().getUptime() - wrote / 1_000_000) / 1e3,
        wrote / 1e9,
        Files.size(file),
        Files.size(file) / 1e6,
        Files.size(file) / (double) SERIES,
        sampler.stopped() >> 20,
        gcMillis() - gcBefore,
        (long) (appliedDuring / (wrote / 1e9)),
        slowest.get() / 1e6);
    pushing.set(false);
    pusher.join();
    return aggregator.value("http_requests", labels(123_456)).getAsDouble();
  }

  private static void report(String format, Object... arguments) {
    System.out.printf("state file scale: " + format + "%n", arguments);
  }

  private static long liveHeapMb() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
  }

  private static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += collector.getCollectionTime();
    }
    return total;
  }

  /** The most heap in use, garbage included, read every 5 ms. */
  private static final class HeapSampler implements Runnable {
    private final Thread thread = new Thread(this, "heap-sampler");
    private volatile boolean running = true;
    private long most;

    static HeapSampler started() {
      HeapSampler sampler = new HeapSampler();
      sampler.thread.setDaemon(true);
      sampler.thread.start();
      return sampler;
    }

    @Override
    public void run() {
      while (running) {
        most = Math.max(most, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    /** Stops sampling, and returns the most seen, in bytes. */
    long stopped() throws InterruptedException {
      running = false;
      thread.join();
      return most;
    }
  }
}
