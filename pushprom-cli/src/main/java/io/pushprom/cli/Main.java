package io.pushprom.cli;

import io.pushprom.core.Aggregator;
import io.pushprom.core.CounterNames;
import io.pushprom.core.StateFileException;
import io.pushprom.core.Version;
import io.pushprom.transport.BasicAuth;
import io.pushprom.transport.HttpListener;
import io.pushprom.transport.TlsFiles;
import io.pushprom.transport.UdpListener;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * {@code java -jar pushprom.jar [flags]}: parses the flags, starts the HTTP and UDP listeners, and
 * runs until SIGTERM or SIGINT. Exit codes: 0 after a signal, {@code -h} or {@code -version}, 1 if
 * a listener cannot start (an address in use), 2 for a bad command line.
 */
public final class Main {
  static {
    // Before the first Logger below: the JDK reads it once, as its log manager starts.
    if (System.getProperty("java.util.logging.manager") == null) {
      System.setProperty("java.util.logging.manager", KeptLogManager.class.getName());
    }
  }

  private static final Logger LOG = Logger.getLogger("io.pushprom");

  /**
   * The Go original's time, {@code 2006/01/02 15:04:05}, and the offset of the local time zone it
   * is in, {@code +0000}: so that lines of hosts in different zones, or on both sides of a change
   * to summer time, read right.
   */
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss xx");

  private Main() {}

  /** The JVM's own code for {@code -XX:+ExitOnOutOfMemoryError}, which the run commands pass. */
  static final int OUT_OF_MEMORY_EXIT_CODE = 3;

  // Encoded in advance: when the JVM has no memory left, writing these bytes needs none.
  private static final byte[] OUT_OF_MEMORY =
      "pushprom: out of memory; exiting with code 3\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] THREAD_DIED =
      "pushprom: a thread pushprom needs died; exiting with code 1\n"
          .getBytes(StandardCharsets.UTF_8);

  /**
   * Keeps the log's handlers until the process ends. The JDK's own resets them all in a shutdown
   * hook of its, at once, while Pushprom is still closing: what the listeners say then (a drain
   * that ran out of time, the last rejections) would be lost. Public only because the JDK makes it
   * by name, from the system property {@code java.util.logging.manager}.
   */
  public static final class KeptLogManager extends LogManager {
    private static volatile boolean configured;

    @Override
    public void reset() {
      // Before Pushprom sets up its logging, resets are the JDK's own configuring; after it, only
      // the shutdown hook's.
      if (!configured) {
        super.reset();
      }
    }
  }

