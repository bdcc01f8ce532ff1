package io.pushprom.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A family large enough to be written by several threads ({@link ParallelSeriesWriter}) is written
 * whole: its header once and first, then every series' lines, each series' lines together and in
 * order, the same lines simpleclient writes of its samples, however many helpers.
 */
class ParallelSeriesWriterTest {
  private static final int COUNTERS = 5 * ParallelSeriesWriter.MIN_SERIES_PER_PART;
  private static final int HISTOGRAMS = 3 * ParallelSeriesWriter.MIN_SERIES_PER_PART;

  private Aggregator aggregator;

  @BeforeEach
  void fill() {
    aggregator = Aggregator.builder().maxSeries(COUNTERS + HISTOGRAMS + 1000).build();
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < COUNTERS; i++) {
      body.append("{\"type\":\"counter\",\"name\":\"jobs\",\"help\":\"done\",\"method\":\"add\",")
          .append("\"value\":")
          .append(i % 7 == 0 ? 1.5e9 + i : i)
          .append(",\"labels\":{\"a\":\"")
          .append(i / 100)
          .append("\",\"b\":\"")
          .append(i % 100)
          .append("\"}}\n");
    }
    for (int i = 0; i < HISTOGRAMS; i++) {
      body.append("{\"type\":\"histogram\",\"name\":\"latency\",\"method\":\"observe\",")
          .append("\"value\":")
          .append(i % 13 / 10.0)
          .append(",\"labels\":{\"host\":\"h")
          .append(i)
          .append("\"}}\n");
    }
    IngestResult result =
        aggregator.ingestAll(Transport.HTTP, body.toString().getBytes(StandardCharsets.UTF_8));
    assertTrue(result.rejections().isEmpty(), result.rejections().toString());
    aggregator.apply(
        Delta.parse(
            "{\"type\":\"counter\",\"name\":\"jobs\",\"method\":\"inc\",\"labels\":{\"a\":\"x\"}}"));
    // A removed series is not written.
    assertTrue(aggregator.remove("jobs", Map.of("a", "0", "b", "0")));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 3})
  void writesEveryCounterLineOnceAfterOneHeader(int helpers) throws IOException {
    List<String> lines = written("jobs", helpers);
    assertEquals("# HELP jobs_total done", lines.get(0));
    assertEquals("# TYPE jobs_total counter", lines.get(1));
    List<String> samples = lines.subList(2, lines.size());
    assertTrue(samples.stream().noneMatch(line -> line.startsWith("#")));
    assertEquals(COUNTERS, samples.size()); // one removed, one added
    assertEquals(sorted(expected("jobs")), sorted(lines));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 3})
  void keepsEachHistogramSeriesTogetherAndInOrder(int helpers) throws IOException {
    List<String> lines = written("latency", helpers);
    assertEquals("# TYPE latency histogram", lines.get(1));
    // simpleclient writes a series' buckets, count and sum together: so must every thread.
    assertEquals(sorted(seriesBlocks(expected("latency"))), sorted(seriesBlocks(lines)));
  }

  @Test
  void aClientThatGoesAwayEndsTheScrapeAndTheNextOneIsWhole() throws IOException {
    TextExposition jobs = exposition("jobs");
    OutputStream hangsUp =
        new OutputStream() {
          private int written;

          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] bytes, int offset, int length) throws IOException {
            written += length;
            if (written > 100_000) {
              throw new IOException("connection reset");
            }
          }
        };
    IOException e = assertThrows(IOException.class, () -> jobs.write004(hangsUp, 3));
    assertEquals("connection reset", e.getMessage());
    // The helpers of the failed scrape stopped: those of the next ones have threads to run on.
    for (int i = 0; i < 3; i++) {
      assertEquals(sorted(expected("jobs")), sorted(written("jobs", 3)));
    }
  }

  private List<String> written(String family, int helpers) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    exposition(family).write004(out, helpers);
    return List.of(out.toString(StandardCharsets.UTF_8).split("\n"));
  }

  private TextExposition exposition(String family) {
    for (MetricFamilySamples each : TextExposition.collect(aggregator.registry())) {
      if (each instanceof TextExposition pushed && pushed.name.equals(family)) {
        return pushed;
      }
    }
    throw new AssertionError("no family " + family);
  }

  /** What simpleclient writes of the family's samples. */
  private List<String> expected(String family) throws IOException {
    StringWriter text = new StringWriter();
    List<MetricFamilySamples> samples = new ArrayList<>();
    for (MetricFamilySamples each : Collections.list(aggregator.registry().metricFamilySamples())) {
      if (each.name.equals(family)) {
        samples.add(each);
      }
    }
    TextFormat.write004(text, Collections.enumeration(samples));
    return List.of(text.toString().split("\n"));
  }

  /** A histogram's lines after its header, a block per series, each ending at its _sum line. */
  private static List<String> seriesBlocks(List<String> lines) {
    List<String> blocks = new ArrayList<>();
    StringBuilder block = new StringBuilder();
    for (String line : lines.subList(2, lines.size())) {
      block.append(line).append('\n');
      if (line.contains("_sum{")) {
        blocks.add(block.toString());
        block.setLength(0);
      }
    }
    assertEquals("", block.toString(), "lines after the last _sum");
    return blocks;
  }

  private static List<String> sorted(List<String> lines) {
    String[] copy = lines.toArray(new String[0]);
    Arrays.sort(copy);
    return List.of(copy);
  }
}
