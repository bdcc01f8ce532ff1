package io.pushprom.core;

import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * An aggregator's {@code /metrics} body in text format 0.0.4, made comparable: the registry yields
 * its families, and a family its series, in hash order, so families are sorted by name and a
 * family's lines after its header are sorted too.
 */
final class Scrape {
  private Scrape() {}

  /**
   * The body of the families whose names {@code families} accepts.
   *
   * @param everyFamily whether to sort the lines of histograms and summaries too, which tests of
   *     one series keep in the order the exposition writes them
   */
  static String of(Aggregator aggregator, Predicate<String> families, boolean everyFamily)
      throws IOException {
    StringWriter text = new StringWriter();
    TextFormat.write004(text, aggregator.registry().metricFamilySamples());
    List<List<String>> parts = new ArrayList<>();
    for (String line : text.toString().split("\n")) {
      if (line.startsWith("# HELP ")) {
        parts.add(new ArrayList<>());
      }
      parts.get(parts.size() - 1).add(line);
    }
    parts.removeIf(family -> !families.test(family.get(0).split(" ")[2]));
    parts.sort(Comparator.comparing(family -> family.get(0).split(" ")[2]));
    StringBuilder body = new StringBuilder();
    for (List<String> family : parts) {
      String type = family.get(1);
      if (everyFamily || type.endsWith(" gauge") || type.endsWith(" counter")) {
        family.subList(2, family.size()).sort(Comparator.naturalOrder());
      }
      family.forEach(line -> body.append(line).append('\n'));
    }
    return body.toString();
  }
}
