package io.pushprom.core;

import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.GaugeMetricFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pushprom's counters about itself, exposed beside the pushed metrics and, like them, without
 * {@code _created} series. The aggregator keeps {@code pushprom_deltas_applied_total} and {@code
 * pushprom_deltas_rejected_total}; transports add their own, such as {@code
 * pushprom_udp_packets_total}. Beside them, gauges: the series that exist and may, and {@code
 * pushprom_build_info{version,java_version}}, always 1. A delta cannot write to any of them: their
 * names are taken.
 *
 * <pre>{@code
 * Counter packets = aggregator.telemetry().counter(TransportCounter.UDP_PACKETS);
 * packets.inc();
 * }</pre>
 */
public final class Telemetry extends Collector implements Collector.Describable {
  private final CollectorRegistry registry;
  private final Object lock;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Runnable onScrape;
  private final SeriesCount seriesCount;

  /** {@code pushprom_build_info}: the same at every scrape, so made once. */
  private final GaugeMetricFamily buildInfo =
      new GaugeMetricFamily(
              "pushprom_build_info",
              "Pushprom's version and the Java version it runs on; always 1.",
              List.of("version", "java_version"))
          .addMetric(List.of(Version.current(), System.getProperty("java.version")), 1);

  /**
   * @param lock held while the aggregator registers families: between unregistering and registering
   *     this again, no family may take a name of its counters
   * @param onScrape run at each scrape, before the counters are read
   * @param seriesCount the series that exist and may, shown as gauges
   */
  Telemetry(CollectorRegistry registry, Object lock, Runnable onScrape, SeriesCount seriesCount) {
    this.registry = registry;
    this.lock = lock;
    this.onScrape = onScrape;
    this.seriesCount = seriesCount;
    registry.register(this);
  }

  /**
   * Returns a transport's counter, registering it the first time.
   *
   * @throws IllegalArgumentException if another collector of the registry has its name
   */
  public Counter counter(TransportCounter which) {
    return counter(which.metricName(), which.help());
  }

  /**
   * Returns the counter named {@code name}, creating it the first time.
   *
   * @throws IllegalArgumentException if another collector of the registry has that name
   */
  Counter counter(String name, String help, String... labelNames) {
    Counter counter = counters.get(name);
    if (counter != null) {
      return counter;
    }
    synchronized (lock) {
      // Not computeIfAbsent: the registry must learn the new names, so this is registered again.
      counter = counters.get(name);
      if (counter != null) {
        return counter;
      }
      Counter created =
          Counter.build(name, help).labelNames(labelNames).withoutExemplars().create();
      registry.unregister(this);
      counters.put(name, created);
      try {
        registry.register(this);
      } catch (IllegalArgumentException e) {
        counters.remove(name);
        registry.register(this);
        throw new IllegalArgumentException(
            name + ": collides with another collector of the registry", e);
      }
      return created;
    }
  }

  @Override
  public List<MetricFamilySamples> collect() {
    onScrape.run();
    List<MetricFamilySamples> families = gauges();
    for (Counter counter : counters.values()) {
      for (MetricFamilySamples family : counter.collect()) {
        List<MetricFamilySamples.Sample> samples = new ArrayList<>();
        Family.addWithoutCreated(family, samples);
        families.add(new MetricFamilySamples(family.name, family.type, family.help, samples));
      }
    }
    return families;
  }

  /** The build's gauge and those of the series count, which are read at each scrape, not kept. */
  private List<MetricFamilySamples> gauges() {
    List<MetricFamilySamples> gauges = new ArrayList<>();
    gauges.add(buildInfo);
    gauges.add(
        new GaugeMetricFamily(
            "pushprom_series", "Pushed series that exist now.", seriesCount.get()));
    gauges.add(
        new GaugeMetricFamily(
            "pushprom_series_limit",
            "How many places pushed series and metrics may take; a delta that would make a series"
                + " beyond them is rejected.",
            seriesCount.max()));
    gauges.add(
        new GaugeMetricFamily(
            "pushprom_series_places",
            "Places of the series limit taken: one a series, more for long labels or a summary's"
                + " objectives, and a metric's own.",
            seriesCount.places()));
    return gauges;
  }

  @Override
  public List<MetricFamilySamples> describe() {
    List<MetricFamilySamples> families = gauges();
    for (Counter counter : counters.values()) {
      families.addAll(counter.describe());
    }
    return families;
  }
}
