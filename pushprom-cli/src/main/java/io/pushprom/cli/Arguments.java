package io.pushprom.cli;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The command line, parsed: the flags of Go's pushprom, each accepted as {@code -flag value},
 * {@code -flag=value}, {@code --flag value} or {@code --flag=value}.
 *
 * <pre>{@code
 * Arguments arguments = Arguments.parse("-http-listen-address", ":8080", "--debug");
 * arguments.http(); // 0.0.0.0:8080
 * }</pre>
 */
record Arguments(InetSocketAddress http, InetSocketAddress udp, boolean debug, boolean help) {
  static final String DEFAULT_HTTP = ":9091";
  static final String DEFAULT_UDP = ":9090";

  private static final List<String[]> FLAGS =
      List.of(
          new String[] {
            "-http-listen-address",
            "ADDRESS",
            "The address to listen on for HTTP deltas, /metrics and /health (default "
                + DEFAULT_HTTP
                + ")."
          },
          new String[] {
            "-udp-listen-address",
            "ADDRESS",
            "The address to listen on for UDP deltas (default " + DEFAULT_UDP + ")."
          },
          new String[] {"-debug", "", "Log each delta received and each one rejected, with why."},
          new String[] {"-h, --help", "", "Print this help and exit."});

  /**
   * Parses the command line.
   *
   * @throws IllegalArgumentException naming the flag or value that is wrong
   */
  static Arguments parse(String... args) {
    InetSocketAddress http = Addresses.parse(DEFAULT_HTTP);
    InetSocketAddress udp = Addresses.parse(DEFAULT_UDP);
    boolean debug = false;
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--")) {
        throw new IllegalArgumentException("unexpected argument: " + arg);
      }
      String flag = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
      String value = null;
      int equals = flag.indexOf('=');
      if (equals >= 0) {
        value = flag.substring(equals + 1);
        flag = flag.substring(0, equals);
      }
      switch (flag) {
        case "http-listen-address", "udp-listen-address" -> {
          if (value == null) {
            if (i + 1 == args.length) {
              throw new IllegalArgumentException("flag -" + flag + " needs a value: an ADDRESS");
            }
            value = args[++i];
          }
          InetSocketAddress address = parseAddress(flag, value);
          if (flag.startsWith("http")) {
            http = address;
          } else {
            udp = address;
          }
        }
        case "debug" -> debug = value == null || parseBoolean(flag, value);
        case "h", "help" -> help = value == null || parseBoolean(flag, value);
        default -> throw new IllegalArgumentException("unknown flag: " + arg);
      }
    }
    return new Arguments(http, udp, debug, help);
  }

  private static InetSocketAddress parseAddress(String flag, String value) {
    try {
      return Addresses.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("flag -" + flag + ": " + e.getMessage(), e);
    }
  }

  private static boolean parseBoolean(String flag, String value) {
    // As Go's strconv.ParseBool, which Go's flag package uses.
    return switch (value) {
      case "1", "t", "T", "TRUE", "true", "True" -> true;
      case "0", "f", "F", "FALSE", "false", "False" -> false;
      default ->
          throw new IllegalArgumentException(
              "flag -" + flag + ": invalid boolean \"" + value + "\", expected true or false");
    };
  }

  /** The usage text that {@code -h} prints, listing every flag. */
  static String usage() {
    StringBuilder usage =
        new StringBuilder(
            "Usage: java -jar pushprom.jar [flags]\n\n"
                + "Receives metric deltas as JSON over HTTP and UDP and serves them to Prometheus"
                + " on /metrics.\n"
                + "Flags take one dash or two, and their value after a space or '='.\n"
                + "An ADDRESS is host:port, :port (every interface) or [ipv6]:port.\n\n");
    for (String[] flag : FLAGS) {
      String name = flag[0] + (flag[1].isEmpty() ? "" : " " + flag[1]);
      usage.append(String.format("  %-28s %s%n", name, flag[2]));
    }
    return usage.toString();
  }
}
