package io.pushprom.core;

/**
 * A delta that cannot be applied. The message names the metric first, then the bad value, then the
 * rule; HTTP answers it with a {@code 400}. Those the core throws (from {@link Delta}'s constructor
 * and {@code parse}, and from {@link Aggregator#apply}) carry no stack trace: it would say nothing
 * about the input, and filling it costs more than reading the delta. Each is made where the rule is
 * checked, and a {@link Rejection} is made from it, never its message anew.
 *
 * <pre>{@code
 * try {
 *   aggregator.apply(Delta.parse("{\"type\":\"counter\",\"name\":\"x\",\"method\":\"add\",\"value\":-1}"));
 * } catch (InvalidDeltaException e) {
 *   e.getMessage(); // "counter x: negative increment -1 is not allowed"
 * }
 * }</pre>
 */
public final class InvalidDeltaException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** Why the delta is refused. */
  private final Reason reason;

  /** An invalid delta, for {@code reason}, said in {@code message}. */
  public InvalidDeltaException(Reason reason, String message) {
    this(reason, message, true);
  }

  private InvalidDeltaException(Reason reason, String message, boolean stackTrace) {
    super(message);
    this.reason = reason;
    if (stackTrace) {
      super.fillInStackTrace();
    }
  }

  /** An exception about untrusted input, with no stack trace. */
  static InvalidDeltaException quiet(Reason reason, String message) {
    return new InvalidDeltaException(reason, message, false);
  }

  /** Filled only when asked for in the constructor: {@link #quiet} ones have none. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }

  /** The class of problem, for telemetry. */
  public Reason reason() {
    return reason;
  }
}
