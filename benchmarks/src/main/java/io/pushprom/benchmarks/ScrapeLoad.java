package io.pushprom.benchmarks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Times {@code GET /metrics} of a real Pushprom jar holding many counter series (two labels each,
 * as the load generator's scrape rows), uncompressed and to the last byte, optionally while
 * connections POST single deltas flat out. Several jars are taken in turn, each filled the same,
 * so that before and after meet the same noise.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar io.pushprom.benchmarks.ScrapeLoad \
 *   --series 1000000 --scrapes 7 --posters 16 --rounds 2 [--xmx 1g] [--jvm -XX:...] \
 *   /tmp/before.jar pushprom-cli/target/pushprom.jar
 * }</pre>
 */
final class ScrapeLoad {
  private ScrapeLoad() {}

  public static void main(String[] args) throws Exception {
    int series = 100_000;
    int scrapes = 20;
    int posters = 0;
    int rounds = 1;
    String xmx = "1g";
    List<String> jvm = new ArrayList<>();
    List<Path> jars = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--series" -> series = Integer.parseInt(args[++i]);
        case "--scrapes" -> scrapes = Integer.parseInt(args[++i]);
        case "--posters" -> posters = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--xmx" -> xmx = args[++i];
        case "--jvm" -> jvm.add(args[++i]);
        default -> jars.add(Path.of(args[i]));
      }
    }
    for (int round = 1; round <= rounds; round++) {
      for (Path jar : jars) {
        run(jar, series, scrapes, posters, xmx, jvm, round);
      }
    }
  }

  private static void run(
      Path jar, int series, int scrapes, int posters, String xmx, List<String> jvm, int round)
      throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + xmx);
    command.addAll(jvm);
    command.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "-http-listen-address",
            "127.0.0.1:" + port,
            "-udp-listen-address",
            "off",
            "-max-series",
            Integer.toString(series + 1000)));
    Process server =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      awaitUp(port);
      fill(port, series);
      AtomicBoolean posting = new AtomicBoolean(true);
      LongAdder posted = new LongAdder();
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < posters; i++) {
        Thread poster = new Thread(() -> post(port, posting, posted), "poster-" + i);
        poster.setDaemon(true);
        poster.start();
        threads.add(poster);
      }
      long bytes = scrape(port)[1]; // warm-up, unmeasured
      double[] millis = new double[scrapes];
      long postedBefore = posted.sum();
      long start = System.nanoTime();
      for (int i = 0; i < scrapes; i++) {
        long[] scrape = scrape(port);
        millis[i] = scrape[0] / 1e6;
        bytes = scrape[1];
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long postedDuring = posted.sum() - postedBefore;
      posting.set(false);
      for (Thread poster : threads) {
        poster.join(10_000);
      }
      String live = liveHeap(server.pid());
      double[] sorted = millis.clone();
      Arrays.sort(sorted);
      StringBuilder each = new StringBuilder();
      for (double m : millis) {
        each.append(each.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", m));
      }
      System.out.printf(
          Locale.ROOT,
          "round %d %s: %,d series, %,d bytes: median %.1f ms (min %.1f, max %.1f) [%s]; %d posters: %,.0f POSTs/s during scrapes; live heap %s%n",
          round,
          jar,
          series,
          bytes,
          sorted[sorted.length / 2],
          sorted[0],
          sorted[sorted.length - 1],
          each,
          posters,
          postedDuring / seconds,
          live);
    } finally {
      server.destroy();
      server.waitFor();
    }
  }

  /** The live heap after a full collection, as {@code jcmd GC.class_histogram} totals it. */
  private static String liveHeap(long pid) throws IOException, InterruptedException {
    Process jcmd =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid),
                "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    String total = "?";
    for (String line :
        new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("Total")) {
        long bytes = Long.parseLong(line.trim().split("\\s+")[2]);
        total = String.format(Locale.ROOT, "%,d B", bytes);
      }
    }
    jcmd.waitFor();
    return total;
  }

  private static void awaitUp(int port) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }

  private static void fill(int port, int series) throws Exception {
    int bodies = (series + 999) / 1000;
    AtomicInteger next = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    List<Exception> failures = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Thread filler =
          new Thread(
              () -> {
                try (Connection http = new Connection(port)) {
                  for (int b = next.getAndIncrement(); b < bodies; b = next.getAndIncrement()) {
                    StringBuilder body = new StringBuilder();
                    for (int i = b * 1000; i < Math.min(series, (b + 1) * 1000); i++) {
                      body.append("{\"type\":\"counter\",\"name\":\"lg_big\",\"method\":\"inc\",")
                          .append("\"labels\":{\"a\":\"")
                          .append(i / 1000)
                          .append("\",\"b\":\"")
                          .append(i % 1000)
                          .append("\"}}\n");
                    }
                    int status = http.post(body.toString());
                    if (status != 200) {
                      throw new IOException("fill: status " + status);
                    }
                  }
                } catch (Exception e) {
                  synchronized (failures) {
                    failures.add(e);
                  }
                }
              });
      filler.start();
      threads.add(filler);
    }
    for (Thread filler : threads) {
      filler.join();
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
  }

  private static void post(int port, AtomicBoolean posting, LongAdder posted) {
    String delta = "{\"type\":\"counter\",\"name\":\"lg_during_scrape\",\"method\":\"inc\"}";
    try (Connection http = new Connection(port)) {
      while (posting.get()) {
        if (http.post(delta) != 200) {
          throw new IOException("POST: not 200");
        }
        posted.increment();
      }
    } catch (IOException e) {
      if (posting.get()) {
        e.printStackTrace();
      }
    }
  }

  /** One GET /metrics on a connection of its own: nanoseconds to the last byte, and bytes. */
  private static long[] scrape(int port) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      byte[] request =
          "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII);
      long start = System.nanoTime();
      socket.getOutputStream().write(request);
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[1 << 16];
      long bytes = 0;
      for (int n; (n = in.read(buffer)) >= 0; ) {
        bytes += n;
      }
      return new long[] {System.nanoTime() - start, bytes};
    }
  }

  /** A keep-alive HTTP/1.1 connection that POSTs bodies and reads answers with a length. */
  private static final class Connection implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    Connection(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setTcpNoDelay(true);
      out = socket.getOutputStream();
      in = new java.io.BufferedInputStream(socket.getInputStream());
    }

    int post(String body) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ByteArrayOutputStream request = new ByteArrayOutputStream(bytes.length + 100);
      request.writeBytes(
          ("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + bytes.length + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      request.writeBytes(bytes);
      out.write(request.toByteArray());
      String status = line();
      int length = 0;
      for (String header = line(); !header.isEmpty(); header = line()) {
        if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) {
          length = Integer.parseInt(header.substring(15).trim());
        }
      }
      in.readNBytes(length);
      return Integer.parseInt(status.split(" ")[1]);
    }

    private String line() throws IOException {
      StringBuilder line = new StringBuilder();
      for (int c; (c = in.read()) != '\n'; ) {
        if (c < 0) {
          throw new IOException("connection closed");
        }
        if (c != '\r') {
          line.append((char) c);
        }
      }
      return line.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
