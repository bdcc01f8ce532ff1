package io.pushprom.benchmarks;

import io.pushprom.core.Aggregator;
import io.pushprom.core.Delta;
import io.pushprom.core.IngestResult;
import io.pushprom.core.Limits;
import io.pushprom.core.Transport;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * How many deltas per second the core takes, with no sockets: every score is in deltas/s, batches
 * included (they are scored per delta with {@code @OperationsPerInvocation}). Each trial gets a
 * fresh {@link Aggregator} whose series already exist, so what is measured is the steady state of a
 * server that has seen its metrics before.
 *
 * <ul>
 *   <li>{@code parseAndApply}: a typical 122-byte delta (a counter {@code inc} with help and two
 *       labels) through {@code ingestEach(Transport.UDP, ...)}, the whole path of one UDP datagram.
 *       The target is 1,500,000 deltas/s.
 *   <li>{@code parseAndApplyDistinctSeries}: the same, cycling over 100,000 deltas that each name
 *       their own series of one counter, all created before measuring: what a large series map
 *       costs, as its lookups miss the CPU caches. It warms up for five iterations, not two.
 *   <li>{@code parseOnly}: {@link Delta#parse} of the typical delta's text (its UTF-8 encoding
 *       included), to tell parsing from applying.
 *   <li>{@code applyOnly}: {@link Aggregator#apply} of the typical delta, parsed once.
 *   <li>{@code ndjsonBatch20}, {@code ndjsonBatch1000}: one NDJSON body of 20 or 1000 deltas over
 *       100 series through {@code ingestEach}, as a batching UDP client sends them.
 *   <li>{@code arrayBatch1000}: one JSON array of 1000 deltas over 100 series through {@code
 *       ingestAll}, all or none, as HTTP takes them.
 *   <li>{@code parseAndApplyTwoThreads}: {@code parseAndApply} from two threads at once into one
 *       aggregator, each thread on its own series of the same counter; the score is both threads'
 *       sum, so against {@code parseAndApply} it shows what contention costs.
 * </ul>
 *
 * <p>Worst-case bodies, scored in milliseconds per body (what one hostile request costs):
 *
 * <ul>
 *   <li>{@code reversedLabels100k}: one delta of 100,000 labels in reverse order through {@code
 *       ingestAll}, the label limit raised to allow it; the sort was quadratic.
 *   <li>{@code reversedLabels100kDefaultLimits}: the same refused by the default limits.
 *   <li>{@code hostileTinyDeltas}: 16 MiB of NDJSON of the smallest valid delta through {@code
 *       ingestEach}, about 390,000 deltas.
 *   <li>{@code hostileEmptyObjects}: 16 MiB of {@code {}} lines through {@code ingestAll}, 5.6
 *       million rejections.
 *   <li>{@code hostileHugeHelp}: one delta whose help text fills 16 MiB.
 *   <li>{@code hostileDeepNesting}: 16 MiB of lines of 1,100 {@code [}, each too deep for Jackson.
 *   <li>{@code hostileHugeBuckets}: one histogram delta of 16 MiB of bucket numbers.
 * </ul>
 *
 * <p>The defaults below run the whole class in about a minute; JMH's options override them:
 *
 * <pre>{@code
 * mvn -q install -DskipTests
 * java -jar benchmarks/target/benchmarks.jar CoreBenchmark
 * java -jar benchmarks/target/benchmarks.jar 'CoreBenchmark.parseAndApply$' -f 3 -i 10
 * }</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class CoreBenchmark {
  private static final int SERIES = 100;
  private static final int DISTINCT_SERIES = 100_000;

  /** One aggregator per trial, and the bodies sent to it; shared by the threads of a benchmark. */
  @State(Scope.Benchmark)
  public static class Target {
    Aggregator aggregator;
    String text;
    byte[] delta;
    Delta parsed;
    byte[] ndjson20;
    byte[] ndjson1000;
    byte[] array1000;

    @Setup(Level.Trial)
    public void setUp() {
      aggregator = Aggregator.create();
      text = CoreBenchmarkData.TYPICAL;
      delta = CoreBenchmarkData.typical();
      parsed = Delta.parse(text);
      ndjson20 = CoreBenchmarkData.ndjson(20, SERIES);
      ndjson1000 = CoreBenchmarkData.ndjson(1000, SERIES);
      array1000 = CoreBenchmarkData.array(1000, SERIES);
      requireApplied(aggregator.ingestEach(Transport.UDP, delta, 0, delta.length), 1);
      requireApplied(aggregator.ingestEach(Transport.UDP, ndjson1000, 0, ndjson1000.length), 1000);
      requireApplied(aggregator.ingestAll(Transport.HTTP, array1000), 1000);
    }
  }

  /** Worst-case bodies, and aggregators with the default limits and with the label limit raised. */
  @State(Scope.Benchmark)
  public static class Hostile {
    Aggregator aggregator;
    Aggregator manyLabels;
    byte[] reversedLabels;
    byte[] tinyDeltas;
    byte[] emptyObjects;
    byte[] hugeHelp;
    byte[] deepNesting;
    byte[] hugeBuckets;

    @Setup(Level.Trial)
    public void setUp() {
      aggregator = Aggregator.create();
      manyLabels = Aggregator.builder().limits(Limits.defaults().withMaxLabels(100_000)).build();
      reversedLabels = CoreBenchmarkData.reversedLabels(100_000);
      tinyDeltas =
          CoreBenchmarkData.repeatedLines("{\"type\":\"gauge\",\"name\":\"a\",\"method\":\"inc\"}");
      emptyObjects = CoreBenchmarkData.repeatedLines("{}");
      hugeHelp = CoreBenchmarkData.hugeHelp();
      deepNesting = CoreBenchmarkData.repeatedLines("[".repeat(1100));
      hugeBuckets = CoreBenchmarkData.hugeBuckets();
    }
  }

  /** The delta one thread sends, naming a series no other thread updates. */
  @State(Scope.Thread)
  public static class Worker {
    byte[] delta;

    @Setup(Level.Trial)
    public void setUp(ThreadParams thread) {
      delta = CoreBenchmarkData.series(thread.getThreadIndex());
    }
  }

  /**
   * An aggregator of its own holding 100,000 series, and a cursor over the deltas that name them;
   * per thread, as the cursor moves.
   */
  @State(Scope.Thread)
  public static class DistinctSeries {
    Aggregator aggregator;
    byte[][] deltas;
    int next;

    @Setup(Level.Trial)
    public void setUp() {
      aggregator = Aggregator.create();
      deltas = CoreBenchmarkData.distinctSeries(DISTINCT_SERIES);
      for (byte[] delta : deltas) {
        requireApplied(aggregator.ingestEach(Transport.UDP, delta, 0, delta.length), 1);
      }
      next = 0;
    }

    byte[] next() {
      byte[] delta = deltas[next];
      next = next + 1 == deltas.length ? 0 : next + 1;
      return delta;
    }
  }

  @Benchmark
  public IngestResult parseAndApply(Target target) {
    return target.aggregator.ingestEach(Transport.UDP, target.delta, 0, target.delta.length);
  }

  // It takes about four seconds to reach its steady speed, a third of which it reports before.
  @Benchmark
  @Warmup(iterations = 5, time = 1)
  public IngestResult parseAndApplyDistinctSeries(DistinctSeries series) {
    byte[] delta = series.next();
    return series.aggregator.ingestEach(Transport.UDP, delta, 0, delta.length);
  }

  @Benchmark
  public Delta parseOnly(Target target) {
    return Delta.parse(target.text);
  }

  @Benchmark
  public void applyOnly(Target target) {
    target.aggregator.apply(target.parsed);
  }

  @Benchmark
  @OperationsPerInvocation(20)
  public IngestResult ndjsonBatch20(Target target) {
    return target.aggregator.ingestEach(Transport.UDP, target.ndjson20, 0, target.ndjson20.length);
  }

  @Benchmark
  @OperationsPerInvocation(1000)
  public IngestResult ndjsonBatch1000(Target target) {
    return target.aggregator.ingestEach(
        Transport.UDP, target.ndjson1000, 0, target.ndjson1000.length);
  }

  @Benchmark
  @OperationsPerInvocation(1000)
  public IngestResult arrayBatch1000(Target target) {
    return target.aggregator.ingestAll(Transport.HTTP, target.array1000);
  }

  @Benchmark
  @Threads(2)
  public IngestResult parseAndApplyTwoThreads(Target target, Worker worker) {
    return target.aggregator.ingestEach(Transport.UDP, worker.delta, 0, worker.delta.length);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public IngestResult reversedLabels100k(Hostile hostile) {
    return hostile.manyLabels.ingestAll(Transport.HTTP, hostile.reversedLabels);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public IngestResult reversedLabels100kDefaultLimits(Hostile hostile) {
    return hostile.aggregator.ingestAll(Transport.HTTP, hostile.reversedLabels);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public IngestResult hostileTinyDeltas(Hostile hostile) {
    return hostile.aggregator.ingestEach(
        Transport.UDP, hostile.tinyDeltas, 0, hostile.tinyDeltas.length);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public IngestResult hostileEmptyObjects(Hostile hostile) {
    return hostile.aggregator.ingestAll(Transport.HTTP, hostile.emptyObjects);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public IngestResult hostileHugeHelp(Hostile hostile) {
    return hostile.aggregator.ingestAll(Transport.HTTP, hostile.hugeHelp);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public IngestResult hostileDeepNesting(Hostile hostile) {
    return hostile.aggregator.ingestAll(Transport.HTTP, hostile.deepNesting);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public IngestResult hostileHugeBuckets(Hostile hostile) {
    return hostile.aggregator.ingestAll(Transport.HTTP, hostile.hugeBuckets);
  }

  /** Fails the trial if a body was not applied whole: a rejected delta is not what we measure. */
  static void requireApplied(IngestResult result, int deltas) {
    if (!result.ok() || result.applied() != deltas) {
      throw new IllegalStateException(
          "benchmark body: applied "
              + result.applied()
              + " of "
              + deltas
              + " deltas, expected all; rejections: "
              + result.rejections());
    }
  }
}
