package io.pushprom.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One connection to a listener on the loopback address, for requests that {@link Http}'s client
 * will not send (a body that never comes, a broken chunk) and for telling whether the server closed
 * the connection.
 */
final class RawHttp implements AutoCloseable {
  /** Only so that an answer that never comes fails the test instead of hanging it. */
  private static final int TIMEOUT_MILLIS = 30_000;

  /**
   * An answer as it came over the wire.
   *
   * @param headers by lower-case name
   * @param body as much of the body as came before the connection closed
   */
  record Response(String statusLine, Map<String, String> headers, String body) {
    int status() {
      return Integer.parseInt(statusLine.split(" ")[1]);
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final InputStream in;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
  }

  static RawHttp connect(int port) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(TIMEOUT_MILLIS);
    return new RawHttp(socket);
  }

  /** Sends {@code request} as is: write {@code \r\n} for the line ends. */
  RawHttp send(String request) throws IOException {
    return send(request.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawHttp send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return this;
  }

  /**
   * Reads the next answer: its status line, its headers, and its body as far as its {@code
   * Content-Length} or its chunks say, or the connection lets.
   */
  Response read() throws IOException {
    String statusLine = readLine();
    if (statusLine == null) {
      throw new IOException("connection closed before an answer");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = readLine(); line != null && !line.isEmpty(); line = readLine()) {
      int colon = line.indexOf(':');
      headers.put(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      for (int size = Integer.parseInt(readLine().trim(), 16); size > 0; ) {
        body.write(in.readNBytes(size));
        readLine(); // the CRLF after the chunk
        size = Integer.parseInt(readLine().trim(), 16);
      }
      readLine(); // the CRLF after the last, empty chunk
      return new Response(statusLine, headers, body.toString(StandardCharsets.UTF_8));
    }
    String length = headers.get("content-length");
    for (long left = length == null ? 0 : Long.parseLong(length); left > 0; left--) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      body.write(b);
    }
    return new Response(statusLine, headers, body.toString(StandardCharsets.UTF_8));
  }

  /**
   * Whether the server closed the connection: the next read finds its end, or a reset. Bytes that
   * come first are skipped. False if the connection is still open after the timeout.
   */
  boolean closedByServer() throws IOException {
    return !howClosed().equals("open");
  }

  /**
   * How the server ended the connection: {@code closed} when it read all that was sent and closed;
   * {@code reset} when it closed with bytes of ours unread, which the kernel answers with a reset;
   * {@code open} if it is still open after the timeout. Bytes that come first are skipped.
   */
  String howClosed() throws IOException {
    try {
      while (in.read() >= 0) {
        // Whatever is left of an answer.
      }
      return "closed";
    } catch (SocketTimeoutException e) {
      return "open";
    } catch (SocketException e) {
      return "reset";
    }
  }

  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r'
            ? line.substring(0, end - 1)
            : line.toString();
      }
      line.append((char) b);
    }
    return line.length() == 0 ? null : line.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
