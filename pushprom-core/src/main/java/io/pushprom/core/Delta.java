package io.pushprom.core;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One metric update: which series of which metric, and what to do to it. Built from the JSON the
 * PHP clients send, or directly by an application; either way it is validated when built, so a
 * {@code Delta} that exists breaks none of the rules below on its own (whether it agrees with the
 * metrics that already exist is checked when it is applied).
 *
 * <pre>{@code
 * Delta trees = Delta.parse(
 *     "{\"type\":\"gauge\",\"name\":\"trees\",\"method\":\"add\",\"value\":3002,"
 *         + "\"labels\":{\"species\":\"araucaria angustifolia\"}}");
 * Delta gophers = Delta.of(MetricType.COUNTER, "gophers", Method.INC, 0, Map.of("job", "bot"));
 * }</pre>
 *
 * @param type the kind of metric
 * @param name a valid Prometheus metric name
 * @param help the help text; {@code null} or empty means none: a new metric is then helped by its
 *     name, and an existing one keeps its help
 * @param method what to do, one the type allows
 * @param value the amount: finite, and for a counter not negative; {@link Double#NaN} means absent,
 *     which only {@code inc} and {@code dec} accept (they ignore any value and count 1)
 * @param labels label names to values; names valid, none starting with {@code __}, and no {@code
 *     le} on a histogram or {@code quantile} on a summary. A label whose value is empty is left
 *     out, as Prometheus treats it: {@code {"job":""}} names the same series as no labels
 * @param buckets a histogram's upper bounds, strictly increasing and finite ({@code +Inf} is
 *     implicit); empty means the defaults for a new histogram and the existing ones otherwise
 * @param objectives a summary's quantiles, each in {@code [0, 1]}, and their allowed errors, each
 *     in {@code [0.001, 1]}
 */
