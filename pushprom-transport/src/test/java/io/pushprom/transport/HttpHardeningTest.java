package io.pushprom.transport;

import static io.pushprom.transport.Deltas.inc;
import static io.pushprom.transport.Samples.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.pushprom.core.Aggregator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What the HTTP listener does when a client, a collector or the registry misbehaves. */
class HttpHardeningTest {
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  /** Long enough that a close still waiting at the end of a test can only be waiting for good. */
  private static final Duration GRACE = Duration.ofMinutes(2);

  /** How long a test waits for close() to return, well within {@link #GRACE}. */
  private static final long CLOSE_DEADLINE_MILLIS = TimeUnit.SECONDS.toMillis(30);

  private static final int LIMIT = 1000;

  private Aggregator aggregator;
  private CollectorRegistry registry;

  @BeforeEach
  void createAggregator() {
    aggregator = Aggregator.create();
    registry = aggregator.registry();
  }

  private HttpListener limited() throws Exception {
    return HttpListener.builder(aggregator).address(ANY_PORT).maxRequestBytes(LIMIT).start();
  }

  /** A collector whose scrape fails, as an application's own might. */
  private static final class BrokenCollector extends Collector implements Collector.Describable {
    @Override
    public List<MetricFamilySamples> collect() {
      throw new IllegalStateException("collector broke");
    }

    @Override
    public List<MetricFamilySamples> describe() {
      return List.of();
    }
  }

