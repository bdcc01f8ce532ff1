package io.pushprom.cli;

import java.util.Locale;
import java.util.logging.Level;

/**
 * The least severe lines the log keeps, as {@code -log-level} names them: {@code debug}, {@code
 * info}, {@code warn} or {@code error}.
 *
 * <pre>{@code
 * LogLevel.parse("warn").level(); // Level.WARNING
 * }</pre>
 */
enum LogLevel {
  DEBUG(Level.FINE),
  INFO(Level.INFO),
  WARN(Level.WARNING),
  ERROR(Level.SEVERE);

  private final Level level;

  LogLevel(Level level) {
    this.level = level;
  }

  /** The level of {@code java.util.logging} that keeps these lines and the more severe. */
  Level level() {
    return level;
  }

  /** The name on the command line. */
  String flagValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The level named {@code text}, exactly as {@link #flagValue} spells it.
   *
   * @throws IllegalArgumentException naming the text and the levels there are
   */
  static LogLevel parse(String text) {
    for (LogLevel level : values()) {
      if (level.flagValue().equals(text)) {
        return level;
      }
    }
    throw new IllegalArgumentException(
        "invalid log level \"" + text + "\", expected debug, info, warn or error");
  }
}
