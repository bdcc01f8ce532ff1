package io.pushprom.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real process, as {@code java -cp ... io.pushprom.cli.Main} starts it. */
class ProcessTest {
  /** Generous, for a JVM to start or stop on a busy machine; no test measures time. */
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  private static final Pattern HTTP =
      Pattern.compile(" listening for stats HTTP on http://127\\.0\\.0\\.1:(\\d+)$");
  private static final Pattern UDP =
      Pattern.compile(" listening for stats UDP on 127\\.0\\.0\\.1:\\d+$");

  @TempDir Path dir;

  private static ProcessBuilder pushprom(String... args) {
    return pushpromOnJvm(List.of(), args);
  }

  private static ProcessBuilder pushpromOnJvm(List<String> jvmOptions, String... args) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  /** Runs pushprom to its end, its output in {@code dir}; returns the exit code. */
  private int runToEnd(String... args) throws IOException, InterruptedException {
    return runToEnd(pushprom(args));
  }

  private int runToEnd(ProcessBuilder builder) throws IOException, InterruptedException {
    Process process =
        builder
            .redirectOutput(dir.resolve("out").toFile())
            .redirectError(dir.resolve("err").toFile())
            .start();
    try {
      assertTrue(process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "pushprom did not exit");
      return process.exitValue();
    } finally {
      process.destroyForcibly();
    }
  }

  private String read(String name) throws IOException {
    return Files.readString(dir.resolve(name), UTF_8);
  }

  /** Reads lines of stdout on a thread of its own, so the test can wait for one with a deadline. */
  private static BlockingQueue<String> linesOf(Process process) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out = process.inputReader(UTF_8)) {
                out.lines().forEach(lines::add);
              } catch (IOException | UncheckedIOException e) {
                lines.add("failed to read stdout: " + e);
              }
            },
            "pushprom-stdout");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  /** Takes lines until one matches {@code pattern}, keeping every line taken in {@code seen}. */
  private static Matcher awaitLine(BlockingQueue<String> lines, Pattern pattern, List<String> seen)
      throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (line == null) {
        fail("no line matching " + pattern + " in\n" + String.join("\n", seen));
      }
      seen.add(line);
      Matcher matcher = pattern.matcher(line);
      if (matcher.find()) {
        return matcher;
      }
    }
  }

  @Test
  void servesUntilSigtermThenExitsZero() throws Exception {
    Process process =
        pushprom("-http-listen-address", "127.0.0.1:0", "-udp-listen-address", "127.0.0.1:0")
            .redirectError(dir.resolve("err").toFile())
            .start();
    try {
      BlockingQueue<String> lines = linesOf(process);
      List<String> seen = new ArrayList<>();
      int httpPort = Integer.parseInt(awaitLine(lines, HTTP, seen).group(1));
      awaitLine(lines, UDP, seen);

      HttpResponse<String> health =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health"))
                      .timeout(DEADLINE)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode());
      assertEquals("ok", health.body());

      process.destroy(); // SIGTERM

      assertTrue(process.waitFor(10, TimeUnit.SECONDS), "pushprom did not exit on SIGTERM");
      assertEquals(0, process.exitValue(), () -> String.join("\n", seen));
      assertEquals("", read("err"));
    } finally {
      process.destroyForcibly();
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
            pushpromOnJvm(
                List.of("-Djava.net.preferIPv4Stack=true"),
                "-http-listen-address",
                "127.0.0.1:0",
                "-udp-listen-address",
                "[::1]:0"));

    assertEquals(1, code);
    assertTrue(read("err").startsWith("pushprom: cannot listen for UDP on [::1]:0: "), read("err"));
  }
}
