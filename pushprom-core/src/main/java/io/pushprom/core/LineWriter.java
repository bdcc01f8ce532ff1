package io.pushprom.core;

import java.io.IOException;
import java.io.Writer;

/**
 * The text format 0.0.4's lines, written into a buffer of chars that goes to a {@link Writer} a
 * buffer at a time: each call the exposition makes per series then costs no call through the
 * writer, no lock and no string. Escapes and numbers as simpleclient's {@code TextFormat.write004}
 * writes them.
 */
final class LineWriter {
  /** The integers up to this are written as {@link Double#toString} writes them, {@code 42.0}. */
  private static final double PLAIN_INTEGERS = 1e7;

  private final Writer out;
  private final char[] buffer;
  private int length;

  LineWriter(Writer out, int capacity) {
    this.out = out;
    this.buffer = new char[Math.max(capacity, 64)];
  }

  void append(char c) throws IOException {
    if (length == buffer.length) {
      flush();
    }
    buffer[length++] = c;
  }

  void append(String text) throws IOException {
    int n = text.length();
    if (n > buffer.length - length) {
      flush();
      if (n > buffer.length) {
        out.write(text);
        return;
      }
    }
    text.getChars(0, n, buffer, length);
    length += n;
  }

  /**
   * Appends {@code text} with backslashes and line feeds escaped, and double quotes too in a label
   * value, as simpleclient's writer escapes help texts and label values.
   */
  void appendEscaped(String text, boolean labelValue) throws IOException {
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      if (buffer.length - length < 2) {
        flush();
      }
      if (c == '\\' || c == '\n' || c == '"' && labelValue) {
        buffer[length++] = '\\';
        buffer[length++] = c == '\n' ? 'n' : c;
      } else {
        buffer[length++] = c;
      }
    }
  }

  /**
   * Appends labels as simpleclient writes them, every pair followed by a comma, {@code
   * {a="x",b="y",}}, with {@code extraName} last if it is not {@code null}; nothing for no labels.
   */
  void appendLabels(String[] names, String[] values, String extraName, String extraValue)
      throws IOException {
    if (names.length == 0 && extraName == null) {
      return;
    }
    append('{');
    for (int i = 0; i < names.length; i++) {
      appendPair(names[i], values[i]);
    }
    if (extraName != null) {
      appendPair(extraName, extraValue);
    }
    append('}');
  }

  private void appendPair(String name, String value) throws IOException {
    append(name);
    append('=');
    append('"');
    appendEscaped(value, true);
    append('"');
    append(',');
  }

  /** Appends {@code value} as {@code Collector.doubleToGoString} writes it. */
  void appendDouble(double value) throws IOException {
    if (value == Double.POSITIVE_INFINITY) {
      append("+Inf");
    } else if (value == Double.NEGATIVE_INFINITY) {
      append("-Inf");
    } else if (Math.abs(value) < PLAIN_INTEGERS
        && value == Math.rint(value)
        && Double.doubleToRawLongBits(value) != Long.MIN_VALUE) {
      // Most values are counts: written here as Double.toString writes them, without a string.
      appendInteger((long) value);
    } else {
      append(Double.toString(value));
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
      buffer[i] = (char) ('0' + value % 10);
      value /= 10;
    }
    length += digits;
    buffer[length++] = '.';
    buffer[length++] = '0';
  }

  /** Hands what is buffered to the writer. */
  void flush() throws IOException {
    if (length > 0) {
      out.write(buffer, 0, length);
      length = 0;
    }
  }
}
