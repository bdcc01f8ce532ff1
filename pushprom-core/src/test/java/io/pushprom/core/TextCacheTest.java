package io.pushprom.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The thread's string cache reads only plain strings from bytes, and hands back one instance. */
class TextCacheTest {
  private final TextCache cache = TextCache.ofThisThread();

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** What {@link TextCache#plain} must answer, read a byte at a time. */
  private static String expected(byte[] bytes, int from, int end) {
    for (int i = from; i < end && i - from <= 256; i++) {
      byte b = bytes[i];
      if (b == '"') {
        return new String(bytes, from, i - from, StandardCharsets.US_ASCII);
      }
      if (b < 0x20 || b == '\\') {
        return null; // negative bytes, not ASCII, are below 0x20 too
      }
    }
    return null;
  }

  @Test
  void readsAPlainStringAgainAsTheSameInstance() {
    byte[] first = ascii("{\"name\":\"http_requests\"}");
    byte[] second = ascii("[\"http_requests\", 1]");
    String read = cache.plain(first, 9, first.length);
    assertEquals("http_requests", read);
    assertSame(read, cache.plain(second, 2, second.length));
  }

  @Test
  void tellsStringsOfOneLengthApart() {
    byte[] bytes = ascii("\"u00001\" \"u00002\" \"u00001\"");
    String one = cache.plain(bytes, 1, bytes.length);
    String two = cache.plain(bytes, 10, bytes.length);
    assertEquals("u00001", one);
    assertEquals("u00002", two);
    assertNotSame(one, two);
    assertEquals("u00001", cache.plain(bytes, 19, bytes.length));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a\\\"b\"", // an escape
        "a\tb\"", // a control character
        "caf\u00e9\"", // not ASCII (Latin-1 here, as the bytes are)
        "never closed",
        "closed past the end\"",
      })
  void leavesAnythingButPlainToJackson(String text) {
    byte[] bytes = ascii(text);
    int end = text.endsWith("past the end\"") ? bytes.length - 1 : bytes.length;
    assertNull(cache.plain(bytes, 0, end));
  }

  @Test
  void readsUpTo256Characters() {
    String longest = "x".repeat(256);
    assertEquals(longest, cache.plain(ascii(longest + "\""), 0, 257));
    assertNull(cache.plain(ascii(longest + "x\""), 0, 258));
  }

  @Test
  void readsAStringThatEndsAtTheArraysEnd() {
    for (int length = 0; length < 20; length++) {
      byte[] bytes = ascii("\"" + "ab".repeat(length).substring(0, length) + "\"");
      assertEquals(bytes.length - 2, cache.plain(bytes, 1, bytes.length).length());
    }
  }

  @Test
  void agreesWithAByteAtATimeReading() {
    Random random = new Random(10);
    byte[] alphabet = ascii("ab_\"\\\t \u007f\u0000");
    for (int round = 0; round < 20_000; round++) {
      byte[] bytes = new byte[random.nextInt(40) + 1];
      for (int i = 0; i < bytes.length; i++) {
        int pick = random.nextInt(40);
        bytes[i] =
            pick < alphabet.length
                ? alphabet[pick]
                : pick < 36 ? (byte) ('c' + pick % 20) : (byte) (0x80 + random.nextInt(128));
      }
      int from = random.nextInt(bytes.length);
      int end = from + random.nextInt(bytes.length - from + 1);
      assertEquals(
          expected(bytes, from, end),
          cache.plain(bytes, from, end),
          () -> Arrays.toString(bytes) + " from " + from + " to " + end);
    }
  }
}
