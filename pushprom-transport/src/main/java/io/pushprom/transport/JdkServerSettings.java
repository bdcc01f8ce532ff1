package io.pushprom.transport;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The JDK {@code HttpServer}'s settings that only system properties reach. The JDK reads them once
 * per JVM, when its first server starts, so they are set before Pushprom's first server starts,
 * each unless the application set it already (with {@code -D} at launch, say), whose choice wins.
 */
final class JdkServerSettings {
  private static final Logger LOG = Logger.getLogger(JdkServerSettings.class.getName());

  /** What the first listener asked for; later ones cannot change it. */
  private static Map<String, String> applied;

  private JdkServerSettings() {}

  /**
   * {@code duration}, rounded up to whole seconds, as the JDK counts timeouts.
   *
   * @throws IllegalArgumentException naming {@code what} if it is less than a second
   */
  static Duration positiveSeconds(String what, Duration duration) {
    if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(what + ": " + duration + " is under one second");
    }
    long seconds = duration.getSeconds() + (duration.getNano() > 0 ? 1 : 0);
    return Duration.ofSeconds(seconds);
  }

  static synchronized void apply(Duration readTimeout, Duration writeTimeout) {
    Map<String, String> wanted = new LinkedHashMap<>();
    // The JDK server writes headers and body in separate packets; with Nagle's algorithm on, a
    // keep-alive client waits for its delayed ACK, about 40 ms per small response.
    wanted.put("sun.net.httpserver.nodelay", "true");
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
