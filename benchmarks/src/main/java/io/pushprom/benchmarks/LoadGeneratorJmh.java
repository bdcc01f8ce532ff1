package io.pushprom.benchmarks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a JMH result file ({@code -rf json}) into rows of the load generator's table, with
 * Jackson's streaming parser: one row per benchmark and parameter set, its score and error.
 *
 * <pre>{@code
 * table.addAll(LoadGeneratorJmh.rows(Path.of("/tmp/jmh.json")));
 * }</pre>
 */
final class LoadGeneratorJmh {
  private static final JsonFactory JSON = new JsonFactory();

  private LoadGeneratorJmh() {}

  /** The fields of one result that the table shows. */
  private record Result(
      String benchmark,
      String mode,
      Map<String, String> params,
      double score,
      double error,
      double median,
      String unit) {}

  private static final double PARSE_AND_APPLY_TARGET = 2_000_000;
  private static final double HOSTILE_TARGET_MILLIS = 500;

  static List<LoadGeneratorTable.Row> rows(Path file) throws IOException {
    List<LoadGeneratorTable.Row> rows = new ArrayList<>();
    for (Result result : parse(file)) {
      String name = shortName(result.benchmark());
      String params = result.params().isEmpty() ? "" : " " + result.params();
      String error =
          Double.isNaN(result.error()) || result.score() == 0
              ? ""
              : String.format(Locale.ROOT, " ± %.1f%%", 100 * result.error() / result.score());
      String target = "—";
      String outcome = "info";
      String median = "";
      if (name.equals("CoreBenchmark.parseAndApply")) {
        // A typical delta parsed and applied on one thread. Judged by the median iteration: on a
        // shared 2-core VM a neighbour now and then halves one iteration's score, and so the mean.
        target = "median iteration ≥ " + format(PARSE_AND_APPLY_TARGET) + " deltas/s";
        outcome = result.median() >= PARSE_AND_APPLY_TARGET ? "PASS" : "FAIL";
        median = "; median iteration " + format(result.median());
      } else if (result.unit().equals("ms/op")) {
        // A hostile body, of any shape up to 16 MiB, is answered well under a second.
        target = "< " + format(HOSTILE_TARGET_MILLIS) + " ms a body";
        outcome = result.score() < HOSTILE_TARGET_MILLIS ? "PASS" : "FAIL";
      }
      rows.add(
          new LoadGeneratorTable.Row(
              "JMH " + name + params,
              "in-process, " + result.mode(),
              format(result.score()) + " " + result.unit() + error + median,
              "—",
              target,
              outcome));
    }
    return rows;
  }

  /** {@code io.pushprom.benchmarks.CoreBenchmark.parseOnly} is {@code CoreBenchmark.parseOnly}. */
  private static String shortName(String benchmark) {
    int method = benchmark.lastIndexOf('.');
    return benchmark.substring(benchmark.lastIndexOf('.', method - 1) + 1);
  }

  private static String format(double score) {
    return score >= 100
        ? String.format(Locale.ROOT, "%,d", Math.round(score))
        : String.format(Locale.ROOT, "%.3g", score);
  }

  private static List<Result> parse(Path file) throws IOException {
    List<Result> results = new ArrayList<>();
    try (JsonParser parser = JSON.createParser(file.toFile())) {
      expect(parser, parser.nextToken(), JsonToken.START_ARRAY, file);
      for (JsonToken token = parser.nextToken();
          token != JsonToken.END_ARRAY;
          token = parser.nextToken()) {
        expect(parser, token, JsonToken.START_OBJECT, file);
        results.add(result(parser, file));
      }
    }
    return results;
  }

  private static Result result(JsonParser parser, Path file) throws IOException {
    String benchmark = "?";
    String mode = "?";
    Map<String, String> params = new LinkedHashMap<>();
    double score = Double.NaN;
    double error = Double.NaN;
    double median = Double.NaN;
    String unit = "";
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      switch (field) {
        case "benchmark" -> benchmark = parser.getText();
        case "mode" -> mode = parser.getText();
        case "params" -> {
          expect(parser, value, JsonToken.START_OBJECT, file);
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            params.put(name, parser.getText());
          }
        }
        case "primaryMetric" -> {
          expect(parser, value, JsonToken.START_OBJECT, file);
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken metric = parser.nextToken();
            switch (name) {
              case "score" -> score = number(parser);
              case "scoreError" -> error = number(parser);
              case "scoreUnit" -> unit = parser.getText();
              case "scorePercentiles" -> median = percentile(parser, "50.0");
              default -> {
                if (metric.isStructStart()) {
                  parser.skipChildren();
                }
              }
            }
          }
        }
        default -> {
          if (value.isStructStart()) {
            parser.skipChildren();
          }
        }
      }
    }
    return new Result(benchmark, mode, params, score, error, median, unit);
  }

  /** The percentile {@code key} of JMH's {@code scorePercentiles} object, the parser at its start. */
  private static double percentile(JsonParser parser, String key) throws IOException {
    double value = Double.NaN;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      parser.nextToken();
      if (name.equals(key)) {
        value = number(parser);
      }
    }
    return value;
  }

  /** A number, or JMH's {@code "NaN"} string when there were too few iterations for an error. */
  private static double number(JsonParser parser) throws IOException {
    return parser.currentToken().isNumeric()
        ? parser.getDoubleValue()
        : Double.parseDouble(parser.getText());
  }

  private static void expect(JsonParser parser, JsonToken actual, JsonToken expected, Path file)
      throws IOException {
    if (actual != expected) {
      throw new IOException(
          file
              + ": not a JMH result file: expected "
              + expected
              + " at "
              + parser.currentLocation()
              + ", found "
              + actual);
    }
  }
}
