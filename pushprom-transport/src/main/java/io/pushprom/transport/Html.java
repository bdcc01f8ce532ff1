package io.pushprom.transport;

import java.util.Locale;

/**
 * Text made safe for an HTML page, in an element or in a quoted attribute alike: whatever a client
 * pushed shows as the characters it sent and never becomes markup.
 */
final class Html {
  private Html() {}

  /**
   * Appends {@code text} to {@code out}, escaped for an element's content or a double- or
   * single-quoted attribute value. Control characters, which a garbage datagram is full of and
   * which HTML may not hold, show as their Unicode pictures ({@code ␀} for NUL); the marks that
   * reorder text (a right-to-left override) show as their code points ({@code <U+202E>}).
   */
  static StringBuilder escape(StringBuilder out, String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        case '\n', '\t' -> out.append(c);
        case '\u007f' -> out.append('\u2421');
        // Marks that reorder or hide the text around them would let one cell pass for another.
        case '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066',
            '\u2067', '\u2068', '\u2069', '\ufeff' ->
            out.append("&lt;U+").append(Integer.toHexString(c).toUpperCase(Locale.ROOT)).append("&gt;");
        default -> out.append(c < 0x20 ? (char) (0x2400 + c) : c);
      }
    }
    return out;
  }

  /** {@code text}, escaped as {@link #escape(StringBuilder, String)} does. */
  static String escape(String text) {
    return escape(new StringBuilder(text.length() + 16), text).toString();
  }
}
