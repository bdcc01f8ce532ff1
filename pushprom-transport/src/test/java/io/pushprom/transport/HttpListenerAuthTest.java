package io.pushprom.transport;

import static io.pushprom.transport.Deltas.inc;
import static io.pushprom.transport.Samples.value;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pushprom.core.Aggregator;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** With credentials required, every refusal is counted and logged, and health checks stay open. */
class HttpListenerAuthTest {
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  @Test
  void refusedPushesAreCountedAndLoggedWithTheirSource() throws Exception {
    Aggregator aggregator = Aggregator.create();
    BasicAuth auth =
        BasicAuth.fromFile(
            Path.of(HttpListenerAuthTest.class.getResource("users.htpasswd").toURI()));
    List<String> logged = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            logged.add(record.getMessage());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger logger = Logger.getLogger(HttpListener.class.getName());
    logger.addHandler(capture);
    try (HttpListener http =
        HttpListener.builder(aggregator).address(ANY_PORT).basicAuth(auth, false).start()) {
      String good = "Basic " + Base64.getEncoder().encodeToString("php:s3cret".getBytes(UTF_8));
      String bad = "Basic " + Base64.getEncoder().encodeToString("php:guess".getBytes(UTF_8));

      int anonymous =
          Http.send(Http.request(http.port(), "/").POST(BodyPublishers.ofString(inc("a"))))
              .statusCode();
      int wrong =
          Http.send(
                  Http.request(http.port(), "/")
                      .header("Authorization", bad)
                      .POST(BodyPublishers.ofString(inc("a"))))
              .statusCode();
      int right =
          Http.send(
                  Http.request(http.port(), "/")
                      .header("Authorization", good)
                      .POST(BodyPublishers.ofString(inc("a"))))
              .statusCode();
      int health = Http.get(http.port(), "/health").statusCode();

      assertEquals(List.of(401, 401, 200, 200), List.of(anonymous, wrong, right, health));
      assertEquals(2.0, value(aggregator.registry(), "pushprom_http_unauthorized_total"));
      assertEquals(1.0, value(aggregator.registry(), "a_total"));
      assertTrue(logged.contains("unauthorized POST / from 127.0.0.1"), logged.toString());
      assertTrue(
          logged.stream().noneMatch(line -> line.contains("s3cret") || line.contains("guess")));
    } finally {
      logger.removeHandler(capture);
    }
  }

  @Test
  void deletionNeedsCredentialsThoughMetricsArePublic() throws Exception {
    Aggregator aggregator = Aggregator.create();
    BasicAuth auth =
        BasicAuth.fromFile(
            Path.of(HttpListenerAuthTest.class.getResource("users.htpasswd").toURI()));
    try (HttpListener http =
            HttpListener.builder(aggregator).address(ANY_PORT).basicAuth(auth, false).start();
        CapturedLogs logs = CapturedLogs.of(DeleteHandler.class)) {
      String good = "Basic " + Base64.getEncoder().encodeToString("php:s3cret".getBytes(UTF_8));
      Http.send(
          Http.request(http.port(), "/")
              .header("Authorization", good)
              .POST(BodyPublishers.ofString(inc("a") + "\n" + inc("b"))));

      int scrape = Http.get(http.port(), "/metrics").statusCode();
      int anonymousOne = Http.send(Http.request(http.port(), "/metrics/a").DELETE()).statusCode();
      int anonymousAll = Http.send(Http.request(http.port(), "/metrics").DELETE()).statusCode();
      double left =
          value(aggregator.registry(), "a_total") + value(aggregator.registry(), "b_total");
      int right =
          Http.send(Http.request(http.port(), "/metrics/a").header("Authorization", good).DELETE())
              .statusCode();

      assertEquals(List.of(200, 401, 401, 200), List.of(scrape, anonymousOne, anonymousAll, right));
      assertEquals(2.0, left);
      assertNull(value(aggregator.registry(), "a_total"));
      assertEquals(1.0, value(aggregator.registry(), "b_total"));
      assertEquals(
          List.of("INFO deleted metric a over http from 127.0.0.1 (user php)"), logs.lines());
    }
  }

  @Test
  void withoutCredentialsRequiredNothingIsCounted() throws Exception {
    Aggregator aggregator = Aggregator.create();
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      assertEquals(200, Http.post(http.port(), "/", inc("a")).statusCode());
    }
    assertNull(value(aggregator.registry(), "pushprom_http_unauthorized_total"));
  }
}