  @Test
  void failedScrapeIsAnswered500CountedAndLogged() throws Exception {
    Collector broken = new BrokenCollector();
    registry.register(broken);
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT);
        CapturedLogs logs = CapturedLogs.of(ScrapeHandler.class)) {
      HttpResponse<String> response = Http.get(http.port(), "/metrics");

      assertEquals(500, response.statusCode());
      assertEquals(
          "internal error: java.lang.IllegalStateException: collector broke\n", response.body());
      assertEquals(
          List.of(
              "WARNING scrape of /metrics failed: java.lang.IllegalStateException: collector"
                  + " broke"),
          logs.lines());
      registry.unregister(broken);
      assertEquals(1.0, value(registry, "pushprom_scrape_errors_total"));
      // The scraping thread survived the failure.
      assertEquals(200, Http.get(http.port(), "/metrics").statusCode());
    }
  }

  @Test
  void errorWhileApplyingIsAnswered500AndTheNextDeltaIsApplied() throws Exception {
    BreakingRegistry breaking = new BreakingRegistry();
    Aggregator failing = Aggregator.create(breaking);
    try (HttpListener http = HttpListener.start(failing, ANY_PORT)) {
      breaking.armed.set(true);

      HttpResponse<String> failed = Http.post(http.port(), "/", inc("first"));
      HttpResponse<String> next = Http.post(http.port(), "/", inc("second"));

      assertEquals(500, failed.statusCode());
      assertEquals("internal error: java.lang.AssertionError: registry broke\n", failed.body());
      assertEquals(200, next.statusCode());
      assertNull(value(breaking, "first_total"));
      assertEquals(1.0, value(breaking, "second_total"));
    }
  }

  @Test
  void closeWaitsForAScrapeOfTheDeltasAppliedSinceTheLast() throws Exception {
    HttpListener http =
        HttpListener.builder(aggregator).address(ANY_PORT).gracePeriod(GRACE).start();
    int port = http.port();
    Thread closer = new Thread(http::close, "closer");
    try {
      assertEquals(200, Http.get(port, "/metrics").statusCode());
      assertEquals(200, Http.post(port, "/", inc("late")).statusCode());

      closer.start();
      await(() -> status(port, "/-/ready") == 503);

      HttpResponse<String> refused = Http.post(port, "/", inc("refused"));
      assertEquals(503, refused.statusCode());
      assertEquals("shutting down", refused.body());
      assertEquals(503, Http.get(port, "/-/ready").statusCode());
      assertEquals(200, Http.get(port, "/health").statusCode());
      assertEquals(200, Http.get(port, "/-/healthy").statusCode());
      assertTrue(closer.isAlive(), "close() returned before the last deltas were scraped");

      // A filtered scrape does not count: it may leave out what was pushed last.
      assertEquals(200, Http.get(port, "/metrics?name[]=late_total").statusCode());
      assertTrue(closer.isAlive(), "close() returned after a filtered scrape");
      HttpResponse<String> scrape = Http.get(port, "/metrics");

      assertEquals(200, scrape.statusCode());
      assertTrue(scrape.body().contains("\nlate_total 1.0\n"), scrape.body());
      closer.join(CLOSE_DEADLINE_MILLIS);
      assertFalse(closer.isAlive(), "close() still waiting after the scrape");
      assertNull(value(registry, "refused_total"));
    } finally {
      closer.join();
    }
  }

  /**
   * The JDK mounts /metricsfoo, /healthz and /-/readyz on the contexts that keep answering reads
   * while closing; a push there is still a push, and a deletion changes as much.
   */
  @Test
  void whileClosingPushesToAnyPathAndDeletionsAreRefused() throws Exception {
    HttpListener http =
        HttpListener.builder(aggregator).address(ANY_PORT).gracePeriod(GRACE).start();
    int port = http.port();
    Thread closer = new Thread(http::close, "closer");
    try {
      assertEquals(200, Http.get(port, "/metrics").statusCode());
      // Applied since the last scrape: close() waits for another, so it is closing until then.
      assertEquals(200, Http.post(port, "/", inc("late")).statusCode());
      closer.start();
      await(() -> status(port, "/-/ready") == 503);

      for (String path : List.of("/metricsfoo", "/metrics/refused", "/healthz", "/-/readyz")) {
        HttpResponse<String> refused = Http.post(port, path, inc("refused"));

        assertEquals(503, refused.statusCode(), "POST " + path);
        assertEquals("shutting down", refused.body());
      }
      for (String path : List.of("/metrics", "/metrics/late", "/metrics/late?job=bot")) {
        HttpResponse<String> refused = Http.send(Http.request(port, path).DELETE());

        assertEquals(503, refused.statusCode(), "DELETE " + path);
        assertEquals("shutting down", refused.body());
      }
      assertEquals(1.0, value(registry, "late_total"));
      assertEquals(200, Http.get(port, "/metrics").statusCode());
      closer.join(CLOSE_DEADLINE_MILLIS);
      assertFalse(closer.isAlive(), "close() still waiting after the scrape");
      assertNull(value(registry, "refused_total"));
    } finally {
      closer.join();
    }
  }

  @Test
  void listenerNeverScrapedClosesAtOnceWithDeltasApplied() throws Exception {
    HttpListener http =
        HttpListener.builder(aggregator).address(ANY_PORT).gracePeriod(GRACE).start();
    assertEquals(200, Http.post(http.port(), "/", inc("unseen")).statusCode());
    Thread closer = new Thread(http::close, "closer");

    closer.start();
    closer.join(CLOSE_DEADLINE_MILLIS);

    assertFalse(closer.isAlive(), "close() waits for a scrape though nothing ever scraped");
  }

  @Test
  void bodyDeclaredTooLargeWithExpectContinueIsAnswered413UnreadAndTheConnectionClosed()
      throws Exception {
    try (HttpListener http = limited();
        RawHttp connection = RawHttp.connect(http.port())) {
      connection.send(
          "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000000\r\n"
              + "Expect: 100-continue\r\n\r\n");

      RawHttp.Response interim = connection.read();
      RawHttp.Response answer = connection.read();

      assertEquals("HTTP/1.1 100 Continue", interim.statusLine());
      assertEquals(413, answer.status(), answer.statusLine());
      assertEquals("body too large: over 1000 bytes; send smaller batches\n", answer.body());
      assertTrue(connection.closedByServer(), "connection open after a 413 with the body unread");
    }
  }

  /**
   * Closed with bytes unread, the connection is reset, and a client still sending its body (as most
   * do, without Expect: 100-continue) may lose the 413: so the server answers at once, then reads a
   * body this much over the limit to its end and closes cleanly, whether the client reads the
   * answer before it sends the body or after.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void bodyDeclaredOverTheLimitIsAnswered413AtOnceAndReadBeforeTheConnectionCloses(
      boolean readsFirst) throws Exception {
    byte[] body = new byte[50 * LIMIT];
    Arrays.fill(body, (byte) ' ');
    try (HttpListener http = limited();
        RawHttp connection = RawHttp.connect(http.port())) {
      connection.send(
          "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.length + "\r\n\r\n");
      if (!readsFirst) {
        connection.send(body);
      }

      RawHttp.Response answer = connection.read();
      if (readsFirst) {
        connection.send(body);
      }

      assertEquals(413, answer.status(), answer.statusLine());
      assertEquals("body too large: over 1000 bytes; send smaller batches\n", answer.body());
      assertEquals("closed", connection.howClosed());
    }
  }

  @Test
  void chunkedBodySentWholeThoughOverTheLimitIsReadBeforeTheConnectionCloses() throws Exception {
    String chunk = " ".repeat(LIMIT);
    try (HttpListener http = limited();
        RawHttp connection = RawHttp.connect(http.port())) {
      connection.send("POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (int i = 0; i < 50; i++) {
        connection.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
      }
      connection.send("0\r\n\r\n");

      RawHttp.Response answer = connection.read();

      assertEquals(413, answer.status(), answer.statusLine());
      assertEquals("closed", connection.howClosed());
    }
  }

  @Test
  void bodyOneByteOverTheLimitIsAnswered413() throws Exception {
    try (HttpListener http = limited()) {
      byte[] body = new byte[LIMIT + 1];
      Arrays.fill(body, (byte) ' ');

      HttpResponse<String> response = Http.post(http.port(), "/", body);

      assertEquals(413, response.statusCode());
      assertEquals("body too large: over 1000 bytes; send smaller batches\n", response.body());
    }
  }

  @Test
  void chunkedBodyOverTheLimitIsAnswered413AndNotApplied() throws Exception {
    String delta = inc("chunked") + "\n";
    StringBuilder request =
        new StringBuilder(
            "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
    int sent = 0;
    while (sent <= LIMIT) {
      request
          .append(Integer.toHexString(delta.length()))
          .append("\r\n")
          .append(delta)
          .append("\r\n");
      sent += delta.length();
    }
    request.append("0\r\n\r\n");
    try (HttpListener http = limited();
        RawHttp connection = RawHttp.connect(http.port())) {
      RawHttp.Response answer = connection.send(request.toString()).read();

      assertEquals(413, answer.status(), answer.statusLine());
      assertEquals("body too large: over 1000 bytes; send smaller batches\n", answer.body());
      assertNull(value(registry, "chunked_total"));
    }
  }

  @Test
  void malformedChunkIsAnswered400() throws Exception {
    try (HttpListener http = limited();
        RawHttp connection = RawHttp.connect(http.port())) {
      RawHttp.Response answer =
          connection
              .send(
                  "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                      + "zz\r\nhello\r\n0\r\n\r\n")
              .read();

      assertEquals(400, answer.status(), answer.statusLine());
      // After the colon, the JDK's own words for what is wrong.
      assertTrue(answer.body().startsWith("malformed request body: "), "body: " + answer.body());
    }
  }

  @Test
  void chunkSizeOverflowingAnIntIsAnswered400AndLoggedAsNoFailure() throws Exception {
    try (HttpListener http = limited();
        RawHttp connection = RawHttp.connect(http.port());
        CapturedLogs logs = CapturedLogs.of("io.pushprom.transport")) {
      RawHttp.Response answer =
          connection
              .send(
                  "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                      + "80000000\r\n")
              .read();

      assertEquals(400, answer.status(), answer.statusLine());
      assertTrue(answer.body().startsWith("malformed request body: "), "body: " + answer.body());
      assertEquals(List.of(), logs.at(Level.SEVERE).stream().map(r -> r.getMessage()).toList());
    }
  }

  @Test
  void getWithALargeBodyIsAnswered405UnreadAndTheConnectionClosed() throws Exception {
    try (HttpListener http = limited();
        RawHttp connection = RawHttp.connect(http.port())) {
      // The megabyte is declared, and never sent: the answer comes without it.
      RawHttp.Response answer =
          connection
              .send("GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1048576\r\n\r\n")
              .read();

      assertEquals(405, answer.status(), answer.statusLine());
      assertEquals("POST", answer.header("Allow"));
      assertEquals("method not allowed", answer.body());
      assertTrue(connection.closedByServer(), "connection open after a 405 with the body unread");
    }
  }

  @ParameterizedTest
  @CsvSource({
    "GET, /metrics",
    "GET, /-/ready",
    "GET, /health",
    "GET, /-/healthy",
    "DELETE, /metrics",
    "DELETE, /metrics/gophers",
    "DELETE, /metrics/gophers?job=bot"
  })
  void connectionServesTheNextRequestAfterOneWithoutBody(String method, String path)
      throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT);
        RawHttp connection = RawHttp.connect(http.port())) {
      Http.post(
          http.port(),
          "/",
          "{\"type\":\"counter\",\"name\":\"gophers\",\"method\":\"inc\",\"labels\":{\"job\":\"bot\"}}");
      RawHttp.Response first =
          connection.send(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").read();
      RawHttp.Response next =
          connection
              .send(
                  "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
                      + inc("kept").length()
                      + "\r\n\r\n"
                      + inc("kept"))
              .read();

      assertEquals(200, first.status(), first.statusLine());
      assertNull(first.header("Connection"));
      assertEquals(200, next.status(), next.statusLine());
      assertEquals(1.0, value(registry, "kept_total"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/metrics", "/-/ready", "/health", "/-/healthy"})
  void getWithABodyIsAnsweredAndTheConnectionClosedSayingSo(String path) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT);
        RawHttp connection = RawHttp.connect(http.port())) {
      RawHttp.Response answer =
          connection
              .send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\n")
              .read();

      assertEquals(200, answer.status(), answer.statusLine());
      assertEquals("close", answer.header("Connection"));
      assertTrue(connection.closedByServer(), "connection open after Connection: close");
    }
  }

  /** The status of a new request for {@code path}, or 0 if it gets none. */
  private static int status(int port, String path) {
    try {
      return Http.get(port, path).statusCode();
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() - deadline < 0, "condition not met within 10 s");
      Thread.sleep(5);
    }
  }
}
