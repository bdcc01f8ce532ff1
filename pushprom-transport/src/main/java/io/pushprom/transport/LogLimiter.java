package io.pushprom.transport;

import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Lets a bounded number of log records a second through, and says in the next one how many it held
 * back: a flood of bad requests must not become a flood of log lines (a client can send tens of
 * thousands a second; each would be a line). What was held back is still counted in the metrics.
 */
final class LogLimiter {
  private static final long SECOND_NANOS = 1_000_000_000L;

  private final Logger logger;
  private final int perSecond;
  private final LongSupplier clock;
  private long windowStart;
  private int inWindow;
  private long held;

  LogLimiter(Logger logger, int perSecond) {
    this(logger, perSecond, System::nanoTime);
  }

  /**
   * @param clock nanoseconds, as {@link System#nanoTime}; a test's own to cross a second at will
   */
  LogLimiter(Logger logger, int perSecond, LongSupplier clock) {
    this.logger = logger;
    this.perSecond = perSecond;
    this.clock = clock;
    this.windowStart = clock.getAsLong();
  }

  /** Logs the message at {@code level}, unless this second's share is spent. */
  void log(Level level, Supplier<String> message) {
    log(level, message, null);
  }

  /** As {@link #log(Level, Supplier)}, with the cause; its stack trace only at {@code FINE}. */
  void log(Level level, Supplier<String> message, Throwable cause) {
    if (!logger.isLoggable(level)) {
      return;
    }
    long heldBefore;
    synchronized (this) {
      long now = clock.getAsLong();
      if (now - windowStart >= SECOND_NANOS) {
        windowStart = now;
        inWindow = 0;
      }
      if (inWindow == perSecond) {
        held++;
        return;
      }
      inWindow++;
      heldBefore = held;
      held = 0;
    }
    String text = message.get();
    if (heldBefore > 0) {
      text += " (and " + heldBefore + " more like it not logged, at most " + perSecond + "/s)";
    }
    if (cause != null && !logger.isLoggable(Level.FINE)) {
      text += ": " + cause;
      cause = null;
    }
    logger.log(level, text, cause);
  }
}
