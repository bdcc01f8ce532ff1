package io.pushprom.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
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

    assertTrue(arguments.http().getAddress().isAnyLocalAddress(), arguments.http().toString());
    assertEquals(9091, arguments.http().getPort());
    assertTrue(arguments.udp().getAddress().isAnyLocalAddress(), arguments.udp().toString());
    assertEquals(9090, arguments.udp().getPort());
    assertFalse(arguments.debug());
    assertFalse(arguments.help());
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

    assertEquals(
        new Arguments(Addresses.parse(http), Addresses.parse(udp), debug, false), arguments);
  }

  @ParameterizedTest
  @ValueSource(strings = {"-h", "--h", "-help", "--help", "-help=true"})
  void asksForHelp(String flag) {
    assertTrue(Arguments.parse(flag).help());
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
    "-http-listen-address, http-listen-address",
    "--http-listen-address, http-listen-address",
    "-udp-listen-address, udp-listen-address",
    "--udp-listen-address, udp-listen-address",
  })
  void rejectsAddressFlagWithoutValue(String flag, String name) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Arguments.parse("-debug", flag));

    assertEquals("flag -" + name + " needs a value: an ADDRESS", e.getMessage());
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
      })
  void rejectsBadValueNamingFlagAndValue(String commandLine, String message) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Arguments.parse(args(commandLine)));

    assertEquals(message, e.getMessage());
  }

  @Test
  void usageListsEveryFlagWithItsDefault() {
    String usage = Arguments.usage();

    assertTrue(usage.startsWith("Usage: "), usage);
    assertTrue(usage.contains("  -http-listen-address ADDRESS "), usage);
    assertTrue(usage.contains("(default :9091)"), usage);
    assertTrue(usage.contains("  -udp-listen-address ADDRESS "), usage);
    assertTrue(usage.contains("(default :9090)"), usage);
    assertTrue(usage.contains("  -debug "), usage);
    assertTrue(usage.contains("  -h, --help "), usage);
  }

  @Test
  void parsedAddressesAreTheOnesGiven() {
    Arguments arguments =
        Arguments.parse("-http-listen-address", "127.0.0.1:0", "-udp-listen-address", ":0");

    assertEquals(new InetSocketAddress("127.0.0.1", 0), arguments.http());
    assertEquals(new InetSocketAddress(0), arguments.udp());
  }
}
