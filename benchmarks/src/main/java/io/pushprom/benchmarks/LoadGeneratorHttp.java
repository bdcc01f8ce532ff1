package io.pushprom.benchmarks;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection to 127.0.0.1, as little client as a load test needs: it writes
 * a prepared request in one call and reads the status line, the headers and a body framed by {@code
 * Content-Length} or chunked. {@code java.net.http.HttpClient} would cost the client more CPU than
 * the server spends, on a machine both share.
 *
 * <pre>{@code
 * try (LoadGeneratorHttp http = LoadGeneratorHttp.connect(port)) {
 *   byte[] request = LoadGeneratorHttp.post("{\"type\":\"counter\",...}");
 *   int status = http.send(request, OutputStream.nullOutputStream()).status();
 * }
 * }</pre>
 */
final class LoadGeneratorHttp implements AutoCloseable {
  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  private static final int READ_TIMEOUT_MILLIS = 30_000;
  private static final int MAX_LINE_BYTES = 8 << 10;
  private static final int MAX_HEADERS = 100;

  /** What came back: the status and how many body bytes were copied to the sink. */
  record Response(int status, long length) {}

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final byte[] scratch = new byte[64 << 10];

  private LoadGeneratorHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream(), 64 << 10);
    this.out = socket.getOutputStream();
  }

  static LoadGeneratorHttp connect(int port) throws IOException {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      socket.connect(new InetSocketAddress("127.0.0.1", port), CONNECT_TIMEOUT_MILLIS);
      return new LoadGeneratorHttp(socket);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /** The bytes of {@code POST /} with {@code body}, ready to send as many times as needed. */
  static byte[] post(String body) {
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    byte[] head =
        ("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: "
                + content.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] request = new byte[head.length + content.length];
    System.arraycopy(head, 0, request, 0, head.length);
    System.arraycopy(content, 0, request, head.length, content.length);
    return request;
  }

  /** The bytes of {@code GET path}; no {@code Accept-Encoding}, so the answer is not gzipped. */
  static byte[] get(String path) {
    return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** Sends {@code request}, copies the response body to {@code body} and returns the status. */
  Response send(byte[] request, OutputStream body) throws IOException {
    out.write(request);
    out.flush();
    int status = parseStatus(readLine());
    long contentLength = -1;
    boolean chunked = false;
    for (int i = 0; ; i++) {
      if (i == MAX_HEADERS) {
        throw new IOException("response: more than " + MAX_HEADERS + " headers");
      }
      String header = readLine();
      if (header.isEmpty()) {
        break;
      }
      int colon = header.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = header.substring(colon + 1).trim();
      if (name.equals("content-length")) {
        contentLength = Long.parseLong(value);
      } else if (name.equals("transfer-encoding")) {
        chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
      }
    }
    if (chunked) {
      return new Response(status, copyChunked(body));
    }
    if (contentLength < 0) {
      throw new IOException("response: status " + status + " without a Content-Length");
    }
    copy(contentLength, body);
    return new Response(status, contentLength);
  }

  /** Sends {@code request} and returns the body as text, or throws unless the status is 200. */
  String text(byte[] request) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int status = send(request, body).status();
    String text = body.toString(StandardCharsets.UTF_8);
    if (status != 200) {
      throw new IOException("response: status " + status + ": " + text.strip());
    }
    return text;
  }

  private long copyChunked(OutputStream body) throws IOException {
    long total = 0;
    while (true) {
      String line = readLine();
      int extension = line.indexOf(';');
      long size = Long.parseLong((extension < 0 ? line : line.substring(0, extension)).trim(), 16);
      if (size == 0) {
        // Trailers, if any, end with an empty line like the headers.
        for (int i = 0; i < MAX_HEADERS; i++) {
          if (readLine().isEmpty()) {
            return total;
          }
        }
        throw new IOException("response: more than " + MAX_HEADERS + " trailers");
      }
      copy(size, body);
      total += size;
      readLine();
    }
  }

  private void copy(long length, OutputStream body) throws IOException {
    long left = length;
    while (left > 0) {
      int read = in.read(scratch, 0, (int) Math.min(left, scratch.length));
      if (read < 0) {
        throw new EOFException("response: body ended " + left + " bytes short");
      }
      body.write(scratch, 0, read);
      left -= read;
    }
  }

  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("response: connection closed");
      }
      if (b == '\n') {
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r'
            ? line.substring(0, end - 1)
            : line.toString();
      }
      if (line.length() == MAX_LINE_BYTES) {
        throw new IOException("response: a line longer than " + MAX_LINE_BYTES + " bytes");
      }
      line.append((char) b);
    }
  }

  private static int parseStatus(String statusLine) throws IOException {
    // HTTP/1.1 200 OK
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("response: not a status line: " + statusLine);
    }
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("response: not a status line: " + statusLine, e);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
