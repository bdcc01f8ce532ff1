package io.pushprom.transport;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A request body, read into a buffer the handling thread keeps: a delta a request, at tens of
 * thousands of requests a second, should not cost a new array each (the JDK's {@code readAllBytes}
 * takes 8 KiB for a 120-byte body).
 *
 * @param bytes the thread's buffer; valid until the thread reads the next body
 */
record Body(byte[] bytes, int length) {
  /** Buffers grow to this and are kept; a larger body gets an array of its own. */
  private static final int KEPT_BYTES = 1 << 20;

  /**
   * How much of a body over the limit is read past it, and dropped, before the connection closes:
   * closed with bytes unread, it is reset, and a client still sending may lose the {@code 413} (the
   * JDK drains nothing: see {@link JdkServerSettings}). Go's server reads 256 KiB so.
   */
  static final int LINGER_BYTES = 256 << 10;

  private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[8192]);

  /**
   * Reads the body of {@code exchange}.
   *
   * @return the body, or {@code null} if it is longer than {@code limit}: then it is read and
   *     dropped up to {@link #LINGER_BYTES} past the limit, or not at all if the client waits for a
   *     {@code 100 Continue}
   */
  static Body read(HttpExchange exchange, int limit) throws IOException {
    InputStream in = exchange.getRequestBody();
    long declared = declaredLength(exchange);
    byte[] buffer = BUFFERS.get();
    if (declared > limit && expectsContinue(exchange)) {
      // The client waits for a word before it sends the body (the JDK has said 100 Continue
      // already, unasked): the 413 can come at once, and the body is never read.
      return null;
    }
    if (declared > limit) {
      // Read it all the same, up to a bound: a client sending a body reads no answer before it
      // is sent, or up to where the connection is closed.
      skip(in, buffer, (long) limit + LINGER_BYTES);
      return null;
    }
    if (declared > buffer.length) {
      buffer = new byte[(int) declared];
      if (declared <= KEPT_BYTES) {
        BUFFERS.set(buffer);
      }
    }
    int length = 0;
    while (true) {
      length += in.readNBytes(buffer, length, buffer.length - length);
      int next = length < buffer.length ? -1 : in.read();
      if (next < 0) {
        return length > limit ? null : new Body(buffer, length);
      }
      // Full, and more to come: a chunked body, or one longer than it said.
      if (length >= limit) {
        skip(in, buffer, LINGER_BYTES);
        return null;
      }
      buffer = Arrays.copyOf(buffer, (int) Math.min(limit + 1L, 2L * buffer.length));
      buffer[length++] = (byte) next;
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
