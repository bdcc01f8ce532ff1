package io.pushprom.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.DoubleFunction;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The load generator's report: one markdown table, a row per measurement, under a header naming the
 * machine and the date.
 *
 * <pre>{@code
 * LoadGeneratorTable table = new LoadGeneratorTable();
 * table.addAll(List.of(Row.of("UDP single", "100,000/s", "99,990/s", "0.01% loss", ">= 99.9%", true)));
 * System.out.print(table.render());
 * }</pre>
 */
final class LoadGeneratorTable {
  private static final List<String> COLUMNS =
      List.of("scenario", "offered", "achieved / applied", "loss / ratio", "target", "result");

  private static final int MAX_ERROR_CHARS = 200;

  /** One line of the table; {@code result} is PASS, FAIL or info. */
  record Row(
      String scenario,
      String offered,
      String achieved,
      String lossOrRatio,
      String target,
      String result) {
    /** A measurement held against a target. */
    static Row of(
        String scenario,
        String offered,
        String achieved,
        String lossOrRatio,
        String target,
        boolean passed) {
      return new Row(scenario, offered, achieved, lossOrRatio, target, passed ? "PASS" : "FAIL");
    }

    /** A measurement reported without a target. */
    static Row info(String scenario, String offered, String achieved, String lossOrRatio) {
      return new Row(scenario, offered, achieved, lossOrRatio, "—", "info");
    }

    /** A scenario that could not be measured, which fails it. */
    static Row error(String scenario, Exception e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      String oneLine = message.strip().replaceAll("\\s*\n\\s*", " ").replace('|', '/');
      if (oneLine.length() > MAX_ERROR_CHARS) {
        oneLine = oneLine.substring(0, MAX_ERROR_CHARS) + " …";
      }
      return new Row(scenario, "—", "error: " + oneLine, "—", "—", "FAIL");
    }

    boolean failed() {
      // Some rows say why after the word: "FAIL: did not end in 5 minutes".
      return result.startsWith("FAIL");
    }

    List<String> cells() {
      return List.of(scenario, offered, achieved, lossOrRatio, target, result);
    }
  }

  private final List<Row> rows = new ArrayList<>();
  // Taken when the run starts: the load average at the end would be the run's own.
  private final ZonedDateTime started = ZonedDateTime.now();
  private final String machine = machine();

  void addAll(List<Row> more) {
    rows.addAll(more);
  }

  boolean passed() {
    return rows.stream().noneMatch(Row::failed);
  }

  /** The header and the table, with columns padded so that it reads as well in a terminal. */
  String render() {
    int[] widths = new int[COLUMNS.size()];
    List<List<String>> lines = new ArrayList<>();
    lines.add(COLUMNS);
    rows.forEach(row -> lines.add(row.cells()));
    for (List<String> cells : lines) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], cells.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    out.append("### Pushprom load test, ")
        .append(started.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z")))
        .append("\n\n")
        .append(machine)
        .append("\n\n");
    for (int line = 0; line < lines.size(); line++) {
      appendLine(out, lines.get(line), widths, ' ');
      if (line == 0) {
        appendLine(out, List.of("", "", "", "", "", ""), widths, '-');
      }
    }
    return out.toString();
  }

  private static void appendLine(StringBuilder out, List<String> cells, int[] widths, char pad) {
    out.append('|');
    for (int i = 0; i < cells.size(); i++) {
      String cell = cells.get(i);
      out.append(pad).append(cell).append(String.valueOf(pad).repeat(widths[i] - cell.length()));
      out.append(pad).append('|');
    }
    out.append('\n');
  }

  /** nproc, CPU model, memory and Java version, as far as this machine tells them. */
  static String machine() {
    String cpu =
        procField("/proc/cpuinfo", "model name", Function.identity()).orElse("unknown CPU model");
    String memory =
        procField(
                "/proc/meminfo",
                "MemTotal",
                kibibytes ->
                    String.format(
                        Locale.ROOT,
                        "%.1f GiB",
                        Long.parseLong(kibibytes.replace("kB", "").trim()) / (1024.0 * 1024.0)))
            .orElse("unknown");
    // Other work on the machine skews every number here; the load average shows if there was any.
    String load = procFirstField("/proc/loadavg").orElse("unknown");
    return String.format(
        Locale.ROOT,
        "Machine: nproc %d, %s, %s memory; Java %s (%s); load average %s before the run;"
            + " load generator and server on the same machine, all traffic to 127.0.0.1.",
        Runtime.getRuntime().availableProcessors(),
        cpu,
        memory,
        System.getProperty("java.runtime.version"),
        System.getProperty("java.vm.name"),
        load);
  }

  private static Optional<String> procFirstField(String file) {
    try {
      return Optional.of(Files.readString(Path.of(file)).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> procField(
      String file, String field, Function<String, String> format) {
    try {
      for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equals(field)) {
          return Optional.of(format.apply(line.substring(colon + 1).trim()));
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or a format we do not know: the header says "unknown".
    }
    return Optional.empty();
  }

  // The numbers in the cells

  static double median(double[] values) {
    return percentile(values, 0.5);
  }

  /** The nearest-rank percentile. */
  static double percentile(double[] values, double fraction) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(fraction * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }

  static String count(double value) {
    return String.format(Locale.ROOT, "%,.0f", value);
  }

  static String percent(double fraction, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f%%", 100 * fraction);
  }

  static String millis(double millis) {
    return String.format(Locale.ROOT, millis < 100 ? "%.1f ms" : "%,.0f ms", millis);
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }

  static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }

  static String megabytes(OptionalLong bytes) {
    return bytes.isPresent() ? megabytes(bytes.getAsLong()) : "unknown";
  }

  static String join(double[] values, DoubleFunction<String> format) {
    return Arrays.stream(values).mapToObj(format).collect(Collectors.joining(", "));
  }
}
