package io.pushprom.transport;

import com.sun.net.httpserver.HttpServer;
import io.pushprom.core.Aggregator;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * An application with a JDK {@code HttpServer} of its own and Pushprom's {@link IngestHandler}
 * mounted on it, run in a JVM of its own by {@link NoDelayTest}: the JDK reads {@code
 * sun.net.httpserver.nodelay} once per JVM. It prints the property as the server has it, and, given
 * a count, the milliseconds per request of that many sequential keep-alive POSTs; {@code listener}
 * times an {@link HttpListener} instead, for comparison.
 *
 * <pre>{@code
 * java -cp ... io.pushprom.transport.EmbeddedServerApp server-first 300
 * }</pre>
 */
final class EmbeddedServerApp {
  private EmbeddedServerApp() {}

  /**
   * @param args {@code server-first} (the server is created, then the handler), {@code
   *     handler-first} or {@code listener}; then how many POSTs to time, optional but for {@code
   *     listener}
   */
  public static void main(String[] args) throws Exception {
    if (args[0].equals("listener")) {
      try (HttpListener http =
          HttpListener.start(Aggregator.create(), new InetSocketAddress("127.0.0.1", 0))) {
        time(http.port(), "/", Integer.parseInt(args[1]));
      }
      return;
    }
    boolean serverFirst = args[0].equals("server-first");
    Aggregator aggregator = Aggregator.create();
    IngestHandler handler = serverFirst ? null : IngestHandler.of(aggregator);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/pushprom", serverFirst ? IngestHandler.of(aggregator) : handler);
    server.start();
    try {
      System.out.println("nodelay=" + System.getProperty(JdkServerSettings.NODELAY));
      if (args.length > 1) {
        time(server.getAddress().getPort(), "/pushprom", Integer.parseInt(args[1]));
      }
    } finally {
      server.stop(0);
    }
  }

  private static void time(int port, String path, int posts) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"type\":\"counter\",\"name\":\"gophers\",\"method\":\"inc\"}"))
            .build();
    // The first opens the connection, which the rest keep.
    send(client, request);
    long start = System.nanoTime();
    for (int i = 0; i < posts; i++) {
      send(client, request);
    }
    double millis = (System.nanoTime() - start) / 1e6 / posts;
    System.out.printf("%d keep-alive POSTs: %.2f ms/request%n", posts, millis);
  }

  private static void send(HttpClient client, HttpRequest request) throws Exception {
    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("answered " + response.statusCode() + ": " + response.body());
    }
  }
}
