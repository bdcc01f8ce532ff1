package io.pushprom.transport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.GZIPInputStream;

/** Requests to a listener on the loopback address, as a client of Pushprom sends them. */
final class Http {
  /** HTTP/1.1, as Pushprom's clients speak it; without it the client asks to upgrade to h2c. */
  static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  /** Only so that a request the server never answers fails the test instead of hanging it. */
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private Http() {}

  static URI uri(int port, String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port + pathAndQuery);
  }

  static HttpRequest.Builder request(int port, String pathAndQuery) {
    return HttpRequest.newBuilder(uri(port, pathAndQuery)).timeout(TIMEOUT);
  }

  static HttpResponse<String> post(int port, String path, String body)
      throws IOException, InterruptedException {
    return post(port, path, body.getBytes(StandardCharsets.UTF_8));
  }

  static HttpResponse<String> post(int port, String path, byte[] body)
      throws IOException, InterruptedException {
    return send(request(port, path).POST(BodyPublishers.ofByteArray(body)));
  }

  static HttpResponse<String> get(int port, String pathAndQuery)
      throws IOException, InterruptedException {
    return send(request(port, pathAndQuery).GET());
  }

  static HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return CLIENT.send(request.build(), BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** A gzip body, decompressed, as UTF-8 text. */
  static String gunzip(byte[] body) throws IOException {
    try (GZIPInputStream gzip = new GZIPInputStream(new ByteArrayInputStream(body))) {
      return new String(gzip.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
