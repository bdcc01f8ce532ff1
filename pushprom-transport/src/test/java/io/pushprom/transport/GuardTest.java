package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@link Guard} filter on a JDK server with one worker thread. Without it, an {@link Error}
 * from a handler kills the worker (its pool starts another) and leaves the connection open and
 * unanswered.
 */
class GuardTest {
  private HttpServer server;
  private ExecutorService worker;
  private int port;

  /** The threads that ran the handlers, in order. */
  private final List<Thread> handledOn = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startServer() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    port = server.getAddress().getPort();
    worker = Executors.newSingleThreadExecutor();
    server.setExecutor(worker);
    guard(
        "/ok",
        exchange -> {
          try (exchange) {
            Exchanges.respond(exchange, 200, "ok");
          }
        });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
    worker.shutdownNow();
  }

  private void guard(String path, HttpHandler handler) {
    HttpContext context =
        server.createContext(
            path,
            exchange -> {
              handledOn.add(Thread.currentThread());
              handler.handle(exchange);
            });
    context.getFilters().add(new Guard());
  }

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of(
            "AssertionError",
            (Supplier<Throwable>) () -> new AssertionError("handler broke"),
            "internal error: java.lang.AssertionError: handler broke\n"),
        Arguments.of(
            "StackOverflowError",
            (Supplier<Throwable>) () -> new StackOverflowError("handler recursed"),
            "internal error: java.lang.StackOverflowError: handler recursed\n"),
        Arguments.of(
            "IllegalStateException",
            (Supplier<Throwable>) () -> new IllegalStateException("handler failed"),
            "internal error: java.lang.IllegalStateException: handler failed\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void failureBeforeTheAnswerIsAnswered500AndTheServerServesOn(
      String kind, Supplier<Throwable> failure, String body) throws Exception {
    guard(
        "/fail",
        exchange -> {
          throw sneaky(failure.get());
        });

    HttpResponse<String> failed;
    try (CapturedLogs logs = CapturedLogs.of(Guard.class)) {
      failed = Http.get(port, "/fail");
      assertEquals(1, logs.at(Level.SEVERE).size(), "SEVERE records: " + logs.lines());
    }
    HttpResponse<String> next = Http.get(port, "/ok");

    assertEquals(500, failed.statusCode());
    assertEquals(body, failed.body());
    assertEquals(200, next.statusCode());
    assertEquals("ok", next.body());
    assertSameWorker();
  }

  /** The one worker that ran the failing handler lived to run the next one. */
  private void assertSameWorker() {
    assertEquals(2, handledOn.size(), "handlers run: " + handledOn);
    assertSame(handledOn.get(0), handledOn.get(1), "worker of the failed request, then the next");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void failureAfterTheAnswerBeganClosesTheConnectionAndTheServerServesOn(
      String kind, Supplier<Throwable> failure, String unused) throws Exception {
    guard(
        "/fail",
        exchange -> {
          exchange.sendResponseHeaders(200, 100);
          OutputStream out = exchange.getResponseBody();
          out.write("ten bytes.".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          throw sneaky(failure.get());
        });

    try (RawHttp connection = RawHttp.connect(port)) {
      RawHttp.Response begun =
          connection.send("GET /fail HTTP/1.1\r\nHost: localhost\r\n\r\n").read();

      assertEquals("HTTP/1.1 200 OK", begun.statusLine());
      assertEquals("ten bytes.", begun.body());
      assertTrue(connection.closedByServer(), "connection still open after the handler failed");
    }
    HttpResponse<String> next = Http.get(port, "/ok");

    assertEquals(200, next.statusCode());
    assertEquals("ok", next.body());
    assertSameWorker();
  }

  /** Throws {@code thrown}, checked or not, from a handler that may only throw IOException. */
  @SuppressWarnings("unchecked")
  private static <T extends Throwable> RuntimeException sneaky(Throwable thrown) throws T {
    throw (T) thrown;
  }
}
