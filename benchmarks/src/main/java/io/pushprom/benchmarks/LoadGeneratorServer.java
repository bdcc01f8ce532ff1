package io.pushprom.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server process the load generator started on 127.0.0.1: Pushprom ({@code java -jar
 * pushprom.jar}) or a {@link NullServer}, on ports the OS picked, read from the lines it logs.
 * Closing it stops the process (SIGTERM, then SIGKILL); a shutdown hook kills any still running if
 * the load generator stops early.
 *
 * <pre>{@code
 * try (LoadGeneratorServer server = LoadGeneratorServer.pushprom(jar, List.of())) {
 *   double hits = server.sum("lg_hits_total");
 * }
 * }</pre>
 */
final class LoadGeneratorServer implements AutoCloseable {
  private static final Pattern HTTP_PORT =
      Pattern.compile("listening for stats HTTP on http://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern UDP_PORT =
      Pattern.compile("listening for stats UDP on 127\\.0\\.0\\.1:(\\d+)");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration HISTOGRAM_TIMEOUT = Duration.ofSeconds(120);

  /**
   * After SIGTERM Pushprom lets requests in flight finish and, if deltas came since the last
   * scrape, waits up to {@code -shutdown-grace} (15 s) for one more; every scenario scrapes last,
   * so it exits at once, and one that does not is killed after this.
   */
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(8);

  private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "loadgen-kill-servers"));
  }

  private final String name;
  private final Process process;
  private final Log log;
  private final long startNanos;
  private final int httpPort;
  private final int udpPort;

  private LoadGeneratorServer(
      String name, Process process, Log log, long startNanos, int httpPort, int udpPort) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.startNanos = startNanos;
    this.httpPort = httpPort;
    this.udpPort = udpPort;
  }

  /** Starts {@code java [jvmOptions] -jar jar} listening on 127.0.0.1, ports picked by the OS. */
  static LoadGeneratorServer pushprom(Path jar, List<String> jvmOptions) throws IOException {
    return pushprom(jar, jvmOptions, List.of());
  }

  /** As {@link #pushprom(Path, List)}, with Pushprom's {@code flags} after the address flags. */
  static LoadGeneratorServer pushprom(Path jar, List<String> jvmOptions, List<String> flags)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(java());
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "-http-listen-address",
            "127.0.0.1:0",
            "-udp-listen-address",
            "127.0.0.1:0"));
    command.addAll(flags);
    return start("pushprom", command, true);
  }

  /** Starts a {@link NullServer} from the load generator's own class path. */
  static LoadGeneratorServer nullServer() throws IOException {
    List<String> command =
        List.of(java(), "-cp", System.getProperty("java.class.path"), NullServer.class.getName());
    return start("NullServer", command, false);
  }

  /** The {@code java} of the JDK the load generator runs on, which starts every child JVM. */
  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static LoadGeneratorServer start(String name, List<String> command, boolean udp)
      throws IOException {
    long startNanos = System.nanoTime();
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    RUNNING.add(process);
    try {
      Log log = new Log(process);
      Thread reader = new Thread(log, "loadgen-log-" + name + "-" + process.pid());
      reader.setDaemon(true);
      reader.start();
      long deadline = startNanos + START_TIMEOUT.toNanos();
      int httpPort = await(name, process, log, log.http, deadline);
      int udpPort = udp ? await(name, process, log, log.udp, deadline) : -1;
      return new LoadGeneratorServer(name, process, log, startNanos, httpPort, udpPort);
    } catch (IOException | RuntimeException e) {
      stop(process);
      throw e;
    }
  }

  private static int await(
      String name, Process process, Log log, CompletableFuture<Integer> port, long deadline)
      throws IOException {
    try {
      return port.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new IOException(
          name
              + ": no port logged within "
              + START_TIMEOUT.toSeconds()
              + " s; it logged:\n"
              + log.tail());
    } catch (ExecutionException e) {
      // Its output has ended, so it is exiting; give it a moment to, for the exit code.
      String exit = waitForExit(process) ? "exited " + process.exitValue() : "closed its output";
      throw new IOException(name + ": " + exit + " before listening; it logged:\n" + log.tail());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(name + ": interrupted while starting", e);
    }
  }

  private static boolean waitForExit(Process process) {
    try {
      return process.waitFor(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  int httpPort() {
    return httpPort;
  }

  int udpPort() {
    if (udpPort < 0) {
      throw new IllegalStateException(name + ": has no UDP port");
    }
    return udpPort;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The exit code, if the process has exited. */
  OptionalInt exitCode() {
    return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
  }

  /** The last lines the process logged, stdout and stderr together. */
  String logTail() {
    return log.tail();
  }

  /** Whether any line the process logged so far said it ran out of memory. */
  boolean loggedOutOfMemory() {
    return log.outOfMemory;
  }

  /**
   * Stops the process with SIGTERM, as a supervisor would, and returns its exit code; empty if it
   * did not exit within the stop timeout and had to be killed.
   */
  OptionalInt terminate() throws InterruptedException {
    try {
      process.destroy();
      if (process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        return OptionalInt.of(process.exitValue());
      }
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      return OptionalInt.empty();
    } finally {
      RUNNING.remove(process);
    }
  }

  /**
   * A field of {@code /proc/PID/status} in bytes, such as {@code VmRSS} (resident memory now) or
   * {@code VmHWM} (its peak); empty where there is no such file (not Linux) or field.
   */
  OptionalLong procStatusBytes(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
        // VmRSS:	  123456 kB
        if (line.startsWith(field + ":")) {
          String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
          return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or the process is gone: the figure is left out.
    }
    return OptionalLong.empty();
  }

  /** The CPU time the process has used, user and system, every thread (GC and JIT too). */
  long cpuNanos() throws IOException {
    return process
        .info()
        .totalCpuDuration()
        .orElseThrow(() -> new IOException(name + ": the OS does not tell its CPU time"))
        .toNanos();
  }

  /**
   * Polls {@code GET /health} every 5 ms until it answers 200.
   *
   * @return the milliseconds from just before the process was started to that first 200
   */
  double awaitHealthy() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + HEALTH_TIMEOUT.toNanos();
    byte[] request = LoadGeneratorHttp.get("/health");
    while (true) {
      try (LoadGeneratorHttp http = LoadGeneratorHttp.connect(httpPort)) {
        if (http.send(request, OutputStream.nullOutputStream()).status() == 200) {
          return (System.nanoTime() - startNanos) / 1e6;
        }
      } catch (IOException e) {
        // Not answering yet; poll again until the deadline.
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(
            name + ": /health did not answer 200 within " + HEALTH_TIMEOUT.toSeconds() + " s");
      }
      Thread.sleep(5);
    }
  }

  /** A whole scrape: how long it took and how many bytes of text it was. */
  record Scrape(double millis, long bytes) {}

  /** One {@code GET /metrics}, uncompressed, timed from the request to the body's last byte. */
  Scrape scrape() throws IOException {
    try (LoadGeneratorHttp http = LoadGeneratorHttp.connect(httpPort)) {
      byte[] request = LoadGeneratorHttp.get("/metrics");
      long start = System.nanoTime();
      LoadGeneratorHttp.Response response = http.send(request, OutputStream.nullOutputStream());
      double millis = (System.nanoTime() - start) / 1e6;
      if (response.status() != 200) {
        throw new IOException("GET /metrics: status " + response.status());
      }
      return new Scrape(millis, response.length());
    }
  }

  /** {@code GET /metrics}, only the samples named if any are (simpleclient's name[] filter). */
  String metrics(String... sampleNames) throws IOException {
    StringBuilder path = new StringBuilder("/metrics");
    for (int i = 0; i < sampleNames.length; i++) {
      path.append(i == 0 ? '?' : '&').append("name%5B%5D=").append(sampleNames[i]);
    }
    try (LoadGeneratorHttp http = LoadGeneratorHttp.connect(httpPort)) {
      return http.text(LoadGeneratorHttp.get(path.toString()));
    }
  }

  /** The sum over all series of the sample {@code sampleName}, 0 if there is none. */
  double sum(String sampleName) throws IOException {
    return samples(metrics(sampleName), sampleName::equals).values().stream()
        .mapToDouble(Double::doubleValue)
        .sum();
  }

  /**
   * The samples of a text-format exposition whose names {@code include}, by the sample's whole line
   * before its value ({@code name{labels}}).
   */
  static Map<String, Double> samples(String exposition, Predicate<String> include) {
    Map<String, Double> samples = new LinkedHashMap<>();
    for (String line : exposition.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      int nameEnd = brace >= 0 && brace < space ? brace : space;
      int valueStart = line.lastIndexOf(' ');
      if (nameEnd < 0 || !include.test(line.substring(0, nameEnd))) {
        continue;
      }
      samples.put(
          line.substring(0, valueStart), Double.parseDouble(line.substring(valueStart + 1)));
    }
    return samples;
  }

  /**
   * Runs {@code jcmd PID GC.class_histogram}, which forces a full GC first, and returns its {@code
   * Total} bytes: the heap the live objects take.
   */
  long liveHeapBytes() throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      throw new IOException("jcmd: not found at " + jcmd + "; run the load generator on a JDK");
    }
    Path output = Files.createTempFile("loadgen-histogram", ".txt");
    try {
      Process histogram =
          new ProcessBuilder(jcmd.toString(), Long.toString(pid()), "GC.class_histogram")
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!histogram.waitFor(HISTOGRAM_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        histogram.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        throw new IOException(
            "jcmd "
                + pid()
                + " GC.class_histogram: no answer in "
                + HISTOGRAM_TIMEOUT.toSeconds()
                + " s");
      }
      List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
      for (String line : lines) {
        // Total      123456      7890123
        if (line.startsWith("Total")) {
          String[] fields = line.trim().split("\\s+");
          return Long.parseLong(fields[fields.length - 1]);
        }
      }
      throw new IOException(
          "jcmd "
              + pid()
              + " GC.class_histogram: no Total line in: "
              + String.join("\n", lines.subList(0, Math.min(5, lines.size()))));
    } finally {
      Files.deleteIfExists(output);
    }
  }

  @Override
  public void close() {
    stop(process);
  }

  private static void stop(Process process) {
    try {
      process.destroy();
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      RUNNING.remove(process);
    }
  }

  /** Reads a server's output to its end, picks out the ports, and keeps the last lines. */
  private static final class Log implements Runnable {
    private static final int LINES_KEPT = 20;

    private final BufferedReader reader;
    private final Deque<String> tail = new ArrayDeque<>();
    final CompletableFuture<Integer> http = new CompletableFuture<>();
    final CompletableFuture<Integer> udp = new CompletableFuture<>();

    /**
     * Whether a line said the JVM ran out of memory: the JVM's own {@code OutOfMemoryError} or
     * Pushprom's "out of memory" line. Kept for the whole run, past the tail's few lines.
     */
    volatile boolean outOfMemory;

    Log(Process process) {
      this.reader =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    @Override
    public void run() {
      try (reader) {
        // Ends when the process closes its output, at the latest when it exits.
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          synchronized (tail) {
            tail.addLast(line);
            if (tail.size() > LINES_KEPT) {
              tail.removeFirst();
            }
          }
          if (line.contains("OutOfMemoryError") || line.contains("out of memory")) {
            outOfMemory = true;
          }
          complete(http, HTTP_PORT.matcher(line));
          complete(udp, UDP_PORT.matcher(line));
        }
      } catch (IOException e) {
        // The process is gone; the futures below say so to whoever waits.
      }
      http.completeExceptionally(new IOException("output closed"));
      udp.completeExceptionally(new IOException("output closed"));
    }

    private static void complete(CompletableFuture<Integer> port, Matcher matcher) {
      if (matcher.find()) {
        port.complete(Integer.parseInt(matcher.group(1)));
      }
    }

    String tail() {
      synchronized (tail) {
        return String.join("\n", tail);
      }
    }
  }
}
