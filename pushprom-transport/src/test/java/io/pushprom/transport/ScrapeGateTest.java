package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.prometheus.client.Counter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
    timer.shutdownNow();
    workers.shutdownNow();
  }

  private int serve(int maxReaders, Duration writeTimeout, com.sun.net.httpserver.HttpHandler h)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server
        .createContext("/metrics", h)
        .getFilters()
        .add(new ScrapeGate(maxReaders, writeTimeout, timer, () -> refused, cut));
    server.setExecutor(workers);
    server.start();
    return server.getAddress().getPort();
  }

  @Test
  void oneReaderMoreThanTheBoundGets503AtOnceAndIsCounted() throws Exception {
    CountDownLatch inside = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    int port =
        serve(
            2,
            Duration.ofMinutes(1),
            exchange -> {
              inside.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              Exchanges.respond(exchange, 200, "metrics\n");
              exchange.close();
            });
    List<Thread> held = new ArrayList<>();
    List<Integer> heldStatus = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Thread reader =
          new Thread(
              () -> {
                try {
                  int status = Http.get(port, "/metrics").statusCode();
                  synchronized (heldStatus) {
                    heldStatus.add(status);
                  }
                } catch (IOException | InterruptedException e) {
                  throw new AssertionError(e);
                }
              });
      reader.start();
      held.add(reader);
    }
    assertTrue(inside.await(30, TimeUnit.SECONDS), "two readers are being answered");

    HttpResponse<String> third = Http.get(port, "/metrics");

    assertEquals(503, third.statusCode());
    assertEquals("too many scrapes at once: 2 are being answered\n", third.body());
    assertEquals(Optional.of("1"), third.headers().firstValue("Retry-After"));
    assertEquals(1.0, refused.get());
    release.countDown();
    for (Thread reader : held) {
      reader.join(30_000);
    }
    assertEquals(List.of(200, 200), heldStatus);
    assertEquals(200, Http.get(port, "/metrics").statusCode(), "the slots were given back");
    assertEquals(0.0, cut.get());
  }

  @Test
  void aReaderWhoDoesNotReadIsCutAtTheWriteTimeoutAndItsWorkerServesAgain() throws Exception {
    CountDownLatch ended = new CountDownLatch(1);
    AtomicBoolean endless = new AtomicBoolean(true);
    int port =
        serve(
            1,
            Duration.ofSeconds(1),
            exchange -> {
              try {
                if (endless.getAndSet(false)) {
                  // An answer larger than any socket buffer, to a client that never reads it.
                  exchange.sendResponseHeaders(200, 0);
                  OutputStream body = exchange.getResponseBody();
                  byte[] chunk = new byte[64 << 10];
                  for (int i = 0; i < 100_000; i++) {
                    body.write(chunk);
                  }
                } else {
                  Exchanges.respond(exchange, 200, "metrics\n");
                }
              } finally {
                ended.countDown();
                exchange.close();
              }
            });
    try (Socket stuck = new Socket(InetAddress.getLoopbackAddress(), port)) {
      stuck
          .getOutputStream()
          .write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

      assertTrue(ended.await(60, TimeUnit.SECONDS), "the blocked write was cut");
      // Counted as the gate lets go, just after the handler ended.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (cut.get() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(1.0, cut.get());
      // The slot is free again, and the interrupt did not follow the worker to its next request.
      assertEquals(200, Http.get(port, "/metrics").statusCode());
      assertEquals(0.0, refused.get());
    }
  }

  @Test
  void aReaderStuckInAWriteIsCutToMakeRoomForAnother() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch ended = new CountDownLatch(1);
    AtomicBoolean endless = new AtomicBoolean(true);
    // One place, and a write timeout no test waits for: only making room can free the place.
    int port =
        serve(
            1,
            Duration.ofHours(1),
            exchange -> {
              try {
                if (endless.getAndSet(false)) {
                  exchange.sendResponseHeaders(200, 0);
                  OutputStream body = exchange.getResponseBody();
                  writing.countDown();
                  byte[] chunk = new byte[64 << 10];
                  for (int i = 0; i < 100_000; i++) {
                    body.write(chunk);
                  }
                } else {
                  Exchanges.respond(exchange, 200, "metrics\n");
                }
              } finally {
                ended.countDown();
                exchange.close();
              }
            });
    try (Socket stuck = new Socket(InetAddress.getLoopbackAddress(), port)) {
      stuck
          .getOutputStream()
          .write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertTrue(writing.await(60, TimeUnit.SECONDS), "the stuck reader is being answered");

      // As Prometheus would, at its next scrape: a 503 until the stuck write has lasted long
      // enough.
      HttpResponse<String> scrape = Http.get(port, "/metrics");
      for (int tries = 1; scrape.statusCode() == 503 && tries < 60; tries++) {
        Thread.sleep(1_000);
        scrape = Http.get(port, "/metrics");
      }

      assertEquals(200, scrape.statusCode());
      assertEquals("metrics\n", scrape.body());
      assertTrue(ended.await(60, TimeUnit.SECONDS), "the stuck answer was cut off");
      assertEquals(1.0, cut.get());
      assertTrue(closedByServer(stuck), "the stuck reader's connection was closed");
    }
  }

  @Test
  void anAnswerBeingMadeIsNotCutForAnother() throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    int port =
        serve(
            1,
            Duration.ofHours(1),
            exchange -> {
              inside.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              Exchanges.respond(exchange, 200, "metrics\n");
              exchange.close();
            });
    Thread reader =
        new Thread(
            () -> {
              try {
                assertEquals(200, Http.get(port, "/metrics").statusCode());
              } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
              }
            });
    reader.start();
    assertTrue(inside.await(30, TimeUnit.SECONDS));
    // Longer than a write must be stuck for, so that only its not writing keeps it.
    Thread.sleep(2 * ScrapeGate.STALLED.toMillis());

    assertEquals(503, Http.get(port, "/metrics").statusCode());
    release.countDown();
    reader.join(30_000);
    assertEquals(0.0, cut.get());
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
  void otherMethodsPassUntouched() throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    int port =
        serve(
            1,
            Duration.ofMinutes(1),
            exchange -> {
              if (exchange.getRequestMethod().equals("GET")) {
                inside.countDown();
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              Exchanges.respond(exchange, 200, "ok\n");
              exchange.close();
            });
    Thread reader =
        new Thread(
            () -> {
              try {
                Http.get(port, "/metrics");
              } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
              }
            });
    reader.start();
    assertTrue(inside.await(30, TimeUnit.SECONDS));

    assertEquals(
        200,
        Http.send(
                Http.request(port, "/metrics")
                    .method("DELETE", java.net.http.HttpRequest.BodyPublishers.noBody()))
            .statusCode());
    release.countDown();
    reader.join(30_000);
    assertEquals(0.0, refused.get());
  }
}
