package io.pushprom.core;

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
  private static final Limits DEFAULTS = new Limits(64, 1024, 256, 4096, 128, 16, 100_000);

  private final int maxLabels;
  private final int maxLabelValueLength;
  private final int maxNameLength;
  private final int maxHelpLength;
  private final int maxBuckets;
  private final int maxObjectives;
  private final int maxDeltasPerBody;

  private Limits(
      int maxLabels,
      int maxLabelValueLength,
      int maxNameLength,
      int maxHelpLength,
      int maxBuckets,
      int maxObjectives,
      int maxDeltasPerBody) {
    this.maxLabels = positive("maxLabels", maxLabels);
    this.maxLabelValueLength = positive("maxLabelValueLength", maxLabelValueLength);
    this.maxNameLength = positive("maxNameLength", maxNameLength);
    this.maxHelpLength = positive("maxHelpLength", maxHelpLength);
    this.maxBuckets = positive("maxBuckets", maxBuckets);
    this.maxObjectives = positive("maxObjectives", maxObjectives);
    this.maxDeltasPerBody = positive("maxDeltasPerBody", maxDeltasPerBody);
  }

  private static int positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + ": " + value + " is not allowed, must be positive");
    }
    return value;
  }

  /** The limits a server has unless told otherwise; see the class comment for their values. */
  public static Limits defaults() {
    return DEFAULTS;
  }

  /** Label pairs per delta. */
  public int maxLabels() {
    return maxLabels;
  }

  /** Characters (UTF-16 units) in one label value. */
  public int maxLabelValueLength() {
    return maxLabelValueLength;
  }

  /** Characters in a metric name or a label name. */
  public int maxNameLength() {
    return maxNameLength;
  }

  /** Characters (UTF-16 units) in a help text. */
  public int maxHelpLength() {
    return maxHelpLength;
  }

  /** Upper bounds a histogram may name. */
  public int maxBuckets() {
    return maxBuckets;
  }

  /** Quantiles a summary may name. */
  public int maxObjectives() {
    return maxObjectives;
  }

  /**
   * These limits with {@code maxLabels} label pairs per delta.
   *
   * @throws IllegalArgumentException if it is not positive
   */
  public Limits withMaxLabels(int maxLabels) {
    return new Limits(
        maxLabels,
        maxLabelValueLength,
        maxNameLength,
        maxHelpLength,
        maxBuckets,
        maxObjectives,
        maxDeltasPerBody);
  }

  /** These limits with label values of up to {@code maxLabelValueLength} characters. */
  public Limits withMaxLabelValueLength(int maxLabelValueLength) {
    return new Limits(
        maxLabels,
        maxLabelValueLength,
        maxNameLength,
        maxHelpLength,
        maxBuckets,
        maxObjectives,
        maxDeltasPerBody);
  }

  /** These limits with metric and label names of up to {@code maxNameLength} characters. */
  public Limits withMaxNameLength(int maxNameLength) {
    return new Limits(
        maxLabels,
        maxLabelValueLength,
        maxNameLength,
        maxHelpLength,
        maxBuckets,
        maxObjectives,
        maxDeltasPerBody);
  }

  /** These limits with help texts of up to {@code maxHelpLength} characters. */
  public Limits withMaxHelpLength(int maxHelpLength) {
    return new Limits(
        maxLabels,
        maxLabelValueLength,
        maxNameLength,
        maxHelpLength,
        maxBuckets,
        maxObjectives,
        maxDeltasPerBody);
  }

  /** These limits with up to {@code maxBuckets} buckets per histogram. */
  public Limits withMaxBuckets(int maxBuckets) {
    return new Limits(
        maxLabels,
        maxLabelValueLength,
        maxNameLength,
        maxHelpLength,
        maxBuckets,
        maxObjectives,
        maxDeltasPerBody);
  }

  /** Deltas in one body (an HTTP request or a datagram). */
  public int maxDeltasPerBody() {
    return maxDeltasPerBody;
  }

  /** These limits with bodies of up to {@code maxDeltasPerBody} deltas. */
  public Limits withMaxDeltasPerBody(int maxDeltasPerBody) {
    return new Limits(
        maxLabels,
        maxLabelValueLength,
        maxNameLength,
        maxHelpLength,
        maxBuckets,
        maxObjectives,
        maxDeltasPerBody);
  }

  /** These limits with up to {@code maxObjectives} objectives per summary. */
  public Limits withMaxObjectives(int maxObjectives) {
    return new Limits(
        maxLabels,
        maxLabelValueLength,
        maxNameLength,
        maxHelpLength,
        maxBuckets,
        maxObjectives,
        maxDeltasPerBody);
  }

  // Each rule below is checked here only, by the parser while it reads and by check(Delta) for
  // deltas built in Java; each returns what is wrong, without the subject, or null.

  String labelCount(int count) {
    return count <= maxLabels ? null : count + " label pairs exceed the limit of " + maxLabels;
  }

  String metricName(int length) {
    return length <= maxNameLength
        ? null
        : "metric name of " + length + " characters exceeds the limit of " + maxNameLength;
  }

  String labelName(String name) {
    return name == null || name.length() <= maxNameLength
        ? null
        : "label name "
            + Delta.abbreviate(name)
            + " of "
            + name.length()
            + " characters exceeds the limit of "
            + maxNameLength;
  }

  String labelValue(String name, int length) {
    return length <= maxLabelValueLength
        ? null
        : "label "
            + Delta.abbreviate(name)
            + ": value of "
            + length
            + " characters exceeds the limit of "
            + maxLabelValueLength;
  }

  String help(int length) {
    return length <= maxHelpLength
        ? null
        : "help text of " + length + " characters exceeds the limit of " + maxHelpLength;
  }

  String bucketCount(int count) {
    return count <= maxBuckets ? null : count + " buckets exceed the limit of " + maxBuckets;
  }

  /** What the parser says, in place of the deltas past the limit, which it does not read. */
  String deltaCount() {
    return "body: more than "
        + maxDeltasPerBody
        + " deltas, the limit; the rest was not read; send smaller batches";
  }

  String objectiveCount(int count) {
    return count <= maxObjectives
        ? null
        : count + " objectives exceed the limit of " + maxObjectives;
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
    return other instanceof Limits limits
        && maxLabels == limits.maxLabels
        && maxLabelValueLength == limits.maxLabelValueLength
        && maxNameLength == limits.maxNameLength
        && maxHelpLength == limits.maxHelpLength
        && maxBuckets == limits.maxBuckets
        && maxObjectives == limits.maxObjectives
        && maxDeltasPerBody == limits.maxDeltasPerBody;
  }

  @Override
  public int hashCode() {
    int hash = maxLabels;
    hash = 31 * hash + maxLabelValueLength;
    hash = 31 * hash + maxNameLength;
    hash = 31 * hash + maxHelpLength;
    hash = 31 * hash + maxBuckets;
    hash = 31 * hash + maxObjectives;
    return 31 * hash + maxDeltasPerBody;
  }

  @Override
  public String toString() {
    return "Limits[maxLabels="
        + maxLabels
        + ", maxLabelValueLength="
        + maxLabelValueLength
        + ", maxNameLength="
        + maxNameLength
        + ", maxHelpLength="
        + maxHelpLength
        + ", maxBuckets="
        + maxBuckets
        + ", maxObjectives="
        + maxObjectives
        + ", maxDeltasPerBody="
        + maxDeltasPerBody
        + "]";
  }
}
