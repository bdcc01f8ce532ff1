package io.pushprom.transport;

import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.exporter.common.TextFormat;
import io.pushprom.core.CounterNames;
import io.pushprom.core.GoCounterSamples;
import io.pushprom.core.TextExposition;
import java.io.BufferedWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code /metrics} body: simpleclient's formats and its writer, but for the counters that
 * {@link CounterNames#GO} exposes under their names as pushed, which simpleclient would write with
 * {@code _total}. Those are written here, as its text format 0.0.4 writer would write a counter of
 * that name: the same escaping of help and label values, the same numbers.
 */
final class Exposition {
  private static final int BUFFER_CHARS = 32 << 10;

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

  /**
   * Writes {@code families} in {@code contentType}, one of {@link #contentType}'s, in UTF-8, as
   * simpleclient's {@link TextFormat#writeFormat} writes them in one call; in the text format 0.0.4
   * the families that are {@link TextExposition}s write themselves, straight from their series.
   * Leaves {@code stream} open and unflushed.
   */
  static void write(String contentType, OutputStream stream, List<MetricFamilySamples> families)
      throws IOException {
    // The writer's flushes, before each family that writes itself, must not flush the stream: on
    // a chunked answer each would send a chunk.
    Writer out =
        new BufferedWriter(
            new OutputStreamWriter(
                new FilterOutputStream(stream) {
                  @Override
                  public void write(byte[] bytes, int offset, int length) throws IOException {
                    out.write(bytes, offset, length);
                  }

                  @Override
                  public void flush() {}
                },
                StandardCharsets.UTF_8),
            BUFFER_CHARS);
    if (!contentType.equals(TextFormat.CONTENT_TYPE_004)) {
      TextFormat.writeFormat(contentType, out, Collections.enumeration(families));
      out.flush();
      return;
    }
    // simpleclient's writer keeps OpenMetrics' own samples (_created, _gcount, _gsum) for the end,
    // as gauges of their own, by name: so does this, the other families written one at a time.
    Map<String, MetricFamilySamples> endFamilies = new TreeMap<>();
    for (MetricFamilySamples family : families) {
      if (family instanceof TextExposition pushed) {
        out.flush();
        pushed.write004(stream);
      } else if (family instanceof GoCounterSamples) {
        writeCounter(out, family);
      } else {
        TextFormat.write004(
            out, Collections.enumeration(List.of(withoutEndSamples(family, endFamilies))));
      }
    }
    if (!endFamilies.isEmpty()) {
      TextFormat.write004(out, Collections.enumeration(endFamilies.values()));
    }
    out.flush();
  }

  /**
   * {@code family} without the samples that simpleclient's text format writer keeps for the end,
   * which are added to {@code endFamilies} as that writer adds them.
   */
  private static MetricFamilySamples withoutEndSamples(
      MetricFamilySamples family, Map<String, MetricFamilySamples> endFamilies) {
    String createdName = family.name + "_created";
    String gcountName = family.name + "_gcount";
    String gsumName = family.name + "_gsum";
    List<MetricFamilySamples.Sample> kept = null;
    for (int i = 0; i < family.samples.size(); i++) {
      MetricFamilySamples.Sample sample = family.samples.get(i);
      if (sample.name.equals(createdName)
          || sample.name.equals(gcountName)
          || sample.name.equals(gsumName)) {
        if (kept == null) {
          kept = new ArrayList<>(family.samples.subList(0, i));
        }
        endFamilies
            .computeIfAbsent(
                sample.name,
                name ->
                    new MetricFamilySamples(
                        name, Collector.Type.GAUGE, family.help, new ArrayList<>()))
            .samples
            .add(sample);
      } else if (kept != null) {
        kept.add(sample);
      }
    }
    // The family's name is simpleclient's already, so a counter's samples are not renamed again.
    return kept == null
        ? family
        : new MetricFamilySamples(family.name, family.unit, family.type, family.help, kept);
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
