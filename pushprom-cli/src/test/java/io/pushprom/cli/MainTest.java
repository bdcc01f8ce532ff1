package io.pushprom.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.pushprom.core.Version;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Main#run} in this JVM, on loopback ports the system picks. */
class MainTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final Pattern METRICS =
      Pattern.compile("(?m) exposing metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics$");
  private static final Pattern HTTP =
      Pattern.compile("(?m) listening for stats HTTP on http://127\\.0\\.0\\.1:(\\d+)$");
  private static final Pattern UDP =
      Pattern.compile("(?m) listening for stats UDP on 127\\.0\\.0\\.1:(\\d+)$");
  private static final Pattern UDP_OFF =
      Pattern.compile("(?m) UDP is off \\(-udp-listen-address off\\): deltas come over HTTP only$");

  private static final String COUNTER_ADD_TWO =
      json("{'type':'counter','name':'gophers','method':'add','value':2}");
  private static final String NEGATIVE_COUNTER_ADD =
      json("{'type':'counter','name':'gophers','method':'add','value':-1}");
  private static final String GAUGE_SET_WITHOUT_VALUE =
      json("{'type':'gauge','name':'trees','method':'set'}");

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(DEADLINE).build();
  private final ExecutorService executor = Executors.newSingleThreadExecutor();

  /** Guards both outputs; every write wakes whoever waits for a line. */
  private final Object written = new Object();

  private final Output outText = new Output(written);
  private final Output errText = new Output(written);
  private final PrintStream out = new PrintStream(outText, true, UTF_8);
  private final PrintStream err = new PrintStream(errText, true, UTF_8);
  private final CountDownLatch stop = new CountDownLatch(1);

  /** What {@link Main} writes to one of its streams, kept to read back. */
  private static final class Output extends OutputStream {
    private final Object lock;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    Output(Object lock) {
      this.lock = lock;
    }

    @Override
    public void write(int b) {
      synchronized (lock) {
        bytes.write(b);
        lock.notifyAll();
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      synchronized (lock) {
        bytes.write(b, off, len);
        lock.notifyAll();
      }
    }

    String text() {
      synchronized (lock) {
        return bytes.toString(UTF_8);
      }
    }
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    stop.countDown();
    executor.shutdown();
    assertTrue(executor.awaitTermination(DEADLINE.toSeconds(), TimeUnit.SECONDS));
  }

  /** Turns the single quotes of a readable JSON literal into double quotes. */
  private static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  private String out() {
    return outText.text();
  }

  private String err() {
    return errText.text();
  }

  /** Runs to the end a command line that must not serve: a latch already open stops it if so. */
  private int runToEnd(String... args) {
    return Main.run(args, out, err, new CountDownLatch(0));
  }

  /** Starts serving in the background and waits for the line that says what UDP does. */
  private Future<Integer> start(String... args) throws InterruptedException {
    Future<Integer> result = executor.submit(() -> Main.run(args, out, err, stop));
    awaitOutput(
        () -> UDP.matcher(out()).find() || UDP_OFF.matcher(out()).find() || !err().isEmpty(),
        "the listening lines");
    assertEquals("", err());
    return result;
  }

  private int port(Pattern line) {
    Matcher matcher = line.matcher(out());
    assertTrue(matcher.find(), () -> "no line " + line + " in\n" + out());
    return Integer.parseInt(matcher.group(1));
  }

  /** Waits, until the deadline, for Main to write what makes {@code condition} true. */
  private void awaitOutput(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    synchronized (written) {
      while (!condition.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          fail("gave up waiting for " + what + " in\n" + out() + err());
        }
        TimeUnit.NANOSECONDS.timedWait(written, left);
      }
    }
  }

  private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(DEADLINE)
            .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(int port, String body)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
            .timeout(DEADLINE)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static void sendUdp(int port, String datagram) throws IOException {
    try (DatagramChannel channel = DatagramChannel.open()) {
      channel.send(
          ByteBuffer.wrap(datagram.getBytes(UTF_8)),
          new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }
  }

  /** The {@code /metrics} body of one family, polled until it shows {@code expected}. */
  private String awaitMetrics(int port, String sampleName, String expected)
      throws IOException, InterruptedException {
    String path = "/metrics?name%5B%5D=" + sampleName;
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    String body = get(port, path).body();
    while (!body.equals(expected) && System.nanoTime() - deadline < 0) {
      body = get(port, path).body();
    }
    return body;
  }

  private static void assertPortsFree(int tcpPort, int udpPort) throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(loopback, tcpPort));
    }
    try (DatagramChannel channel = DatagramChannel.open()) {
      channel.bind(new InetSocketAddress(loopback, udpPort));
    }
  }

  private static void assertNoStackTrace(String text) {
    assertFalse(text.contains("Exception"), text);
    assertFalse(text.contains("\tat "), text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"-h", "--help"})
  void helpPrintsUsageToOutAndReturnsZero(String flag) {
    assertEquals(0, runToEnd(flag));

    assertEquals(Arguments.usage(), out());
    assertEquals("", err());
  }

  /** The classes here come from directories, not the jar: the version is then unknown. */
  @ParameterizedTest
  @ValueSource(strings = {"-version", "--version"})
  void versionPrintsTheVersionAndReturnsZero(String flag) {
    assertEquals(0, runToEnd(flag));

    assertEquals("pushprom " + Version.current() + "\n", out());
    assertEquals("", err());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "-nope | unknown flag: -nope",
        "-version -counter-names=Go | flag -counter-names: invalid counter naming \"Go\","
            + " expected openmetrics or go",
        "-debug --log-level=warn | flags -debug and -log-level warn contradict each other: -debug"
            + " is -log-level debug; give one of them",
        "-http-listen-address | flag -http-listen-address needs a value: ADDRESS",
        "-http-listen-address 127.0.0.1:70000 | flag -http-listen-address: invalid address"
            + " \"127.0.0.1:70000\": port \"70000\" is not a number from 0 to 65535",
        "-udp-listen-address=127.0.0.1:abc | flag -udp-listen-address: invalid address"
            + " \"127.0.0.1:abc\": port \"abc\" is not a number from 0 to 65535",
        "--http-listen-address localhost | flag -http-listen-address: invalid address"
            + " \"localhost\": missing port, expected host:port or :port",
        "-udp-listen-address ::1:9090 | flag -udp-listen-address: invalid address \"::1:9090\":"
            + " an IPv6 host goes in brackets, as [::1]:9091",
      })
  void badCommandLinePrintsReasonAndUsageToErrAndReturnsTwo(String commandLine, String reason) {
    assertEquals(2, runToEnd(commandLine.split(" ")));

    assertEquals("pushprom: " + reason + "\n" + Arguments.usage(), err());
    assertEquals("", out());
    assertNoStackTrace(err());
  }

  /** A value the flag reads but the listener's builder refuses is a bad command line too. */
  @ParameterizedTest
  @CsvSource({
    "-read-timeout, 0s, read timeout: 0 ms",
    "-write-timeout, 500ms, write timeout: 500 ms"
  })
  void aTimeoutUnderASecondReturnsTwoNamingIt(String flag, String value, String reason) {
    assertEquals(2, runToEnd(flag, value, "-http-listen-address", "127.0.0.1:0"));

    assertEquals(
        "pushprom: " + reason + " is under one second, the least the JDK's HTTP server counts\n",
        err());
    assertNoStackTrace(err());
    assertFalse(out().contains("listening"), out());
  }

  @Test
  void httpAddressInUseReturnsOneNamingTheAddress() throws IOException {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      String address = "127.0.0.1:" + taken.getLocalPort();

      assertEquals(
          1, runToEnd("-http-listen-address", address, "-udp-listen-address", "127.0.0.1:0"));

      assertTrue(err().startsWith("pushprom: cannot listen for HTTP on " + address + ": "), err());
      assertNoStackTrace(err());
      assertFalse(out().contains("listening"), out());
    }
  }

  @Test
  void udpAddressInUseReturnsOneNamingTheAddressAndReleasesTheHttpPort() throws IOException {
    int httpPort;
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      httpPort = probe.getLocalPort();
    }
    try (DatagramChannel taken = DatagramChannel.open()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      String address = "127.0.0.1:" + ((InetSocketAddress) taken.getLocalAddress()).getPort();

      assertEquals(
          1,
          runToEnd(
              "-http-listen-address", "127.0.0.1:" + httpPort, "-udp-listen-address", address));

      assertTrue(err().startsWith("pushprom: cannot listen for UDP on " + address + ": "), err());
      assertNoStackTrace(err());
      assertFalse(out().contains("listening"), out());
    }
    try (ServerSocket again = new ServerSocket()) {
      again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort));
    }
  }

  @Test
  void logsWhereItListensWithTheRealPorts() throws Exception {
    start("-http-listen-address", "127.0.0.1:0", "-udp-listen-address", "127.0.0.1:0");

    int httpPort = port(HTTP);
    assertNotEquals(0, httpPort);
    assertEquals(httpPort, port(METRICS));
    assertNotEquals(0, port(UDP));
    assertEquals("ok", get(httpPort, "/health").body());
  }

  @Test
  void theStatusPageNamesWhereItListensWithTheRealPorts() throws Exception {
    start("-http-listen-address", "127.0.0.1:0", "-udp-listen-address", "127.0.0.1:0");

    String page = statusPage(port(HTTP));

    assertTrue(page.contains("<li>HTTP http://127.0.0.1:" + port(HTTP) + "</li>"), page);
    assertTrue(page.contains("<li>UDP 127.0.0.1:" + port(UDP) + "</li>"), page);
  }

  @Test
  void theStatusPageNamesNoUdpWhenUdpIsOff() throws Exception {
    start("-http-listen-address", "127.0.0.1:0", "-udp-listen-address", "off");

    String page = statusPage(port(HTTP));

    assertTrue(page.contains("<li>HTTP http://127.0.0.1:" + port(HTTP) + "</li>"), page);
    assertFalse(page.contains("<li>UDP"), page);
  }

  private String statusPage(int port) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
            .header("Accept", "text/html")
            .timeout(DEADLINE)
            .build();
    HttpResponse<String> page = client.send(request, HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode(), page.body());
    return page.body();
  }

  @Test
  void servesDeltasPushedOverHttpAndUdpUntilStoppedThenReleasesItsPorts() throws Exception {
    Future<Integer> result =
        start("-http-listen-address", "127.0.0.1:0", "-udp-listen-address", "127.0.0.1:0");
    int httpPort = port(HTTP);
    int udpPort = port(UDP);

    HttpResponse<String> pushed = post(httpPort, COUNTER_ADD_TWO);
    sendUdp(
        udpPort,
        json(
            "{'type':'gauge','name':'trees','help':'the amount of trees','method':'set',"
                + "'value':3002,'labels':{'species':'araucaria'}}"));

    assertEquals(200, pushed.statusCode());
    assertEquals("ok", pushed.body());
    assertEquals(
        """
        # HELP gophers_total gophers
        # TYPE gophers_total counter
        gophers_total 2.0
        """,
        get(httpPort, "/metrics?name%5B%5D=gophers_total").body());
    String trees =
        """
        # HELP trees the amount of trees
        # TYPE trees gauge
        trees{species="araucaria",} 3002.0
        """;
    assertEquals(trees, awaitMetrics(httpPort, "trees", trees));

    stop.countDown();

    assertEquals(0, result.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
    assertPortsFree(httpPort, udpPort);
    assertEquals("", err());
  }

  /**
   * Each line as the Go original's, {@code 2006/01/02 15:04:05 message}, with the local time zone's
   * offset after the time.
   */
  @Test
  void logLinesCarryTheTimeAndItsOffset() throws Exception {
    start("-http-listen-address", "127.0.0.1:0", "-udp-listen-address", "127.0.0.1:0");

    String[] lines = out().split("\n");
    assertTrue(lines[0].endsWith(" welcome to pushprom " + Version.current()), out());
    for (String line : lines) {
      assertTrue(line.matches("\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2} [+-]\\d{4} \\S.*"), line);
      String offset = line.split(" ")[2];
      ZoneOffset zone = ZoneOffset.of(offset.substring(0, 3) + ":" + offset.substring(3));
      assertEquals(ZoneId.systemDefault().getRules().getOffset(Instant.now()), zone);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"-debug", "-log-level=debug", "--log-level debug"})
  void debugLogsEachDeltaReceivedAndEachRejectionWithItsReason(String debug) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of("-http-listen-address", "127.0.0.1:0", "-udp-listen-address", "127.0.0.1:0"));
    args.addAll(List.of(debug.split(" ")));
    start(args.toArray(String[]::new));
    int httpPort = port(HTTP);
    int udpPort = port(UDP);

    HttpResponse<String> rejected = post(httpPort, NEGATIVE_COUNTER_ADD);
    sendUdp(udpPort, GAUGE_SET_WITHOUT_VALUE);

    assertEquals(400, rejected.statusCode());
    awaitOutput(() -> out().contains("rejected over udp: "), "the udp rejection in the log");
    String log = out();
    assertTrue(log.contains(" received over http: " + NEGATIVE_COUNTER_ADD + "\n"), log);
    assertTrue(
        log.contains(
            " rejected over http from 127.0.0.1: delta 0: counter gophers: negative increment -1"
                + " is not allowed\n"),
        log);
    assertTrue(log.contains(" received over udp: " + GAUGE_SET_WITHOUT_VALUE + "\n"), log);
    assertTrue(
        log.contains(" rejected over udp: delta 0: gauge trees: method set needs a value\n"), log);
  }

  @Test
  void withoutDebugLogsRejectionsWithTheirReasonButNoDeltas() throws Exception {
    start("-http-listen-address", "127.0.0.1:0", "-udp-listen-address", "127.0.0.1:0");
    int httpPort = port(HTTP);

    assertEquals(200, post(httpPort, COUNTER_ADD_TWO).statusCode());
    assertEquals(400, post(httpPort, NEGATIVE_COUNTER_ADD).statusCode());

    awaitOutput(() -> out().contains("rejected over http"), "the rejection in the log");
    assertFalse(out().contains("received over"), out());
    assertTrue(
        out()
            .contains(
                " rejected over http from 127.0.0.1: delta 0: counter gophers: negative increment"
                    + " -1 is not allowed\n"),
        out());
  }

  /** A client's text cannot write a line of its own, nor a terminal's escape, into the log. */
  @Test
  void aRejectionCannotForgeALogLine() throws Exception {
    start("-http-listen-address", "127.0.0.1:0", "-udp-listen-address", "127.0.0.1:0");
    int httpPort = port(HTTP);

    String forged =
        "{\"type\":\"counter\",\"name\":\"n\",\"method\":\"inc\",\"labels\":"
            + "{\"a\\n2026/12/05 08:00:00 +0000 WARNING forged\\r\\u001b[2J\\u2028\":\"1\"}}";
    assertEquals(400, post(httpPort, forged).statusCode());

    awaitOutput(() -> out().contains("rejected over http"), "the rejection in the log");
    String log = out();
    assertFalse(log.contains("\n2026/12/05 08:00:00 +0000 WARNING forged"), log);
    assertFalse(log.contains("\u001b") || log.contains("\r") || log.contains("\u2028"), log);
    assertTrue(
        log.contains("a\\n2026/12/05 08:00:00 +0000 WARNING forged\\r\\u001b[2J\\u2028"), log);
  }

  @Test
  void oneLineEscapesWhatWouldBreakOrHideTheLineAndLeavesTheRest() {
    assertEquals("plain text, é ∑ 🦫", Main.oneLine("plain text, é ∑ 🦫"));
    assertEquals("two\\nlines\\r\\t", Main.oneLine("two\nlines\r\t"));
    assertEquals(
        "\\u001b[2J \\u0000 \\u0085 \\u202e \\ufeff",
        Main.oneLine("\u001b[2J \u0000 \u0085 \u202e \ufeff"));
  }

  /** warn and error leave out the lines at info, the start's too; the reason still goes to err. */
  @ParameterizedTest
  @ValueSource(strings = {"warn", "error"})
  void aQuieterLevelLeavesOutTheInfoLines(String level) throws IOException {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      String address = "127.0.0.1:" + taken.getLocalPort();

      assertEquals(1, runToEnd("-log-level", level, "-http-listen-address", address));

      assertEquals("", out());
      assertTrue(err().startsWith("pushprom: cannot listen for HTTP on " + address + ": "), err());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"off", ""})
  void udpOffListensForHttpOnlyAndSaysSo(String off) throws Exception {
    Future<Integer> result =
        start("-http-listen-address", "127.0.0.1:0", "-udp-listen-address", off);
    int httpPort = port(HTTP);

    assertFalse(UDP.matcher(out()).find(), out());
    assertTrue(UDP_OFF.matcher(out()).find(), out());
    assertEquals(200, post(httpPort, COUNTER_ADD_TWO).statusCode());
    stop.countDown();
    assertEquals(0, result.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
    assertEquals("", err());
  }

  @Test
  void goCounterNamesExposeCountersAsPushedInTheTextFormat() throws Exception {
    start(
        "-http-listen-address",
        "127.0.0.1:0",
        "-udp-listen-address",
        "off",
        "-counter-names",
        "go");
    int httpPort = port(HTTP);
    assertTrue(
        out()
            .contains(
                " counters keep the names they are pushed with (-counter-names go), in the text"
                    + " format 0.0.4\n"),
        out());

    assertEquals(200, post(httpPort, COUNTER_ADD_TWO).statusCode());
    HttpResponse<String> metrics =
        client.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + httpPort + "/metrics?name[]=gophers"))
                .header("Accept", "application/openmetrics-text; version=1.0.0")
                .timeout(DEADLINE)
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertEquals(
        "text/plain; version=0.0.4; charset=utf-8",
        metrics.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(
        """
        # HELP gophers gophers
        # TYPE gophers counter
        gophers 2.0
        """,
        metrics.body());
  }

  @Test
  void aDeltaBeyondTheSeriesLimitIsRefusedNamingItWhileExistingSeriesKeepUpdating()
      throws Exception {
    start(
        "-http-listen-address",
        "127.0.0.1:0",
        "-udp-listen-address",
        "127.0.0.1:0",
        "-max-series",
        "4"); // the metric's own two places and two series
    int httpPort = port(HTTP);
    String tree = "{'type':'gauge','name':'trees','method':'inc','labels':{'species':'%s'}}";

    assertEquals(200, post(httpPort, json(tree.formatted("oak"))).statusCode());
    assertEquals(200, post(httpPort, json(tree.formatted("elm"))).statusCode());
    HttpResponse<String> third = post(httpPort, json(tree.formatted("ash")));
    HttpResponse<String> again = post(httpPort, json(tree.formatted("oak")));

    assertEquals(400, third.statusCode());
    assertTrue(
        third
            .body()
            .contains(
                "gauge trees: a new series {species=\"ash\"} would exceed the series limit"
                    + " of 4 places"),
        third.body());
    assertEquals(200, again.statusCode());
    String metrics = get(httpPort, "/metrics").body();
    assertTrue(metrics.contains("\npushprom_series 2.0\n"), metrics);
    assertTrue(metrics.contains("\npushprom_series_limit 4.0\n"), metrics);
    assertTrue(
        metrics.contains(
            "\npushprom_deltas_rejected_total{transport=\"http\",reason=\"limit\",} 1.0\n"),
        metrics);
    assertTrue(metrics.contains("\ntrees{species=\"oak\",} 2.0\n"), metrics);
    assertTrue(out().contains(" keeping at most 4 series, for ever\n"), out());
  }

  @Test
  void aSeriesWithoutDeltasForLongerThanTheTtlDisappearsWithItsMetric() throws Exception {
    start(
        "-http-listen-address",
        "127.0.0.1:0",
        "-udp-listen-address",
        "127.0.0.1:0",
        "-series-ttl",
        "200ms");
    int httpPort = port(HTTP);

    assertEquals(200, post(httpPort, COUNTER_ADD_TWO).statusCode());

    String expired =
        """
        # HELP pushprom_series_expired_total Series removed because no delta updated them for \
        longer than the TTL.
        # TYPE pushprom_series_expired_total counter
        pushprom_series_expired_total 1.0
        """;
    assertEquals(expired, awaitMetrics(httpPort, "pushprom_series_expired_total", expired));
    assertEquals("", get(httpPort, "/metrics?name%5B%5D=gophers_total").body());
    assertTrue(out().contains(" each until 200ms without a delta\n"), out());
    // Its name is free again, for another type.
    assertEquals(
        200,
        post(httpPort, json("{'type':'gauge','name':'gophers_total','method':'inc'}"))
            .statusCode());
  }
}
