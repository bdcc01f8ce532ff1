package io.pushprom.cli;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thousand clients that send their request too slowly, and five that never read their answer,
 * hold no one else up, and are cut off after the read or write timeout, or to make room for a
 * scrape. The JDK reads its timeouts once per JVM, so this runs Pushprom as a process of its own.
 */
class SlowClientsTest {
  private static final int SLOW_CLIENTS = 1_000;

  /** Series enough that /metrics is far larger than what the socket buffers hold. */
  private static final int SERIES = 200_000;

  /** Longer than the scrape below retries for: it gets in by a stuck scrape's place. */
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(12);

  @TempDir Path dir;

  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void slowAndStuckClientsAreCutOffWhileOthersAreAnswered() throws Exception {
    try (PushpromProcess pushprom =
        PushpromProcess.onLoopback(
            dir,
            List.of("-Xmx512m"),
            "-read-timeout",
            "6s",
            "-write-timeout",
            WRITE_TIMEOUT.toSeconds() + "s")) {
      int port = pushprom.httpPort();
      fill(port);

      List<Socket> slow = new ArrayList<>();
      try {
        for (int i = 0; i < SLOW_CLIENTS; i++) {
          Socket socket = new Socket("127.0.0.1", port);
          slow.add(socket);
          String request =
              i % 2 == 0
                  // Headers begun, never ended: the JDK reads them on a worker thread.
                  ? "POST / HTTP/1.1\r\nHost: pushprom\r\nContent-Ty"
                  // Headers whole, and a body promised that never comes.
                  : "POST / HTTP/1.1\r\nHost: pushprom\r\nContent-Length: 100\r\n\r\n{\"ty";
          socket.getOutputStream().write(request.getBytes(US_ASCII));
        }
        // Five: more than the scrapes answered at once on 2 cores (4), and as many as once held
        // the one scrape thread and filled its queue, so that every other scrape got 503 until
        // their write timeout.
        List<Socket> stuck = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          stuck.add(scrapeWithoutReading(port));
        }
        slow.addAll(stuck);
        long stuckSince = System.nanoTime();

        for (int i = 0; i < 20; i++) {
          assertEquals(
              200, post(port, "{\"type\":\"counter\",\"name\":\"others\",\"method\":\"inc\"}"));
          assertEquals(200, get(port, "/health").statusCode());
        }
        // As Prometheus would at its next scrape: a 503 until a stuck scrape's write has lasted
        // long enough for it to be cut off to make room.
        HttpResponse<String> scrape = get(port, "/metrics");
        for (int tries = 1; scrape.statusCode() == 503 && tries < 6; tries++) {
          Thread.sleep(1_000);
          scrape = get(port, "/metrics");
        }
        assertEquals(200, scrape.statusCode());
        assertTrue(scrape.body().contains("\nothers_total 20.0\n"), "others_total 20.0");

        // Each is closed by the server once its timeout has passed: its read ends. Read no stuck
        // scrape before its write timeout, which reading would let it finish within.
        Thread.sleep(
            Math.max(0, (stuckSince + WRITE_TIMEOUT.plusSeconds(5).toNanos() - System.nanoTime()))
                / 1_000_000);
        for (Socket socket : slow) {
          String tail = readUntilClosed(socket);
          assertNotNull(tail, "the server kept a slow connection open");
          if (stuck.contains(socket)) {
            assertFalse(tail.endsWith("\r\n0\r\n\r\n"), "a stuck scrape was answered whole");
          }
        }
      } finally {
        for (Socket socket : slow) {
          socket.close();
        }
      }
      assertEquals(200, get(port, "/health").statusCode());
    }
  }

  /** Pushes {@link #SERIES} counters, in batches. */
  private void fill(int port) throws Exception {
    for (int batch = 0; batch < SERIES / 10_000; batch++) {
      StringBuilder body = new StringBuilder();
      for (int i = 0; i < 10_000; i++) {
        body.append("{\"type\":\"counter\",\"name\":\"filler\",\"method\":\"inc\",\"labels\":")
            .append("{\"series\":\"")
            .append(batch * 10_000 + i)
            .append("\"}}\n");
      }
      assertEquals(200, post(port, body.toString()));
    }
  }

  /** Asks for the whole exposition through a tiny receive buffer, and reads none of it. */
  private static Socket scrapeWithoutReading(int port) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(4096);
    socket.connect(new InetSocketAddress("127.0.0.1", port));
    socket
        .getOutputStream()
        .write(
            "GET /metrics HTTP/1.1\r\nHost: pushprom\r\nConnection: close\r\n\r\n"
                .getBytes(US_ASCII));
    return socket;
  }

  /**
   * Reads until the server closes (or resets) the connection, within the deadline: the last bytes
   * read, or null if it was not closed. A stuck scrape's answer, cut off, lacks the chunked
   * encoding's last chunk.
   */
  private static String readUntilClosed(Socket socket) throws IOException {
    socket.setSoTimeout((int) PushpromProcess.DEADLINE.toMillis());
    InputStream in = socket.getInputStream();
    byte[] buffer = new byte[64 << 10];
    String tail = "";
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        String read = tail + new String(buffer, 0, n, US_ASCII);
        tail = read.substring(Math.max(0, read.length() - 16));
      }
    } catch (SocketTimeoutException e) {
      return null;
    } catch (IOException e) {
      // reset by the server
    }
    return tail;
  }

  private int post(int port, String body) throws Exception {
    return client
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(PushpromProcess.DEADLINE)
                .POST(BodyPublishers.ofString(body, UTF_8))
                .build(),
            BodyHandlers.discarding())
        .statusCode();
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(PushpromProcess.DEADLINE)
            .build(),
        BodyHandlers.ofString());
  }
}
