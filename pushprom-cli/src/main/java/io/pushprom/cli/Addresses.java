package io.pushprom.cli;

import java.net.Inet6Address;
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
    InetAddress host = address.getAddress();
    if (host.isAnyLocalAddress()) {
      // Written as Go writes it, though the JDK binds the wildcard on IPv6 too.
      return "0.0.0.0:" + address.getPort();
    }
    if (host instanceof Inet6Address) {
      return "[" + compress(host.getAddress()) + "]:" + address.getPort();
    }
    return host.getHostAddress() + ":" + address.getPort();
  }

  /** An IPv6 address as RFC 5952 writes it: the longest run of zero groups as {@code ::}. */
  private static String compress(byte[] bytes) {
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = (bytes[2 * i] & 0xff) << 8 | bytes[2 * i + 1] & 0xff;
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int start = 0; start < 8; start++) {
      int length = 0;
      while (start + length < 8 && groups[start + length] == 0) {
        length++;
      }
      if (length > bestLength) {
        bestStart = start;
        bestLength = length;
      }
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        text.append("::");
        i += bestLength - 1;
      } else {
        if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
          text.append(':');
        }
        text.append(Integer.toHexString(groups[i]));
      }
    }
    return text.toString();
  }
}
