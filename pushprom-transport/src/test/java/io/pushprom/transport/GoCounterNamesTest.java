package io.pushprom.transport;

import static io.pushprom.transport.Deltas.json;
import static io.pushprom.transport.Samples.buildInfo;
import static io.pushprom.transport.Samples.sorted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.exporter.common.TextFormat;
import io.pushprom.core.Aggregator;
import io.pushprom.core.CounterNames;
import io.pushprom.core.Delta;
import io.pushprom.core.GoCounterSamples;
import io.pushprom.core.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code /metrics} with counters named as the Go original names them, {@link CounterNames#GO}. */
class GoCounterNamesTest {
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);
  private static final String CONTENT_TYPE_004 = "text/plain; version=0.0.4; charset=utf-8";
  private static final String DELTAS =
      json(
          """
          {'type':'counter','name':'gophers','help':'little burrowing rodents','method':'inc',\
          'labels':{'job':'bot'}}
          {'type':'counter','name':'gophers','method':'add','value':2,'labels':{'job':'bot'}}
          {'type':'counter','name':'gophers','method':'inc','labels':{'job':'php'}}
          {'type':'counter','name':'requests_total','help':'requests','method':'inc'}
          {'type':'gauge','name':'trees','help':'the amount of trees','method':'set','value':3002}
          {'type':'histogram','name':'lat','help':'latency','method':'observe','value':0.3,\
          'buckets':[0.5]}
          """);

  /** The body after {@link #DELTAS}, sorted as {@link Samples#sorted} sorts it. */
  private static final String BODY =
      """
      # HELP gophers little burrowing rodents
      # TYPE gophers counter
      gophers{job="bot",} 3.0
      gophers{job="php",} 1.0
      # HELP lat latency
      # TYPE lat histogram
      lat_bucket{le="0.5",} 1.0
      lat_bucket{le="+Inf",} 1.0
      lat_count 1.0
      lat_sum 0.3
      %s\
      # HELP pushprom_deltas_applied_total Deltas applied, by transport.
      # TYPE pushprom_deltas_applied_total counter
      pushprom_deltas_applied_total{transport="http",} 6.0
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
      pushprom_http_requests_total 1.0
      # HELP pushprom_scrape_errors_total Scrapes of /metrics that failed; the log says why.
      # TYPE pushprom_scrape_errors_total counter
      pushprom_scrape_errors_total 0.0
      # HELP pushprom_series Pushed series that exist now.
      # TYPE pushprom_series gauge
      pushprom_series 5.0
      # HELP pushprom_series_limit How many places pushed series and metrics may take; a delta \
      that would make a series beyond them is rejected.
      # TYPE pushprom_series_limit gauge
      pushprom_series_limit 1000.0
      # HELP pushprom_series_places Places of the series limit taken: one a series, more for long \
      labels or a summary's objectives, and a metric's own.
      # TYPE pushprom_series_places gauge
      pushprom_series_places 13.0
      # HELP requests_total requests
      # TYPE requests_total counter
      requests_total 1.0
      # HELP trees the amount of trees
      # TYPE trees gauge
      trees 3002.0
      """
          .formatted(buildInfo());

  private Aggregator aggregator;

  @BeforeEach
  void createAggregator() {
    aggregator = Aggregator.builder().maxSeries(1000).counterNames(CounterNames.GO).build();
  }

  private void push(int port) throws Exception {
    HttpResponse<String> pushed = Http.post(port, "/", DELTAS);
    assertEquals(200, pushed.statusCode(), pushed.body());
  }

  @Test
  void countersKeepTheirNamesAsPushedHelpAndTypeIncluded() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      push(http.port());

      HttpResponse<String> response = Http.get(http.port(), "/metrics");

      assertEquals(200, response.statusCode());
      assertEquals(Optional.of(CONTENT_TYPE_004), response.headers().firstValue("Content-Type"));
      assertEquals(BODY, sorted(response.body()));
    }
  }

  /** Prometheus asks for OpenMetrics first; OpenMetrics requires _total, so it gets 0.0.4. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "application/openmetrics-text; version=1.0.0",
        "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1"
      })
  void answersTheTextFormatWhenOpenMetricsIsAsked(String accept) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      push(http.port());

      HttpResponse<String> response =
          Http.send(Http.request(http.port(), "/metrics").header("Accept", accept));

      assertEquals(Optional.of(CONTENT_TYPE_004), response.headers().firstValue("Content-Type"));
      assertEquals(BODY, sorted(response.body()));
    }
  }

  @Test
  void gzipsTheSameBody() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      push(http.port());

      HttpResponse<byte[]> response =
          Http.CLIENT.send(
              Http.request(http.port(), "/metrics").header("Accept-Encoding", "gzip").build(),
              BodyHandlers.ofByteArray());

      assertEquals(Optional.of("gzip"), response.headers().firstValue("Content-Encoding"));
      String body = Http.gunzip(response.body());
      assertEquals(BODY, sorted(body));
    }
  }

  @Test
  void headAnswersTheTextFormatWithoutBody() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      push(http.port());

      HttpResponse<String> response =
          Http.send(
              Http.request(http.port(), "/metrics")
                  .header("Accept", "application/openmetrics-text; version=1.0.0")
                  .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()));

      assertEquals(200, response.statusCode());
      assertEquals(Optional.of(CONTENT_TYPE_004), response.headers().firstValue("Content-Type"));
      assertEquals("", response.body());
    }
  }

  @Test
  void nameFilterPicksTheCounterByItsNameAsPushed() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      push(http.port());

      assertEquals(
          """
          # HELP gophers little burrowing rodents
          # TYPE gophers counter
          gophers{job="bot",} 3.0
          gophers{job="php",} 1.0
          # HELP trees the amount of trees
          # TYPE trees gauge
          trees 3002.0
          """,
          sorted(Http.get(http.port(), "/metrics?name[]=gophers&name[]=trees").body()));
      assertEquals("", Http.get(http.port(), "/metrics?name[]=gophers_total").body());
      assertEquals(
          """
          # HELP requests_total requests
          # TYPE requests_total counter
          requests_total 1.0
          """,
          Http.get(http.port(), "/metrics?name[]=requests_total").body());
    }
  }

  @Test
  void counterPushedAsXAndAsXTotalAreTwoMetrics() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      Http.post(http.port(), "/", json("{'type':'counter','name':'x','method':'inc'}"));
      Http.post(
          http.port(), "/", json("{'type':'counter','name':'x_total','method':'add','value':5}"));

      assertEquals(
          """
          # HELP x x
          # TYPE x counter
          x 1.0
          # HELP x_total x_total
          # TYPE x_total counter
          x_total 5.0
          """,
          sorted(Http.get(http.port(), "/metrics?name[]=x&name[]=x_total").body()));
    }
  }

  @Test
  void deletingXLeavesXTotal() throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      Http.post(http.port(), "/", json("{'type':'counter','name':'x','method':'inc'}"));
      Http.post(http.port(), "/", json("{'type':'counter','name':'x_total','method':'inc'}"));

      HttpResponse<String> deleted = Http.send(Http.request(http.port(), "/metrics/x").DELETE());
      HttpResponse<String> again = Http.send(Http.request(http.port(), "/metrics/x").DELETE());

      assertEquals(200, deleted.statusCode(), deleted.body());
      assertEquals(404, again.statusCode(), again.body());
      assertEquals(
          """
          # HELP x_total x_total
          # TYPE x_total counter
          x_total 1.0
          """,
          Http.get(http.port(), "/metrics?name[]=x&name[]=x_total").body());
    }
  }

  /**
   * A counter is written as simpleclient writes a gauge of the same samples, but for its type:
   * escaping of help and label values, numbers, the comma after each label.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{'type':'counter','name':'c','help':'back\\\\slash, \\'quotes\\' and\\nnewline',"
            + "'method':'inc','labels':{'text':'say \\'hi\\'\\\\o\\/\\n','z':'\u00e9\u4e2d'}}",
        "{'type':'counter','name':'c','method':'add','value':1e-7}",
        "{'type':'counter','name':'c','method':'add','value':12345678912345678}",
        "{'type':'counter','name':'c','method':'add','value':1.5e300,'labels':{'a':''}}",
        "{'type':'counter','name':'c','method':'add','value':0}",
      })
  void writesACounterAsSimpleclientWritesAGauge(String delta) throws IOException {
    aggregator.apply(Delta.parse(json(delta)));
    MetricFamilySamples counter =
        Collections.list(aggregator.registry().metricFamilySamples()).stream()
            .filter(family -> family.name.equals("c"))
            .findFirst()
            .orElseThrow();
    assertTrue(counter instanceof GoCounterSamples, counter.toString());

    ByteArrayOutputStream ours = new ByteArrayOutputStream();
    Exposition.write(TextFormat.CONTENT_TYPE_004, ours, List.of(counter));
    StringWriter simpleclients = new StringWriter();
    TextFormat.write004(
        simpleclients,
        Collections.enumeration(
            List.of(
                new MetricFamilySamples(
                    counter.name, Collector.Type.GAUGE, counter.help, counter.samples))));

    assertEquals(
        simpleclients.toString().replace("# TYPE c gauge\n", "# TYPE c counter\n"),
        ours.toString(StandardCharsets.UTF_8));
  }

  /** As above, for label values and a help text of random characters, the escaped ones often. */
  @Test
  void writesRandomTextAsSimpleclientWould() throws IOException {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    String alphabet = "\\\"\n\r\t ,={}#a\u00e9\u4e2d\u2028";
    StringBuilder body = new StringBuilder();
    // 900 series: with the metric's own places, within the fixture's limit of 1,000.
    for (int i = 0; i < 900; i++) {
      StringBuilder value = new StringBuilder();
      for (int n = random.nextInt(12); n > 0; n--) {
        value.append(
            random.nextInt(8) == 0
                ? "\ud83d\udc39" // a hamster, a surrogate pair
                : alphabet.charAt(random.nextInt(alphabet.length())));
      }
      body.append("{\"type\":\"counter\",\"name\":\"c\",\"method\":\"add\",\"help\":")
          .append(jsonString(value.toString()))
          .append(",\"value\":")
          .append(random.nextInt(1000) / 8.0)
          .append(",\"labels\":{\"a\":")
          .append(jsonString(value.toString()))
          .append(",\"b\":\"")
          .append(i)
          .append("\"}}\n");
    }
    aggregator.ingestAll(Transport.HTTP, body.toString().getBytes(StandardCharsets.UTF_8));
    MetricFamilySamples counter =
        Collections.list(aggregator.registry().metricFamilySamples()).stream()
            .filter(family -> family.name.equals("c"))
            .findFirst()
            .orElseThrow();
    assertEquals(900, counter.samples.size(), "seed " + seed);

    ByteArrayOutputStream ours = new ByteArrayOutputStream();
    Exposition.write(TextFormat.CONTENT_TYPE_004, ours, List.of(counter));
    StringWriter simpleclients = new StringWriter();
    TextFormat.write004(
        simpleclients,
        Collections.enumeration(
            List.of(
                new MetricFamilySamples(
                    counter.name, Collector.Type.GAUGE, counter.help, counter.samples))));

    assertEquals(
        simpleclients.toString().replace("# TYPE c gauge\n", "# TYPE c counter\n"),
        ours.toString(StandardCharsets.UTF_8),
        "seed " + seed);
  }

  /** {@code text} as a JSON string, every character but letters escaped. */
  private static String jsonString(String text) {
    StringBuilder json = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      json.append(Character.isLetter(c) ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return json.append('"').toString();
  }

  @Test
  void openMetricsNamingStillAnswersOpenMetrics() {
    assertEquals(
        TextFormat.CONTENT_TYPE_OPENMETRICS_100,
        Exposition.contentType(
            CounterNames.OPENMETRICS, "application/openmetrics-text; version=1.0.0"));
    assertEquals(
        CONTENT_TYPE_004,
        Exposition.contentType(CounterNames.GO, "application/openmetrics-text; version=1.0.0"));
  }
}
