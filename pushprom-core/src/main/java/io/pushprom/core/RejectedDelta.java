package io.pushprom.core;

import java.time.Instant;
import java.util.Objects;

/**
 * A delta the aggregator rejected lately, as an operator asks about it: when, how and from where it
 * came, why it was rejected, and its text as sent, cut to {@value #MAX_TEXT} characters.
 *
 * <pre>{@code
 * for (RejectedDelta rejected : aggregator.recentRejections()) {
 *   System.out.println(rejected.source() + ": " + rejected.message() + ": " + rejected.text());
 * }
 * }</pre>
 *
 * @param time when it was rejected
 * @param transport how it came
 * @param source who sent it, such as {@code 10.0.0.7:41234}; empty when the caller did not say
 * @param reason the class of problem
 * @param message what was wrong, as the rejection says it
 * @param text the delta's bytes as UTF-8, at most {@value #MAX_TEXT} characters and an ellipsis
 */
public record RejectedDelta(
    Instant time, Transport transport, String source, Reason reason, String message, String text) {
  /** The most characters of a rejected delta's text that are kept. */
  public static final int MAX_TEXT = 300;

  public RejectedDelta {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(text, "text");
  }
}
