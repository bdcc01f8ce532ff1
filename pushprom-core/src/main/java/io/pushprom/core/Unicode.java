package io.pushprom.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Well-formedness of the texts a delta keeps (help texts and label values; names are ASCII). A text
 * that is not well-formed would be rewritten on the way out (a lone surrogate becomes {@code ?}),
 * so two series that differ only there would be exposed as one series twice: they are rejected
 * instead. Jackson decodes overlong forms, CESU-8 surrogates and code points past U+10FFFF without
 * complaint, so the bytes are checked here too.
 */
final class Unicode {
  /** Eight bytes of an array read as one {@code long}; any byte order will do for a mask. */
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

  private Unicode() {}

  /** The index of the first unpaired surrogate in {@code text}, or -1 if there is none. */
  static int loneSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < text.length()
            && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      }
    }
    return -1;
  }

  /** What is wrong with {@code text}, without the subject, or null. */
  static String problem(String what, String text) {
    int at = loneSurrogate(text);
    return at < 0
        ? null
        : String.format(
            "%s: lone surrogate \\u%04x at index %d is invalid Unicode",
            what, (int) text.charAt(at), at);
  }

  /** Whether any of the bytes is not ASCII, in which case strings must have their bytes checked. */
  static boolean hasNonAscii(byte[] bytes, int from, int to) {
    // Eight bytes at a time: a byte that is not ASCII has its high bit set.
    int i = from;
    for (; i + Long.BYTES <= to; i += Long.BYTES) {
      if (((long) LONGS.get(bytes, i) & 0x8080808080808080L) != 0) {
        return true;
      }
    }
    for (; i < to; i++) {
      if (bytes[i] < 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * The offset of the first byte in {@code [from, to)} that starts no well-formed UTF-8 sequence
   * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF, nothing cut short), or -1.
   */
  static int invalidUtf8(byte[] bytes, int from, int to) {
    int i = from;
    while (i < to) {
      int b = bytes[i] & 0xFF;
      if (b < 0x80) {
        i++;
        continue;
      }
      int length;
      int min = 0x80;
      int max = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        length = 2;
      } else if (b >= 0xE0 && b <= 0xEF) {
        length = 3;
        if (b == 0xE0) {
          min = 0xA0; // else overlong
        } else if (b == 0xED) {
          max = 0x9F; // else a surrogate, as CESU-8 writes them
        }
      } else if (b >= 0xF0 && b <= 0xF4) {
        length = 4;
        if (b == 0xF0) {
          min = 0x90; // else overlong
        } else if (b == 0xF4) {
          max = 0x8F; // else past U+10FFFF
        }
      } else {
        return i; // a continuation byte, C0 and C1 (overlong), F5 to FF
      }
      if (i + length > to) {
        return i;
      }
      int second = bytes[i + 1] & 0xFF;
      if (second < min || second > max) {
        return i;
      }
      for (int k = 2; k < length; k++) {
        if ((bytes[i + k] & 0xC0) != 0x80) {
          return i;
        }
      }
      i += length;
    }
    return -1;
  }
}
