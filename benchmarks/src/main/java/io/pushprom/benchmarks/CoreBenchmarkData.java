package io.pushprom.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** The bodies {@link CoreBenchmark} sends: deltas as the PHP client writes them, in UTF-8. */
final class CoreBenchmarkData {
  /** A typical delta: a counter increment with help and two labels, 122 bytes. */
  static final String TYPICAL =
      "{\"type\":\"counter\",\"name\":\"http_requests\",\"help\":\"requests served\","
          + "\"labels\":{\"method\":\"GET\",\"status\":\"200\"},\"method\":\"inc\"}";

  /** The typical delta with one label value per series, so each index names its own series. */
  private static final String SERIES =
      "{\"type\":\"counter\",\"name\":\"http_requests\",\"help\":\"requests served\","
          + "\"labels\":{\"method\":\"GET\",\"user\":\"u%05d\"},\"method\":\"inc\"}";

  private CoreBenchmarkData() {}

  static byte[] typical() {
    return TYPICAL.getBytes(StandardCharsets.UTF_8);
  }

  /** The delta for series {@code index}; 123 bytes while {@code index} has five digits. */
  static byte[] series(int index) {
    return seriesText(index).getBytes(StandardCharsets.UTF_8);
  }

  private static String seriesText(int index) {
    return String.format(Locale.ROOT, SERIES, index);
  }

  /** One delta for each of {@code count} series. */
  static byte[][] distinctSeries(int count) {
    byte[][] deltas = new byte[count][];
    for (int i = 0; i < count; i++) {
      deltas[i] = series(i);
    }
    return deltas;
  }

  /** One delta per line, {@code deltas} of them, cycling over {@code series} series. */
  static byte[] ndjson(int deltas, int series) {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < deltas; i++) {
      body.append(seriesText(i % series)).append('\n');
    }
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A JSON array of {@code deltas} deltas, cycling over {@code series} series. */
  static byte[] array(int deltas, int series) {
    StringBuilder body = new StringBuilder("[");
    for (int i = 0; i < deltas; i++) {
      body.append(i == 0 ? "" : ",\n").append(seriesText(i % series));
    }
    return body.append(']').toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The body size of the hostile bodies: 16 MiB, the HTTP listener's default limit. */
  static final int HOSTILE_SIZE = 16 << 20;

  /** A gauge delta with {@code labels} labels, named l0, l1, ... written in reverse order. */
  static byte[] reversedLabels(int labels) {
    StringBuilder body =
        new StringBuilder("{\"type\":\"gauge\",\"name\":\"trees\",\"method\":\"inc\",\"labels\":{");
    for (int i = labels - 1; i >= 0; i--) {
      body.append("\"l").append(i).append("\":\"v").append(i).append(i == 0 ? "\"" : "\",");
    }
    return body.append("}}").toString().getBytes(StandardCharsets.UTF_8);
  }

  /** {@code line} and a newline, repeated to fill 16 MiB. */
  static byte[] repeatedLines(String line) {
    String withNewline = line + "\n";
    return withNewline.repeat(HOSTILE_SIZE / withNewline.length()).getBytes(StandardCharsets.UTF_8);
  }

  /** One gauge delta whose help text fills 16 MiB. */
  static byte[] hugeHelp() {
    String start = "{\"type\":\"gauge\",\"name\":\"a\",\"method\":\"inc\",\"help\":\"";
    return (start + "h".repeat(HOSTILE_SIZE - start.length() - 2) + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** One histogram delta whose buckets fill 16 MiB with increasing numbers. */
  static byte[] hugeBuckets() {
    StringBuilder body =
        new StringBuilder(
            "{\"type\":\"histogram\",\"name\":\"h\",\"method\":\"observe\",\"value\":1,\"buckets\":[");
    for (int i = 1; body.length() < HOSTILE_SIZE - 16; i++) {
      body.append(i).append(',');
    }
    body.setLength(body.length() - 1);
    return body.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }
}
