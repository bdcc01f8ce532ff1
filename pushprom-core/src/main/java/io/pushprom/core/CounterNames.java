package io.pushprom.core;

/**
 * How pushed counters are named on {@code /metrics}.
 *
 * <pre>{@code
 * Aggregator aggregator = Aggregator.builder().counterNames(CounterNames.GO).build();
 * // a counter pushed as gophers is scraped as gophers{job="bot"} 1.0, TYPE counter
 * }</pre>
 */
public enum CounterNames {
  /**
   * As OpenMetrics and simpleclient name counters, the default: a counter pushed as {@code gophers}
   * is exposed as {@code gophers_total}, and one pushed as {@code gophers_total} is the same
   * metric.
   */
  OPENMETRICS,

  /**
   * As the Go original exposes them: each counter exactly under the name it was pushed with, its
   * {@code # HELP} and {@code # TYPE} lines included. {@code gophers} and {@code gophers_total} are
   * then two metrics, as they were in Go. OpenMetrics requires the {@code _total}, so such counters
   * are only exposed in the text format 0.0.4; simpleclient sees their families as {@link
   * GoCounterSamples}.
   */
  GO;

  /** The value of the flag {@code -counter-names}: {@code openmetrics} or {@code go}. */
  public String flagValue() {
    return this == GO ? "go" : "openmetrics";
  }

  /**
   * The naming the flag value {@code value} names.
   *
   * @throws IllegalArgumentException naming the value and the ones there are
   */
  public static CounterNames fromFlagValue(String value) {
    for (CounterNames names : values()) {
      if (names.flagValue().equals(value)) {
        return names;
      }
    }
    throw new IllegalArgumentException(
        "invalid counter naming \"" + value + "\", expected openmetrics or go");
  }
}
