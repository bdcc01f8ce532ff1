package io.pushprom.transport;

import static io.pushprom.transport.Deltas.inc;
import static io.pushprom.transport.Deltas.json;
import static io.pushprom.transport.Samples.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.CollectorRegistry;
import io.pushprom.core.Aggregator;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code DELETE /metrics} and {@code DELETE /metrics/{name}}, over real sockets. */
class DeleteOverHttpTest {
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  private Aggregator aggregator;
  private CollectorRegistry registry;

  @BeforeEach
  void createAggregator() {
    aggregator = Aggregator.create();
    registry = aggregator.registry();
  }

  private static HttpResponse<String> delete(int port, String pathAndQuery) throws Exception {
    return Http.send(Http.request(port, pathAndQuery).DELETE());
  }

  private static String tree(String labels) {
    return json("{'type':'gauge','name':'trees','method':'set','value':1,'labels':" + labels + "}");
  }

  private void pushTrees(int port) throws Exception {
    String body =
        String.join(
            "\n",
            tree("{'species':'oak','job':'bot'}"),
            tree("{'species':'oak'}"),
            tree("{'species':'oak','job':'bot','zone':'north'}"),
            tree("{'species':'pine','job':'bot'}"));
    assertEquals(200, Http.post(port, "/", body).statusCode());
  }

  private OptionalDouble trees(Map<String, String> labels) {
    return aggregator.value("trees", labels);
  }

  @ParameterizedTest
  @ValueSource(strings = {"gophers", "gophers_total"})
  void deletesAMetricByTheNameItWasPushedAs(String name) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      Http.post(http.port(), "/", json("{'type':'counter','name':'gophers','method':'inc'}"));
      Http.post(
          http.port(),
          "/",
          json("{'type':'counter','name':'gophers','method':'inc','labels':{'job':'bot'}}"));

      HttpResponse<String> response = delete(http.port(), "/metrics/" + name);

