package io.pushprom.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Within the default limits on a delta, a client that makes each series heavy (64 labels of 1,024
 * characters, 130 KB of heap a series) or each series a metric of its own (1.4 KB) is refused at
 * the default series limit, as one of light series is, instead of running the server out of memory:
 * before series and metrics took places by their weight, 1,800 such series or 180,000 such metrics
 * ended a server at {@code -Xmx256m} with exit code 3.
 */
class HeavySeriesTest {
  private static final String HEAP = "-Xmx64m";

  /** A bound on the flood: more than 64 MiB of heap can hold of either. */
  private static final int MAX_BATCHES = 400;

  @TempDir Path dir;

  @Test
  void seriesOfLongLabelsAreRefusedAtTheLimitNotAnOutOfMemoryError() throws Exception {
    String labels =
        ",\"labels\":{"
            + String.join(
                ",",
                IntStream.range(1, 64)
                    .mapToObj(l -> "\"l" + l + "\":\"" + "v".repeat(1_000) + "\"")
                    .toList());
    assertRefusedAtTheLimit(
        10,
        series ->
            "{\"type\":\"counter\",\"name\":\"fat\",\"method\":\"inc\""
                + labels
                + ",\"id\":\""
                + series
                + "\"}}");
  }

  @Test
  void metricsOfOneSeriesEachAreRefusedAtTheLimitNotAnOutOfMemoryError() throws Exception {
    assertRefusedAtTheLimit(
        1_000, metric -> "{\"type\":\"counter\",\"name\":\"m" + metric + "\",\"method\":\"inc\"}");
  }

  private void assertRefusedAtTheLimit(int perBatch, IntFunction<String> delta) throws Exception {
    try (PushpromProcess pushprom = PushpromProcess.onLoopback(dir, List.of(HEAP))) {
      URI push = URI.create("http://127.0.0.1:" + pushprom.httpPort() + "/");
      HttpClient client = HttpClient.newHttpClient();
      HttpResponse<String> refused = null;
      for (int batch = 0; batch < MAX_BATCHES && refused == null; batch++) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < perBatch; i++) {
          body.append(delta.apply(batch * perBatch + i)).append('\n');
        }
        HttpResponse<String> answer =
            client.send(
                HttpRequest.newBuilder(push)
                    .timeout(PushpromProcess.DEADLINE)
                    .POST(BodyPublishers.ofString(body.toString(), UTF_8))
                    .build(),
                BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
          refused = answer;
        }
      }

      assertTrue(refused != null, "no batch was refused");
      assertEquals(400, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("would exceed the series limit of"), refused.body());
      assertTrue(pushprom.isAlive(), pushprom.output());
      HttpResponse<String> metrics =
          client.send(
              HttpRequest.newBuilder(push.resolve("/metrics")).build(), BodyHandlers.ofString());
      assertEquals(200, metrics.statusCode());
      assertTrue(
          metrics
              .body()
              .contains("pushprom_deltas_rejected_total{transport=\"http\",reason=\"limit\""),
          metrics.body().lines().filter(l -> l.startsWith("pushprom_")).toList().toString());
    }
  }
}
