package io.pushprom.core;

import java.util.Locale;

/**
 * How deltas arrived, as the {@code transport} label of Pushprom's telemetry says.
 *
 * <pre>{@code
 * aggregator.ingestEach(Transport.UDP, datagram, 0, length);
 * }</pre>
 */
public enum Transport {
  /** HTTP bodies, {@code transport="http"}. */
  HTTP,
  /** UDP datagrams, {@code transport="udp"}. */
  UDP;

  private final String label = name().toLowerCase(Locale.ROOT);

  /** The value of the {@code transport} label: {@code http} or {@code udp}. */
  public String label() {
    return label;
  }
}
