package io.pushprom.benchmarks;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.exporter.common.TextFormat;
import io.pushprom.core.Aggregator;
import io.pushprom.core.TextExposition;
import io.pushprom.core.Transport;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One scrape's text format 0.0.4 body of counter series (two labels each, as the load generator's
 * scrape rows), written to a stream that discards it, in process: {@code simpleclient} as
 * {@code /metrics} wrote it before (every sample made and written by {@code TextFormat.write004}),
 * {@code direct} as it writes it now ({@link TextExposition}). Run with {@code -prof gc} for the
 * bytes a scrape allocates:
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar ScrapeBenchmark -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ScrapeBenchmark {
  @Param({"100000"})
  public int series;

  private Aggregator aggregator;

  @Setup
  public void fill() {
    aggregator = Aggregator.builder().maxSeries(series + 1000).build();
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < series; i++) {
      body.append("{\"type\":\"counter\",\"name\":\"lg_big\",\"method\":\"inc\",\"labels\":{\"a\":\"")
          .append(i / 1000)
          .append("\",\"b\":\"")
          .append(i % 1000)
          .append("\"}}\n");
      if (body.length() > 1 << 20 || i == series - 1) {
        aggregator.ingestAll(Transport.HTTP, body.toString().getBytes(StandardCharsets.UTF_8));
        body.setLength(0);
      }
    }
  }

  @Benchmark
  public void simpleclient() throws IOException {
    Writer out = writer(OutputStream.nullOutputStream());
    TextFormat.write004(out, aggregator.registry().metricFamilySamples());
    out.flush();
  }

  @Benchmark
  public void direct() throws IOException {
    OutputStream stream = OutputStream.nullOutputStream();
    Writer out = writer(stream);
    for (MetricFamilySamples family : TextExposition.collect(aggregator.registry())) {
      if (family instanceof TextExposition pushed) {
        out.flush();
        pushed.write004(stream);
      } else {
        TextFormat.write004(out, Collections.enumeration(List.of(family)));
      }
    }
    out.flush();
  }

  private static Writer writer(OutputStream stream) {
    return new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 32 << 10);
  }
}
