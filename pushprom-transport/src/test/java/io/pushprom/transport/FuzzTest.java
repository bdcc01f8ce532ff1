package io.pushprom.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.Counter;
import io.pushprom.core.Aggregator;
import io.pushprom.core.TransportCounter;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Sends a hundred thousand hostile deltas ({@link HostileDeltas}) over HTTP and UDP to one
 * aggregator, interleaved with valid ones of their own, and checks that the listeners survive,
 * answer every request without a 5xx, log nothing SEVERE, count the valid deltas exactly and expose
 * what {@code promtool} can read. The seed is printed, and {@code -Dpushprom.fuzz.seed=N} replays a
 * run's deltas exactly (the threads' interleaving is the scheduler's).
 */
class FuzzTest {
  private static final String SEED_PROPERTY = "pushprom.fuzz.seed";
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  /** Hostile deltas a run sends, at least. */
  private static final int HOSTILE_DELTAS = 100_000;

  private static final int HTTP_CLIENTS = 3;
  private static final int HOSTILE_BODIES_PER_ROUND = 40;
  private static final int HOSTILE_DATAGRAMS_PER_ROUND = 30;
  private static final int VALID_PER_ROUND = 10;

  /** The room one hostile delta of an ordinary HTTP body may take. */
  private static final int HTTP_ROOM = 2 << 10;

  /** The large HTTP bodies: a few deltas as large as their kind gets, 10,000 labels, 1 MB... */
  private static final int LARGE_BODY_BYTES = 2_000_000;

  private static final int MAX_DATAGRAM_BYTES = 60_000;

  /**
   * Sent between two waits for the listener to have taken every datagram from the kernel: far below
   * the socket's buffer (4 MiB where {@code net.core.rmem_max} is the usual 2 MiB), so that the
   * kernel drops none and the counts stay exact.
   */
  private static final int UDP_WINDOW_BYTES = 1 << 20;

  private static final int UDP_WINDOW_DATAGRAMS = 200;

  private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** The label {@code n} of {@code fuzz_valid_total} takes the values 0 to 9. */
  private static final int SERIES = 10;

  private static final String[] HOSTILE_PATHS = {
    "/metricsfoo", "/healthz", "/push", "/a/b?c=d", "/-/readyz"
  };

  private final long seed = seed();
  private final Random random = new Random(seed);
  private final HostileDeltas hostile = new HostileDeltas(random);

  private Aggregator aggregator;
  private int httpPort;
  private UdpSender sender;
  private Counter udpPackets;

  /** The labels of the UDP listener's kernel figures. */
  private Map<String, String> udpSocket;

  private ExecutorService clients;

  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  private final Map<Integer, LongAdder> answers = new ConcurrentSkipListMap<>();
  private final AtomicLongArray httpValid = new AtomicLongArray(SERIES);
  private final long[] udpValid = new long[SERIES];
  private final List<Future<?>> inFlight = new ArrayList<>();

  private long hostileOverHttp;
  private long hostileOverUdp;
  private long bodies;
  private long bodyBytes;
  private long datagrams;
  private long datagramBytes;
  private long windowBytes;
  private long windowDatagrams;

  private static long seed() {
    String property = System.getProperty(SEED_PROPERTY);
    return property == null || property.isBlank()
        ? System.nanoTime()
        : Long.parseLong(property.strip());
  }

  /** {@code what}, with the seed that replays the run. */
  private String why(String what) {
    return what + " [fuzz seed " + seed + "; replay with -D" + SEED_PROPERTY + "=" + seed + "]";
  }

