package io.pushprom.core;

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
    int hash = 0;
    for (int i = offset; i < offset + length; i++) {
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

  private static int slot(int hash) {
    return (hash ^ hash >>> 16) & (SLOTS - 1);
  }
}
