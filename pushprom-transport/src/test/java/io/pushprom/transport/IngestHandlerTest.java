package io.pushprom.transport;

import static io.pushprom.transport.Deltas.inc;
import static io.pushprom.transport.Samples.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.sun.net.httpserver.HttpServer;
import io.pushprom.core.Aggregator;
import io.pushprom.core.IngestResult;
import io.pushprom.core.Transport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The handler on an application's own {@link HttpServer}, as the embedding docs show it. */
class IngestHandlerTest {
  private Aggregator aggregator;

  @BeforeEach
  void createAggregator() {
    aggregator = Aggregator.create();
  }

  private static HttpServer startServer() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/app",
        exchange -> {
          byte[] body = "the application".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    return server;
  }

  @Test
  void handlerMountedOnAnApplicationsServerTakesDeltasAtItsPath() throws Exception {
    HttpServer server = startServer();
    server.createContext("/pushprom", IngestHandler.of(aggregator));
    server.start();
    try {
      int port = server.getAddress().getPort();

      HttpResponse<String> pushed = Http.post(port, "/pushprom", inc("gophers"));
      HttpResponse<String> own = Http.get(port, "/app");

      assertEquals(200, pushed.statusCode());
      assertEquals("ok", pushed.body());
      assertEquals(1.0, value(aggregator.registry(), "gophers_total"));
      assertEquals(1.0, value(aggregator.registry(), "pushprom_http_requests_total"));
      assertEquals("the application", own.body());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void answerListsTheFirstHundredRejectionsAndCountsTheRest() throws Exception {
    HttpServer server = startServer();
    server.createContext("/", IngestHandler.of(aggregator));
    server.start();
    try {
      HttpResponse<String> refused =
          Http.post(server.getAddress().getPort(), "/", "{}\n".repeat(150));

      List<String> lines = refused.body().lines().toList();
      assertEquals(400, refused.statusCode());
      assertEquals(101, lines.size());
      assertEquals(
          "delta 0: delta: missing type, expected counter, gauge, histogram or summary",
          lines.get(0));
      assertEquals("and 50 more rejected deltas, not listed", lines.get(100));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void handlerMountedOnAnApplicationsServerAnswersProblemsAsAtRoot() throws Exception {
    HttpServer server = startServer();
    server.createContext("/pushprom", IngestHandler.of(aggregator));
    server.start();
    try {
      int port = server.getAddress().getPort();

      HttpResponse<String> invalid =
          Http.post(
              port,
              "/pushprom",
              Deltas.json("{'type':'counter','name':'gophers','method':'add','value':-1}"));
      HttpResponse<String> get = Http.get(port, "/pushprom");

      assertEquals(400, invalid.statusCode());
      assertEquals("counter gophers: negative increment -1 is not allowed\n", invalid.body());
      assertEquals(405, get.statusCode());
      assertEquals(Optional.of("POST"), get.headers().firstValue("Allow"));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void largeBodyFindingTheBudgetTakenIsRefused503AndSmallOnesStillApply() throws Exception {
    BodyBudget budget = new BodyBudget(100_000, Duration.ofMillis(200));
    HttpServer server = startServer();
    server.createContext("/", IngestHandler.of(aggregator, 1 << 20, budget));
    server.start();
    try {
      int port = server.getAddress().getPort();
      String batch = (inc("batched") + "\n").repeat(500);
      int held = budget.take(100_000);

      HttpResponse<String> refused = Http.post(port, "/", batch);
      HttpResponse<String> single = Http.post(port, "/", inc("single"));
      budget.give(held);
      HttpResponse<String> retried = Http.post(port, "/", batch);

      assertEquals(503, refused.statusCode());
      assertEquals(
          "busy: the 100000 bytes set aside for request bodies stayed taken for 200 ms; retry\n",
          refused.body());
      assertEquals(Optional.of("1"), refused.headers().firstValue("Retry-After"));
      assertEquals(1.0, value(aggregator.registry(), "pushprom_http_bodies_refused_total"));
      assertEquals(200, single.statusCode());
      assertEquals(1.0, value(aggregator.registry(), "single_total"));
      assertEquals(200, retried.statusCode());
      assertEquals(500.0, value(aggregator.registry(), "batched_total"), "applied once");
      assertEquals(100_000, budget.free(), "each body gave back what it held");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void failingAggregatorIsAnswered500AndTheExchangeStillClosed() throws Exception {
    Aggregator failing = mock(Aggregator.class);
    when(failing.telemetry()).thenReturn(aggregator.telemetry());
    when(failing.ingestAll(eq(Transport.HTTP), any(byte[].class), anyInt(), anyInt(), any()))
        .thenThrow(new IllegalStateException("registry is gone"))
        .thenReturn(new IngestResult(1, 1, List.of()));
    HttpServer server = startServer();
    server.createContext("/", IngestHandler.of(failing));
    server.start();
    try {
      int port = server.getAddress().getPort();

      HttpResponse<String> failed = Http.post(port, "/", inc("gophers"));
      // Answered only if the server is still serving after the failure.
      HttpResponse<String> next = Http.post(port, "/", inc("gophers"));

      assertEquals(500, failed.statusCode());
      assertEquals(
          "internal error: java.lang.IllegalStateException: registry is gone\n", failed.body());
      assertEquals(200, next.statusCode());
      assertEquals("ok", next.body());
      verify(failing, times(2))
          .ingestAll(eq(Transport.HTTP), any(byte[].class), anyInt(), anyInt(), any());
    } finally {
      server.stop(0);
    }
  }
}
