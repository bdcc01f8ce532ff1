package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LogLimiterTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  /** Now, in nanoseconds, for the limiter: moved by the test alone. */
  private final AtomicLong clock = new AtomicLong(123_456_789L);

  private Logger logger;
  private CapturedLogs logs;

  @BeforeEach
  void createLogger() {
    // A logger of this test's own, unknown to the LogManager's configuration and to other tests.
    logger = Logger.getAnonymousLogger();
    logger.setUseParentHandlers(false);
    logger.setLevel(Level.INFO);
    logs = CapturedLogs.of(logger);
  }

  @AfterEach
  void removeHandler() {
    logs.close();
  }

  private LogLimiter limiter(int perSecond) {
    return new LogLimiter(logger, perSecond, clock::get);
  }

  @Test
  void atMostTheLimitOfRecordsPassInABurst() {
    LogLimiter limiter = limiter(3);

    for (int i = 0; i < 10; i++) {
      int n = i;
      limiter.log(Level.WARNING, () -> "record " + n);
    }

    assertEquals(List.of("WARNING record 0", "WARNING record 1", "WARNING record 2"), logs.lines());
  }

  @Test
  void firstRecordOfTheNextSecondSaysHowManyWereHeldBack() {
    LogLimiter limiter = limiter(2);
    for (int i = 0; i < 7; i++) {
      limiter.log(Level.INFO, () -> "rejected");
    }

    clock.addAndGet(SECOND);
    limiter.log(Level.INFO, () -> "rejected again");
    limiter.log(Level.INFO, () -> "and again");

    assertEquals(
        List.of(
            "INFO rejected",
            "INFO rejected",
            "INFO rejected again (and 5 more like it not logged, at most 2/s)",
            "INFO and again"),
        logs.lines());
  }

  @Test
  void recordsWithinTheSameSecondStayHeld() {
    LogLimiter limiter = limiter(1);
    limiter.log(Level.INFO, () -> "first");

    clock.addAndGet(SECOND - 1);
    limiter.log(Level.INFO, () -> "held");
    clock.addAndGet(1);
    limiter.log(Level.INFO, () -> "next second");

    assertEquals(
        List.of("INFO first", "INFO next second (and 1 more like it not logged, at most 1/s)"),
        logs.lines());
  }

  @Test
  void recordBelowTheLoggersLevelIsNeitherBuiltNorCounted() {
    LogLimiter limiter = limiter(1);
    AtomicInteger built = new AtomicInteger();

    for (int i = 0; i < 5; i++) {
      limiter.log(
          Level.FINE,
          () -> {
            built.incrementAndGet();
            return "detail";
          });
    }
    limiter.log(Level.INFO, () -> "shown");

    assertEquals(0, built.get(), "messages built for records below the level");
    // Nor did they spend this second's share, or count as held back.
    assertEquals(List.of("INFO shown"), logs.lines());
  }

  @Test
  void heldRecordIsNotBuilt() {
    LogLimiter limiter = limiter(1);
    AtomicInteger built = new AtomicInteger();
    limiter.log(Level.INFO, () -> "shown");

    limiter.log(
        Level.INFO,
        () -> {
          built.incrementAndGet();
          return "held";
        });

    assertEquals(0, built.get(), "messages built for records held back");
  }

  @Test
  void causeIsAppendedToTheTextWithoutItsStackTrace() {
    LogLimiter limiter = limiter(1);

    limiter.log(
        Level.SEVERE, () -> "failed to handle a datagram", new IllegalStateException("broken"));

    LogRecord record = logs.records().get(0);
    assertEquals(
        "failed to handle a datagram: java.lang.IllegalStateException: broken",
        record.getMessage());
    assertNull(record.getThrown());
  }

  @Test
  void causeIsLoggedWithItsStackTraceWhenFineIsEnabled() {
    logger.setLevel(Level.FINE);
    LogLimiter limiter = limiter(1);
    IllegalStateException cause = new IllegalStateException("broken");

    limiter.log(Level.SEVERE, () -> "failed to handle a datagram", cause);

    LogRecord record = logs.records().get(0);
    assertEquals("failed to handle a datagram", record.getMessage());
    assertSame(cause, record.getThrown());
  }
}
