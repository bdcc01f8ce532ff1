package io.pushprom.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pushprom as a process of its own, started as {@code java -cp ... io.pushprom.cli.Main}: for what
 * only a whole JVM shows (settings the JDK reads once per JVM, exit codes, signals). Its stdout and
 * stderr go to files, read as they grow: a pipe's last lines can be lost as the process exits.
 */
final class PushpromProcess implements AutoCloseable {
  /** Generous, for a JVM to start or stop on a busy machine; no test measures time. */
  static final Duration DEADLINE = Duration.ofSeconds(60);

  private static final Pattern HTTP =
      Pattern.compile(" listening for stats HTTP on https?://127\\.0\\.0\\.1:(\\d+)$");

  private final Process process;
  private final Path out;
  private final Path err;

  private PushpromProcess(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /** Starts Pushprom with {@code jvmOptions} and {@code args}; its output goes to {@code dir}. */
  static PushpromProcess start(Path dir, List<String> jvmOptions, String... args)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    Path out = dir.resolve("out");
    Path err = dir.resolve("err");
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    return new PushpromProcess(process, out, err);
  }

  /** Starts Pushprom listening on free ports of 127.0.0.1, with {@code more} flags. */
  static PushpromProcess onLoopback(Path dir, List<String> jvmOptions, String... more)
      throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of("-http-listen-address", "127.0.0.1:0", "-udp-listen-address", "127.0.0.1:0"));
    args.addAll(List.of(more));
    return start(dir, jvmOptions, args.toArray(String[]::new));
  }

  /** Waits for the line that says where HTTP listens, and returns its port. */
  int httpPort() throws IOException, InterruptedException {
    return Integer.parseInt(awaitLine(HTTP).group(1));
  }

  /** Waits, until the deadline, for a line of stdout that matches {@code pattern}. */
  Matcher awaitLine(Pattern pattern) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      for (String line : output().split("\n")) {
        Matcher matcher = pattern.matcher(line);
        if (matcher.find()) {
          return matcher;
        }
      }
      if (System.nanoTime() - deadline > 0 || !process.isAlive()) {
        fail("no line matching " + pattern + " in\n" + output() + "\n" + errors());
      }
      TimeUnit.MILLISECONDS.sleep(10);
    }
  }

  /** Waits for the process to end, and returns its exit code. */
  int awaitExit() throws IOException, InterruptedException {
    if (!process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
      fail("pushprom did not exit; its output:\n" + output());
    }
    return process.exitValue();
  }

  /** Sends SIGTERM, as a supervisor stopping it would. */
  void signal() {
    process.destroy();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Stdout so far. */
  String output() throws IOException {
    return Files.readString(out, UTF_8);
  }

  String errors() throws IOException {
    return Files.readString(err, UTF_8);
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
