package io.pushprom.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pushprom.core.Aggregator;
import io.pushprom.core.CounterNames;
import io.pushprom.core.Limits;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ArgumentsTest {

  /** Splits a command line written as one string on its spaces. */
  private static String[] args(String commandLine) {
    return commandLine.isEmpty() ? new String[0] : commandLine.split(" ");
  }

  @Test
  void defaultsToGoPushpromAddressesOnEveryInterface() {
    Arguments arguments = Arguments.parse();

    InetSocketAddress http = arguments.get(Arguments.HTTP_LISTEN_ADDRESS);
    InetSocketAddress udp = arguments.get(Arguments.UDP_LISTEN_ADDRESS).orElseThrow();
    assertTrue(http.getAddress().isAnyLocalAddress(), http.toString());
    assertEquals(9091, http.getPort());
    assertTrue(udp.getAddress().isAnyLocalAddress(), udp.toString());
    assertEquals(9090, udp.getPort());
    assertFalse(arguments.get(Arguments.DEBUG));
    assertFalse(arguments.get(Arguments.HELP));
    assertFalse(arguments.get(Arguments.VERSION));
    assertEquals(LogLevel.INFO, arguments.logLevel());
    assertEquals(CounterNames.OPENMETRICS, arguments.get(Arguments.COUNTER_NAMES));
  }

  @Test
  void defaultsToTheGoOriginalsTimeoutsAndA16MebibyteBody() {
    Arguments arguments = Arguments.parse();

    assertEquals(Duration.ofSeconds(10), arguments.get(Arguments.READ_TIMEOUT));
    assertEquals(Duration.ofSeconds(10), arguments.get(Arguments.WRITE_TIMEOUT));
    assertEquals(16 << 20, arguments.get(Arguments.MAX_REQUEST_BYTES));
    assertEquals(Duration.ofSeconds(15), arguments.get(Arguments.SHUTDOWN_GRACE));
  }

  @Test
  void seriesFlagsSetUpTheAggregator() {
    try (Aggregator aggregator =
        Arguments.parse("-max-series", "1000", "-series-ttl=90s").aggregator().build()) {
      assertEquals(1000, aggregator.maxSeries());
      assertEquals(Duration.ofSeconds(90), aggregator.seriesTtl());
    }
    try (Aggregator aggregator = Arguments.parse("-max-series=auto").aggregator().build()) {
      assertEquals(
          Aggregator.defaultMaxSeries(Runtime.getRuntime().maxMemory()), aggregator.maxSeries());
      assertEquals(Duration.ZERO, aggregator.seriesTtl());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"0s", "1m30s", "1h", "1h1m1s1ms", "250ms"})
  void writesDurationsAsItReadsThem(String text) {
    assertEquals(text.equals("0s") ? "0" : text, Durations.format(Durations.parse(text)));
  }

  @ParameterizedTest
  @CsvSource({
    "-read-timeout=2s, PT2S",
    "--read-timeout=1m30s, PT1M30S",
    "-read-timeout=1500ms, PT1.5S",
    "-read-timeout=1h, PT1H",
    "-read-timeout=0, PT0S",
  })
  void readsDurationsAsGoWritesThem(String flag, Duration expected) {
    assertEquals(expected, Arguments.parse(flag).get(Arguments.READ_TIMEOUT));
  }

  @Test
  void limitFlagsBecomeTheAggregatorsLimits() {
    Arguments arguments =
        Arguments.parse(
            "-max-labels", "8", "-max-label-value-length=100", "--max-deltas-per-body", "5000");

    assertEquals(
        Limits.defaults().withMaxLabels(8).withMaxLabelValueLength(100).withMaxDeltasPerBody(5000),
        arguments.limits());
    assertEquals(Limits.defaults(), Arguments.parse().limits());
  }

  @ParameterizedTest
  @CsvSource({"1, 1", "65536, 65536", "64KiB, 65536", "16MiB, 16777216", "2047MiB, 2146435072"})
  void readsSizesInBytesKibibytesOrMebibytes(String given, int expected) {
    assertEquals(
        expected, Arguments.parse("-max-request-bytes", given).get(Arguments.MAX_REQUEST_BYTES));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "-http-listen-address 127.0.0.1:8080                  | 127.0.0.1:8080 | :9090 | false",
        "-http-listen-address=127.0.0.1:8080                  | 127.0.0.1:8080 | :9090 | false",
        "--http-listen-address 127.0.0.1:8080                 | 127.0.0.1:8080 | :9090 | false",
        "--http-listen-address=127.0.0.1:8080                 | 127.0.0.1:8080 | :9090 | false",
        "-udp-listen-address 127.0.0.1:7070                   | :9091 | 127.0.0.1:7070 | false",
        "-udp-listen-address=127.0.0.1:7070                   | :9091 | 127.0.0.1:7070 | false",
        "--udp-listen-address 127.0.0.1:7070                  | :9091 | 127.0.0.1:7070 | false",
        "--udp-listen-address=127.0.0.1:7070                  | :9091 | 127.0.0.1:7070 | false",
        "-debug                                               | :9091 | :9090          | true",
        "--debug                                              | :9091 | :9090          | true",
        "-debug=true                                          | :9091 | :9090          | true",
        "--debug=1                                            | :9091 | :9090          | true",
        "-debug=false                                         | :9091 | :9090          | false",
        "--debug=0                                            | :9091 | :9090          | false",
        "-debug=TRUE                                          | :9091 | :9090          | true",
        "-debug=t                                             | :9091 | :9090          | true",
        "-debug=False                                         | :9091 | :9090          | false",
        "-http-listen-address :8080                           | :8080 | :9090          | false",
        "-http-listen-address [::1]:8080                      | [::1]:8080 | :9090     | false",
        "-http-listen-address=localhost:8080                  | localhost:8080 | :9090 | false",
        "-udp-listen-address 127.0.0.1:0 -http-listen-address=127.0.0.1:0 --debug"
            + "                                               | 127.0.0.1:0 | 127.0.0.1:0 | true",
        "-http-listen-address :1 --http-listen-address=:2     | :2    | :9090          | false",
      })
  void parsesEveryFlagSpelling(String commandLine, String http, String udp, boolean debug) {
    Arguments arguments = Arguments.parse(args(commandLine));

    assertEquals(Addresses.parse(http), arguments.get(Arguments.HTTP_LISTEN_ADDRESS));
    assertEquals(Addresses.parse(udp), arguments.get(Arguments.UDP_LISTEN_ADDRESS).orElseThrow());
    assertEquals(debug, arguments.get(Arguments.DEBUG));
    assertEquals(debug ? LogLevel.DEBUG : LogLevel.INFO, arguments.logLevel());
    assertFalse(arguments.get(Arguments.HELP));
  }

  @ParameterizedTest
  @ValueSource(strings = {"-h", "--h", "-help", "--help", "-help=true"})
  void asksForHelp(String flag) {
    assertTrue(Arguments.parse(flag).get(Arguments.HELP));
  }

  @ParameterizedTest
  @ValueSource(strings = {"-nope", "--nope=1", "-http", "-listen-address", "-H", "-Debug", "---h"})
  void rejectsUnknownFlagNamingIt(String flag) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Arguments.parse("-debug", flag, "-h"));

    assertEquals("unknown flag: " + flag, e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"9091", "-", "--", "debug"})
  void rejectsArgumentThatIsNotAFlag(String arg) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Arguments.parse(arg));

    assertEquals("unexpected argument: " + arg, e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({
    "-http-listen-address, http-listen-address, ADDRESS",
    "--http-listen-address, http-listen-address, ADDRESS",
    "-udp-listen-address, udp-listen-address, ADDRESS",
    "--udp-listen-address, udp-listen-address, ADDRESS",
    "-read-timeout, read-timeout, DURATION",
    "-max-request-bytes, max-request-bytes, BYTES",
  })
  void rejectsFlagWithoutValue(String flag, String name, String value) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Arguments.parse("-debug", flag));

    assertEquals("flag -" + name + " needs a value: " + value, e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "-http-listen-address 127.0.0.1:70000 | flag -http-listen-address: invalid address"
            + " \"127.0.0.1:70000\": port \"70000\" is not a number from 0 to 65535",
        "--udp-listen-address=:70000 | flag -udp-listen-address: invalid address \":70000\":"
            + " port \"70000\" is not a number from 0 to 65535",
        "-http-listen-address 127.0.0.1:abc | flag -http-listen-address: invalid address"
            + " \"127.0.0.1:abc\": port \"abc\" is not a number from 0 to 65535",
        "-udp-listen-address localhost | flag -udp-listen-address: invalid address \"localhost\":"
            + " missing port, expected host:port or :port",
        "-http-listen-address= | flag -http-listen-address: invalid address \"\": missing port,"
            + " expected host:port or :port",
        "-http-listen-address ::1:9091 | flag -http-listen-address: invalid address \"::1:9091\":"
            + " an IPv6 host goes in brackets, as [::1]:9091",
        "-debug=yes | flag -debug: invalid boolean \"yes\", expected true or false",
        "--help=maybe | flag -help: invalid boolean \"maybe\", expected true or false",
        "-read-timeout 10 | flag -read-timeout: invalid duration \"10\", expected a number and a"
            + " unit, as 500ms, 10s, 5m, 1h",
        "-write-timeout=-1s | flag -write-timeout: invalid duration \"-1s\", expected a number"
            + " and a unit, as 500ms, 10s, 5m, 1h",
        "-shutdown-grace=1.5s | flag -shutdown-grace: invalid duration \"1.5s\", expected a"
            + " number and a unit, as 500ms, 10s, 5m, 1h",
        "-max-labels 0 | flag -max-labels: invalid number \"0\", expected a whole number from 1 to"
            + " 2147483647",
        "-max-deltas-per-body=1e6 | flag -max-deltas-per-body: invalid number \"1e6\", expected a"
            + " whole number from 1 to 2147483647",
        "-max-request-bytes 0 | flag -max-request-bytes: invalid size \"0\", expected a number of"
            + " bytes from 1 to 2147483647, as 65536, 64KiB or 16MiB",
        "-max-request-bytes 2GiB | flag -max-request-bytes: invalid size \"2GiB\", expected a"
            + " number of bytes from 1 to 2147483647, as 65536, 64KiB or 16MiB",
        "-max-request-bytes 2048MiB | flag -max-request-bytes: invalid size \"2048MiB\","
            + " expected a number of bytes from 1 to 2147483647, as 65536, 64KiB or 16MiB",
        "-udp-listen-address OFF | flag -udp-listen-address: invalid address \"OFF\": missing"
            + " port, expected host:port or :port",
        "-http-listen-address off | flag -http-listen-address: invalid address \"off\": missing"
            + " port, expected host:port or :port",
        "-counter-names Go | flag -counter-names: invalid counter naming \"Go\", expected"
            + " openmetrics or go",
        "--counter-names=prometheus | flag -counter-names: invalid counter naming"
            + " \"prometheus\", expected openmetrics or go",
        "-counter-names= | flag -counter-names: invalid counter naming \"\", expected"
            + " openmetrics or go",
        "-log-level warning | flag -log-level: invalid log level \"warning\", expected debug,"
            + " info, warn or error",
        "-log-level=DEBUG | flag -log-level: invalid log level \"DEBUG\", expected debug, info,"
            + " warn or error",
        "-log-level= | flag -log-level: invalid log level \"\", expected debug, info, warn or"
            + " error",
        "-version=yes | flag -version: invalid boolean \"yes\", expected true or false",
        "-debug -log-level info | flags -debug and -log-level info contradict each other: -debug"
            + " is -log-level debug; give one of them",
        "-log-level=error --debug | flags -debug and -log-level error contradict each other:"
            + " -debug is -log-level debug; give one of them",
        "-debug=false -log-level debug | flags -debug=false and -log-level debug contradict each"
            + " other: -debug is -log-level debug; give one of them",
      })
  void rejectsBadValueNamingFlagAndValue(String commandLine, String message) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Arguments.parse(args(commandLine)));

    assertEquals(message, e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "-log-level debug              | DEBUG",
        "--log-level=info              | INFO",
        "-log-level warn               | WARN",
        "-log-level=error              | ERROR",
        "-debug                        | DEBUG",
        "-debug -log-level debug       | DEBUG",
        "-log-level=debug -debug=true  | DEBUG",
        "-debug=false -log-level warn  | WARN",
        "-debug=false                  | INFO",
      })
  void logLevelIsTheFlagsOrDebugWhichMayNotContradictIt(String commandLine, LogLevel expected) {
    assertEquals(expected, Arguments.parse(args(commandLine)).logLevel());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "-counter-names go            | GO",
        "--counter-names=go           | GO",
        "-counter-names openmetrics   | OPENMETRICS",
      })
  void counterNamesSetUpTheAggregator(String commandLine, CounterNames expected) {
    Arguments arguments = Arguments.parse(args(commandLine));

    assertEquals(expected, arguments.get(Arguments.COUNTER_NAMES));
    try (Aggregator aggregator = arguments.aggregator().build()) {
      assertEquals(expected, aggregator.counterNames());
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"-udp-listen-address=", "-udp-listen-address=off", "--udp-listen-address off"})
  void udpIsOffWhenItsAddressIsEmptyOrOff(String commandLine) {
    assertEquals(
        Optional.empty(), Arguments.parse(args(commandLine)).get(Arguments.UDP_LISTEN_ADDRESS));
  }

  @Test
  void udpIsOffForAnEmptyArgumentToo() {
    assertEquals(
        Optional.empty(),
        Arguments.parse("-udp-listen-address", "").get(Arguments.UDP_LISTEN_ADDRESS));
  }

  @ParameterizedTest
  @ValueSource(strings = {"-version", "--version", "-version=true"})
  void asksForTheVersion(String flag) {
    assertTrue(Arguments.parse(flag).get(Arguments.VERSION));
  }

  @Test
  void usageListsEveryFlagWithItsDefault() {
    String usage = Arguments.usage();

    assertTrue(usage.startsWith("Usage: "), usage);
    assertTrue(usage.contains("  -http-listen-address ADDRESS "), usage);
    assertTrue(usage.contains("(default :9091)"), usage);
    assertTrue(usage.contains("  -udp-listen-address ADDRESS "), usage);
    assertTrue(usage.contains("(default :9090)"), usage);
    assertTrue(usage.contains("  -read-timeout DURATION "), usage);
    assertTrue(usage.contains("(default 10s)"), usage);
    assertTrue(usage.contains("  -max-request-bytes BYTES "), usage);
    assertTrue(usage.contains("(default 16MiB)"), usage);
    assertTrue(usage.contains("  -debug "), usage);
    assertTrue(usage.contains("  -counter-names NAMING "), usage);
    assertTrue(usage.contains("(default openmetrics)"), usage);
    assertTrue(usage.contains("  -log-level LEVEL "), usage);
    assertTrue(usage.contains("(default info)"), usage);
    assertTrue(usage.contains("  -version "), usage);
    assertTrue(usage.contains("  -h, --help "), usage);
  }

  @Test
  void everyDefaultIsAValueItsFlagTakes() {
    for (Flag<?> flag : Arguments.FLAGS) {
      assertEquals(flag.defaultValue(), Arguments.parse().get(flag), flag.name());
    }
  }

  /** The README's table of flags is the declarations', row for row, so it cannot drift. */
  @Test
  void readmeTableOfFlagsIsTheDeclarations() throws Exception {
    List<String> readme = Files.readAllLines(Path.of("..", "README.md"));
    int header = readme.indexOf("| flag | default | meaning |");
    assertTrue(header >= 0, "README.md has no table of flags");
    List<String> rows = new ArrayList<>();
    for (String line : readme.subList(header + 2, readme.size())) {
      if (!line.startsWith("|")) {
        break;
      }
      rows.add(line);
    }

    List<String> expected = new ArrayList<>();
    for (Flag<?> flag : Arguments.FLAGS) {
      String defaultCell =
          flag.isToggle()
              ? "off"
              : flag.defaultText().isEmpty() ? "none" : "`" + flag.defaultText() + "`";
      expected.add("| `" + flag.synopsis() + "` | " + defaultCell + " | " + flag.help() + " |");
    }
    assertEquals(String.join("\n", expected), String.join("\n", rows));
  }

  @Test
  void parsedAddressesAreTheOnesGiven() {
    Arguments arguments =
        Arguments.parse("-http-listen-address", "127.0.0.1:0", "-udp-listen-address", ":0");

    assertEquals(
        new InetSocketAddress("127.0.0.1", 0), arguments.get(Arguments.HTTP_LISTEN_ADDRESS));
    assertEquals(
        new InetSocketAddress(0), arguments.get(Arguments.UDP_LISTEN_ADDRESS).orElseThrow());
  }
}
