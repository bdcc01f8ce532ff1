package io.pushprom.core;

/**
 * A delta that cannot be applied. The message names the metric first, then the bad value, then the
 * rule; HTTP answers it with a {@code 400}.
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

  private final Reason reason;

  public InvalidDeltaException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** The class of problem, for telemetry. */
  public Reason reason() {
    return reason;
  }
}
