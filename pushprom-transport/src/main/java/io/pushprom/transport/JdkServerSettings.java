package io.pushprom.transport;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * The JDK {@code HttpServer}'s settings that only system properties reach. The JDK reads them once
 * per JVM, when its first server starts, so they are set before Pushprom's first server starts,
 * each unless the application set it already (with {@code -D} at launch, say), whose choice wins.
 */
final class JdkServerSettings {
  private static final Logger LOG = Logger.getLogger(JdkServerSettings.class.getName());

  static final String NODELAY = "sun.net.httpserver.nodelay";

  /**
   * The threads a JDK {@code HttpServer} starts as it is created (JDK 17 to 25), which stop when it
   * is stopped: while one lives, the JDK has read its settings.
   */
  private static final Set<String> JDK_SERVER_THREADS =
      Set.of("idle-timeout-task", "req-rsp-timeout-task");

  /** The JDK server's logger, which it makes as it is created. */
  private static final String JDK_SERVER_LOGGER = "com.sun.net.httpserver";

  /** What the first listener asked for; later ones cannot change it. */
  private static Map<String, String> applied;

  private static boolean noDelayChecked;

  private JdkServerSettings() {}

  /**
   * {@code duration}, rounded up to whole seconds, as the JDK counts timeouts.
   *
   * @throws IllegalArgumentException naming {@code what} if it is less than a second
   */
  static Duration positiveSeconds(String what, Duration duration) {
    if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          what
              + ": "
              + duration.toMillis()
              + " ms is under one second, the least the JDK's HTTP server counts");
    }
    long seconds = duration.getSeconds() + (duration.getNano() > 0 ? 1 : 0);
    return Duration.ofSeconds(seconds);
  }

  /**
   * Sets {@code sun.net.httpserver.nodelay} to {@code true} unless it is set, once per JVM, and
   * logs a warning when it cannot be in effect: it is set to something else, or a JDK server was
   * created before (the JDK reads it once, as its first server is created).
   *
   * <p>The JDK server writes an answer's headers and body in separate packets; with Nagle's
   * algorithm on, a keep-alive client waits for its delayed ACK, about 40 ms per small answer.
   */
  static synchronized void noDelay() {
    if (noDelayChecked) {
      return;
    }
    noDelayChecked = true;
    String set = System.getProperty(NODELAY);
    if (set == null) {
      boolean tooLate = jdkServerCreated();
      System.setProperty(NODELAY, "true");
      if (tooLate) {
        LOG.warning(
            NODELAY
                + ": a JDK HttpServer was created in this JVM before Pushprom could set it to"
                + " true, so that server waits on Nagle's algorithm and a keep-alive client about"
                + " 40 ms per request; start the JVM with -D"
                + NODELAY
                + "=true");
      }
    } else if (!Boolean.parseBoolean(set)) {
      // The JDK reads it so, with Boolean.getBoolean.
      LOG.warning(
          NODELAY
              + " is "
              + set
              + ", so the JDK's HttpServer waits on Nagle's algorithm and a keep-alive client"
              + " about 40 ms per request; start the JVM with -D"
              + NODELAY
              + "=true");
    }
  }

  /**
   * Whether a JDK {@code HttpServer} exists in this JVM: its timer threads run, or its logger was
   * made. One created and stopped since goes unseen.
   */
  private static boolean jdkServerCreated() {
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (JDK_SERVER_THREADS.contains(thread.getName())) {
        return true;
      }
    }
    // Another log manager (log4j's, say) may make any logger it is asked for.
    LogManager logs = LogManager.getLogManager();
    return logs.getClass() == LogManager.class && logs.getLogger(JDK_SERVER_LOGGER) != null;
  }

  static synchronized void apply(Duration readTimeout, Duration writeTimeout) {
    noDelay();
    Map<String, String> wanted = new LinkedHashMap<>();
    // Cuts off a client from the first byte of its request to the last of its body (headers are
    // read on a worker thread: without this, a client that trickles them holds it for ever) ...
    wanted.put("sun.net.httpserver.maxReqTime", Long.toString(readTimeout.toSeconds()));
    // ... and from then to the last byte of the answer, which a client that never reads stalls.
    wanted.put("sun.net.httpserver.maxRspTime", Long.toString(writeTimeout.toSeconds()));
    // A body left unread (one over the limit, or a request refused) closes the connection at once,
    // instead of holding the worker while the JDK reads 64 KiB of it that may never come.
    wanted.put("sun.net.httpserver.drainAmount", "0");
    if (applied != null) {
      if (!applied.equals(wanted)) {
        LOG.warning(
            "http: the JDK server keeps the settings of the first one started in this JVM, "
                + applied
                + "; not "
                + wanted);
      }
      return;
    }
    wanted.forEach(
        (name, value) -> {
          String set = System.getProperty(name);
          if (set == null) {
            System.setProperty(name, value);
          } else if (!set.equals(value)) {
            LOG.info("http: " + name + " is " + set + " as set at launch, not " + value);
          }
        });
    applied = wanted;
  }
}
