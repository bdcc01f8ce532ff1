package io.pushprom.transport;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A request body. One of a few KiB, as a delta a request is, at tens of thousands of requests a
 * second, is read into a buffer the handling thread keeps, not a new array each (the JDK's {@code
 * readAllBytes} takes 8 KiB for a 120-byte body). A larger one gets an array of its own, whose
 * bytes it takes from the handler's {@link BodyBudget}; a thread keeps none of them, as up to 2,000
 * threads each keeping the largest body it read would hold gigabytes.
 *
 * <p>A body that says its length takes it all before it is read, or waits: one that took a part and
 * waited for the rest could wait for ever on others doing the same (eight clients posting 16 MiB
 * each did, until their waits ran out). A chunked body, whose length is known only at its end,
 * takes as much as a body may be once it outgrows the thread's buffer: large batches should say
 * their length.
 *
 * @param bytes the thread's buffer, valid until the thread reads the next body, or the body's own
 * @param held the bytes taken from the budget, to give back once the body is applied
 */
record Body(byte[] bytes, int length, int held) {
  /** The buffer each thread keeps: bodies up to this size take nothing from the budget. */
  static final int KEPT_BYTES = 8 << 10;

  /** A chunked body's first array of its own: enough for batches of a few hundred deltas. */
  private static final int FIRST_BYTES = 64 << 10;

  /**
   * How much of a body over the limit is read past it, and dropped, before the connection closes:
   * closed with bytes unread, it is reset, and a client still sending may lose the {@code 413} (the
   * JDK drains nothing: see {@link JdkServerSettings}). Go's server reads 256 KiB so.
   */
  static final int LINGER_BYTES = 256 << 10;

  private static final ThreadLocal<byte[]> BUFFERS =
      ThreadLocal.withInitial(() -> new byte[KEPT_BYTES]);

  /**
   * Reads the body of {@code exchange}, taking what it holds beyond the thread's buffer from {@code
   * budget}: the caller gives back {@link #held} once done with it.
   *
   * @return the body, or {@code null} if it is longer than {@code limit}: a chunked one is then
   *     read and dropped up to {@link #LINGER_BYTES} past the limit, and one whose length is
   *     declared is left unread for {@link #dropRest} once the client is answered
   * @throws BodyBudget.Exhausted if the budget had no room for it in time; it then holds nothing,
   *     and the rest of the body is dropped up to {@link #LINGER_BYTES}
   */
  static Body read(HttpExchange exchange, int limit, BodyBudget budget)
      throws IOException, BodyBudget.Exhausted {
    InputStream in = exchange.getRequestBody();
    long declared = declaredLength(exchange);
    byte[] buffer = BUFFERS.get();
    if (declared > limit) {
      return null;
    }
    int held = 0;
    try {
      if (declared > buffer.length) {
        held = budget.take((int) declared);
        buffer = new byte[(int) declared];
      }
      int length = 0;
      while (true) {
        length += in.readNBytes(buffer, length, buffer.length - length);
        int next = length < buffer.length ? -1 : in.read();
        if (next < 0) {
          if (length > limit) {
            return null;
          }
          Body body = new Body(buffer, length, held);
          held = 0;
          return body;
        }
        // Full, and more to come: a chunked body.
        if (length >= limit) {
          skip(in, buffer, LINGER_BYTES);
          return null;
        }
        int size = (int) Math.min(limit + 1L, Math.max(FIRST_BYTES, 2L * buffer.length));
        if (held == 0) {
          // All it may grow to, at once: no waiting for more while holding a part.
          held = budget.take((int) Math.min(Integer.MAX_VALUE, limit + 1L));
        }
        buffer = Arrays.copyOf(buffer, size);
        buffer[length++] = (byte) next;
      }
    } catch (BodyBudget.Exhausted e) {
      // As for a 413: read on a little, so that a client still sending reads the answer.
      try {
        skip(in, BUFFERS.get(), LINGER_BYTES);
      } catch (IOException | RuntimeException readFailed) {
        // A client too slow to send even that (its read timed out) is refused all the same, and
        // counted as refused: the budget, not the client's body, is what ended it.
      }
      throw e;
    } finally {
      budget.give(held);
    }
  }

  /**
   * After the answer to a body whose declared length is over {@code limit}, reads and drops it up
   * to {@link #LINGER_BYTES} past the limit: a client that sends its whole body before it reads
   * (most do, without {@code Expect: 100-continue}) would lose the answer to the reset of a
   * connection closed with bytes unread. A client that waits for a {@code 100 Continue} is not
   * read: it sends nothing more once answered.
   */
  static void dropRest(HttpExchange exchange, int limit) throws IOException {
    if (declaredLength(exchange) > limit && !expectsContinue(exchange)) {
      skip(exchange.getRequestBody(), BUFFERS.get(), (long) limit + LINGER_BYTES);
    }
  }

  /** Reads and drops up to {@code bytes} of {@code in}, or to its end. */
  private static void skip(InputStream in, byte[] buffer, long bytes) throws IOException {
    for (long skipped = 0; skipped < bytes; ) {
      int read = in.read(buffer, 0, (int) Math.min(buffer.length, bytes - skipped));
      if (read < 0) {
        return;
      }
      skipped += read;
    }
  }

  private static boolean expectsContinue(HttpExchange exchange) {
    String expect = exchange.getRequestHeaders().getFirst("Expect");
    return expect != null && expect.equalsIgnoreCase("100-continue");
  }

  private static long declaredLength(HttpExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst("Content-Length");
    if (header == null) {
      return -1;
    }
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public String toString() {
    return new String(bytes, 0, length, StandardCharsets.UTF_8).strip();
  }
}
