package io.pushprom.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Listen addresses as Go writes them: {@code host:port}, {@code :port}, {@code [::1]:port}. */
final class Addresses {
  private Addresses() {}

  /**
   * Parses a listen address; an empty host means every interface.
   *
   * @throws IllegalArgumentException saying what is wrong with {@code text}
   */
  static InetSocketAddress parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "invalid address \"" + text + "\": missing port, expected host:port or :port");
    }
    String host = text.substring(0, colon);
    String portText = text.substring(colon + 1);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      throw new IllegalArgumentException(
          "invalid address \"" + text + "\": an IPv6 host goes in brackets, as [::1]:9091");
    }
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "invalid address \""
              + text
              + "\": port \""
              + portText
              + "\" is not a number from 0 to 65535");
    }
    if (host.isEmpty()) {
      return new InetSocketAddress(port);
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "invalid address \"" + text + "\": unknown host \"" + host + "\"", e);
    }
  }

  /** Formats an address to log it: {@code 0.0.0.0:9091}, {@code [::1]:9091}. */
  static String format(InetSocketAddress address) {
    // The wildcard is written as Go writes it, though the JDK binds it on IPv6 too.
    String host =
        address.getAddress().isAnyLocalAddress()
            ? "0.0.0.0"
            : address.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
  }
}
