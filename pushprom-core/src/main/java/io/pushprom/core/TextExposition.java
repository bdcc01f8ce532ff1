package io.pushprom.core;

import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Collections;
import java.util.List;

/**
 * A pushed metric that writes itself in the text format 0.0.4 straight from its series, as
 * simpleclient's {@code TextFormat.write004} would write its samples, but without making a sample,
 * a list or a string per series. {@link #collect} yields these in place of the samples of pushed
 * metrics; their {@link #samples} are empty, so only a writer that knows this class should ask for
 * them. Everything else a registry holds comes as {@link CollectorRegistry#metricFamilySamples()}
 * yields it.
 *
 * <pre>{@code
 * for (MetricFamilySamples family : TextExposition.collect(registry)) {
 *   if (family instanceof TextExposition pushed) {
 *     writer.flush();
 *     pushed.write004(stream); // the stream the writer writes to
 *   } else {
 *     TextFormat.write004(writer, Collections.enumeration(List.of(family)));
 *   }
 * }
 * }</pre>
 */
public final class TextExposition extends Collector.MetricFamilySamples {
  /** Set while {@link #collect} asks the registry: pushed metrics then yield themselves. */
  private static final ThreadLocal<Boolean> COLLECTING = new ThreadLocal<>();

  /** The most bytes written to the stream in one call; fewer for a metric of few series. */
  private static final int BUFFER_BYTES = 16 << 10;

  private final Family family;

  TextExposition(Family family, Collector.Type type) {
    super(family.name(), type, family.help(), List.of());
    this.family = family;
  }

  /**
   * Writes this metric, its {@code # HELP} and {@code # TYPE} lines and a line per sample, as
   * {@code TextFormat.write004} writes the samples that the registry would have yielded for it
   * (counters named as pushed, {@link CounterNames#GO}, with {@code # TYPE name counter}); nothing
   * if it has no series. In UTF-8, as the text format is; {@code out} had better buffer little or
   * nothing, as this writes buffers of several KiB. A metric of many series is formatted by several
   * threads at once, one per core, each writing whole series; this thread writes to {@code out}.
   */
  public void write004(OutputStream out) throws IOException {
    write004(out, ParallelSeriesWriter.HELPERS);
  }

  /** As {@link #write004(OutputStream)}, with up to {@code maxHelpers} threads helping. */
  void write004(OutputStream out, int maxHelpers) throws IOException {
    LineWriter lines = new LineWriter(out, Math.min(BUFFER_BYTES, 256 + 64 * family.size()));
    family.write004(lines, name, type, help, maxHelpers);
    lines.flush();
  }

  /**
   * Every family of {@code registry}, as {@link CollectorRegistry#metricFamilySamples()} yields
   * them, but each pushed metric as a {@code TextExposition}: asked first, so that a collector
   * that fails does so before anything is written, but with no sample of a pushed metric made.
   */
  public static List<Collector.MetricFamilySamples> collect(CollectorRegistry registry) {
    COLLECTING.set(Boolean.TRUE);
    try {
      return Collections.list(registry.metricFamilySamples());
    } finally {
      COLLECTING.remove();
    }
  }

  static boolean isCollecting() {
    return COLLECTING.get() != null;
  }
}