      assertEquals(200, response.statusCode());
      assertEquals("ok", response.body());
      assertEquals(
          Optional.of("text/plain; charset=utf-8"), response.headers().firstValue("Content-Type"));
      assertNull(value(registry, "gophers_total"));
      assertNull(value(registry, "gophers_total", "job", "bot"));
      assertTrue(
          !Http.get(http.port(), "/metrics").body().contains("gophers"),
          "gophers still scraped after its deletion");
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "?species=oak&job=bot",
        "?job=bot&species=oak",
        "?job=bot&&species=oak&",
        // An empty value is no label, as in a push.
        "?species=oak&zone=&job=bot"
      })
  void deletesOnlyTheSeriesOfExactlyTheLabelsGiven(String query) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      pushTrees(http.port());

      HttpResponse<String> response = delete(http.port(), "/metrics/trees" + query);

      assertEquals(200, response.statusCode());
      assertEquals("ok", response.body());
      assertEquals(OptionalDouble.empty(), trees(Map.of("species", "oak", "job", "bot")));
      assertEquals(OptionalDouble.of(1), trees(Map.of("species", "oak")));
      assertEquals(
          OptionalDouble.of(1), trees(Map.of("species", "oak", "job", "bot", "zone", "north")));
      assertEquals(OptionalDouble.of(1), trees(Map.of("species", "pine", "job", "bot")));
    }
  }

  static Stream<Arguments> notFound() {
    return Stream.of(
        Arguments.of("/metrics/gophers", "no metric named gophers\n"),
        // A gauge has no _total name.
        Arguments.of("/metrics/trees_total", "no metric named trees_total\n"),
        Arguments.of(
            "/metrics/trees?species=oak&job=robot",
            "no series trees{job=\"robot\",species=\"oak\"}\n"),
        Arguments.of(
            "/metrics/gophers?species=oak&job=bot",
            "no series gophers{job=\"bot\",species=\"oak\"}\n"),
        // Written as the exposition escapes it.
        Arguments.of(
            "/metrics/trees?species=say+%22oak%22%0Atwice%5C",
            "no series trees{species=\"say \\\"oak\\\"\\ntwice\\\\\"}\n"));
  }

  @ParameterizedTest
  @MethodSource("notFound")
  void whatIsNotThereIsAnswered404NamingIt(String pathAndQuery, String answer) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      pushTrees(http.port());

      HttpResponse<String> response = delete(http.port(), pathAndQuery);

      assertEquals(404, response.statusCode());
      assertEquals(answer, response.body());
      assertEquals(OptionalDouble.of(1), trees(Map.of("species", "oak", "job", "bot")));
    }
  }

  static Stream<Arguments> labelsNoPushCouldHave() {
    return Stream.of(
        // Left out if it were valid, an empty value would reach the series without labels.
        Arguments.of(
            "/metrics/trees?__a=", "gauge trees: label name __a is reserved (it starts with __)\n"),
        Arguments.of(
            "/metrics/trees?1a=v",
            "gauge trees: invalid label name \"1a\", expected [a-zA-Z_][a-zA-Z0-9_]*\n"),
        Arguments.of(
            "/metrics/lat?le=", "histogram lat: label name le is reserved on a histogram\n"));
  }

  @ParameterizedTest
  @MethodSource("labelsNoPushCouldHave")
  void labelsNoPushCouldHaveAreAnswered400NamingTheRule(String pathAndQuery, String answer)
      throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      assertEquals(
          200,
          Http.post(
                  http.port(),
                  "/",
                  String.join(
                      "\n",
                      tree("{}"),
                      json("{'type':'histogram','name':'lat','method':'observe','value':1}")))
              .statusCode());

      HttpResponse<String> response = delete(http.port(), pathAndQuery);

      assertEquals(400, response.statusCode());
      assertEquals(answer, response.body());
      assertEquals(OptionalDouble.of(1), trees(Map.of()));
      assertEquals(1, aggregator.observations("lat", Map.of()).orElseThrow().count());
    }
  }

  @Test
  void aSecondDeletionOfTheSameIsAnswered404() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      pushTrees(http.port());

      assertEquals(200, delete(http.port(), "/metrics/trees?species=oak").statusCode());
      assertEquals(404, delete(http.port(), "/metrics/trees?species=oak").statusCode());
      assertEquals(200, delete(http.port(), "/metrics/trees").statusCode());
      assertEquals(404, delete(http.port(), "/metrics/trees").statusCode());
    }
  }

  @Test
  void deletingEverythingKeepsPushpromsOwnMetrics() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT);
        CapturedLogs logs = CapturedLogs.of(DeleteHandler.class)) {
      pushTrees(http.port());
      Http.post(http.port(), "/", inc("gophers"));

      HttpResponse<String> response = delete(http.port(), "/metrics");

      assertEquals(200, response.statusCode());
      assertEquals("ok", response.body());
      List<String> names =
          Http.get(http.port(), "/metrics")
              .body()
              .lines()
              .filter(line -> !line.startsWith("#"))
              .map(line -> line.split("[{ ]")[0])
              .distinct()
              .toList();
      assertTrue(names.stream().allMatch(name -> name.startsWith("pushprom_")), names.toString());
      assertEquals(2.0, value(registry, "pushprom_http_requests_total"));
      assertEquals(5.0, value(registry, "pushprom_deltas_applied_total", "transport", "http"));
      assertEquals(
          List.of("INFO deleted every pushed metric over http from 127.0.0.1"), logs.lines());
    }
  }

  @Test
  void eachDeletionIsLoggedWithWhatAndFromWhere() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT);
        CapturedLogs logs = CapturedLogs.of(DeleteHandler.class)) {
      pushTrees(http.port());
      Http.post(http.port(), "/", inc("gophers"));

      delete(http.port(), "/metrics/trees?species=oak&job=bot");
      delete(http.port(), "/metrics/gophers_total");
      delete(http.port(), "/metrics/gophers_total");

      assertEquals(
          List.of(
              "INFO deleted series trees{job=\"bot\",species=\"oak\"} over http from 127.0.0.1",
              "INFO deleted metric gophers_total over http from 127.0.0.1"),
          logs.lines());
    }
  }

  static Stream<Arguments> anotherShape() {
    return Stream.of(
        Arguments.of(
            "another type", json("{'type':'gauge','name':'gophers','method':'set','value':7}")),
        Arguments.of(
            "other buckets",
            json(
                "{'type':'histogram','name':'gophers','method':'observe','value':7,"
                    + "'buckets':[10,20]}")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("anotherShape")
  void aDeletedNameMayBePushedAgainInAnotherShape(String change, String again) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      assertEquals(
          200,
          Http.post(
                  http.port(),
                  "/",
                  json(
                      "{'type':'histogram','name':'gophers','method':'observe','value':1,"
                          + "'buckets':[1,2],'labels':{'job':'bot'}}"))
              .statusCode());
      assertEquals(400, Http.post(http.port(), "/", again).statusCode(), "before the deletion");

      assertEquals(200, delete(http.port(), "/metrics/gophers").statusCode());

      HttpResponse<String> pushed = Http.post(http.port(), "/", again);
      assertEquals(200, pushed.statusCode(), pushed.body());
    }
  }

  /** A value with every character a query gives a meaning to, and some UTF-8. */
  private static final String AWKWARD = "a&b=c %d+e/f?g#h é✓";

  @Test
  void percentEncodedLabelValuesAreDecoded() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      Http.post(
          http.port(),
          "/",
          json(
              "{'type':'gauge','name':'paths','method':'set','value':1,'labels':{'path':'"
                  + AWKWARD
                  + "','kind':'a+b'}}"));

      // As PHP's http_build_query and Java's URLEncoder write it: a space is +, a plus %2B.
      String query =
          "?path="
              + URLEncoder.encode(AWKWARD, StandardCharsets.UTF_8)
              + "&kind="
              + URLEncoder.encode("a+b", StandardCharsets.UTF_8);
      HttpResponse<String> plusAsSpace = delete(http.port(), "/metrics/paths?path=x&kind=a+b");
      HttpResponse<String> response = delete(http.port(), "/metrics/paths" + query);

      assertEquals(404, plusAsSpace.statusCode());
      assertEquals("no series paths{kind=\"a b\",path=\"x\"}\n", plusAsSpace.body());
      assertEquals(200, response.statusCode(), response.body());
      assertEquals(
          OptionalDouble.empty(),
          aggregator.value("paths", Map.of("path", AWKWARD, "kind", "a+b")));
    }
  }

  @Test
  void utf8SentUnescapedIsDecodedAsUtf8() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT);
        RawHttp connection = RawHttp.connect(http.port())) {
      Http.post(http.port(), "/", tree("{'species':'araucária'}"));

      RawHttp.Response answer =
          connection
              .send(
                  "DELETE /metrics/trees?species=araucária HTTP/1.1\r\nHost: localhost\r\n\r\n"
                      .getBytes(StandardCharsets.UTF_8))
              .read();

      assertEquals(200, answer.status(), answer.body());
      assertEquals(OptionalDouble.empty(), trees(Map.of("species", "araucária")));
    }
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of(
            "/metrics/trees?species=%FFoak", "malformed query: %FFoak is not UTF-8 once decoded\n"),
        Arguments.of(
            "/metrics/trees?species=%ED%A0%80",
            "malformed query: %ED%A0%80 is not UTF-8 once decoded\n"),
        Arguments.of(
            "/metrics/trees?species=oak&species=pine",
            "malformed query: label species is given twice\n"),
        Arguments.of(
            "/metrics/trees?species=oak&species=oak",
            "malformed query: label species is given twice\n"),
        Arguments.of(
            "/metrics/trees?species",
            "malformed query: species has no '=', expected label=value (label= for an empty"
                + " value)\n"),
        Arguments.of(
            "/metrics/trees?=oak", "malformed query: =oak names no label, expected label=value\n"),
        Arguments.of("/metrics/", "path /metrics/: expected /metrics or /metrics/{name}\n"),
        Arguments.of(
            "/metrics/trees/oak",
            "path /metrics/trees/oak: expected /metrics or /metrics/{name}\n"),
        Arguments.of("/metrics/a%2Fb", "path /metrics/a/b: expected /metrics or /metrics/{name}\n"),
        Arguments.of(
            "/metrics?species=oak",
            "DELETE /metrics takes no labels: name the metric, as /metrics/{name}?label=value\n"));
  }

  @ParameterizedTest
  @MethodSource("malformed")
  void malformedDeletionIsAnswered400AndDeletesNothing(String pathAndQuery, String answer)
      throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT);
        RawHttp connection = RawHttp.connect(http.port())) {
      pushTrees(http.port());

      RawHttp.Response response =
          connection.send("DELETE " + pathAndQuery + " HTTP/1.1\r\nHost: localhost\r\n\r\n").read();

      assertEquals(400, response.status(), response.statusLine());
      assertEquals(answer, response.body());
      assertEquals(OptionalDouble.of(1), trees(Map.of("species", "oak")));
      assertEquals(OptionalDouble.of(1), trees(Map.of("species", "oak", "job", "bot")));
    }
  }

  /** The JDK's URI parser refuses these before any handler sees them. */
  @ParameterizedTest
  @ValueSource(
      strings = {"/metrics/trees?species=%zz", "/metrics/trees?species=oak%4", "/metrics/trees%zz"})
  void malformedEscapeIsAnswered400AndDeletesNothing(String pathAndQuery) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT);
        RawHttp connection = RawHttp.connect(http.port())) {
      pushTrees(http.port());

      RawHttp.Response response =
          connection.send("DELETE " + pathAndQuery + " HTTP/1.1\r\nHost: localhost\r\n\r\n").read();

      assertEquals(400, response.status(), response.statusLine());
      assertEquals(OptionalDouble.of(1), trees(Map.of("species", "oak")));
    }
  }

  @ParameterizedTest
  @CsvSource({
    "POST, /metrics, 'GET, HEAD, DELETE', 'GET, HEAD and DELETE'",
    "PUT, /metrics, 'GET, HEAD, DELETE', 'GET, HEAD and DELETE'",
    "GET, /metrics/gophers, 'POST, DELETE', POST and DELETE",
    "PUT, /metrics/gophers, 'POST, DELETE', POST and DELETE"
  })
  void otherMethodsAreAnswered405SayingWhatIsAllowed(
      String method, String path, String allow, String listed) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      Http.post(http.port(), "/", inc("gophers"));

      HttpResponse<String> response =
          Http.send(
              Http.request(http.port(), path)
                  .method(method, BodyPublishers.ofString(inc("pushed_here"))));

      assertEquals(405, response.statusCode());
      assertEquals(Optional.of(allow), response.headers().firstValue("Allow"));
      assertEquals(
          "method not allowed: " + path + " only answers " + listed + "\n", response.body());
      assertEquals(1.0, value(registry, "gophers_total"));
      assertNull(value(registry, "pushed_here_total"));
    }
  }

  @Test
  void headOnAMetricsNameIsAnswered405WithoutBody() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT);
        RawHttp connection = RawHttp.connect(http.port())) {
      RawHttp.Response answer =
          connection.send("HEAD /metrics/gophers HTTP/1.1\r\nHost: localhost\r\n\r\n").read();

      assertEquals(405, answer.status(), answer.statusLine());
      assertEquals("POST, DELETE", answer.header("Allow"));
    }
  }

  @Test
  void deletionWithABodyIsAnsweredAndTheConnectionClosedSayingSo() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT);
        RawHttp connection = RawHttp.connect(http.port())) {
      Http.post(http.port(), "/", inc("gophers"));

      RawHttp.Response answer =
          connection
              .send(
                  "DELETE /metrics/gophers HTTP/1.1\r\n"
                      + "Host: localhost\r\n"
                      + "Content-Length: 5\r\n\r\n")
              .read();

      assertEquals(200, answer.status(), answer.statusLine());
      assertEquals("close", answer.header("Connection"));
      assertTrue(connection.closedByServer(), "connection open after Connection: close");
      assertNull(value(registry, "gophers_total"));
    }
  }
}
