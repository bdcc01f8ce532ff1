package io.pushprom.core;

import io.prometheus.client.Collector;
import io.prometheus.client.Predicate;
import java.util.ArrayList;
import java.util.List;

/**
 * A pushed counter as {@link CounterNames#GO} exposes it: its samples carry the name it was pushed
 * with, {@code _total} or not. simpleclient would rename a {@link Collector.Type#COUNTER} family's
 * samples to {@code name_total}, so this family says {@link Collector.Type#UNKNOWN} to simpleclient
 * (its registry then reserves only the name itself); a writer that knows this class writes {@code #
 * TYPE name counter}, as Pushprom's {@code /metrics} does. simpleclient's own writers, which do
 * not, write it {@code untyped}.
 *
 * <pre>{@code
 * for (MetricFamilySamples family : Collections.list(registry.metricFamilySamples())) {
 *   boolean counter = family.type == Type.COUNTER || family instanceof GoCounterSamples;
 * }
 * }</pre>
 */
public final class GoCounterSamples extends Collector.MetricFamilySamples {
  GoCounterSamples(String name, String help, List<Sample> samples) {
    super(name, Collector.Type.UNKNOWN, help, samples);
  }

  /** As simpleclient's, but the family stays a {@code GoCounterSamples}. */
  @Override
  public Collector.MetricFamilySamples filter(Predicate<String> sampleNameFilter) {
    if (sampleNameFilter == null) {
      return this;
    }
    List<Sample> kept = new ArrayList<>();
    for (Sample sample : samples) {
      if (sampleNameFilter.test(sample.name)) {
        kept.add(sample);
      }
    }
    return kept.isEmpty() ? null : new GoCounterSamples(name, help, kept);
  }
}
