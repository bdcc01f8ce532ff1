package io.pushprom.core;

import java.util.Arrays;

/**
 * How large one delta may be: what a client controls of the work and memory a delta costs. A delta
 * over a limit is rejected as {@link Reason#INVALID} with a message naming the limit; the parser
 * stops storing at the limit, so a delta of a million labels never becomes a million-entry map.
 *
 * <pre>{@code
 * Aggregator aggregator = Aggregator.builder()
 *     .limits(Limits.defaults().withMaxLabels(10).withMaxHelpLength(256))
 *     .build();
 * }</pre>
 *
 * <p>The defaults come from measuring heap per series (after GC) and time per delta (new series,
 * then existing ones) through {@code ingestEach} on JDK 17, x86-64, for 1,000 to 20,000 distinct
 * series at each size; the times are rough (one JVM, cold caches), the heap is not:
 *
 * <table>
 *   <caption>Cost per series and per delta</caption>
 *   <tr><th>shape</th><th>heap per series</th><th>µs per delta, new / existing</th></tr>
 *   <tr><td>counter, 2 labels of 16 chars</td><td>0.3 KB</td><td>4 / 2.3</td></tr>
 *   <tr><td>counter, 8 labels of 16 chars</td><td>0.6 KB</td><td>4 / 2.9</td></tr>
 *   <tr><td>counter, 64 labels of 16 chars</td><td>4.0 KB</td><td>15 / 15</td></tr>
 *   <tr><td>counter, 256 labels of 16 chars</td><td>15.5 KB</td><td>68 / 56</td></tr>
 *   <tr><td>counter, 8 labels of 1,024 chars</td><td>8.7 KB</td><td>21 / 18</td></tr>
 *   <tr><td>counter, 8 labels of 8,192 chars</td><td>68 KB</td><td>143 / 164</td></tr>
 *   <tr><td>counter, 64 labels of 1,024 chars</td><td>68 KB</td><td>200 / 200</td></tr>
 *   <tr><td>histogram, 11 / 128 / 1,024 buckets</td><td>1.0 / 7.6 / 58 KB</td>
 *       <td>12 / 8; 48 / 15; 268 / 82</td></tr>
 *   <tr><td>summary, 4 / 16 / 64 objectives</td><td>6 KB each</td>
 *       <td>27 / 25; 31 / 13; 92 / 55</td></tr>
 * </table>
 *
 * <p>So a label costs about 60 bytes and 0.25 µs, a character of a value one or two bytes, a bucket
 * about 56 bytes and a little scan per observation, an objective about 1 µs per observation. The
 * defaults keep the worst single delta near 0.2 ms and the worst series under 70 KB (140 KB for
 * non-Latin-1 values), while leaving far more room than real metrics use (Prometheus advises a
 * handful of labels; client_java's default histogram has 11 buckets):
 *
 * <ul>
 *   <li>{@code maxLabels} 64;
 *   <li>{@code maxLabelValueLength} 1,024 characters: URLs and user agents fit, documents don't;
 *   <li>{@code maxNameLength} 256 characters, for metric and label names, which every sample of a
 *       scrape repeats;
 *   <li>{@code maxHelpLength} 4,096 characters: one per metric, the newest wins;
 *   <li>{@code maxBuckets} 128;
 *   <li>{@code maxObjectives} 16;
 *   <li>{@code maxDeltasPerBody} 100,000: a body of tiny deltas costs the parser about 0.3 µs a
 *       delta and a rejected one about 30 bytes more while the body is answered; a 16 MiB body of
 *       {@code {}} lines, 5.6 million rejections, took 1.8 s and 908 MB of allocation before. The
 *       deltas past the limit are not read, and the body is answered with one rejection for them.
 * </ul>
 */
public final class Limits {
  /** Each limit, by its index in {@link #max}, with its name for messages and its default. */
  private enum Limit {
    LABELS("maxLabels", 64),
    LABEL_VALUE_LENGTH("maxLabelValueLength", 1024),
    NAME_LENGTH("maxNameLength", 256),
    HELP_LENGTH("maxHelpLength", 4096),
    BUCKETS("maxBuckets", 128),
    OBJECTIVES("maxObjectives", 16),
    DELTAS_PER_BODY("maxDeltasPerBody", 100_000);

    final String field;
    final int defaultValue;

    Limit(String field, int defaultValue) {
      this.field = field;
      this.defaultValue = defaultValue;
    }
  }

  private static final Limits DEFAULTS =
      new Limits(Arrays.stream(Limit.values()).mapToInt(limit -> limit.defaultValue).toArray());

  private final int[] max;

  private Limits(int[] max) {
    this.max = max;
  }

  /** The limits a server has unless told otherwise; see the class comment for their values. */
  public static Limits defaults() {
    return DEFAULTS;
  }

  /** Label pairs per delta. */
  public int maxLabels() {
    return max[Limit.LABELS.ordinal()];
  }

  /** Characters (UTF-16 units) in one label value. */
  public int maxLabelValueLength() {
    return max[Limit.LABEL_VALUE_LENGTH.ordinal()];
  }

  /** Characters in a metric name or a label name. */
  public int maxNameLength() {
    return max[Limit.NAME_LENGTH.ordinal()];
  }

  /** Characters (UTF-16 units) in a help text. */
  public int maxHelpLength() {
    return max[Limit.HELP_LENGTH.ordinal()];
  }

