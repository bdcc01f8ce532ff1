package io.pushprom.core;

/**
 * One delta of a body that was not applied: its position in the body (from 0), the class of problem
 * and the reason.
 *
 * <pre>{@code
 * new Rejection(2, Reason.INVALID, "gauge trees: method set needs a value").toString();
 * // "delta 2: gauge trees: method set needs a value"
 * }</pre>
 */
public record Rejection(int index, Reason reason, String message) {
  /** The rejection of the delta at {@code index}, for the reason {@code e} gives. */
  static Rejection of(int index, InvalidDeltaException e) {
    return new Rejection(index, e.reason(), e.getMessage());
  }

  /** This rejection as an exception, without a stack trace, for a caller of one delta. */
  InvalidDeltaException toException() {
    return InvalidDeltaException.quiet(reason, message);
  }

  @Override
  public String toString() {
    return "delta " + index + ": " + message;
  }
}
