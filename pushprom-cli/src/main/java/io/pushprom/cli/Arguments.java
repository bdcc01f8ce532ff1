package io.pushprom.cli;

import io.pushprom.core.Aggregator;
import io.pushprom.core.CounterNames;
import io.pushprom.core.Limits;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The command line, parsed: the flags of Go's pushprom and ours, each accepted as {@code -flag
 * value}, {@code -flag=value}, {@code --flag value} or {@code --flag=value}. Each flag is declared
 * once, below; {@link #get} gives its value.
 *
 * <pre>{@code
 * Arguments arguments = Arguments.parse("-http-listen-address", ":8080", "--log-level=warn");
 * arguments.get(Arguments.HTTP_LISTEN_ADDRESS); // 0.0.0.0:8080
 * }</pre>
 */
final class Arguments {
  static final Flag<InetSocketAddress> HTTP_LISTEN_ADDRESS =
      Flag.of(
          "http-listen-address",
          "ADDRESS",
          ":9091",
          "where to take HTTP deltas and serve /metrics and /health",
          Addresses::parse);
  static final Flag<Optional<InetSocketAddress>> UDP_LISTEN_ADDRESS =
      Flag.of(
          "udp-listen-address",
          "ADDRESS",
          ":9090",
          "where to take UDP deltas; off (or empty) takes none, for HTTP only",
          Arguments::optionalAddress);
  static final Flag<Duration> READ_TIMEOUT =
      Flag.of(
          "read-timeout",
          "DURATION",
          "10s",
          "how long an HTTP client may take to send a request, headers and body; slower ones are"
              + " cut off",
          Durations::parse);
  static final Flag<Duration> WRITE_TIMEOUT =
      Flag.of(
          "write-timeout",
          "DURATION",
          "10s",
          "how long an HTTP request may take from its last byte to the last byte of the answer,"
              + " the client's reading included",
          Durations::parse);
  static final Flag<Integer> MAX_REQUEST_BYTES =
      Flag.of(
          "max-request-bytes",
          "BYTES",
          "16MiB",
          "the largest HTTP body taken; larger ones are answered 413",
          Sizes::parse);
  static final Flag<Duration> SHUTDOWN_GRACE =
      Flag.of(
          "shutdown-grace",
          "DURATION",
          "15s",
          "on SIGTERM, how long to let HTTP requests in flight finish and, if deltas were applied"
              + " since the last scrape, to wait for one more",
          Durations::parse);
  static final Flag<Integer> MAX_LABELS =
      Flag.of(
          "max-labels",
          "N",
          Integer.toString(Limits.defaults().maxLabels()),
          "the most label pairs a delta may have",
          Arguments::positive);
  static final Flag<Integer> MAX_LABEL_VALUE_LENGTH =
      Flag.of(
          "max-label-value-length",
          "N",
          Integer.toString(Limits.defaults().maxLabelValueLength()),
          "the most characters a label value may have",
          Arguments::positive);
  static final Flag<Integer> MAX_DELTAS_PER_BODY =
      Flag.of(
          "max-deltas-per-body",
          "N",
          Integer.toString(Limits.defaults().maxDeltasPerBody()),
          "the most deltas one HTTP body or datagram may hold",
          Arguments::positive);
  static final Flag<Optional<Integer>> MAX_SERIES =
      Flag.of(
          "max-series",
          "N",
          "auto",
          "room for series, in places: a series of short labels takes one, a metric two of its"
              + " own, long labels more; a delta that would make a series beyond it is rejected."
              + " auto: one per KiB of the heap the JVM may use (Runtime.maxMemory()), 253440 at"
              + " -Xmx256m with the serial collector, 262144 with G1",
          text -> text.equals("auto") ? Optional.empty() : Optional.of(positive(text)));
  static final Flag<Duration> SERIES_TTL =
      Flag.of(
          "series-ttl",
          "DURATION",
          "0",
          "remove a series that no delta updated for this long, and a metric left with none;"
              + " 0 keeps them for ever",
          Durations::parse);
  static final Flag<Optional<Path>> STATE_FILE =
      Flag.of(
          "state-file",
          "PATH",
          "",
          "keep the state in this file across restarts: loaded at start, written every"
              + " -state-interval and on shutdown",
          Arguments::optionalPath);
  static final Flag<Duration> STATE_INTERVAL =
      Flag.of(
          "state-interval",
          "DURATION",
          "1m",
          "how often the state file is written (with -state-file)",
          Arguments::positiveDuration);
  static final Flag<Optional<Path>> BASIC_AUTH_FILE =
      Flag.of(
          "basic-auth-file",
          "PATH",
          "",
          "an htpasswd file of bcrypt entries (htpasswd -B); when given, POST and DELETE need"
              + " Basic credentials",
          Arguments::optionalPath);
  static final Flag<Boolean> AUTH_METRICS =
      Flag.toggle(
          "ask for credentials on GET /metrics too (with -basic-auth-file)", "auth-metrics");
  static final Flag<Optional<Path>> TLS_CERT_FILE =
      Flag.of(
          "tls-cert-file",
          "PATH",
          "",
          "a PEM certificate chain, leaf first: serve HTTPS instead of HTTP (with -tls-key-file)",
          Arguments::optionalPath);
  static final Flag<Optional<Path>> TLS_KEY_FILE =
      Flag.of(
          "tls-key-file",
          "PATH",
          "",
          "the certificate's private key, PEM PKCS#8 (BEGIN PRIVATE KEY), RSA or EC",
          Arguments::optionalPath);
  static final Flag<CounterNames> COUNTER_NAMES =
      Flag.of(
          "counter-names",
          "NAMING",
          CounterNames.OPENMETRICS.flagValue(),
          "openmetrics exposes a counter pushed as gophers as gophers_total; go exposes it as"
              + " gophers, under the name it was pushed with, as the Go original did, and"
              + " /metrics always answers the text format 0.0.4",
          CounterNames::fromFlagValue);
  static final Flag<LogLevel> LOG_LEVEL =
      Flag.of(
          "log-level",
          "LEVEL",
          LogLevel.INFO.flagValue(),
          "the least severe lines logged: debug (each body and datagram received too), info, warn"
              + " or error",
          LogLevel::parse);
  static final Flag<Boolean> DEBUG =
      Flag.toggle("the same as -log-level debug, which it must not contradict", "debug");
  static final Flag<Boolean> VERSION = Flag.toggle("print the version and exit", "version");
  static final Flag<Boolean> HELP = Flag.toggle("print this help and exit", "h", "help");

  /** Every flag, in the order the usage lists them. */
  static final List<Flag<?>> FLAGS =
      List.of(
          HTTP_LISTEN_ADDRESS,
          UDP_LISTEN_ADDRESS,
          READ_TIMEOUT,
          WRITE_TIMEOUT,
          MAX_REQUEST_BYTES,
          SHUTDOWN_GRACE,
          MAX_LABELS,
          MAX_LABEL_VALUE_LENGTH,
          MAX_DELTAS_PER_BODY,
          MAX_SERIES,
          SERIES_TTL,
          STATE_FILE,
          STATE_INTERVAL,
          BASIC_AUTH_FILE,
          AUTH_METRICS,
          TLS_CERT_FILE,
          TLS_KEY_FILE,
          COUNTER_NAMES,
          LOG_LEVEL,
          DEBUG,
          VERSION,
          HELP);

  private final Map<Flag<?>, Object> values;

  private Arguments(Map<Flag<?>, Object> values) {
    this.values = values;
  }

  /** Whether the command line gave the flag, whatever its value. */
  boolean given(Flag<?> flag) {
    return values.containsKey(flag);
  }

  /** The least severe lines logged: {@code -log-level}, or debug with {@code -debug}. */
  LogLevel logLevel() {
    return get(DEBUG) ? LogLevel.DEBUG : get(LOG_LEVEL);
  }

  /** The flag's value: as given, or its default. */
  <T> T get(Flag<T> flag) {
    @SuppressWarnings("unchecked") // put only by parse(), as flag.read() made it
    T value = (T) values.get(flag);
    return value != null ? value : flag.defaultValue();
  }

  /**
   * Parses the command line.
   *
   * @throws IllegalArgumentException naming the flag or value that is wrong
   */
  static Arguments parse(String... args) {
    Map<String, Flag<?>> byName = new HashMap<>();
    for (Flag<?> flag : FLAGS) {
      flag.names().forEach(name -> byName.put(name, flag));
    }
    Map<Flag<?>, Object> values = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--")) {
        throw new IllegalArgumentException("unexpected argument: " + arg);
      }
      String spelling = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
      String given = null;
      int equals = spelling.indexOf('=');
      if (equals >= 0) {
        given = spelling.substring(equals + 1);
        spelling = spelling.substring(0, equals);
      }
      Flag<?> flag = byName.get(spelling);
      if (flag == null) {
        throw new IllegalArgumentException("unknown flag: " + arg);
      }
      if (given == null && flag.isToggle()) {
        given = "true";
      } else if (given == null) {
        if (i + 1 == args.length) {
          throw new IllegalArgumentException(
              "flag -" + spelling + " needs a value: " + flag.value());
        }
        given = args[++i];
      }
      values.put(flag, flag.read(spelling, given));
    }
    Arguments arguments = new Arguments(values);
    if (arguments.get(TLS_CERT_FILE).isPresent() != arguments.get(TLS_KEY_FILE).isPresent()) {
      throw new IllegalArgumentException(
          "flags -tls-cert-file and -tls-key-file go together: give both, or neither");
    }
    if (arguments.get(AUTH_METRICS) && arguments.get(BASIC_AUTH_FILE).isEmpty()) {
      throw new IllegalArgumentException("flag -auth-metrics needs -basic-auth-file");
    }
    // -debug is a synonym: given with -log-level, both must say the same, so that no level is
    // silently dropped.
    if (arguments.given(DEBUG)
        && arguments.given(LOG_LEVEL)
        && arguments.get(DEBUG) != (arguments.get(LOG_LEVEL) == LogLevel.DEBUG)) {
      throw new IllegalArgumentException(
          "flags -debug"
              + (arguments.get(DEBUG) ? "" : "=false")
              + " and -log-level "
              + arguments.get(LOG_LEVEL).flagValue()
              + " contradict each other: -debug is -log-level debug; give one of them");
    }
    return arguments;
  }

  private static int positive(String text) {
    try {
      int value = Integer.parseInt(text);
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // Described below, as every other bad number.
    }
    throw new IllegalArgumentException(
        "invalid number \"" + text + "\", expected a whole number from 1 to 2147483647");
  }

  /** The limits on what one delta or body may hold, from the flags. */
  Limits limits() {
    return Limits.defaults()
        .withMaxLabels(get(MAX_LABELS))
        .withMaxLabelValueLength(get(MAX_LABEL_VALUE_LENGTH))
        .withMaxDeltasPerBody(get(MAX_DELTAS_PER_BODY));
  }

  /** An aggregator as the flags set it up, not yet started. */
  Aggregator.Builder aggregator() {
    Aggregator.Builder builder =
        Aggregator.builder()
            .limits(limits())
            .seriesTtl(get(SERIES_TTL))
            .counterNames(get(COUNTER_NAMES));
    get(MAX_SERIES).ifPresent(builder::maxSeries);
    get(STATE_FILE).ifPresent(builder::stateFile);
    return builder.stateInterval(get(STATE_INTERVAL));
  }

  private static Duration positiveDuration(String text) {
    Duration duration = Durations.parse(text);
    if (duration.isZero()) {
      throw new IllegalArgumentException("invalid duration \"" + text + "\", expected more than 0");
    }
    return duration;
  }

  private static Optional<InetSocketAddress> optionalAddress(String text) {
    return text.isEmpty() || text.equals("off")
        ? Optional.empty()
        : Optional.of(Addresses.parse(text));
  }

  private static Optional<Path> optionalPath(String text) {
    return text.isEmpty() ? Optional.empty() : Optional.of(Path.of(text));
  }

  /** The usage text that {@code -h} prints, listing every flag. */
  static String usage() {
    StringBuilder usage =
        new StringBuilder(
            "Usage: java -jar pushprom.jar [flags]\n\n"
                + "Receives metric deltas as JSON over HTTP and UDP and serves them to Prometheus"
                + " on /metrics.\n"
                + "Flags take one dash or two, and their value after a space or '='.\n"
                + "An ADDRESS is host:port, :port (every interface) or [ipv6]:port; a DURATION is"
                + " a number and a unit, as 500ms, 10s, 5m, 1h; BYTES is a number, with or"
                + " without KiB or MiB; N is a whole number.\n"
                + "Exit codes: 0 after SIGTERM, -h or -version; 1 when a listener cannot start; 2"
                + " for a bad command line; 3 when out of memory.\n\n");
    for (Flag<?> flag : FLAGS) {
      String help = flag.help();
      if (!flag.isToggle() && !flag.defaultText().isEmpty()) {
        help += " (default " + flag.defaultText() + ")";
      }
      usage.append(String.format("  %-28s %s%n", flag.synopsis(), help));
    }
    return usage.toString();
  }
}
