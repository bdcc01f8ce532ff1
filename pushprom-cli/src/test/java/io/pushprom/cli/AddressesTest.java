package io.pushprom.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressesTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "127.0.0.1:9091 | 127.0.0.1 | 9091",
        "127.0.0.1:0    | 127.0.0.1 | 0",
        "[::1]:9091     | ::1       | 9091",
        "[::1]:0        | ::1       | 0",
        "0.0.0.0:65535  | 0.0.0.0   | 65535",
      })
  void parsesHostAndPort(String text, String host, int port) throws UnknownHostException {
    assertEquals(new InetSocketAddress(InetAddress.getByName(host), port), Addresses.parse(text));
  }

  @Test
  void parsesHostNameAndPort() {
    InetSocketAddress address = Addresses.parse("localhost:9091");

    assertEquals("localhost", address.getHostString());
    assertEquals(9091, address.getPort());
    assertFalse(address.isUnresolved(), "localhost is resolved when parsed");
  }

  @Test
  void portAloneMeansEveryInterface() {
    InetSocketAddress address = Addresses.parse(":9091");

    assertTrue(address.getAddress().isAnyLocalAddress(), address.toString());
    assertEquals(9091, address.getPort());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "127.0.0.1:70000 | invalid address \"127.0.0.1:70000\": port \"70000\" is not a number"
            + " from 0 to 65535",
        "127.0.0.1:65536 | invalid address \"127.0.0.1:65536\": port \"65536\" is not a number"
            + " from 0 to 65535",
        "127.0.0.1:-1    | invalid address \"127.0.0.1:-1\": port \"-1\" is not a number"
            + " from 0 to 65535",
        "127.0.0.1:abc   | invalid address \"127.0.0.1:abc\": port \"abc\" is not a number"
            + " from 0 to 65535",
        "127.0.0.1:      | invalid address \"127.0.0.1:\": port \"\" is not a number"
            + " from 0 to 65535",
        ":abc            | invalid address \":abc\": port \"abc\" is not a number from 0 to 65535",
        "localhost       | invalid address \"localhost\": missing port, expected host:port or"
            + " :port",
        "9091            | invalid address \"9091\": missing port, expected host:port or :port",
        "::1:9091        | invalid address \"::1:9091\": an IPv6 host goes in brackets, as"
            + " [::1]:9091",
        "::1             | invalid address \"::1\": an IPv6 host goes in brackets, as [::1]:9091",
      })
  void rejectsAddressSayingWhatIsWrong(String text, String message) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Addresses.parse(text));

    assertEquals(message, e.getMessage());
  }

  @Test
  void rejectsEmptyAddressAsMissingPort() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Addresses.parse(""));

    assertEquals("invalid address \"\": missing port, expected host:port or :port", e.getMessage());
  }

  @Test
  void formatsEveryInterfaceAsGoDoes() {
    assertEquals("0.0.0.0:9091", Addresses.format(Addresses.parse(":9091")));
  }

  @Test
  void formatsIpv4HostAndPort() {
    assertEquals("127.0.0.1:9091", Addresses.format(Addresses.parse("127.0.0.1:9091")));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "[::1]:9091                   | [::1]:9091",
        "[0:0:0:0:0:0:0:1]:9091       | [::1]:9091",
        "[2001:db8:0:0:1:0:0:1]:80    | [2001:db8::1:0:0:1]:80",
        "[2001:db8:0:1:1:1:1:1]:80    | [2001:db8:0:1:1:1:1:1]:80",
        "[fe80::]:80                  | [fe80::]:80",
      })
  void formatsIpv6HostInBracketsAsRfc5952Writes(String address, String formatted) {
    assertEquals(formatted, Addresses.format(Addresses.parse(address)));
  }
}
