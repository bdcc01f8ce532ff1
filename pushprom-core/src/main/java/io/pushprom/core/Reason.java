package io.pushprom.core;

import java.util.Locale;

/**
 * Why a delta was rejected, in the few classes an operator can act on. Its {@link #label()} is the
 * {@code reason} label of {@code pushprom_deltas_rejected_total}.
 *
 * <pre>{@code
 * Reason.CONFLICT.label(); // "conflict"
 * }</pre>
 */
public enum Reason {
  /** The bytes are not JSON, or the JSON value is not an object. */
  MALFORMED,
  /** The delta breaks a rule on its own: a bad name, method, value, label or bucket list. */
  INVALID,
  /** The delta disagrees with a metric that already exists: its type, buckets or objectives. */
  CONFLICT,
  /** The delta would create a series beyond the aggregator's limit on series. */
  LIMIT;

  private final String label = name().toLowerCase(Locale.ROOT);

  /** The value of the {@code reason} label in self-telemetry. */
  public String label() {
    return label;
  }
}
