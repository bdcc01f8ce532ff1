package io.pushprom.core;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a {@link Delta} does to its series. Each {@link MetricType} allows some methods: counters
 * {@code inc} and {@code add}; gauges {@code set}, {@code inc}, {@code dec}, {@code add} and {@code
 * sub}; histograms and summaries {@code observe}.
 *
 * <pre>{@code
 * Method.ADD.allowedFor(MetricType.COUNTER); // true
 * Method.SET.allowedFor(MetricType.COUNTER); // false
 * }</pre>
 */
public enum Method {
  /** Adds one; the value is ignored. */
  INC(false),
  /** Takes one away, from a gauge; the value is ignored. */
  DEC(false),
  /** Adds the value, never negative for a counter. */
  ADD(true),
  /** Takes the value away, from a gauge. */
  SUB(true),
  /** Sets a gauge to the value. */
  SET(true),
  /** Records the value in a histogram or summary. */
  OBSERVE(true);

  private final boolean needsValue;
  private final String jsonName;

  Method(boolean needsValue) {
    this.needsValue = needsValue;
    this.jsonName = name().toLowerCase(Locale.ROOT);
  }

  /** The name this method has in a delta's {@code method} field. */
  public String jsonName() {
    return jsonName;
  }

  /**
   * Whether a delta with this method must carry a {@code value}; {@code inc}, {@code dec} don't.
   */
  public boolean needsValue() {
    return needsValue;
  }

  /** Whether a delta of {@code type} may use this method. */
  public boolean allowedFor(MetricType type) {
    return switch (type) {
      case COUNTER -> this == INC || this == ADD;
      case GAUGE -> this != OBSERVE;
      case HISTOGRAM, SUMMARY -> this == OBSERVE;
    };
  }

  static String describeAllowed(MetricType type) {
    return Arrays.stream(values())
        .filter(method -> method.allowedFor(type))
        .map(Method::jsonName)
        .collect(Collectors.joining(", "));
  }

  /** Returns the method named {@code name} on the wire, or {@code null} if there is none. */
  public static Method fromJson(String name) {
    // A switch, not a loop over values(): every delta's method is looked up.
    return name == null
        ? null
        : switch (name) {
          case "inc" -> INC;
          case "dec" -> DEC;
          case "add" -> ADD;
          case "sub" -> SUB;
          case "set" -> SET;
          case "observe" -> OBSERVE;
          default -> null;
        };
  }

  @Override
  public String toString() {
    return jsonName;
  }
}
