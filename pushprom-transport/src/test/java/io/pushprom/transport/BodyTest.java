package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bodies of every length up to the limit arrive whole, with a Content-Length or chunked. */
class BodyTest {
  private static final int LIMIT = 20_000;

  @ParameterizedTest(name = "{0} bytes, chunked: {1}")
  @CsvSource({
    "0, false", "0, true", "120, false", "120, true", "8192, false", "8192, true",
    "8193, true", "19999, true", "20000, false", "20000, true", "20001, false", "20001, true",
    "50000, false", "50000, true"
  })
  void readsWholeBodiesAndRefusesLongerOnes(int length, boolean chunked) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          try {
            Body body = Body.read(exchange, LIMIT);
            Exchanges.respond(
                exchange,
                200,
                body == null
                    ? "too large"
                    : body.length() + " " + checksum(body.bytes(), body.length()));
          } finally {
            exchange.close();
          }
        });
    server.start();
    try {
      byte[] sent = new byte[length];
      Arrays.fill(sent, (byte) 'x');
      if (length > 0) {
        sent[length - 1] = 'y';
      }
      BodyPublisher publisher =
          chunked
              ? BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(sent))
              : BodyPublishers.ofByteArray(sent);

      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"))
                      .POST(publisher)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());

      assertEquals(
          length > LIMIT ? "too large" : length + " " + checksum(sent, length), response.body());
    } finally {
      server.stop(0);
    }
  }

  private static int checksum(byte[] bytes, int length) {
    int sum = 0;
    for (int i = 0; i < length; i++) {
      sum = 31 * sum + bytes[i];
    }
    return sum;
  }
}
