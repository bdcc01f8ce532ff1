package io.pushprom.core;

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
    int slot = (hash ^ hash >>> 16) & (SLOTS - 1);
    String cached = strings[slot];
    if (cached != null && cached.length() == length && matches(cached, text, offset)) {
      return cached;
    }
    String read = new String(text, offset, length);
    strings[slot] = read;
    return read;
  }

  private static boolean matches(String cached, char[] text, int offset) {
    for (int i = 0; i < cached.length(); i++) {
      if (cached.charAt(i) != text[offset + i]) {
        return false;
      }
    }
    return true;
  }
}
