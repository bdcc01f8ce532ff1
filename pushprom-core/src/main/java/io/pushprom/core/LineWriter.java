package io.pushprom.core;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The text format 0.0.4's lines in UTF-8, written into a buffer that goes to an {@link
 * OutputStream} a buffer at a time: each call the exposition makes per series then costs no call
 * through a writer, no lock, no string and no charset encoder. Escapes and numbers as simpleclient's
 * {@code TextFormat.write004} writes them.
 */
final class LineWriter {
  /** The integers below this are written as {@link Double#toString} writes them, {@code 42.0}. */
  private static final double PLAIN_INTEGERS = 1e7;

  private static final byte[] NO_PAIRS = {};

  private final OutputStream out;
  private final byte[] buffer;
  private int length;

  LineWriter(OutputStream out, int capacity) {
    this.out = out;
    this.buffer = new byte[Math.max(capacity, 64)];
  }

  /**
   * The label pairs of {@code key} as simpleclient writes them, each followed by a comma, {@code
   * a="x",b="y",}, in UTF-8: a series keeps them, as its labels never change.
   */
  static byte[] labelPairs(SeriesKey key) {
    String[] names = key.names();
    if (names.length == 0) {
      return NO_PAIRS;
    }
    String[] values = key.values();
    StringBuilder pairs = new StringBuilder();
    for (int i = 0; i < names.length; i++) {
      pairs.append(names[i]).append("=\"");
      escape(pairs, values[i], true);
      pairs.append("\",");
    }
    return pairs.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Appends {@code text} to {@code escaped} with backslashes and line feeds escaped, and double
   * quotes too in a label value, as simpleclient's writer escapes help texts and label values.
   */
  static void escape(StringBuilder escaped, String text, boolean labelValue) {
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      if (c == '\\' || c == '\n' || c == '"' && labelValue) {
        escaped.append('\\').append(c == '\n' ? 'n' : c);
      } else {
        escaped.append(c);
      }
    }
  }

  void append(char ascii) throws IOException {
    if (length == buffer.length) {
      flush();
    }
    buffer[length++] = (byte) ascii;
  }

  void append(byte[] bytes) throws IOException {
    append(bytes, bytes.length);
  }

  /** Appends the first {@code n} bytes of {@code bytes}. */
  void append(byte[] bytes, int n) throws IOException {
    if (n > buffer.length - length) {
      flush();
      if (n > buffer.length) {
        out.write(bytes, 0, n);
        return;
      }
    }
    System.arraycopy(bytes, 0, buffer, length, n);
    length += n;
  }

  /** The bytes buffered, not yet handed to the stream. */
  int length() {
    return length;
  }

  /** Appends text of ASCII characters only. */
  void appendAscii(String ascii) throws IOException {
    int n = ascii.length();
    if (n > buffer.length - length) {
      append(ascii.getBytes(StandardCharsets.US_ASCII));
      return;
    }
    for (int i = 0; i < n; i++) {
      buffer[length + i] = (byte) ascii.charAt(i);
    }
    length += n;
  }

  /**
   * Appends labels as simpleclient writes them, {@code {a="x",b="y",}}, from a series' {@link
   * #labelPairs} and, unless {@code extraPair} is {@code null}, one pair more, {@code le="0.1",};
   * nothing for no labels.
   */
  void appendLabels(byte[] pairs, byte[] extraPair) throws IOException {
    if (pairs.length == 0 && extraPair == null) {
      return;
    }
    append('{');
    append(pairs);
    if (extraPair != null) {
      append(extraPair);
    }
    append('}');
  }

  /** Appends {@code value} as {@code Collector.doubleToGoString} writes it. */
  void appendDouble(double value) throws IOException {
    if (Math.abs(value) < PLAIN_INTEGERS
        && value == Math.rint(value)
        && Double.doubleToRawLongBits(value) != Long.MIN_VALUE) {
      // Most values are counts: written here as Double.toString writes them, without a string.
      appendInteger((long) value);
    } else if (value == Double.POSITIVE_INFINITY) {
      appendAscii("+Inf");
    } else if (value == Double.NEGATIVE_INFINITY) {
      appendAscii("-Inf");
    } else {
      appendAscii(Double.toString(value));
    }
  }

  /** Appends {@code value}, less than 10^7 in magnitude, and {@code .0}. */
  private void appendInteger(long value) throws IOException {
    if (buffer.length - length < 11) {
      flush();
    }
    if (value < 0) {
      buffer[length++] = '-';
      value = -value;
    }
    int digits = 1;
    for (long rest = value / 10; rest != 0; rest /= 10) {
      digits++;
    }
    for (int i = length + digits - 1; i >= length; i--) {
      buffer[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
    length += digits;
    buffer[length++] = '.';
    buffer[length++] = '0';
  }

  /** Hands what is buffered to the stream. */
  void flush() throws IOException {
    if (length > 0) {
      out.write(buffer, 0, length);
      length = 0;
    }
  }
}
