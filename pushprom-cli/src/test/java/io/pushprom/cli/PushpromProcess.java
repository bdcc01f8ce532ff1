package io.pushprom.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
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

/**
 * Pushprom as a process of its own, started as {@code java -cp ... io.pushprom.cli.Main}: for what
 * only a whole JVM shows (settings the JDK reads once per JVM, exit codes). Its stdout is read line
 * by line; its stderr goes to a file.
 */
final class PushpromProcess implements AutoCloseable {
  /** Generous, for a JVM to start or stop on a busy machine; no test measures time. */
  static final Duration DEADLINE = Duration.ofSeconds(60);

  private static final Pattern HTTP =
      Pattern.compile(" listening for stats HTTP on https?://127\\.0\\.0\\.1:(\\d+)$");

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();
  private final Path err;

  private PushpromProcess(Process process, Path err) {
    this.process = process;
    this.err = err;
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
  }

  /** Starts Pushprom with {@code jvmOptions} and {@code args}; stderr goes to {@code dir/err}. */
  static PushpromProcess start(Path dir, List<String> jvmOptions, String... args)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    Path err = dir.resolve("err");
    return new PushpromProcess(
        new ProcessBuilder(command).redirectError(err.toFile()).start(), err);
  }

  /** Waits for the line that says where HTTP listens, and returns its port. */
  int httpPort() throws InterruptedException {
    return Integer.parseInt(awaitLine(HTTP).group(1));
  }

  /** Takes lines of stdout until one matches {@code pattern}. */
  Matcher awaitLine(Pattern pattern) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (line == null) {
        fail("no line matching " + pattern + " in\n" + output());
      }
      seen.add(line);
      Matcher matcher = pattern.matcher(line);
      if (matcher.find()) {
        return matcher;
      }
    }
  }

  /** Waits for the process to end, and returns its exit code. */
  int awaitExit() throws InterruptedException {
    if (!process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
      fail("pushprom did not exit; its output:\n" + output());
    }
    return process.exitValue();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Every line of stdout so far. */
  String output() {
    lines.drainTo(seen);
    return String.join("\n", seen);
  }

  String errors() throws IOException {
    return Files.readString(err, UTF_8);
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
