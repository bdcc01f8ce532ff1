package io.pushprom.transport;

import static io.pushprom.transport.Samples.awaitValue;
import static io.pushprom.transport.Samples.buildInfo;
import static io.pushprom.transport.Samples.sorted;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pushprom.core.Aggregator;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Replays what the PHP client sends, byte for byte and as it sends it: {@code json_encode} output,
 * with {@code "/"} written as {@code "\/"}, one delta per request, or per datagram from a socket
 * opened for that datagram alone ({@code Connection::push}: {@code fsockopen}, {@code fwrite},
 * {@code fclose}).
 */
class PhpClientCompatibilityTest {
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  private static final List<String> PAYLOADS =
      """
      {"type":"gauge","name":"fish_in_the_sea","help":"we eat fish and new fish is born",\
      "labels":{"species":"Thalassoma noronhanum"},"value":2000.0,"method":"set"}
      {"type":"counter","name":"gophers","help":"little burrowing rodents","labels":{},\
      "method":"inc"}
      {"type":"gauge","name":"g","help":"h","labels":{},"method":"dec"}
      {"type":"histogram","name":"lat","help":"latency","labels":{},"value":12.0,\
      "method":"observe","buckets":[]}
      {"type":"histogram","name":"lat2","help":"latency","labels":{},"value":0.3,\
      "method":"observe","buckets":[0.1,1,10]}
      {"type":"summary","name":"sz","help":"size","labels":{"k":"7"},"value":1.5,\
      "method":"observe"}
      {"type":"counter","name":"hits","help":"hits per path\\/route",\
      "labels":{"path":"\\/home\\/index.php"},"method":"inc"}
      """
          .lines()
          .toList();

  /**
   * The whole {@code /metrics} body after the replay, sorted; {@code %s} are the transport that
   * applied the deltas, the POSTs and the datagrams counted.
   */
  private static final String METRICS_AFTER_REPLAY =
      """
      # HELP fish_in_the_sea we eat fish and new fish is born
      # TYPE fish_in_the_sea gauge
      fish_in_the_sea{species="Thalassoma noronhanum",} 2000.0
      # HELP g h
      # TYPE g gauge
      g -1.0
      # HELP gophers_total little burrowing rodents
      # TYPE gophers_total counter
      gophers_total 1.0
      # HELP hits_total hits per path/route
      # TYPE hits_total counter
      hits_total{path="/home/index.php",} 1.0
      # HELP lat latency
      # TYPE lat histogram
      lat_bucket{le="0.005",} 0.0
      lat_bucket{le="0.01",} 0.0
      lat_bucket{le="0.025",} 0.0
      lat_bucket{le="0.05",} 0.0
      lat_bucket{le="0.1",} 0.0
      lat_bucket{le="0.25",} 0.0
      lat_bucket{le="0.5",} 0.0
      lat_bucket{le="1.0",} 0.0
      lat_bucket{le="2.5",} 0.0
      lat_bucket{le="5.0",} 0.0
      lat_bucket{le="10.0",} 0.0
      lat_bucket{le="+Inf",} 1.0
      lat_count 1.0
      lat_sum 12.0
      # HELP lat2 latency
      # TYPE lat2 histogram
      lat2_bucket{le="0.1",} 0.0
      lat2_bucket{le="1.0",} 1.0
      lat2_bucket{le="10.0",} 1.0
      lat2_bucket{le="+Inf",} 1.0
      lat2_count 1.0
      lat2_sum 0.3
      """
          + buildInfo()
          + """
# HELP pushprom_deltas_applied_total Deltas applied, by transport.
# TYPE pushprom_deltas_applied_total counter
pushprom_deltas_applied_total{transport="%s",} 7.0
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
pushprom_http_requests_total %s
# HELP pushprom_scrape_errors_total Scrapes of /metrics that failed; the log says why.
# TYPE pushprom_scrape_errors_total counter
pushprom_scrape_errors_total 0.0
# HELP pushprom_series Pushed series that exist now.
# TYPE pushprom_series gauge
pushprom_series 7.0
# HELP pushprom_series_limit How many places pushed series and metrics may take; a delta \
that would make a series beyond them is rejected.
# TYPE pushprom_series_limit gauge
pushprom_series_limit 1000.0
# HELP pushprom_series_places Places of the series limit taken: one a series, more for long \
labels or a summary's objectives, and a metric's own.
# TYPE pushprom_series_places gauge
pushprom_series_places 21.0
# HELP pushprom_udp_packets_total The number of packets received.
# TYPE pushprom_udp_packets_total counter
pushprom_udp_packets_total %s
# HELP sz size
# TYPE sz summary
sz_count{k="7",} 1.0
sz_sum{k="7",} 1.5
""";

