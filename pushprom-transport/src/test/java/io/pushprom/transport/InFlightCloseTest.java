package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pushprom.core.Aggregator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** Closing the HTTP listener refuses new requests but lets the one in flight finish. */
class InFlightCloseTest {
  private static final byte[] DELTA =
      "{\"type\":\"counter\",\"name\":\"late\",\"method\":\"inc\"}"
          .getBytes(StandardCharsets.UTF_8);

  @Test
  void closeLetsARequestInFlightFinish() throws Exception {
    Aggregator aggregator = Aggregator.create();
    HttpListener http = HttpListener.start(aggregator, new InetSocketAddress("127.0.0.1", 0));
    int port = http.port();
    Thread closer = new Thread(http::close, "closer");
    try (Socket socket = new Socket("127.0.0.1", port)) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + DELTA.length + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(DELTA, 0, 10);
      out.flush();
      // The handler counts the request before it reads the body: from then on it is in flight.
      await(() -> requests(aggregator) == 1.0);

      closer.start();
      await(() -> statusOfNewRequest(port) == 503);
      out.write(DELTA, 10, DELTA.length - 10);
      out.flush();

      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      assertEquals("HTTP/1.1 200 OK", in.readLine());
    } finally {
      closer.join();
    }
    assertEquals(1.0, aggregator.registry().getSampleValue("late_total"));
  }

  @Test
  void closeReleasesThePortAtOnceWhenIdle() throws Exception {
    Aggregator aggregator = Aggregator.create();
    HttpListener http = HttpListener.start(aggregator, new InetSocketAddress("127.0.0.1", 0));
    int port = http.port();

    http.close();

    assertTrue(!accepts(port), "port " + port + " still accepts connections after close()");
    try (HttpListener again =
        HttpListener.start(aggregator, new InetSocketAddress("127.0.0.1", port))) {
      assertEquals(port, again.port());
    }
  }

  private static Double requests(Aggregator aggregator) {
    return aggregator.registry().getSampleValue("pushprom_http_requests_total");
  }

  /** The status a new request for /-/ready gets, or 0 if it gets none. */
  private static int statusOfNewRequest(int port) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket
          .getOutputStream()
          .write(
              "GET /-/ready HTTP/1.1\r\nHost: localhost\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      String status =
          new BufferedReader(
                  new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
              .readLine();
      return status == null ? 0 : Integer.parseInt(status.split(" ")[1]);
    } catch (IOException e) {
      return 0;
    }
  }

  private static boolean accepts(int port) {
    try (Socket probe = new Socket()) {
      probe.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      return true;
    } catch (ConnectException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    while (!condition.getAsBoolean()) {
      assertTrue(Instant.now().isBefore(deadline), "condition not met within 10 s");
      Thread.sleep(5);
    }
  }
}