public record Delta(
    MetricType type,
    String name,
    String help,
    Method method,
    double value,
    SortedMap<String, String> labels,
    List<Double> buckets,
    SortedMap<Double, Double> objectives) {

  /**
   * A delta of these fields, validated as it is built.
   *
   * @throws InvalidDeltaException if they do not make a valid delta
   */
  public Delta {
    if (type == null) {
      throw invalid("delta: missing type, expected counter, gauge, histogram or summary");
    }
    if (name == null || name.isEmpty()) {
      throw invalid(type + ": missing name");
    }
    if (!isMetricName(name)) {
      throw invalid(
          subject(type, name) + ": invalid metric name, expected [a-zA-Z_:][a-zA-Z0-9_:]*");
    }
    if (type == MetricType.COUNTER && name.equals("_total")) {
      throw invalid(subject(type, name) + ": a counter's name must not be only the _total suffix");
    }
    if (method == null) {
      throw invalid(
          subject(type, name) + ": missing method, expected " + Method.describeAllowed(type));
    }
    if (!method.allowedFor(type)) {
      throw invalid(
          subject(type, name)
              + ": method "
              + method
              + " is not allowed on a "
              + type
              + ", expected "
              + Method.describeAllowed(type));
    }
    if (!method.needsValue()) {
      value = 1;
    } else if (Double.isNaN(value)) {
      throw invalid(subject(type, name) + ": method " + method + " needs a value");
    } else if (Double.isInfinite(value)) {
      throw invalid(subject(type, name) + ": value " + value + " is not finite");
    } else if (type == MetricType.COUNTER && value < 0) {
      throw invalid(
          subject(type, name) + ": negative increment " + format(value) + " is not allowed");
    }
    if (help == null) {
      help = "";
    } else if (!help.isEmpty()) {
      String problem = Unicode.problem("help text", help);
      if (problem != null) {
        throw invalid(subject(type, name) + ": " + problem);
      }
    }
    labels = labels == null ? Labels.EMPTY : checkLabels(type, name, Labels.of(labels));
    buckets =
        type == MetricType.HISTOGRAM && buckets != null
            ? checkBuckets(type, name, buckets)
            : List.of();
    objectives =
        type == MetricType.SUMMARY && objectives != null && !objectives.isEmpty()
            ? checkObjectives(type, name, objectives)
            : Collections.emptySortedMap();
  }

  /**
   * A delta with no help text, buckets or objectives.
   *
   * @param value the amount, ignored by {@code inc} and {@code dec}
   */
  public static Delta of(
      MetricType type, String name, Method method, double value, Map<String, String> labels) {
    return new Delta(
        type, name, null, method, value, labels == null ? null : Labels.of(labels), null, null);
  }

  /**
   * Parses one delta from its JSON text, within the {@linkplain Limits#defaults() default limits}.
   *
   * @throws InvalidDeltaException if the text is not exactly one valid delta
   */
  public static Delta parse(String json) {
    return parse(json, Limits.defaults());
  }

  /**
   * Parses one delta from its JSON text, within {@code limits}.
   *
   * @throws InvalidDeltaException if the text is not exactly one valid delta
   * @throws IllegalStateException if the Jackson on the class path is older than Pushprom needs
   */
  public static Delta parse(String json, Limits limits) {
    JacksonVersion.require();
    // Checked first: getBytes would turn a lone surrogate into '?' and hide it.
    if (Unicode.loneSurrogate(json) >= 0) {
      throw InvalidDeltaException.quiet(
          Reason.MALFORMED, "delta: the JSON text has a lone surrogate, which is invalid Unicode");
    }
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    DeltaParser.Batch batch = DeltaParser.parse(bytes, 0, bytes.length, limits);
    if (!batch.rejections().isEmpty()) {
      throw batch.rejections().get(0).toException();
    }
    if (batch.size() != 1) {
      throw invalid("delta: expected one delta, got " + batch.size());
    }
    return batch.delta(0);
  }

  /**
   * {@code labels} as a delta of {@code type} and {@code name} may have them, those with an empty
   * value left out.
   *
   * @throws InvalidDeltaException naming the first label that breaks a rule
   */
  static Labels checkLabels(MetricType type, String name, Labels labels) {
    String[] names = labels.names();
    String[] values = labels.valueArray();
    for (int i = 0; i < names.length; i++) {
      String labelName = names[i];
      if (labelName == null || !isLabelName(labelName)) {
        throw invalid(
            subject(type, name)
                + ": invalid label name \""
                + (labelName == null ? null : abbreviate(labelName))
                + "\", expected [a-zA-Z_][a-zA-Z0-9_]*");
      }
      if (labelName.startsWith("__")) {
        throw invalid(
            subject(type, name)
                + ": label name "
                + abbreviate(labelName)
                + " is reserved (it starts with __)");
      }
      if (type == MetricType.HISTOGRAM && labelName.equals("le")
          || type == MetricType.SUMMARY && labelName.equals("quantile")) {
        throw invalid(
            subject(type, name)
                + ": label name "
                + abbreviate(labelName)
                + " is reserved on a "
                + type);
      }
      if (values[i] == null) {
        throw invalid(subject(type, name) + ": label " + labelName + " has no value");
      }
      // The subject is made only for a value found wrong, not for every label.
      if (Unicode.loneSurrogate(values[i]) >= 0) {
        throw invalid(
            subject(type, name)
                + ": "
                + Unicode.problem("label " + labelName + " value", values[i]));
      }
    }
    return labels.present();
  }

  private static List<Double> checkBuckets(MetricType type, String name, List<Double> buckets) {
    double previous = Double.NEGATIVE_INFINITY;
    for (Double bound : buckets) {
      if (bound == null || !Double.isFinite(bound) || bound <= previous) {
        throw invalid(
            subject(type, name)
                + ": buckets "
                + format(buckets)
                + " must be finite and strictly increasing (+Inf is implicit)");
      }
      previous = bound;
    }
    return List.copyOf(buckets);
  }

  /**
   * The smallest error a summary's objective may allow. The quantile estimator keeps about one
   * observation in every {@code 2 * error} of them: with an error of 0 it keeps them all, and each
   * observation cost ten times as much (200,000 took 25 s instead of 1.3 s) while the window grew.
   */
  static final double MIN_OBJECTIVE_ERROR = 0.001;

  private static SortedMap<Double, Double> checkObjectives(
      MetricType type, String name, Map<Double, Double> objectives) {
    for (Map.Entry<Double, Double> objective : objectives.entrySet()) {
      Double quantile = objective.getKey();
      Double error = objective.getValue();
      if (quantile == null || !(quantile >= 0 && quantile <= 1)) {
        throw invalid(
            subject(type, name) + ": objective quantile " + quantile + " must be between 0 and 1");
      }
      if (error == null || !(error >= MIN_OBJECTIVE_ERROR && error <= 1)) {
        throw invalid(
            subject(type, name)
                + ": objective error "
                + error
                + " of quantile "
                + format(quantile)
                + " must be between "
                + MIN_OBJECTIVE_ERROR
                + " and 1");
      }
    }
    return Collections.unmodifiableSortedMap(new TreeMap<>(objectives));
  }

  /**
   * How messages name the metric: {@code counter gophers}, a long name cut short. Made only when a
   * rule is broken.
   */
  static String subject(MetricType type, String name) {
    return type + " " + abbreviate(name);
  }

  /**
   * A series as the exposition writes it, its labels sorted, for messages: {@code
   * trees{job="bot",species="oak"}}; long names and values are cut short.
   */
  public static String describe(String name, Map<String, String> labels) {
    return abbreviate(name) + Labels.ofSeries(labels).key();
  }

  /** {@code text}, or its start if it is too long to be read in a message. */
  static String abbreviate(String text) {
    return text.length() <= 64 ? text : text.substring(0, 48) + "...";
  }

  private static InvalidDeltaException invalid(String message) {
    return InvalidDeltaException.quiet(Reason.INVALID, message);
  }

  /** Metric names found valid lately, which a repeated delta's name is not checked again for. */
  private static final KnownNames METRIC_NAMES = new KnownNames();

  private static final KnownNames LABEL_NAMES = new KnownNames();

  static boolean isMetricName(String name) {
    return isName(name, METRIC_NAME, METRIC_NAMES);
  }

  static boolean isLabelName(String name) {
    return isName(name, LABEL_NAME, LABEL_NAMES);
  }

  private static boolean isName(String name, byte[] where, KnownNames known) {
    if (known.contains(name)) {
      return true;
    }
    boolean valid = isName(name, where);
    if (valid) {
      known.add(name);
    }
    return valid;
  }

  /** Where an ASCII character may be in a name: anywhere, or after the first character only. */
  private static final byte ANYWHERE = 2;

  private static final byte NOT_FIRST = 1;

  /** Per ASCII character, where a metric name may have it: {@code [a-zA-Z_:][a-zA-Z0-9_:]*}. */
  private static final byte[] METRIC_NAME = nameCharacters(true);

  /** Per ASCII character, where a label name may have it: {@code [a-zA-Z_][a-zA-Z0-9_]*}. */
  private static final byte[] LABEL_NAME = nameCharacters(false);

  private static byte[] nameCharacters(boolean colon) {
    byte[] where = new byte[128];
    for (char c = 'a'; c <= 'z'; c++) {
      where[c] = ANYWHERE;
      where[Character.toUpperCase(c)] = ANYWHERE;
    }
    where['_'] = ANYWHERE;
    where[':'] = colon ? ANYWHERE : 0;
    for (char c = '0'; c <= '9'; c++) {
      where[c] = NOT_FIRST;
    }
    return where;
  }

  // A table read per character, as every delta's names are checked.
  private static boolean isName(String name, byte[] where) {
    int length = name.length();
    if (length == 0) {
      return false;
    }
    char first = name.charAt(0);
    if (first >= 128 || where[first] != ANYWHERE) {
      return false;
    }
    for (int i = 1; i < length; i++) {
      char c = name.charAt(i);
      if (c >= 128 || where[c] == 0) {
        return false;
      }
    }
    return true;
  }

  /** Formats a number as a person would write it: {@code 2}, not {@code 2.0}. */
  static String format(double number) {
    if (number == Math.rint(number) && Math.abs(number) < 1e15) {
      return Long.toString((long) number);
    }
    return Double.toString(number);
  }

  static String format(Iterable<Double> numbers) {
    StringBuilder text = new StringBuilder("[");
    for (Double number : numbers) {
      if (text.length() > 1) {
        text.append(", ");
      }
      text.append(number == null ? "null" : format(number));
    }
    return text.append(']').toString();
  }

  static String format(Map<Double, Double> objectives) {
    return objectives.entrySet().stream()
        .map(objective -> format(objective.getKey()) + ": " + format(objective.getValue()))
        .collect(Collectors.joining(", ", "{", "}"));
  }
}
