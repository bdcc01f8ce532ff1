package io.pushprom.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state file across real restarts of the process: after SIGTERM, and after kill -9. */
class StateFileProcessTest {
  private static final List<String> DELTAS =
      List.of(
          "{'type':'counter','name':'gophers','help':'rodents','method':'add','value':3,"
              + "'labels':{'job':'bot'}}",
          "{'type':'counter','name':'jobs_total','method':'inc','labels':{'q':'say \\'hi\\'\\n'}}",
          "{'type':'gauge','name':'trees','method':'sub','value':2.5,'labels':{'species':'oak'}}",
          "{'type':'histogram','name':'lat','help':'latency','method':'observe','value':0.3,"
              + "'buckets':[0.1,0.5,1]}",
          "{'type':'histogram','name':'lat','method':'observe','value':7}",
          "{'type':'summary','name':'rpc','method':'observe','value':0.25,"
              + "'objectives':{'0.5':0.05,'0.9':0.01}}",
          "{'type':'summary','name':'plain','method':'observe','value':2}");

  @TempDir Path dir;

  private final HttpClient client = HttpClient.newHttpClient();

  private PushpromProcess start(String run, String... more) throws IOException {
    Path runDir = dir.resolve(run);
    Files.createDirectories(runDir);
    String[] args = new String[more.length + 2];
    args[0] = "-state-file";
    args[1] = dir.resolve("state.json").toString();
    System.arraycopy(more, 0, args, 2, more.length);
    return PushpromProcess.onLoopback(runDir, List.of(), args);
  }

  private String send(int port, String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(PushpromProcess.DEADLINE);
    if (body != null) {
      request.method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    HttpResponse<String> response =
        client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    return response.body();
  }

  private void pushAll(int port) throws IOException, InterruptedException {
    for (String delta : DELTAS) {
      send(port, "POST", "/", delta.replace('\'', '"').replace("\\\"", "'"));
    }
  }

  /**
   * The pushed metrics of a scrape, lines sorted, without Pushprom's own (which count this run
   * only) and without the summary's quantiles (whose window a restart empties).
   */
  private String pushedMetrics(int port) throws IOException, InterruptedException {
    return Arrays.stream(send(port, "GET", "/metrics", null).split("\n"))
        .filter(line -> !line.contains("pushprom_"))
        .filter(line -> !line.contains("quantile="))
        .sorted()
        .collect(Collectors.joining("\n"));
  }

  @Test
  void afterSigtermARestartServesTheSameMetrics() throws Exception {
    String before;
    try (PushpromProcess first = start("first")) {
      int port = first.httpPort();
      pushAll(port);
      before = pushedMetrics(port);
      first.signal();
      assertEquals(0, first.awaitExit(), first.errors());
      assertTrue(first.output().contains(" wrote 6 series to the state file "), first.output());
    }

    try (PushpromProcess second = start("second")) {
      int port = second.httpPort();

      assertEquals(before, pushedMetrics(port));
      assertTrue(second.output().contains(" loaded 6 series from the state file "));
      assertTrue(before.contains("gophers_total{job=\"bot\",} 3.0"), before);
      assertTrue(before.contains("lat_bucket{le=\"+Inf\",} 2.0"), before);
      assertTrue(before.contains("rpc_sum 0.25"), before);
      // Restored series take deltas as before.
      send(
          port,
          "POST",
          "/",
          "{\"type\":\"counter\",\"name\":\"gophers\",\"method\":\"inc\","
              + "\"labels\":{\"job\":\"bot\"}}");
      assertTrue(pushedMetrics(port).contains("gophers_total{job=\"bot\",} 4.0"));
    }
  }

  @Test
  void afterKillNineARestartHasWhatTheLastSnapshotHeld() throws Exception {
    Path state = dir.resolve("state.json");
    String before;
    try (PushpromProcess first = start("first", "-state-interval", "100ms")) {
      int port = first.httpPort();
      pushAll(port);
      before = pushedMetrics(port);
      // The next snapshot to begin after this moment holds every delta above.
      long after = System.currentTimeMillis();
      awaitSnapshotWrittenAfter(state, after);
    } // destroyForcibly: SIGKILL, no shutdown hook, no last snapshot

    try (PushpromProcess second = start("second")) {
      assertEquals(before, pushedMetrics(second.httpPort()));
    }
  }

  /** Waits until the state file's "written" time is later than {@code millis}. */
  private static void awaitSnapshotWrittenAfter(Path state, long millis) throws Exception {
    long deadline = System.nanoTime() + PushpromProcess.DEADLINE.toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (Files.exists(state)) {
        String head = new String(Files.readAllBytes(state), UTF_8);
        int at = head.indexOf("\"written\":\"");
        if (at >= 0) {
          String written = head.substring(at + 11, head.indexOf('"', at + 11));
          if (java.time.Instant.parse(written).toEpochMilli() > millis) {
            return;
          }
        }
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    throw new AssertionError("no snapshot written after the pushes");
  }

  @Test
  void aBadStateFileStopsTheStartWithExitOneAndIsLeftAsItWas() throws Exception {
    Path state = dir.resolve("state.json");
    byte[] truncated =
        "{\"format\":\"pushprom-state\",\"version\":1,\"written\":\"2026-11-23T10:00:00Z\",\"famil"
            .getBytes(UTF_8);
    Files.write(state, truncated);

    try (PushpromProcess pushprom = start("bad")) {
      assertEquals(1, pushprom.awaitExit());
      assertTrue(
          pushprom.errors().startsWith("pushprom: state file " + state + ": truncated at line 1"),
          pushprom.errors());
      assertTrue(!pushprom.output().contains("listening"), pushprom.output());
    }
    assertArrayEquals(truncated, Files.readAllBytes(state));
  }
}
