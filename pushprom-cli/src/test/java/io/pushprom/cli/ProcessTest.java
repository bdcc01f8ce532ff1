package io.pushprom.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real process, as {@code java -cp ... io.pushprom.cli.Main} starts it. */
class ProcessTest {
  /** Generous, for a JVM to start or stop on a busy machine; no test measures time. */
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @TempDir Path dir;

  /** Runs pushprom to its end, its output in {@code dir}; returns the exit code. */
  private int runToEnd(String... args) throws IOException, InterruptedException {
    return runToEnd(List.of(), args);
  }

  private int runToEnd(List<String> jvmOptions, String... args)
      throws IOException, InterruptedException {
    try (PushpromProcess pushprom = PushpromProcess.start(dir, jvmOptions, args)) {
      return pushprom.awaitExit();
    }
  }

  private String read(String name) throws IOException {
    return Files.readString(dir.resolve(name), UTF_8);
  }

  @Test
  void servesUntilSigtermThenExitsZero() throws Exception {
    try (PushpromProcess pushprom = PushpromProcess.onLoopback(dir, List.of())) {
      int httpPort = pushprom.httpPort();
      pushprom.awaitLine(Pattern.compile(" listening for stats UDP on 127\\.0\\.0\\.1:\\d+$"));

      HttpResponse<String> health =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health"))
                      .timeout(DEADLINE)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode());
      assertEquals("ok", health.body());

      pushprom.signal();

      assertEquals(0, pushprom.awaitExit(), pushprom.output());
      assertEquals("", pushprom.errors());
      assertTrue(pushprom.output().endsWith(" pushprom stopped\n"), pushprom.output());
    }
  }

  /**
   * What the listeners log while closing reaches the log: the JDK's log manager would have reset
   * every handler at the signal. Here the drain waits for a scrape that never comes, and says so.
   */
  @Test
  void whatTheListenersSayWhileClosingIsLogged() throws Exception {
    try (PushpromProcess pushprom =
        PushpromProcess.onLoopback(dir, List.of(), "-shutdown-grace", "1s")) {
      int port = pushprom.httpPort();
      HttpClient client = HttpClient.newHttpClient();
      URI base = URI.create("http://127.0.0.1:" + port + "/");
      client.send(
          HttpRequest.newBuilder(base.resolve("/metrics")).timeout(DEADLINE).build(),
          HttpResponse.BodyHandlers.discarding());
      HttpResponse<String> pushed =
          client.send(
              HttpRequest.newBuilder(base)
                  .timeout(DEADLINE)
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"type\":\"counter\",\"name\":\"late\",\"method\":\"inc\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, pushed.statusCode());

      pushprom.signal();

      assertEquals(0, pushprom.awaitExit());
      assertTrue(
          pushprom
              .output()
              .contains(
                  "WARNING http: closing after the grace period of 1 s, with requests in flight or"
                      + " deltas applied since the last scrape"),
          pushprom.output());
    }
  }

  @Test
  void unknownFlagExitsTwoWithReasonAndUsageOnStderr() throws Exception {
    assertEquals(2, runToEnd("-nope"));

    String err = read("err");
    assertTrue(err.startsWith("pushprom: unknown flag: -nope\n"), err);
    assertTrue(err.contains(Arguments.usage()), err);
    assertFalse(err.contains("Exception"), err);
    assertEquals("", read("out"));
  }

  @Test
  void helpExitsZeroWithUsageOnStdout() throws Exception {
    assertEquals(0, runToEnd("-h"));

    assertEquals(Arguments.usage(), read("out"));
    assertEquals("", read("err"));
  }

  @Test
  void failureOtherThanABindExitsOneWithTheReason() throws Exception {
    // An IPv4-only JVM cannot open an IPv6 socket: not an IOException, and it must not hang.
    int code =
        runToEnd(
            List.of("-Djava.net.preferIPv4Stack=true"),
            "-http-listen-address",
            "127.0.0.1:0",
            "-udp-listen-address",
            "[::1]:0");

    assertEquals(1, code);
    assertTrue(read("err").startsWith("pushprom: cannot listen for UDP on [::1]:0: "), read("err"));
  }
}