  private Aggregator aggregator;

  @BeforeEach
  void createAggregator() {
    aggregator = Aggregator.builder().maxSeries(1000).build();
  }

  /** Sends the payloads to a Pushprom that listens on both transports. */
  private interface Replay {
    void send(int httpPort, int udpPort) throws Exception;
  }

  /** Replays to a fresh Pushprom; returns its {@code /metrics} once all deltas are applied. */
  private String metricsAfter(String transport, Replay replay) throws Exception {
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT);
        UdpListener udp = UdpListener.start(aggregator, ANY_PORT)) {
      replay.send(http.port(), udp.port());
      awaitValue(
          aggregator.registry(),
          PAYLOADS.size(),
          "pushprom_deltas_applied_total",
          "transport",
          transport);
      return sorted(withoutKernelFigures(Http.get(http.port(), "/metrics").body()));
    }
  }

  /** The kernel's buffer size differs by machine; KernelDropsTest covers those lines. */
  private static String withoutKernelFigures(String metrics) {
    return metrics
        .lines()
        .filter(line -> !line.contains("pushprom_udp_receive_"))
        .map(line -> line + "\n")
        .collect(Collectors.joining());
  }

  @Test
  void replayOverHttpIsExposedOnMetrics() throws Exception {
    String metrics =
        metricsAfter(
            "http",
            (httpPort, udpPort) -> {
              for (String payload : PAYLOADS) {
                HttpResponse<String> response =
                    Http.send(
                        Http.request(httpPort, "/")
                            .header("Content-Type", "application/json")
                            .POST(BodyPublishers.ofString(payload)));
                assertEquals(200, response.statusCode(), payload);
                assertEquals("ok", response.body(), payload);
              }
            });

    assertEquals(METRICS_AFTER_REPLAY.formatted("http", "7.0", "0.0"), metrics);
  }

  @Test
  void replayOverUdpIsExposedOnMetrics() throws Exception {
    String metrics =
        metricsAfter(
            "udp",
            (httpPort, udpPort) -> {
              for (String payload : PAYLOADS) {
                UdpSender.sendFromFreshSocket(udpPort, payload);
              }
            });

    assertEquals(METRICS_AFTER_REPLAY.formatted("udp", "0.0", "7.0"), metrics);
  }

  /**
   * The README's gauge, as a PHP request would push it: {@code set(2000)}, {@code inc()}, {@code
   * dec()}, {@code add(10)}, {@code sub(5)}, a datagram from a fresh socket each. Many requests at
   * once, each with its own series, so that any reordering among them would show.
   */
  @Test
  void gaugeSequenceOverUdpEndsAtItsLastValueForEverySeries() throws Exception {
    int requests = 300;
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT)) {
      for (int request = 0; request < requests; request++) {
        String head =
            "{\"type\":\"gauge\",\"name\":\"fish_in_the_sea\","
                + "\"help\":\"we eat fish and new fish is born\","
                + "\"labels\":{\"species\":\"Thalassoma noronhanum\",\"request\":\""
                + request
                + "\"},";
        for (String call :
            List.of(
                "\"value\":2000.0,\"method\":\"set\"}",
                "\"method\":\"inc\"}",
                "\"method\":\"dec\"}",
                "\"value\":10.0,\"method\":\"add\"}",
                "\"value\":5.0,\"method\":\"sub\"}")) {
          UdpSender.sendFromFreshSocket(udp.port(), head + call);
        }
        if (request % 20 == 19) {
          // A pause now and then, so that no receive buffer overflows: loss is not what this tests.
          awaitValue(
              aggregator.registry(),
              5 * (request + 1),
              "pushprom_deltas_applied_total",
              "transport",
              "udp");
        }
      }

      for (int request = 0; request < requests; request++) {
        assertEquals(
            2005.0,
            aggregator
                .registry()
                .getSampleValue(
                    "fish_in_the_sea",
                    new String[] {"request", "species"},
                    new String[] {Integer.toString(request), "Thalassoma noronhanum"}),
            "request " + request);
      }
    }
  }
}
