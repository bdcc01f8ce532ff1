package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.client.Counter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gate in front of scrapes and the status page, on a JDK server of its own: the bound on
 * readers at once, and the write timeout that cuts a reader who does not read.
 */
class ScrapeGateTest {
  private final Counter refused = Counter.build("refused", "refused").create();
  private final Counter cut = Counter.build("cut", "cut").create();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final ExecutorService workers = Executors.newCachedThreadPool();
  private HttpServer server;
  private ScrapeGate gate;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
    timer.shutdownNow();
    workers.shutdownNow();
  }

  private int serve(int maxReaders, Duration writeTimeout, HttpHandler h) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server
        .createContext("/metrics", h)
        .getFilters()
        .add(gate = new ScrapeGate(maxReaders, writeTimeout, timer, () -> refused, cut));
    server.setExecutor(workers);
    server.start();
    return server.getAddress().getPort();
  }

  @Test
  void oneReaderMoreThanTheBoundGets503AtOnceAndIsCounted() throws Exception {
    Held answers = new Held(2);
    int port = serve(2, Duration.ofMinutes(1), answers);
    List<CompletableFuture<Integer>> held = List.of(scrapeLater(port), scrapeLater(port));
    assertTrue(answers.inside.await(30, TimeUnit.SECONDS), "two readers are being answered");

    HttpResponse<String> third = Http.get(port, "/metrics");

    assertEquals(503, third.statusCode());
    assertEquals("too many scrapes at once: 2 are being answered\n", third.body());
    assertEquals(Optional.of("1"), third.headers().firstValue("Retry-After"));
    assertEquals(1.0, refused.get());
    answers.release.countDown();
    List<Integer> heldStatus = new ArrayList<>();
    for (CompletableFuture<Integer> reader : held) {
      heldStatus.add(reader.get(30, TimeUnit.SECONDS));
    }
    assertEquals(List.of(200, 200), heldStatus);
    assertEquals(200, Http.get(port, "/metrics").statusCode(), "the slots were given back");
    assertEquals(0.0, cut.get());
  }

  @Test
  void aRefusedReaderCanAskAgainOnTheSameConnection() throws Exception {
    Held held = new Held(1);
    int port = serve(1, Duration.ofHours(1), held);
    CompletableFuture<Integer> reader = scrapeLater(port);
    assertTrue(held.inside.await(30, TimeUnit.SECONDS));
    try (RawHttp connection = RawHttp.connect(port)) {
      String request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";

      assertEquals(503, connection.send(request).read().status());
      // Kept open, as its answer did not say otherwise: a keep-alive client sends its next here.
      assertEquals(503, connection.send(request).read().status());
    } finally {
      held.release.countDown();
      reader.get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aReaderWhoDoesNotReadIsCutAtTheWriteTimeoutAndItsWorkerServesAgain() throws Exception {
    EndlessFirst endless = new EndlessFirst();
    int port = serve(1, Duration.ofSeconds(1), endless);
    try (Socket stuck = scrapeWithoutReading(port)) {

      assertTrue(endless.ended.await(60, TimeUnit.SECONDS), "the blocked write was cut");
      // Counted, then its place given back, as the gate lets go, just after the handler ended.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while ((cut.get() < 1 || gate.placesFree() < 1) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(1.0, cut.get());
      // The slot is free again, and the interrupt did not follow the worker to its next request.
      assertEquals(200, Http.get(port, "/metrics").statusCode());
      assertEquals(0.0, refused.get());
      assertTrue(closedByServer(stuck), "the stuck reader's connection was closed");
    }
  }

  @Test
  void aReaderStuckInAWriteIsCutToMakeRoomForAnother() throws Exception {
    EndlessFirst endless = new EndlessFirst();
    // One place, and a write timeout no test waits for: only making room can free the place.
    int port = serve(1, Duration.ofHours(1), endless);
    try (Socket stuck = scrapeWithoutReading(port)) {
      assertTrue(endless.writing.await(60, TimeUnit.SECONDS), "the stuck reader is being answered");

      // As Prometheus would, at its next scrape: a 503 until the stuck write has lasted long
      // enough.
      HttpResponse<String> scrape = Http.get(port, "/metrics");
      for (int tries = 1; scrape.statusCode() == 503 && tries < 60; tries++) {
        Thread.sleep(1_000);
        scrape = Http.get(port, "/metrics");
      }

      assertEquals(200, scrape.statusCode());
      assertEquals("metrics\n", scrape.body());
      assertTrue(endless.ended.await(60, TimeUnit.SECONDS), "the stuck answer was cut off");
      assertEquals(1.0, cut.get());
      assertTrue(closedByServer(stuck), "the stuck reader's connection was closed");
    }
  }

  @Test
  void anAnswerBeingMadeIsNotCutForAnother() throws Exception {
    Held held = new Held(1);
    int port = serve(1, Duration.ofHours(1), held);
    CompletableFuture<Integer> reader = scrapeLater(port);
    assertTrue(held.inside.await(30, TimeUnit.SECONDS));
    // Longer than a write must be stuck for, so that only its not writing keeps it.
    Thread.sleep(2 * ScrapeGate.STALLED.toMillis());

    assertEquals(503, Http.get(port, "/metrics").statusCode());
    held.release.countDown();
    assertEquals(200, reader.get(30, TimeUnit.SECONDS));
    assertEquals(0.0, cut.get());
  }

  /**
   * Holds each {@code GET} until released, then answers {@code metrics}; answers others at once.
   */
  private static final class Held implements HttpHandler {
    final CountDownLatch inside;
    final CountDownLatch release = new CountDownLatch(1);

    /** {@code inside} counts down once {@code readers} GETs are being held. */
    Held(int readers) {
      this.inside = new CountDownLatch(readers);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
      if (exchange.getRequestMethod().equals("GET")) {
        inside.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      Exchanges.respond(exchange, 200, "metrics\n");
      exchange.close();
    }
  }

  /**
   * Answers its first request with more than any socket buffer holds, and every later one with
   * {@code metrics}.
   */
  private static final class EndlessFirst implements HttpHandler {
    final CountDownLatch writing = new CountDownLatch(1);
    final CountDownLatch ended = new CountDownLatch(1);
    private final AtomicBoolean first = new AtomicBoolean(true);

    @Override
    public void handle(HttpExchange exchange) throws IOException {
      try {
        if (first.getAndSet(false)) {
          answerEndlessly(exchange, writing::countDown);
        } else {
          Exchanges.respond(exchange, 200, "metrics\n");
        }
      } finally {
        ended.countDown();
        exchange.close();
      }
    }
  }

  /** Asks for {@code /metrics} without waiting: its status, once answered. */
  private static CompletableFuture<Integer> scrapeLater(int port) {
    return Http.CLIENT
        .sendAsync(Http.request(port, "/metrics").build(), BodyHandlers.discarding())
        .thenApply(HttpResponse::statusCode);
  }

  /**
   * Answers with more than any socket buffer holds, to a client that is not expected to read it;
   * {@code begun} runs once the answer's headers are sent.
   */
  private static void answerEndlessly(HttpExchange exchange, Runnable begun) throws IOException {
    exchange.sendResponseHeaders(200, 0);
    OutputStream body = exchange.getResponseBody();
    begun.run();
    byte[] chunk = new byte[64 << 10];
    for (int i = 0; i < 100_000; i++) {
      body.write(chunk);
    }
  }

  /** Asks for {@code /metrics} and reads none of the answer. */
  private static Socket scrapeWithoutReading(int port) throws IOException {
    return scrapeWithoutReading(port, "/metrics");
  }

  /** Asks for {@code path} and reads none of the answer. */
  private static Socket scrapeWithoutReading(int port, String path) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket
        .getOutputStream()
        .write(
            ("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    return socket;
  }

  /** Whether the server closes (or resets) {@code socket} within a minute, read to its end. */
  private static boolean closedByServer(Socket socket) throws IOException {
    socket.setSoTimeout(60_000);
    byte[] buffer = new byte[64 << 10];
    try {
      while (socket.getInputStream().read(buffer) >= 0) {}
      return true;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (java.net.SocketException e) {
      return true; // reset
    }
  }

  @Test
  void readersMakingRoomAtOnceStayWithinTheBoundAndGiveEveryPlaceBack() throws Exception {
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger mostInside = new AtomicInteger();
    CountDownLatch stuckWriting = new CountDownLatch(2);
    int port =
        serve(
            2,
            Duration.ofHours(1),
            exchange -> {
              mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
              try {
                if ("stuck".equals(exchange.getRequestURI().getQuery())) {
                  answerEndlessly(exchange, stuckWriting::countDown);
                } else {
                  Exchanges.respond(exchange, 200, "metrics\n");
                }
              } finally {
                inside.decrementAndGet();
                exchange.close();
              }
            });
    List<Socket> stuck = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        stuck.add(scrapeWithoutReading(port, "/metrics?stuck"));
      }
      assertTrue(stuckWriting.await(60, TimeUnit.SECONDS), "both places taken by stuck readers");

      // Eight readers at once, each asking again on a 503 until answered.
      List<Thread> readers = new ArrayList<>();
      List<Integer> answers = new CopyOnWriteArrayList<>();
      for (int i = 0; i < 8; i++) {
        Thread reader =
            new Thread(
                () -> {
                  try {
                    int status = Http.get(port, "/metrics").statusCode();
                    for (int tries = 1; status == 503 && tries < 300; tries++) {
                      Thread.sleep(200);
                      status = Http.get(port, "/metrics").statusCode();
                    }
                    answers.add(status);
                  } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                  }
                });
        reader.start();
        readers.add(reader);
      }
      for (Thread reader : readers) {
        reader.join(120_000);
      }

      assertEquals(List.of(200, 200, 200, 200, 200, 200, 200, 200), answers);
      // One cut frees a place the readers then take in turn; the other may be cut as well.
      assertTrue(cut.get() >= 1 && cut.get() <= 2, "stuck readers cut: " + cut.get());
      assertTrue(mostInside.get() <= 2, "answered at once: " + mostInside.get());

      // Once the stuck readers are gone, both places are free, neither lost nor handed twice.
      for (Socket socket : stuck) {
        socket.close();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (gate.placesFree() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(2, gate.placesFree());
    } finally {
      for (Socket socket : stuck) {
        socket.close();
      }
    }
  }

  @Test
  void otherMethodsPassUntouched() throws Exception {
    Held held = new Held(1);
    int port = serve(1, Duration.ofMinutes(1), held);
    CompletableFuture<Integer> reader = scrapeLater(port);
    assertTrue(held.inside.await(30, TimeUnit.SECONDS));

    assertEquals(
        200,
        Http.send(
                Http.request(port, "/metrics")
                    .method("DELETE", java.net.http.HttpRequest.BodyPublishers.noBody()))
            .statusCode());
    held.release.countDown();
    reader.get(30, TimeUnit.SECONDS);
    assertEquals(0.0, refused.get());
  }
}
