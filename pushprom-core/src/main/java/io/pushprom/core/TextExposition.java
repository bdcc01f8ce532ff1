package io.pushprom.core;

import io.prometheus.client.Collector;
import io.prometheus.client.Predicate;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

/**
 * A pushed metric that writes itself in the text format 0.0.4 straight from its series, as
 * simpleclient's {@code TextFormat.write004} would write its samples, but without making a sample,
 * a list or a string per series. A registry yields these in place of the samples of pushed metrics
 * when asked with {@link #FILTER}; their {@link #samples} are empty, so only a writer that knows
 * this class should ask so. Everything else a registry holds comes as it always does.
 *
 * <pre>{@code
 * for (MetricFamilySamples family :
 *     Collections.list(registry.filteredMetricFamilySamples(TextExposition.FILTER))) {
 *   if (family instanceof TextExposition pushed) {
 *     pushed.write004(writer);
 *   } else {
 *     TextFormat.write004(writer, Collections.enumeration(List.of(family)));
 *   }
 * }
 * }</pre>
 */
public final class TextExposition extends Collector.MetricFamilySamples {
  /**
   * Takes every sample, and makes each pushed metric of a registry come as a {@code
   * TextExposition}.
   */
  public static final Predicate<String> FILTER = sampleName -> true;

  /** Written below this many series in one call, a buffer of the chars of about that many. */
  private static final int BUFFER_CHARS = 16 << 10;

  private final Family family;

  TextExposition(Family family, Collector.Type type) {
    super(family.name(), type, family.help(), List.of());
    this.family = family;
  }

  /**
   * Writes this metric, its {@code # HELP} and {@code # TYPE} lines and a line per sample, as
   * {@code TextFormat.write004} writes the samples that the registry would have yielded for it
   * (counters named as pushed, {@link CounterNames#GO}, with {@code # TYPE name counter}); nothing
   * if it has no series.
   */
  public void write004(Writer out) throws IOException {
    LineWriter lines = new LineWriter(out, Math.min(BUFFER_CHARS, 256 + 64 * family.size()));
    family.write004(lines, name, type, help);
    lines.flush();
  }

  /** This one, whole, for {@link #FILTER} or none; otherwise none of its (empty) samples. */
  @Override
  public Collector.MetricFamilySamples filter(Predicate<String> sampleNameFilter) {
    return sampleNameFilter == null || sampleNameFilter == FILTER
        ? this
        : super.filter(sampleNameFilter);
  }
}
