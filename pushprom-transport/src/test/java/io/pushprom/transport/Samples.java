package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.client.CollectorRegistry;
import io.pushprom.core.Version;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** Reads what a listener did from the registry and from {@code /metrics} bodies. */
final class Samples {
  private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(10);

  private Samples() {}

  /**
   * The value of one sample, or {@code null} if there is no such series.
   *
   * @param labels label names and values, alternately, in the order the series has them
   */
  static Double value(CollectorRegistry registry, String name, String... labels) {
    String[] names = new String[labels.length / 2];
    String[] values = new String[labels.length / 2];
    for (int i = 0; i < names.length; i++) {
      names[i] = labels[2 * i];
      values[i] = labels[2 * i + 1];
    }
    return registry.getSampleValue(name, names, values);
  }

  /**
   * Asserts that the sample reaches {@code expected}, polling until it does or ten seconds have
   * passed: what a UDP listener receives is applied on its own thread, after {@code send} returns.
   */
  static void awaitValue(
      CollectorRegistry registry, double expected, String name, String... labels) {
    long start = System.nanoTime();
    Double value = value(registry, name, labels);
    while (!Objects.equals(value, expected) && System.nanoTime() - start < DEADLINE_NANOS) {
      Thread.yield();
      value = value(registry, name, labels);
    }
    assertEquals(expected, value, name + " " + Arrays.toString(labels));
  }

  /**
   * {@code pushprom_build_info} as this JVM exposes it, in the text format: the version is {@code
   * unknown} where the classes come from a directory, not from a jar with a manifest.
   */
  static String buildInfo() {
    return """
           # HELP pushprom_build_info Pushprom's version and the Java version it runs on; always 1.
           # TYPE pushprom_build_info gauge
           pushprom_build_info{version="%s",java_version="%s",} 1.0
           """
        .formatted(Version.current(), System.getProperty("java.version"));
  }

  /**
   * A text-format {@code /metrics} body in a stable order. The registry yields its families, and a
   * family its series, in hash order: so families are sorted by name, and the series of a gauge or
   * counter by their text. Histograms and summaries in these tests have one series each, whose
   * lines keep their order.
   */
  static String sorted(String body) {
    List<List<String>> families = new ArrayList<>();
    for (String line : body.split("\n")) {
      if (line.startsWith("# HELP ")) {
        families.add(new ArrayList<>());
      }
      families.get(families.size() - 1).add(line);
    }
    families.sort(Comparator.comparing(family -> family.get(0).split(" ")[2]));
    StringBuilder sorted = new StringBuilder();
    for (List<String> family : families) {
      if (family.get(1).endsWith(" gauge") || family.get(1).endsWith(" counter")) {
        family.subList(2, family.size()).sort(Comparator.naturalOrder());
      }
      family.forEach(line -> sorted.append(line).append('\n'));
    }
    return sorted.toString();
  }
}