  public static void main(String[] args) {
    // Pushprom's own threads survive any error but running out of memory; a thread of the JDK's,
    // as its HTTP dispatcher, dies of any error, and a process without it would live on deaf.
    Thread.setDefaultUncaughtExceptionHandler(
        (thread, error) -> {
          int code = error instanceof OutOfMemoryError ? OUT_OF_MEMORY_EXIT_CODE : 1;
          byte[] line = code == 1 ? THREAD_DIED : OUT_OF_MEMORY;
          try {
            System.out.write(line, 0, line.length);
            System.out.flush();
            // Saying more needs memory too, which may fail again: the halt below comes regardless.
            System.out.println(
                ZonedDateTime.now().format(TIME)
                    + " thread "
                    + thread.getName()
                    + " died ("
                    + error
                    + "); exiting so that a supervisor restarts pushprom");
            System.out.flush();
          } catch (Throwable again) {
            // The line above says it already.
          } finally {
            Runtime.getRuntime().halt(code);
          }
        });
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stop.countDown();
                  try {
                    stopped.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  // A JVM stopped by a signal exits 128 + its number; a clean stop is a success.
                  Runtime.getRuntime().halt(0);
                },
                "pushprom-shutdown"));
    int code;
    try {
      code = run(args, System.out, System.err, stop);
    } catch (RuntimeException e) {
      // A failure of ours: say so in a line, and exit, rather than hang on the hook's latch.
      System.err.println("pushprom: unexpected failure: " + e);
      code = 1;
    }
    if (code != 0) {
      // Exits before any signal, so the hook's halt cannot override this code.
      Runtime.getRuntime().halt(code);
    }
    stopped.countDown();
  }

  /**
   * Runs Pushprom until {@code stop} opens.
   *
   * @return the exit code: 0 once stopped or after help, 1 if a listener could not start, 2 for a
   *     bad command line
   */
  static int run(String[] args, PrintStream out, PrintStream err, CountDownLatch stop) {
    Arguments arguments;
    try {
      arguments = Arguments.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("pushprom: " + e.getMessage());
      err.print(Arguments.usage());
      return 2;
    }
    if (arguments.get(Arguments.HELP)) {
      out.print(Arguments.usage());
      return 0;
    }
    if (arguments.get(Arguments.VERSION)) {
      out.println("pushprom " + Version.current());
      return 0;
    }
    Handler handler = configureLogging(out, arguments.logLevel());
    try {
      return serve(arguments, out, err, stop);
    } finally {
      LOG.removeHandler(handler);
    }
  }

  private static int serve(
      Arguments arguments, PrintStream out, PrintStream err, CountDownLatch stop) {
    log(out, "welcome to pushprom " + Version.current());
    Aggregator aggregator;
    try {
      aggregator = arguments.aggregator().build();
    } catch (StateFileException e) {
      // Before any listener opens, and the file is left as it was for the operator to look at.
      err.println("pushprom: " + e.getMessage());
      return 1;
    }
    int code;
    try (aggregator) {
      code = serve(aggregator, arguments, out, err, stop);
    }
    // Closed last, after the listeners: the last snapshot holds every delta they applied.
    if (code == 0) {
      log(out, "pushprom stopped");
    }
    return code;
  }

  private static int serve(
      Aggregator aggregator,
      Arguments arguments,
      PrintStream out,
      PrintStream err,
      CountDownLatch stop) {
    log(
        out,
        "keeping at most "
            + aggregator.maxSeries()
            + " series"
            + (aggregator.seriesTtl().isZero()
                ? ", for ever"
                : ", each until " + Durations.format(aggregator.seriesTtl()) + " without a delta"));
    InetSocketAddress httpAddress = arguments.get(Arguments.HTTP_LISTEN_ADDRESS);
    HttpListener.Builder builder;
    try {
      builder =
          HttpListener.builder(aggregator)
              .address(httpAddress)
              .readTimeout(arguments.get(Arguments.READ_TIMEOUT))
              .writeTimeout(arguments.get(Arguments.WRITE_TIMEOUT))
              .maxRequestBytes(arguments.get(Arguments.MAX_REQUEST_BYTES))
              .gracePeriod(arguments.get(Arguments.SHUTDOWN_GRACE));
    } catch (IllegalArgumentException e) {
      // The builder holds the rules of its settings; a flag that breaks one is a bad command line.
      err.println("pushprom: " + e.getMessage());
      return 2;
    }
    try {
      Optional<Path> users = arguments.get(Arguments.BASIC_AUTH_FILE);
      if (users.isPresent()) {
        builder.basicAuth(BasicAuth.fromFile(users.get()), arguments.get(Arguments.AUTH_METRICS));
      }
      Optional<Path> certificate = arguments.get(Arguments.TLS_CERT_FILE);
      if (certificate.isPresent()) {
        builder.tls(
            TlsFiles.sslContext(certificate.get(), arguments.get(Arguments.TLS_KEY_FILE).get()));
      }
    } catch (IOException | IllegalArgumentException e) {
      // The messages name the file, and the line or the problem, never a secret.
      err.println("pushprom: " + describe(e));
      return 1;
    }
    // UDP first, so that the status page can show the port it was given (for :0).
    Optional<InetSocketAddress> udpAddress = arguments.get(Arguments.UDP_LISTEN_ADDRESS);
    UdpListener udp = udpAddress.isPresent() ? startUdp(aggregator, udpAddress.get(), err) : null;
    if (udpAddress.isPresent() && udp == null) {
      return 1;
    }
    HttpListener http;
    try {
      http = builder.udpAddresses(udp == null ? List.of() : List.of(udp.address())).start();
    } catch (IOException | RuntimeException e) {
      if (udp != null) {
        udp.close();
      }
      err.println(cannotListen("HTTP", httpAddress, e));
      return 1;
    }
    // UDP closes first, then HTTP waits for a last scrape that holds what UDP applied.
    try (http;
        udp) {
      String listening = Addresses.format(http.address());
      log(out, "exposing metrics on " + http.scheme() + "://" + listening + "/metrics");
      if (aggregator.counterNames() == CounterNames.GO) {
        log(
            out,
            "counters keep the names they are pushed with (-counter-names go), in the text format"
                + " 0.0.4");
      }
      log(out, "listening for stats HTTP on " + http.scheme() + "://" + listening);
      log(
          out,
          udp == null
              ? "UDP is off (-udp-listen-address off): deltas come over HTTP only"
              : "listening for stats UDP on " + Addresses.format(udp.address()));
      stop.await();
      log(out, "received termination signal, finishing requests in flight");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static UdpListener startUdp(
      Aggregator aggregator, InetSocketAddress address, PrintStream err) {
    try {
      return UdpListener.builder(aggregator).address(address).start();
    } catch (IOException | RuntimeException e) {
      err.println(cannotListen("UDP", address, e));
      return null;
    }
  }

  private static String describe(Exception e) {
    if (e instanceof NoSuchFileException missing) {
      return missing.getFile() + ": no such file";
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  private static String cannotListen(String transport, InetSocketAddress address, Exception e) {
    return "pushprom: cannot listen for "
        + transport
        + " on "
        + Addresses.format(address)
        + ": "
        + (e.getMessage() == null ? e.toString() : e.getMessage());
  }

  /**
   * Writes a line at {@code INFO} as Go's pushprom logs, {@code 2006/01/02 15:04:05 message}, with
   * the time zone's offset after the time: {@code 2006/01/02 15:04:05 +0000 message}. Main's own
   * lines go straight to {@code out}: the JDK resets logging while the JVM shuts down, and the last
   * lines matter most then. {@code -log-level warn} and {@code error} leave them out.
   */
  private static void log(PrintStream out, String message) {
    if (LOG.isLoggable(Level.INFO)) {
      out.println(ZonedDateTime.now().format(TIME) + " " + message);
    }
  }

  /** Sends the library's log records, each a line like {@link #log}'s, to {@code out}. */
  private static Handler configureLogging(PrintStream out, LogLevel level) {
    Formatter formatter =
        new Formatter() {
          @Override
          public String format(LogRecord record) {
            String level =
                record.getLevel().intValue() >= Level.WARNING.intValue()
                    ? record.getLevel() + " "
                    : "";
            String thrown = record.getThrown() == null ? "" : ": " + record.getThrown();
            return ZonedDateTime.ofInstant(record.getInstant(), ZoneId.systemDefault()).format(TIME)
                + " "
                + level
                + oneLine(formatMessage(record) + thrown)
                + System.lineSeparator();
          }
        };
    Handler handler =
        new StreamHandler(out, formatter) {
          @Override
          public synchronized void publish(LogRecord record) {
            super.publish(record);
            flush();
          }

          @Override
          public synchronized void close() {
            flush(); // and leave out open: it is System.out
          }
        };
    handler.setLevel(Level.ALL);
    LOG.setUseParentHandlers(false);
    LOG.addHandler(handler);
    LOG.setLevel(level.level());
    KeptLogManager.configured = true;
    return handler;
  }

  /**
   * {@code text} as one line of the log that shows what it holds: line breaks, other control
   * characters and the ones that reorder text on a terminal are written as escapes, as Java writes
   * them in a string literal. Rejections quote what clients sent, and a label name holding a line break
   * and a date would otherwise forge a line of its own.
   */
  static String oneLine(String text) {
    StringBuilder line = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String escape =
          switch (c) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default -> isHidden(c) ? String.format("\\u%04x", (int) c) : null;
          };
      if (escape != null && line == null) {
        line = new StringBuilder(text.length() + 16).append(text, 0, i);
      }
      if (line != null) {
        if (escape == null) {
          line.append(c);
        } else {
          line.append(escape);
        }
      }
    }
    return line == null ? text : line.toString();
  }

  private static boolean isHidden(char c) {
    return c < 0x20
        || (c >= 0x7f && c <= 0x9f)
        || c == '\u2028'
        || c == '\u2029'
        || (c >= '\u200e' && c <= '\u200f')
        || (c >= '\u202a' && c <= '\u202e')
        || (c >= '\u2066' && c <= '\u2069')
        || c == '\ufeff';
  }
}
