package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.prometheus.client.CollectorRegistry;
import io.pushprom.core.Aggregator;
import io.pushprom.core.Delta;
import io.pushprom.core.IngestResult;
import io.pushprom.core.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Runs the README's code samples, and checks that the README shows them as they are here. */
class ReadmeExamplesTest {
  private static final Path README = Path.of("..", "README.md");
  private static final Path SOURCE =
      Path.of("src", "test", "java", "io", "pushprom", "transport", "ReadmeExamplesTest.java");

  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void embedsBesideTheApplicationsOwnMetrics() throws Exception {
    // readme:start
    CollectorRegistry registry = new CollectorRegistry();
    try (Aggregator aggregator =
            Aggregator.builder(registry)
                .maxSeries(100_000)
                .seriesTtl(Duration.ofMinutes(10))
                .build();
        HttpListener http = HttpListener.start(aggregator, new InetSocketAddress("127.0.0.1", 0));
        UdpListener udp = UdpListener.start(aggregator, new InetSocketAddress("127.0.0.1", 0))) {
      System.out.println("push to http://127.0.0.1:" + http.port() + "/ or udp port " + udp.port());
      runTheApplication(http.port(), udp.port());
    }
    // readme:end
    assertEquals(1.0, registry.getSampleValue("gophers_total"));
    assertEquals(3002.0, registry.getSampleValue("trees"));
  }

  /** Plays the application's PHP workers: one delta over HTTP, one over UDP. */
  private void runTheApplication(int httpPort, int udpPort) throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/"))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"type\":\"counter\",\"name\":\"gophers\",\"method\":\"inc\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals("ok", response.body());
    try (DatagramChannel channel = DatagramChannel.open()) {
      channel.send(
          ByteBuffer.wrap(
              "{\"type\":\"gauge\",\"name\":\"trees\",\"method\":\"set\",\"value\":3002}"
                  .getBytes(StandardCharsets.UTF_8)),
          new InetSocketAddress("127.0.0.1", udpPort));
    }
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    while (!gaugeArrived(httpPort) && Instant.now().isBefore(deadline)) {
      Thread.onSpinWait();
    }
  }

  private boolean gaugeArrived(int httpPort) throws Exception {
    String metrics =
        client
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return metrics.contains("trees 3002.0");
  }

  @Test
  void setsListenersUpThroughTheirBuilders() throws Exception {
    Aggregator aggregator = Aggregator.create();
    // readme:start
    try (HttpListener http =
            HttpListener.builder(aggregator)
                .address(new InetSocketAddress("127.0.0.1", 0))
                .workers(200)
                .maxRequestBytes(1 << 20)
                .start();
        UdpListener udp =
            UdpListener.builder(aggregator)
                .address(new InetSocketAddress("127.0.0.1", 0))
                .receiveBufferBytes(16 << 20)
                .start()) {
      runTheApplication(http.port(), udp.port());
    }
    // readme:end
    assertEquals(3002.0, aggregator.registry().getSampleValue("trees"));
  }

  @Test
  void mountsTheHandlerOnTheApplicationsServer() throws Exception {
    Aggregator aggregator = Aggregator.create();
    // readme:start
    IngestHandler ingest = IngestHandler.of(aggregator); // before the JDK's first HttpServer
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/pushprom", ingest);
    // readme:end
    server.start();
    try {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/pushprom"))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"type\":\"counter\",\"name\":\"hits\",\"method\":\"add\",\"value\":2}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertEquals(200, response.statusCode());
      assertEquals(2.0, aggregator.registry().getSampleValue("hits_total"));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void unitTestsDeltasWithoutSockets() {
    // readme:start
    Aggregator aggregator = Aggregator.create();
    aggregator.apply(
        Delta.parse(
            "{\"type\":\"counter\",\"name\":\"gophers\",\"method\":\"inc\",\"labels\":{\"job\":\"bot\"}}"));
    IngestResult result =
        aggregator.ingestAll(
            Transport.HTTP,
            "[{\"type\":\"gauge\",\"name\":\"gophers\",\"method\":\"set\",\"value\":1}]"
                .getBytes(StandardCharsets.UTF_8));
    double gophers = aggregator.value("gophers", Map.of("job", "bot")).getAsDouble();
    // gophers is 1.0, and result.rejections() holds
    // "delta 0: gophers: conflicting metric types, existing: counter, new: gauge"
    // readme:end
    assertEquals(1.0, gophers);
    assertEquals(
        "delta 0: gophers: conflicting metric types, existing: counter, new: gauge",
        result.rejections().get(0).toString());
  }

  @Test
  void readmeShowsEachSampleAsTested() throws IOException {
    List<String> readmeBlocks = javaBlocks(Files.readString(README));
    List<String> samples = samples(Files.readString(SOURCE));

    assertEquals(4, samples.size());
    for (String sample : samples) {
      assertTrue(
          readmeBlocks.contains(sample),
          () -> "README.md has no ```java block that reads:\n" + sample);
    }
  }

  private static List<String> javaBlocks(String markdown) {
    List<String> blocks = new ArrayList<>();
    Matcher block = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(markdown);
    while (block.find()) {
      blocks.add(block.group(1).stripTrailing());
    }
    return blocks;
  }

  private static List<String> samples(String source) {
    List<String> samples = new ArrayList<>();
    Matcher sample =
        Pattern.compile("// readme:start\n(.*?)\n\\s*// readme:end", Pattern.DOTALL)
            .matcher(source);
    while (sample.find()) {
      samples.add(sample.group(1).stripIndent().stripTrailing());
    }
    return samples;
  }
}
