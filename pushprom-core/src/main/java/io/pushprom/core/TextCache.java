package io.pushprom.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The strings one thread read from JSON lately, so that a name, help text or label value read again
 * is the same {@code String}: no allocation, a cached hash for the series lookup, and series whose
 * labels share values share their strings. Direct-mapped tables; a collision replaces.
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

  /**
   * Eight bytes of an array as one {@code long}, the first in the lowest byte: then the lowest
   * flagged byte of a mask is the first of the eight in the text.
   */
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static final long ONES = 0x0101010101010101L;
  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final long QUOTES = '"' * ONES;
  private static final long BACKSLASHES = '\\' * ONES;
  private static final long SPACES = ' ' * ONES;

  /** An odd constant with well-mixed bits (2^64 over the golden ratio), to multiply hashes by. */
  private static final long MIX = 0x9E3779B97F4A7C15L;

  private static final ThreadLocal<TextCache> CACHES = ThreadLocal.withInitial(TextCache::new);

  private final String[] strings = new String[SLOTS];

  /**
   * Each slot's string as characters too, which {@link Arrays#equals(char[], int, int, char[], int,
   * int)} compares many at a time, where a {@code charAt} loop checked the string's coder for each.
   */
  private final char[][] chars = new char[SLOTS][];

  /**
   * The strings {@link #plain} read, apart from those {@link #get} read: their slots come from a
   * cheaper hash of the bytes than String's, and are compared as bytes.
   */
  private final String[] plainStrings = new String[SLOTS];

  private final byte[][] plainBytes = new byte[SLOTS][];

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
    int slot = (hash ^ hash >>> 16) & (SLOTS - 1);
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
   * characters first.
   */
  String plain(byte[] bytes, int from, int end) {
    int last = Math.min(end, from + MAX_LENGTH + 1);
    // One pass, eight bytes a step, both finds the closing quote and hashes what comes before it.
    long hash = 0;
    int to = from;
    for (; ; to += Long.BYTES) {
      if (to >= last) {
        return null; // too long or not closed
      }
      long word = word(bytes, to);
      long stops = stops(word);
      if (stops != 0) {
        int before = Long.numberOfTrailingZeros(stops) >>> 3;
        to += before;
        // A control character is for the parser to refuse, and non-ASCII to decode.
        if (to >= last || bytes[to] != '"') {
          return null;
        }
        hash = (hash ^ (word & ~(-1L << (before << 3)))) * MIX;
        break;
      }
      hash = (hash ^ word) * MIX;
    }
    int length = to - from;
    hash ^= length;
    int slot = (int) ((hash * MIX) >>> (Long.SIZE - Integer.numberOfTrailingZeros(SLOTS)));
    byte[] cached = plainBytes[slot];
    if (cached != null
        && cached.length == length
        && Arrays.equals(cached, 0, length, bytes, from, to)) {
      return plainStrings[slot];
    }
    String read = new String(bytes, from, length, StandardCharsets.US_ASCII);
    plainStrings[slot] = read;
    plainBytes[slot] = Arrays.copyOfRange(bytes, from, to);
    return read;
  }

  /**
   * The eight bytes at {@code at}; past the array's end, zeros, which stop a scan as control
   * characters do.
   */
  static long word(byte[] bytes, int at) {
    if (at + Long.BYTES <= bytes.length) {
      return (long) LONGS.get(bytes, at);
    }
    long word = 0;
    for (int i = bytes.length - 1; i >= at; i--) {
      word = word << 8 | (bytes[i] & 0xFF);
    }
    return word;
  }

  /**
   * The high bit of each byte of {@code word} that ends a plain string: a quote, a backslash, a
   * control character or a byte that is not ASCII. Bytes above the lowest flagged one may be
   * flagged wrongly, where a subtraction borrowed from them, which does not matter: only the lowest
   * is read, and below it every byte is ASCII and at least a space, so nothing borrows.
   */
  private static long stops(long word) {
    // A byte below 0x20, or zero after an XOR, borrows and so gets its high bit set; one that is
    // not ASCII has it already.
    return ((word - SPACES) | ((word ^ QUOTES) - ONES) | ((word ^ BACKSLASHES) - ONES) | word)
        & HIGH_BITS;
  }
}
