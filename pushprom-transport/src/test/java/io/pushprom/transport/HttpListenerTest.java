package io.pushprom.transport;

import static io.pushprom.transport.Deltas.inc;
import static io.pushprom.transport.Deltas.json;
import static io.pushprom.transport.Samples.awaitValue;
import static io.pushprom.transport.Samples.buildInfo;
import static io.pushprom.transport.Samples.sorted;
import static io.pushprom.transport.Samples.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.CollectorRegistry;
import io.pushprom.core.Aggregator;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpListenerTest {
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);
  private static final String GOPHERS =
      json("{'type':'counter','name':'gophers','help':'little burrowing rodents','method':'inc'}");
  private static final String TREES =
      json(
          "{'type':'gauge','name':'trees','help':'the amount of trees','method':'add',"
              + "'value':3002,'labels':{'species':'araucaria'}}");

  private Aggregator aggregator;
  private CollectorRegistry registry;

  @BeforeEach
  void createAggregator() {
    aggregator = Aggregator.builder().maxSeries(1000).build();
    registry = aggregator.registry();
  }

  @Test
  void postedDeltaIsAppliedAndAnsweredOk() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      HttpResponse<String> response = Http.post(http.port(), "/", GOPHERS);

      assertEquals(200, response.statusCode());
      assertEquals("ok", response.body());
      assertEquals(
          Optional.of("text/plain; charset=utf-8"), response.headers().firstValue("Content-Type"));
      assertEquals(1.0, value(registry, "gophers_total"));
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/push",
        "/api/v1/deltas",
        "/healthz",
        "/metricsfoo",
        "/metrics/gophers",
        "/-/readyz"
      })
  void postToAnyOtherPathIsApplied(String path) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      HttpResponse<String> response = Http.post(http.port(), path, GOPHERS);

      assertEquals(200, response.statusCode());
      assertEquals("ok", response.body());
      assertEquals(1.0, value(registry, "gophers_total"), "gophers_total after POST " + path);
    }
  }

  static Stream<Arguments> invalidDeltas() {
    return Stream.of(
        Arguments.of(
            json("{'type':'counter','name':'gophers','method':'add','value':-1}"),
            "counter gophers: negative increment -1 is not allowed\n"),
        Arguments.of(
            json("{'type':'counter','name':'gophers','method':'set','value':1}"),
            "counter gophers: method set is not allowed on a counter, expected inc, add\n"),
        Arguments.of(
            json("[{'type':'gauge','name':'trees','method':'set'}]"),
            "gauge trees: method set needs a value\n"),
        Arguments.of(
            "nonsense",
            "malformed JSON at line 1, column 9: Unrecognized token 'nonsense': was expecting"
                + " (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n"),
        Arguments.of(
            "", "empty body: expected a delta, a JSON array of deltas or one delta per line\n"));
  }

  @ParameterizedTest
  @MethodSource("invalidDeltas")
  void invalidDeltaIsAnswered400WithJustItsReason(String body, String reason) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      HttpResponse<String> response = Http.post(http.port(), "/", body);

      assertEquals(400, response.statusCode());
      assertEquals(reason, response.body());
      assertNull(value(registry, "pushprom_deltas_applied_total", "transport", "http"));
    }
  }

  @Test
  void aConnectionBeyondTheWorkersIsClosedAndCounted() throws Exception {
    try (HttpListener http =
            HttpListener.builder(aggregator)
                .address(ANY_PORT)
                .workers(1)
                .gracePeriod(Duration.ZERO)
                .start();
        RawHttp holding = RawHttp.connect(http.port());
        RawHttp refused = RawHttp.connect(http.port())) {
      // The one worker reads a body that never comes.
      holding.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
      awaitValue(registry, 1.0, "pushprom_http_requests_total");

      refused.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");

      assertTrue(refused.closedByServer(), "the refused connection is still open");
      assertEquals(1.0, value(registry, "pushprom_http_connections_refused_total"));
    }
  }

  @Test
  void requestsRunOnTheApplicationsExecutorWhichCloseLeavesRunning() throws Exception {
    AtomicInteger tasks = new AtomicInteger();
    ExecutorService application = Executors.newCachedThreadPool();
    try {
      Executor counting =
          task -> {
            tasks.incrementAndGet();
            application.execute(task);
          };
      try (HttpListener http =
          HttpListener.builder(aggregator).address(ANY_PORT).executor(counting).start()) {
        HttpResponse<String> response = Http.post(http.port(), "/", GOPHERS);

        assertEquals(200, response.statusCode());
        assertEquals(1.0, value(registry, "gophers_total"));
      }
      assertTrue(tasks.get() >= 1, "tasks: " + tasks);
      assertFalse(application.isShutdown());
    } finally {
      application.shutdownNow();
    }
  }

  @Test
  void workersMustBePositive() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> HttpListener.builder(aggregator).workers(0));

    assertEquals("workers: 0 is not positive", e.getMessage());
  }

  @Test
  void conflictingTypeIsAnswered400AndChangesNothing() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      Http.post(http.port(), "/", GOPHERS);

      HttpResponse<String> response =
          Http.post(
              http.port(), "/", json("{'type':'gauge','name':'gophers','method':'set','value':7}"));

      assertEquals(400, response.statusCode());
      assertEquals(
          "gophers: conflicting metric types, existing: counter, new: gauge\n", response.body());
      assertEquals(1.0, value(registry, "gophers_total"));
      assertEquals(
          1.0,
          value(
              registry,
              "pushprom_deltas_rejected_total",
              "transport",
              "http",
              "reason",
              "conflict"));
    }
  }

  /**
   * Bytes that are not JSON: binary garbage, and byte orders Jackson takes for odd UTF-32 layouts.
   */
  @ParameterizedTest
  @ValueSource(strings = {"808182", "c328", "00", "0000fffe", "feff0000", "003c0000", "00003c00"})
  void garbageBodyIsAnswered400AsMalformed(String hex) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      HttpResponse<String> response = Http.post(http.port(), "/", HexFormat.of().parseHex(hex));

      assertEquals(400, response.statusCode(), response.body());
      assertEquals(
          1.0,
          value(
              registry,
              "pushprom_deltas_rejected_total",
              "transport",
              "http",
              "reason",
              "malformed"));
    }
  }

  static Stream<Arguments> validBatches() {
    String a = inc("a");
    String b = json("{'type':'gauge','name':'b','method':'set','value':5}");
    String c = json("{'type':'counter','name':'c','method':'add','value':2,'labels':{'k':'v'}}");
    return Stream.of(
        Arguments.of("JSON array", "[" + a + "," + b + "," + c + "]"),
        Arguments.of("NDJSON", a + "\n" + b + "\n" + c + "\n"),
        Arguments.of("NDJSON without a final newline, with CRLF", a + "\r\n" + b + "\r\n" + c));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validBatches")
  void validBatchIsAppliedWhole(String kind, String body) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      HttpResponse<String> response = Http.post(http.port(), "/", body);

      assertEquals(200, response.statusCode());
      assertEquals("ok", response.body());
      assertEquals(1.0, value(registry, "a_total"));
      assertEquals(5.0, value(registry, "b"));
      assertEquals(2.0, value(registry, "c_total", "k", "v"));
      assertEquals(3.0, value(registry, "pushprom_deltas_applied_total", "transport", "http"));
    }
  }

  static Stream<Arguments> batchesWithInvalidDeltas() {
    String a = inc("a");
    String b = json("{'type':'counter','name':'b','method':'add','value':-1}");
    String c = json("{'type':'gauge','name':'c','method':'set','value':1}");
    String d = json("{'type':'gauge','name':'d','method':'set'}");
    return Stream.of(
        Arguments.of(
            "JSON array",
            "[" + a + "," + b + "," + c + "," + d + "]",
            """
            delta 1: counter b: negative increment -1 is not allowed
            delta 3: gauge d: method set needs a value
            """),
        Arguments.of(
            "NDJSON",
            a + "\n" + b + "\n" + c + "\n" + d + "\n",
            """
            delta 1: counter b: negative increment -1 is not allowed
            delta 3: gauge d: method set needs a value
            """),
        Arguments.of(
            "NDJSON with a malformed line and a conflict within the batch",
            a + "\nnot json\n" + c + "\n" + json("{'type':'gauge','name':'a','method':'inc'}"),
            """
            delta 1: malformed JSON at line 2, column 5: Unrecognized token 'not': was expecting \
            (JSON String, Number, Array, Object or token 'null', 'true' or 'false')
            delta 3: a: conflicting metric types, existing: counter, new: gauge
            """));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("batchesWithInvalidDeltas")
  void batchWithInvalidDeltasAppliesNothingAndListsEachOne(String kind, String body, String reasons)
      throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      HttpResponse<String> response = Http.post(http.port(), "/", body);

      assertEquals(400, response.statusCode());
      assertEquals(reasons, response.body());
      assertNull(value(registry, "a_total"));
      assertNull(value(registry, "c"));
      assertNull(value(registry, "pushprom_deltas_applied_total", "transport", "http"));
      assertEquals(
          2.0,
          value(
              registry, "pushprom_deltas_rejected_total", "transport", "http", "reason", "batch"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET", "PUT", "DELETE", "PATCH", "OPTIONS"})
  void otherMethodsOnRootAreAnswered405AllowingPost(String method) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      HttpResponse<String> response =
          Http.send(
              Http.request(http.port(), "/").method(method, BodyPublishers.ofString(GOPHERS)));

      assertEquals(405, response.statusCode());
      assertEquals("method not allowed", response.body());
      assertEquals(Optional.of("POST"), response.headers().firstValue("Allow"));
      assertNull(value(registry, "gophers_total"));
    }
  }

  /** A push to a read-only path is refused, not applied: Go's mux would have taken it as one. */
  @ParameterizedTest
  @CsvSource({
    "/metrics, 'GET, HEAD, DELETE', 'GET, HEAD and DELETE'",
    "/health, 'GET, HEAD', GET and HEAD",
    "/-/healthy, 'GET, HEAD', GET and HEAD",
    "/-/ready, 'GET, HEAD', GET and HEAD",
  })
  void postToMetricsOrHealthIsAnswered405AndNotApplied(String path, String allow, String listed)
      throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      HttpResponse<String> response = Http.post(http.port(), path, GOPHERS);

      assertEquals(405, response.statusCode());
      assertEquals(Optional.of(allow), response.headers().firstValue("Allow"));
      assertEquals(
          "method not allowed: " + path + " only answers " + listed + "\n", response.body());
      assertNull(value(registry, "gophers_total"));
      assertEquals(200, Http.get(http.port(), path).statusCode());
    }
  }

  @Test
  void headOnRootIsAnswered405WithoutBody() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      HttpResponse<String> response =
          Http.send(Http.request(http.port(), "/").method("HEAD", BodyPublishers.noBody()));

      assertEquals(405, response.statusCode());
      assertEquals("", response.body());
      assertEquals(Optional.of("POST"), response.headers().firstValue("Allow"));
    }
  }

  /** A valid delta padded with spaces to {@code length} bytes. */
  private static byte[] paddedDelta(int length) {
    byte[] body = new byte[length];
    Arrays.fill(body, (byte) ' ');
    byte[] delta = GOPHERS.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(delta, 0, body, 0, delta.length);
    return body;
  }

  @Test
  void bodyOverSixteenMebibytesIsAnswered413AndNotApplied() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      HttpResponse<String> response = Http.post(http.port(), "/", paddedDelta((16 << 20) + 1));

      assertEquals(413, response.statusCode());
      assertEquals("body too large: over 16777216 bytes; send smaller batches\n", response.body());
      assertNull(value(registry, "gophers_total"));
    }
  }

  @Test
  void bodyOfExactlySixteenMebibytesIsApplied() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      HttpResponse<String> response = Http.post(http.port(), "/", paddedDelta(16 << 20));

      assertEquals(200, response.statusCode());
      assertEquals(1.0, value(registry, "gophers_total"));
    }
  }

  private static final String METRICS_AFTER_GOPHERS_AND_TREES =
      """
      # HELP gophers_total little burrowing rodents
      # TYPE gophers_total counter
      gophers_total 2.0
      %s\
      # HELP pushprom_deltas_applied_total Deltas applied, by transport.
      # TYPE pushprom_deltas_applied_total counter
      pushprom_deltas_applied_total{transport="http",} 3.0
      # HELP pushprom_deltas_rejected_total Deltas rejected, by transport and reason; reason \
      batch counts the valid deltas of an HTTP batch that was rejected whole.
      # TYPE pushprom_deltas_rejected_total counter
      # HELP pushprom_http_bodies_refused_total POSTs refused with 503 because the bodies being \
      read and applied held all the memory set aside for them.
      # TYPE pushprom_http_bodies_refused_total counter
      pushprom_http_bodies_refused_total 0.0
      # HELP pushprom_http_connections_refused_total HTTP connections closed unanswered because \
      every worker was busy.
      # TYPE pushprom_http_connections_refused_total counter
      pushprom_http_connections_refused_total 0.0
      # HELP pushprom_http_requests_total The number of http requests received.
      # TYPE pushprom_http_requests_total counter
      pushprom_http_requests_total 3.0
      # HELP pushprom_scrape_errors_total Scrapes of /metrics that failed; the log says why.
      # TYPE pushprom_scrape_errors_total counter
      pushprom_scrape_errors_total 0.0
      # HELP pushprom_series Pushed series that exist now.
      # TYPE pushprom_series gauge
      pushprom_series 2.0
      # HELP pushprom_series_limit How many places pushed series and metrics may take; a delta \
      that would make a series beyond them is rejected.
      # TYPE pushprom_series_limit gauge
      pushprom_series_limit 1000.0
      # HELP pushprom_series_places Places of the series limit taken: one a series, more for long \
      labels or a summary's objectives, and a metric's own.
      # TYPE pushprom_series_places gauge
      pushprom_series_places 6.0
      # HELP trees the amount of trees
      # TYPE trees gauge
      trees{species="araucaria",} 3002.0
      """
          .formatted(buildInfo());

  private static void postGophersTwiceAndTrees(int port) throws Exception {
    for (String delta : List.of(GOPHERS, GOPHERS, TREES)) {
      assertEquals(200, Http.post(port, "/", delta).statusCode());
    }
  }

  @Test
  void metricsAreServedInTextFormat() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      postGophersTwiceAndTrees(http.port());

      HttpResponse<String> response = Http.get(http.port(), "/metrics");

      assertEquals(200, response.statusCode());
      assertEquals(
          Optional.of("text/plain; version=0.0.4; charset=utf-8"),
          response.headers().firstValue("Content-Type"));
      assertEquals(METRICS_AFTER_GOPHERS_AND_TREES, sorted(response.body()));
    }
  }

  @Test
  void metricsAreGzippedWhenTheClientAcceptsGzip() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      postGophersTwiceAndTrees(http.port());

      HttpResponse<byte[]> response =
          Http.CLIENT.send(
              Http.request(http.port(), "/metrics").header("Accept-Encoding", "gzip").build(),
              BodyHandlers.ofByteArray());

      assertEquals(200, response.statusCode());
      assertEquals(Optional.of("gzip"), response.headers().firstValue("Content-Encoding"));
      String body = Http.gunzip(response.body());
      assertEquals(METRICS_AFTER_GOPHERS_AND_TREES, sorted(body));
    }
  }

  @Test
  void metricsAreOpenMetricsWhenTheClientAcceptsIt() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      postGophersTwiceAndTrees(http.port());

      HttpResponse<String> response =
          Http.send(
              Http.request(http.port(), "/metrics?name[]=gophers_total")
                  .header("Accept", "application/openmetrics-text; version=1.0.0"));

      assertEquals(200, response.statusCode());
      assertEquals(
          Optional.of("application/openmetrics-text; version=1.0.0; charset=utf-8"),
          response.headers().firstValue("Content-Type"));
      assertEquals(
          """
          # TYPE gophers counter
          # HELP gophers little burrowing rodents
          gophers_total 2.0
          # EOF
          """,
          response.body());
    }
  }

  @Test
  void metricsAreFilteredByName() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      postGophersTwiceAndTrees(http.port());

      HttpResponse<String> response =
          Http.get(http.port(), "/metrics?name[]=trees&name%5B%5D=pushprom_http_requests_total");

      assertEquals(
          """
          # HELP pushprom_http_requests_total The number of http requests received.
          # TYPE pushprom_http_requests_total counter
          pushprom_http_requests_total 3.0
          # HELP trees the amount of trees
          # TYPE trees gauge
          trees{species="araucaria",} 3002.0
          """,
          sorted(response.body()));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/health", "/-/healthy", "/-/ready"})
  void healthChecksAnswerOk(String path) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      HttpResponse<String> response = Http.get(http.port(), path);

      assertEquals(200, response.statusCode());
      assertEquals("ok", response.body());
    }
  }

  @Test
  void selfMetricsCountPostsAndDeltasAppliedAndRejected() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      int port = http.port();
      Http.post(port, "/", GOPHERS);
      Http.post(port, "/", GOPHERS + "\n" + TREES);
      Http.post(port, "/", json("{'type':'counter','name':'gophers','method':'add','value':-1}"));
      Http.post(port, "/", "[" + GOPHERS + ",{}]");
      Http.get(port, "/");
      Http.get(port, "/health");
      Http.get(port, "/metrics");

      HttpResponse<String> response =
          Http.get(
              port,
              "/metrics?name[]=pushprom_http_requests_total&name[]=pushprom_deltas_applied_total"
                  + "&name[]=pushprom_deltas_rejected_total");

      assertEquals(
          """
          # HELP pushprom_deltas_applied_total Deltas applied, by transport.
          # TYPE pushprom_deltas_applied_total counter
          pushprom_deltas_applied_total{transport="http",} 3.0
          # HELP pushprom_deltas_rejected_total Deltas rejected, by transport and reason; reason \
          batch counts the valid deltas of an HTTP batch that was rejected whole.
          # TYPE pushprom_deltas_rejected_total counter
          pushprom_deltas_rejected_total{transport="http",reason="batch",} 1.0
          pushprom_deltas_rejected_total{transport="http",reason="invalid",} 2.0
          # HELP pushprom_http_requests_total The number of http requests received.
          # TYPE pushprom_http_requests_total counter
          pushprom_http_requests_total 4.0
          """,
          sorted(response.body()));
    }
  }

  @Test
  void portZeroIsBoundToAFreePortThatIsReported() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      assertNotEquals(0, http.port());
      assertEquals(http.port(), http.address().getPort());
      assertEquals("127.0.0.1", http.address().getAddress().getHostAddress());
      assertEquals(200, Http.get(http.port(), "/health").statusCode());
    }
  }

  @Test
  void closeReleasesThePort() throws Exception {
    int port;
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      port = http.port();
      Http.post(port, "/", GOPHERS);
    }

    try (HttpListener again =
        HttpListener.start(Aggregator.create(), new InetSocketAddress("127.0.0.1", port))) {
      assertEquals(port, again.port());
      assertEquals(200, Http.get(port, "/health").statusCode());
    }
  }

  @Test
  void closedListenerRefusesConnections() throws Exception {
    HttpListener http = HttpListener.start(aggregator, ANY_PORT);
    int port = http.port();
    try {
      assertEquals(200, Http.post(port, "/", GOPHERS).statusCode());
    } finally {
      http.close();
    }

    assertThrows(ConnectException.class, () -> Http.post(port, "/", GOPHERS));
    assertEquals(1.0, value(registry, "gophers_total"));
  }

  @Test
  void concurrentPostsLoseNoUpdate() throws Exception {
    int clients = 8;
    int postsPerClient = 200;
    ExecutorService executor = Executors.newFixedThreadPool(clients);
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      List<Callable<List<Integer>>> tasks = new ArrayList<>();
      for (int client = 0; client < clients; client++) {
        // Each post creates or updates its client's own series and the shared one.
        String own =
            json("{'type':'counter','name':'own','method':'inc','labels':{'client':'%d'}}")
                .formatted(client);
        String body = inc("shared") + "\n" + own;
        tasks.add(
            () -> {
              List<Integer> statuses = new ArrayList<>();
              for (int i = 0; i < postsPerClient; i++) {
                statuses.add(Http.post(http.port(), "/", body).statusCode());
              }
              return statuses;
            });
      }
      for (Future<List<Integer>> statuses : executor.invokeAll(tasks)) {
        assertEquals(List.of(200), statuses.get().stream().distinct().toList());
      }

      assertEquals(clients * postsPerClient, value(registry, "shared_total"));
      for (int client = 0; client < clients; client++) {
        assertEquals(
            postsPerClient, value(registry, "own_total", "client", String.valueOf(client)));
      }
      assertEquals(clients * postsPerClient, value(registry, "pushprom_http_requests_total"));
      assertEquals(
          2.0 * clients * postsPerClient,
          value(registry, "pushprom_deltas_applied_total", "transport", "http"));
    } finally {
      executor.shutdownNow();
    }
  }

  /** A push to a read-only path, or a DELETE, must not look as if it had done something. */
  @ParameterizedTest
  @CsvSource({"POST, /health", "DELETE, /health", "POST, /-/healthy", "DELETE, /-/ready"})
  void readOnlyPathsRefuseOtherMethods(String method, String path) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      HttpResponse<String> response =
          Http.send(
              Http.request(http.port(), path)
                  .method(method, HttpRequest.BodyPublishers.ofString(inc("pushed_here"))));

      assertEquals(405, response.statusCode());
      assertEquals(Optional.of("GET, HEAD"), response.headers().firstValue("Allow"));
      assertEquals("method not allowed: " + path + " only answers GET and HEAD\n", response.body());
      assertNull(value(registry, "pushed_here_total"));
    }
  }
}
