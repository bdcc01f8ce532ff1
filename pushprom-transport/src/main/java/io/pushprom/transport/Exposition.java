package io.pushprom.transport;

import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.exporter.common.TextFormat;
import io.pushprom.core.CounterNames;
import io.pushprom.core.GoCounterSamples;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The {@code /metrics} body: simpleclient's formats and its writer, but for the counters that
 * {@link CounterNames#GO} exposes under their names as pushed, which simpleclient would write with
 * {@code _total}. Those are written here, as its text format 0.0.4 writer would write a counter of
 * that name: the same escaping of help and label values, the same numbers.
 */
final class Exposition {
  private Exposition() {}

  /**
   * The format to answer {@code accept} with: simpleclient's choice, but the text format 0.0.4
   * whatever is asked when counters keep their names, as OpenMetrics requires {@code _total}.
   */
  static String contentType(CounterNames counterNames, String accept) {
    return counterNames == CounterNames.GO
        ? TextFormat.CONTENT_TYPE_004
        : TextFormat.chooseContentType(accept);
  }

  /** Writes {@code families} in {@code contentType}, one of {@link #contentType}'s. */
  static void write(String contentType, Writer out, List<MetricFamilySamples> families)
      throws IOException {
    if (!contentType.equals(TextFormat.CONTENT_TYPE_004)) {
      TextFormat.writeFormat(contentType, out, Collections.enumeration(families));
      return;
    }
    // simpleclient's writer takes the families between two such counters in one call each.
    List<MetricFamilySamples> others = new ArrayList<>();
    for (MetricFamilySamples family : families) {
      if (family instanceof GoCounterSamples) {
        flush(out, others);
        writeCounter(out, family);
      } else {
        others.add(family);
      }
    }
    flush(out, others);
  }

  private static void flush(Writer out, List<MetricFamilySamples> families) throws IOException {
    if (!families.isEmpty()) {
      TextFormat.write004(out, Collections.enumeration(families));
      families.clear();
    }
  }

  private static void writeCounter(Writer out, MetricFamilySamples family) throws IOException {
    out.write("# HELP ");
    out.write(family.name);
    out.write(' ');
    writeEscaped(out, family.help, false);
    out.write("\n# TYPE ");
    out.write(family.name);
    out.write(" counter\n");
    for (MetricFamilySamples.Sample sample : family.samples) {
      out.write(sample.name);
      if (!sample.labelNames.isEmpty()) {
        out.write('{');
        for (int i = 0; i < sample.labelNames.size(); i++) {
          out.write(sample.labelNames.get(i));
          out.write("=\"");
          writeEscaped(out, sample.labelValues.get(i), true);
          // As simpleclient writes every pair, the last too: name="value",
          out.write("\",");
        }
        out.write('}');
      }
      out.write(' ');
      out.write(Collector.doubleToGoString(sample.value));
      if (sample.timestampMs != null) {
        out.write(' ');
        out.write(Long.toString(sample.timestampMs));
      }
      out.write('\n');
    }
  }

  /**
   * Writes {@code text} with backslashes and line feeds escaped, and double quotes too in a label
   * value: the text format's rules, which simpleclient's writer keeps.
   */
  private static void writeEscaped(Writer out, String text, boolean labelValue) throws IOException {
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String escaped =
          c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '"' && labelValue ? "\\\"" : null;
      if (escaped != null) {
        out.write(text, start, i - start);
        out.write(escaped);
        start = i + 1;
      }
    }
    out.write(text, start, text.length() - start);
  }
}
