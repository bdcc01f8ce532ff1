package io.pushprom.cli;

/** Sizes in bytes: {@code 1048576}, {@code 1024KiB} or {@code 16MiB}. */
final class Sizes {
  private Sizes() {}

  /**
   * Reads a positive size that fits in an {@code int}.
   *
   * @throws IllegalArgumentException naming the value and the form expected
   */
  static int parse(String text) {
    long unit = 1;
    String number = text;
    if (text.endsWith("KiB")) {
      unit = 1 << 10;
      number = text.substring(0, text.length() - 3);
    } else if (text.endsWith("MiB")) {
      unit = 1 << 20;
      number = text.substring(0, text.length() - 3);
    }
    try {
      long bytes = Math.multiplyExact(Long.parseLong(number), unit);
      if (bytes >= 1 && bytes <= Integer.MAX_VALUE) {
        return (int) bytes;
      }
    } catch (NumberFormatException | ArithmeticException e) {
      // Described below, as every other bad size.
    }
    throw new IllegalArgumentException(
        "invalid size \""
            + text
            + "\", expected a number of bytes from 1 to 2147483647, as 65536, 64KiB or 16MiB");
  }
}