  /** Upper bounds a histogram may name. */
  public int maxBuckets() {
    return max[Limit.BUCKETS.ordinal()];
  }

  /** Quantiles a summary may name. */
  public int maxObjectives() {
    return max[Limit.OBJECTIVES.ordinal()];
  }

  /** Deltas in one body (an HTTP request or a datagram). */
  public int maxDeltasPerBody() {
    return max[Limit.DELTAS_PER_BODY.ordinal()];
  }

  // Each with... method throws IllegalArgumentException if its value is not positive.

  /** These limits with {@code maxLabels} label pairs per delta. */
  public Limits withMaxLabels(int maxLabels) {
    return with(Limit.LABELS, maxLabels);
  }

  /** These limits with label values of up to {@code maxLabelValueLength} characters. */
  public Limits withMaxLabelValueLength(int maxLabelValueLength) {
    return with(Limit.LABEL_VALUE_LENGTH, maxLabelValueLength);
  }

  /** These limits with metric and label names of up to {@code maxNameLength} characters. */
  public Limits withMaxNameLength(int maxNameLength) {
    return with(Limit.NAME_LENGTH, maxNameLength);
  }

  /** These limits with help texts of up to {@code maxHelpLength} characters. */
  public Limits withMaxHelpLength(int maxHelpLength) {
    return with(Limit.HELP_LENGTH, maxHelpLength);
  }

  /** These limits with up to {@code maxBuckets} buckets per histogram. */
  public Limits withMaxBuckets(int maxBuckets) {
    return with(Limit.BUCKETS, maxBuckets);
  }

  /** These limits with up to {@code maxObjectives} objectives per summary. */
  public Limits withMaxObjectives(int maxObjectives) {
    return with(Limit.OBJECTIVES, maxObjectives);
  }

  /** These limits with bodies of up to {@code maxDeltasPerBody} deltas. */
  public Limits withMaxDeltasPerBody(int maxDeltasPerBody) {
    return with(Limit.DELTAS_PER_BODY, maxDeltasPerBody);
  }

  private Limits with(Limit limit, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(
          limit.field + ": " + value + " is not allowed, must be positive");
    }
    int[] changed = max.clone();
    changed[limit.ordinal()] = value;
    return new Limits(changed);
  }

  // Each rule below is checked here only, by the parser while it reads and by check(Delta) for
  // deltas built in Java; each returns what is wrong, without the subject, or null.

  String labelCount(int count) {
    return count <= maxLabels() ? null : count + " label pairs exceed the limit of " + maxLabels();
  }

  String metricName(int length) {
    return length <= maxNameLength()
        ? null
        : "metric name of " + length + " characters exceeds the limit of " + maxNameLength();
  }

  String labelName(String name) {
    return name == null || name.length() <= maxNameLength()
        ? null
        : "label name "
            + Delta.abbreviate(name)
            + " of "
            + name.length()
            + " characters exceeds the limit of "
            + maxNameLength();
  }

  String labelValue(String name, int length) {
    return length <= maxLabelValueLength()
        ? null
        : "label "
            + Delta.abbreviate(name)
            + ": value of "
            + length
            + " characters exceeds the limit of "
            + maxLabelValueLength();
  }

  String help(int length) {
    return length <= maxHelpLength()
        ? null
        : "help text of " + length + " characters exceeds the limit of " + maxHelpLength();
  }

  String bucketCount(int count) {
    return count <= maxBuckets() ? null : count + " buckets exceed the limit of " + maxBuckets();
  }

  /** What the parser says, in place of the deltas past the limit, which it does not read. */
  String deltaCount() {
    return "body: more than "
        + maxDeltasPerBody()
        + " deltas, the limit; the rest was not read; send smaller batches";
  }

  String objectiveCount(int count) {
    return count <= maxObjectives()
        ? null
        : count + " objectives exceed the limit of " + maxObjectives();
  }

  /**
   * Checks a delta built in Java, with the rules the parser applies while reading.
   *
   * @throws InvalidDeltaException naming the first limit {@code delta} exceeds
   */
  void check(Delta delta) {
    String problem = metricName(delta.name().length());
    if (problem == null) {
      problem = help(delta.help().length());
    }
    if (problem == null) {
      problem = labelCount(delta.labels().size());
    }
    if (problem == null) {
      Labels labels = (Labels) delta.labels();
      String[] names = labels.names();
      String[] values = labels.valueArray();
      for (int i = 0; i < names.length && problem == null; i++) {
        problem = labelName(names[i]);
        if (problem == null) {
          problem = labelValue(names[i], values[i].length());
        }
      }
    }
    if (problem == null) {
      problem = bucketCount(delta.buckets().size());
    }
    if (problem == null) {
      problem = objectiveCount(delta.objectives().size());
    }
    if (problem != null) {
      throw InvalidDeltaException.quiet(
          Reason.INVALID, Delta.subject(delta.type(), delta.name()) + ": " + problem);
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Limits limits && Arrays.equals(max, limits.max);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(max);
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("Limits[");
    for (Limit limit : Limit.values()) {
      text.append(limit.ordinal() == 0 ? "" : ", ").append(limit.field).append('=');
      text.append(max[limit.ordinal()]);
    }
    return text.append(']').toString();
  }
}