  @Test
  void hostileDeltasNeitherStopTheListenersNorDisturbValidOnes() throws Exception {
    System.out.println("fuzz seed: " + seed + "; replay with -D" + SEED_PROPERTY + "=" + seed);
    Logger pushprom = Logger.getLogger("io.pushprom");
    LogRecords log = new LogRecords();
    boolean parentHandlers = pushprom.getUseParentHandlers();
    pushprom.addHandler(log);
    // Rejections are logged ten lines a second per listener; kept from the console, and counted.
    pushprom.setUseParentHandlers(false);
    AtomicInteger clientThreads = new AtomicInteger();
    clients =
        Executors.newFixedThreadPool(
            HTTP_CLIENTS,
            task -> {
              Thread thread =
                  new Thread(task, "fuzz-http-client-" + clientThreads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    aggregator = Aggregator.create();
    long start = System.nanoTime();
    try (HttpListener http = HttpListener.builder(aggregator).address(ANY_PORT).start();
        UdpListener udp = UdpListener.start(aggregator, ANY_PORT)) {
      httpPort = http.port();
      sender = UdpSender.to(udp.port());
      udpSocket = Map.of(KernelDrops.LABEL, KernelDrops.label(udp.address()));
      udpPackets = aggregator.telemetry().counter(TransportCounter.UDP_PACKETS);
      int rounds = 0;
      while (hostileOverHttp + hostileOverUdp < HOSTILE_DELTAS) {
        round();
        rounds++;
      }
      // The applier takes datagrams in order: once this one counts, every one before it has.
      send(validPayload("udp"));
      awaitReceived();
      awaitUdpValid();
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
      report(rounds, seconds, log);

      assertAll(
          () -> assertNoFailures(),
          () -> assertValidCounts(),
          () -> assertListenersAlive(udp.port()),
          () -> assertNothingSevere(log),
          () -> assertNoKernelDrops());
      checkExposition();
    } finally {
      clients.shutdownNow();
      if (sender != null) {
        sender.close();
      }
      pushprom.removeHandler(log);
      pushprom.setUseParentHandlers(parentHandlers);
    }
  }

  /**
   * One round: ordinary hostile bodies, a large one and valid ones, shuffled, posted by the client
   * threads while this one sends hostile and valid datagrams, shuffled too. Everything is drawn
   * before anything is sent, on this thread, so the seed alone decides what is sent.
   */
  private void round() throws Exception {
    List<Payload> posts = new ArrayList<>();
    for (int i = 0; i < HOSTILE_BODIES_PER_ROUND; i++) {
      posts.add(hostileBody());
    }
    posts.add(largeBody());
    posts.add(new Payload(hostile.emptyBody(), "/", 1, null));
    for (int i = 0; i < VALID_PER_ROUND; i++) {
      posts.add(validPayload("http"));
    }
    Collections.shuffle(posts, random);
    List<Payload> sends = new ArrayList<>();
    for (int i = 0; i < HOSTILE_DATAGRAMS_PER_ROUND; i++) {
      sends.add(hostileDatagram());
    }
    sends.add(new Payload(hostile.emptyBody(), "udp", 1, null));
    for (int i = 0; i < VALID_PER_ROUND; i++) {
      sends.add(validPayload("udp"));
    }
    Collections.shuffle(sends, random);

    for (Payload post : posts) {
      hostileOverHttp += post.hostile();
      bodies++;
      bodyBytes += post.bytes().length;
      inFlight.add(clients.submit(() -> post(post)));
    }
    for (Payload datagram : sends) {
      hostileOverUdp += datagram.hostile();
      send(datagram);
    }
    awaitReceived();
    for (Future<?> answer : inFlight) {
      // Each request has its own 30 s timeout: this only keeps a hung client from hanging the test.
      answer.get(2, TimeUnit.MINUTES);
    }
    inFlight.clear();
  }

  /**
   * What was sent: its bytes, where to, how many hostile deltas it holds, and for valid ones how
   * many deltas of each series.
   */
  private record Payload(byte[] bytes, String path, int hostile, int[] valid) {
    String preview() {
      StringBuilder text = new StringBuilder();
      // Control characters escaped, so that a report of NUL bytes stays text.
      new String(bytes, 0, Math.min(bytes.length, 160), UTF_8)
          .chars()
          .forEach(
              c -> text.append(c < 0x20 ? String.format("\\u%04x", c) : String.valueOf((char) c)));
      return bytes.length + " bytes to " + path + ": " + text + (bytes.length > 160 ? "..." : "");
    }
  }

  private Payload hostileBody() {
    int count = 1 + random.nextInt(50);
    List<byte[]> deltas = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      deltas.add(hostile.next(HTTP_ROOM));
    }
    String path = random.nextInt(10) == 0 ? HOSTILE_PATHS[random.nextInt(5)] : "/";
    return new Payload(hostile.body(deltas), path, count, null);
  }

  /** One or two deltas as large as their kinds get (10,000 labels, 1 MB values...), and a few. */
  private Payload largeBody() {
    List<byte[]> deltas = new ArrayList<>();
    int large = 1 + random.nextInt(2);
    for (int i = 0; i < large; i++) {
      deltas.add(hostile.large(LARGE_BODY_BYTES / large - 16 * HTTP_ROOM / large));
    }
    for (int i = random.nextInt(10); i > 0; i--) {
      deltas.add(hostile.next(HTTP_ROOM));
    }
    Collections.shuffle(deltas, random);
    return new Payload(hostile.body(deltas), "/", deltas.size(), null);
  }

  private Payload hostileDatagram() {
    int count = 1 + random.nextInt(50);
    // Room for each delta so that the datagram fits; a kind that overshoots is cut short below.
    int room = (MAX_DATAGRAM_BYTES - 64) / count - 4;
    List<byte[]> deltas = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      deltas.add(hostile.next(room));
    }
    byte[] datagram = hostile.body(deltas);
    if (datagram.length > MAX_DATAGRAM_BYTES) {
      datagram = Arrays.copyOf(datagram, MAX_DATAGRAM_BYTES);
    }
    return new Payload(datagram, "udp", count, null);
  }

  /** One to five valid increments of {@code fuzz_valid_total}, as one delta, NDJSON or array. */
  private Payload validPayload(String transport) {
    int count = 1 + random.nextInt(5);
    int[] valid = new int[SERIES];
    List<String> deltas = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int series = random.nextInt(SERIES);
      valid[series]++;
      deltas.add(
          Deltas.json(
              "{'type':'counter','name':'"
                  + (random.nextBoolean() ? "fuzz_valid" : "fuzz_valid_total")
                  + "','help':'Valid deltas the fuzz test sent.','method':'inc',"
                  + "'labels':{'transport':'"
                  + transport
                  + "','n':'"
                  + series
                  + "'}}"));
    }
    String body =
        switch (random.nextInt(3)) {
          case 0 -> String.join("\n", deltas);
          case 1 -> String.join("\r\n", deltas) + "\r\n";
          default -> "[" + String.join(",", deltas) + "]";
        };
    return new Payload(body.getBytes(UTF_8), "udp".equals(transport) ? "udp" : "/", 0, valid);
  }

