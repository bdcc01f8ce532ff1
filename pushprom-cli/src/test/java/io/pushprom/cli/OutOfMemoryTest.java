package io.pushprom.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Pushprom that runs out of memory ends, with exit code 3 and a last line that says why, instead
 * of living on without the threads it lost: here without {@code -XX:+ExitOnOutOfMemoryError}, so
 * that its own handling is what is tested.
 */
class OutOfMemoryTest {
  /** A bound on the flood: far more series than 48 MiB of heap can hold. */
  private static final int MAX_BATCHES = 2_000;

  @TempDir Path dir;

  @Test
  void runningOutOfMemoryEndsTheProcessWithExitCodeThree() throws Exception {
    // A series limit far beyond what the heap holds, as an operator might set it by mistake: the
    // default one would refuse the flood long before the heap runs out.
    try (PushpromProcess pushprom =
        PushpromProcess.onLoopback(dir, List.of("-Xmx48m"), "-max-series", "100000000")) {
      int port = pushprom.httpPort();
      HttpClient client = HttpClient.newHttpClient();
      for (int batch = 0; batch < MAX_BATCHES && pushprom.isAlive(); batch++) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 5_000; i++) {
          body.append("{\"type\":\"gauge\",\"name\":\"flood\",\"method\":\"set\",\"value\":1,")
              .append("\"labels\":{\"series\":\"")
              .append(batch)
              .append('-')
              .append(i)
              .append("\"}}\n");
        }
        try {
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                  .timeout(PushpromProcess.DEADLINE)
                  .POST(BodyPublishers.ofString(body.toString(), UTF_8))
                  .build(),
              BodyHandlers.discarding());
        } catch (IOException e) {
          break; // the process is gone or going, or deaf: then awaitExit() fails
        }
      }

      assertEquals(3, pushprom.awaitExit(), pushprom.output());
      String last = (pushprom.output() + "\n" + pushprom.errors()).strip();
      assertTrue(last.contains("out of memory") || last.contains("OutOfMemoryError"), last);
    }
  }
}
