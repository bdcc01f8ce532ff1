package io.pushprom.transport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The records a logger (and the loggers under it) publishes while this is open, as its own handler
 * sees them: the level and the text, without the console's formatting.
 */
final class CapturedLogs extends Handler implements AutoCloseable {
  /** Held so that the logger, and the handler on it, are not collected while capturing. */
  private final Logger logger;

  private final List<LogRecord> records = new CopyOnWriteArrayList<>();

  private CapturedLogs(Logger logger) {
    this.logger = logger;
    setLevel(Level.ALL);
    logger.addHandler(this);
  }

  /** Captures what {@code logger} and its descendants publish. */
  static CapturedLogs of(Logger logger) {
    return new CapturedLogs(logger);
  }

  /** Captures what the logger named {@code name} and its descendants publish. */
  static CapturedLogs of(String name) {
    return of(Logger.getLogger(name));
  }

  /** Captures what the logger of {@code type} publishes. */
  static CapturedLogs of(Class<?> type) {
    return of(type.getName());
  }

  /** The records so far, in the order they were published. */
  List<LogRecord> records() {
    return List.copyOf(records);
  }

  /** The records so far at {@code level}. */
  List<LogRecord> at(Level level) {
    return records.stream().filter(record -> record.getLevel().equals(level)).toList();
  }

  /** The texts of the records so far, each as {@code LEVEL text}. */
  List<String> lines() {
    return records.stream().map(record -> record.getLevel() + " " + record.getMessage()).toList();
  }

  @Override
  public void publish(LogRecord record) {
    records.add(record);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