  /** Posts {@code body} on a client thread; what goes wrong is kept for the assertions. */
  private void post(Payload body) {
    HttpResponse<String> response;
    try {
      response = Http.post(httpPort, body.path(), body.bytes());
    } catch (IOException e) {
      failures.add("no answer (" + e + ") to " + body.preview());
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    int status = response.statusCode();
    answers.computeIfAbsent(status, key -> new LongAdder()).increment();
    if (body.valid() != null) {
      if (status == 200) {
        for (int series = 0; series < SERIES; series++) {
          httpValid.addAndGet(series, body.valid()[series]);
        }
      } else {
        failures.add(
            "valid body answered " + status + " " + response.body() + " to " + body.preview());
      }
    } else if (status != 200 && status != 400) {
      String text = response.body();
      failures.add(
          "hostile body answered "
              + status
              + " "
              + text.substring(0, Math.min(300, text.length()))
              + " to "
              + body.preview());
    }
  }

  /** Sends a datagram, first waiting for the listener to take the last window's. */
  private void send(Payload datagram) throws IOException {
    if (windowBytes + datagram.bytes().length > UDP_WINDOW_BYTES
        || windowDatagrams >= UDP_WINDOW_DATAGRAMS) {
      awaitReceived();
    }
    sender.send(datagram.bytes());
    datagrams++;
    datagramBytes += datagram.bytes().length;
    windowBytes += datagram.bytes().length;
    windowDatagrams++;
    if (datagram.valid() != null) {
      for (int series = 0; series < SERIES; series++) {
        udpValid[series] += datagram.valid()[series];
      }
    }
  }

  /** Waits until the listener has taken every datagram sent from the kernel's buffer. */
  private void awaitReceived() {
    long start = System.nanoTime();
    while (udpPackets.get() < datagrams) {
      if (System.nanoTime() - start > DEADLINE_NANOS) {
        fail(
            why(
                "udp: the listener received "
                    + (long) udpPackets.get()
                    + " of "
                    + datagrams
                    + " datagrams; kernel drops: "
                    + sample("pushprom_udp_receive_drops_total", udpSocket)));
      }
      LockSupport.parkNanos(50_000);
    }
    windowBytes = 0;
    windowDatagrams = 0;
  }

  private void awaitUdpValid() {
    long start = System.nanoTime();
    while (!udpValidApplied() && System.nanoTime() - start < DEADLINE_NANOS) {
      LockSupport.parkNanos(1_000_000);
    }
  }

  private boolean udpValidApplied() {
    for (int series = 0; series < SERIES; series++) {
      if (validCount("udp", series) != udpValid[series]) {
        return false;
      }
    }
    return true;
  }

  private long validCount(String transport, int series) {
    Double value =
        sample("fuzz_valid_total", Map.of("transport", transport, "n", String.valueOf(series)));
    return value == null ? 0 : value.longValue();
  }

  /** One sample's value, read without collecting the thousands of other families. */
  private Double sample(String name, Map<String, String> labels) {
    Enumeration<MetricFamilySamples> families =
        aggregator.registry().filteredMetricFamilySamples(Set.of(name));
    while (families.hasMoreElements()) {
      for (MetricFamilySamples.Sample sample : families.nextElement().samples) {
        if (sample.name.equals(name) && labels.equals(labelsOf(sample))) {
          return sample.value;
        }
      }
    }
    return null;
  }

  private static Map<String, String> labelsOf(MetricFamilySamples.Sample sample) {
    Map<String, String> labels = new TreeMap<>();
    for (int i = 0; i < sample.labelNames.size(); i++) {
      labels.put(sample.labelNames.get(i), sample.labelValues.get(i));
    }
    return labels;
  }

  private void report(int rounds, long seconds, LogRecords log) {
    long valid = 0;
    for (int series = 0; series < SERIES; series++) {
      valid += httpValid.get(series) + udpValid[series];
    }
    System.out.printf(
        "fuzz: %d hostile deltas (%d over http in %d bodies of %d MB in all, %d over udp; "
            + "%d datagrams of %d MB in all) and %d valid ones in %d rounds, %d s%n",
        hostileOverHttp + hostileOverUdp,
        hostileOverHttp,
        bodies,
        bodyBytes >> 20,
        hostileOverUdp,
        datagrams,
        datagramBytes >> 20,
        valid,
        rounds,
        seconds);
    System.out.println("fuzz: hostile deltas by kind " + hostile.counts());
    System.out.println("fuzz: bodies and datagrams by shape " + hostile.bodies());
    System.out.println("fuzz: http answers by status " + answers);
    System.out.println("fuzz: pushprom log records by level " + log.counts);
    log.warnings.forEach(record -> System.out.println("fuzz: logged " + describe(record)));
  }

  private void assertNoFailures() {
    assertTrue(
        failures.isEmpty(),
        () ->
            why(
                failures.size()
                    + " requests failed, the first ones:\n"
                    + failures.stream().limit(20).collect(Collectors.joining("\n"))));
  }

  private void assertValidCounts() {
    List<Executable> checks = new ArrayList<>();
    for (int series = 0; series < SERIES; series++) {
      int n = series;
      checks.add(
          () ->
              assertEquals(
                  httpValid.get(n),
                  validCount("http", n),
                  () -> why("fuzz_valid_total{transport=\"http\",n=\"" + n + "\"}")));
      checks.add(
          () ->
              assertEquals(
                  udpValid[n],
                  validCount("udp", n),
                  () -> why("fuzz_valid_total{transport=\"udp\",n=\"" + n + "\"}")));
    }
    assertAll(checks.stream());
  }

  private void assertListenersAlive(int udpPort) throws Exception {
    Set<String> alive =
        Thread.getAllStackTraces().keySet().stream()
            .filter(Thread::isAlive)
            .map(Thread::getName)
            .collect(Collectors.toSet());
    for (String thread :
        List.of("pushprom-udp-receive-" + udpPort, "pushprom-udp-apply-" + udpPort)) {
      assertTrue(alive.contains(thread), () -> why(thread + " is not alive"));
    }
    HttpResponse<String> health = Http.get(httpPort, "/health");
    assertEquals(200, health.statusCode(), () -> why("/health"));
    assertEquals("ok", health.body(), () -> why("/health"));
  }

  private void assertNothingSevere(LogRecords log) {
    assertTrue(
        log.severe.isEmpty(),
        () ->
            why(
                log.severe.size()
                    + " SEVERE log records, the first ones:\n"
                    + log.severe.stream()
                        .limit(5)
                        .map(FuzzTest::describe)
                        .collect(Collectors.joining("\n"))));
  }

  private void assertNoKernelDrops() {
    Double drops = sample("pushprom_udp_receive_drops_total", udpSocket);
    // Not exposed where the kernel does not tell (no /proc/net/udp).
    if (drops != null) {
      assertEquals(0.0, drops, () -> why("pushprom_udp_receive_drops_total"));
    }
  }

  /**
   * Writes the exposition, as served, to {@code target/fuzz-exposition.txt} for promtool (here, and
   * in {@code .ci/e2e}); it must be well-formed UTF-8 and, where promtool is installed, parse.
   */
  private void checkExposition() throws Exception {
    HttpResponse<byte[]> metrics =
        Http.CLIENT.send(
            Http.request(httpPort, "/metrics").GET().build(), BodyHandlers.ofByteArray());
    assertEquals(200, metrics.statusCode(), () -> why("/metrics"));
    Path exposition = Path.of("target", "fuzz-exposition.txt");
    Files.createDirectories(exposition.getParent());
    Files.write(exposition, metrics.body());
    System.out.println(
        "fuzz: wrote " + exposition.toAbsolutePath() + ", " + metrics.body().length + " bytes");
    try {
      UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(metrics.body()));
    } catch (CharacterCodingException e) {
      fail(why("/metrics is not well-formed UTF-8: " + e));
    }
    Optional<Path> promtool = onPath("promtool");
    if (promtool.isEmpty()) {
      System.out.println("fuzz: promtool is not on the PATH: " + exposition + " was not checked");
      return;
    }
    Process process =
        new ProcessBuilder(promtool.get().toString(), "check", "metrics")
            .redirectInput(exposition.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), UTF_8);
    assertTrue(process.waitFor(1, TimeUnit.MINUTES), () -> why("promtool did not finish"));
    int exit = process.exitValue();
    List<String> lines = output.lines().toList();
    System.out.println(
        "fuzz: promtool check metrics exited "
            + exit
            + (lines.isEmpty() ? "" : ", saying (" + lines.size() + " lines):")
            + lines.stream().limit(40).map(line -> "\n  " + line).collect(Collectors.joining())
            + (lines.size() > 40 ? "\n  ..." : ""));
    // promtool exits 3 when the text parses but breaks its naming conventions (camelCase, units,
    // "le" on a gauge): fuzzed names that are valid do. It exits 1 when the text does not parse.
    assertTrue(
        exit == 0 || exit == 3, () -> why("promtool check metrics exited " + exit + ": " + output));
  }

  private static Optional<Path> onPath(String command) {
    String path = System.getenv("PATH");
    return path == null
        ? Optional.empty()
        : Stream.of(path.split(File.pathSeparator))
            .filter(directory -> !directory.isEmpty())
            .map(directory -> Path.of(directory, command))
            .filter(Files::isExecutable)
            .findFirst();
  }

  private static String describe(LogRecord record) {
    StringBuilder text =
        new StringBuilder(record.getLevel() + " " + record.getLoggerName() + ": ")
            .append(record.getMessage());
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      text.append('\n').append(trace);
    }
    return text.toString();
  }

  /** Counts pushprom's log records by level, and keeps the WARNING and SEVERE ones. */
  private static final class LogRecords extends Handler {
    final Map<String, LongAdder> counts = new ConcurrentSkipListMap<>();
    final ConcurrentLinkedQueue<LogRecord> severe = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<LogRecord> warnings = new ConcurrentLinkedQueue<>();

    @Override
    public void publish(LogRecord record) {
      counts.computeIfAbsent(record.getLevel().getName(), key -> new LongAdder()).increment();
      if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
        severe.add(record);
      } else if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
        warnings.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
