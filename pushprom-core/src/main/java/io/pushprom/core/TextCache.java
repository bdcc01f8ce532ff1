package io.pushprom.core;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The strings one thread read from JSON lately, so that a name, help text or label value read again
 * is the same {@code String}: no allocation, a cached hash for the series lookup, and series whose
 * labels share values share their strings. A direct-mapped table; a collision replaces.
 */
final class TextCache {
  private static final int SLOTS = 4096;

  /** Longer texts are rare and seldom repeated: they are not kept. */
  private static final int MAX_LENGTH = 256;

  // Powers of 31: the hash is String's, 31^(n-1) * c[0] + ... + c[n-1], taken four characters a
  // step so that each step waits for one multiplication, not four.
  private static final int P2 = 31 * 31;
  private static final int P3 = 31 * P2;
  private static final int P4 = 31 * P3;

  private static final ThreadLocal<TextCache> CACHES = ThreadLocal.withInitial(TextCache::new);

  private final String[] strings = new String[SLOTS];

  /**
   * Each slot's string as characters too, which {@link Arrays#equals(char[], int, int, char[], int,
   * int)} compares many at a time, where a {@code charAt} loop checked the string's coder for each.
   */
  private final char[][] chars = new char[SLOTS][];

  private TextCache() {}

  static TextCache ofThisThread() {
    return CACHES.get();
  }

  /** The text of {@code length} characters at {@code offset}, as a string. */
  String get(char[] text, int offset, int length) {
    if (length > MAX_LENGTH) {
      return new String(text, offset, length);
    }
    int end = offset + length;
    int hash = 0;
    int i = offset;
    for (; i + 4 <= end; i += 4) {
      hash = P4 * hash + P3 * text[i] + P2 * text[i + 1] + 31 * text[i + 2] + text[i + 3];
    }
    for (; i < end; i++) {
      hash = 31 * hash + text[i];
    }
    int slot = slot(hash);
    char[] cached = chars[slot];
    if (cached != null
        && cached.length == length
        && Arrays.equals(cached, 0, length, text, offset, offset + length)) {
      return strings[slot];
    }
    String read = new String(text, offset, length);
    strings[slot] = read;
    chars[slot] = Arrays.copyOfRange(text, offset, offset + length);
    return read;
  }

  /**
   * The JSON string whose text starts at {@code from}, just past its opening quote, if it is plain:
   * ASCII without escapes or control characters, closed before {@code end} and at most {@value
   * #MAX_LENGTH} characters long. Otherwise {@code null}, and it is for the JSON parser to read:
   * this is read straight from the bytes, so that Jackson does not copy the usual short string into
   * characters first. Its characters are its bytes, so it is found in the same slot as by {@link
   * #get}.
   */
  String plain(byte[] bytes, int from, int end) {
    int last = Math.min(end, from + MAX_LENGTH + 1);
    int to = from;
    // A control character is for the parser to refuse, and non-ASCII (negative) to decode.
    while (to < last && bytes[to] >= 0x20 && bytes[to] != '"' && bytes[to] != '\\') {
      to++;
    }
    if (to == last || bytes[to] != '"') {
      return null; // too long, not closed, or not plain
    }
    int hash = 0;
    int i = from;
    for (; i + 4 <= to; i += 4) {
      hash = P4 * hash + P3 * bytes[i] + P2 * bytes[i + 1] + 31 * bytes[i + 2] + bytes[i + 3];
    }
    for (; i < to; i++) {
      hash = 31 * hash + bytes[i];
    }
    int length = to - from;
    int slot = slot(hash);
    char[] cached = chars[slot];
    if (cached != null && cached.length == length && sameText(cached, bytes, from)) {
      return strings[slot];
    }
    String read = new String(bytes, from, length, StandardCharsets.US_ASCII);
    strings[slot] = read;
    chars[slot] = read.toCharArray();
    return read;
  }

  private static int slot(int hash) {
    return (hash ^ hash >>> 16) & (SLOTS - 1);
  }

  private static boolean sameText(char[] text, byte[] bytes, int from) {
    for (int i = 0; i < text.length; i++) {
      if (text[i] != bytes[from + i]) {
        return false;
      }
    }
    return true;
  }
}
