package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bodies of every length up to the limit arrive whole, with a Content-Length or chunked, and hold
 * their share of the budget only while they are handled.
 */
class BodyTest {
  private static final int LIMIT = 20_000;

  private HttpServer server;

  /** What the handler of {@link #start} met last: a body's length, "refused" or "failed". */
  private final AtomicReference<String> outcome = new AtomicReference<>();

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @ParameterizedTest(name = "{0} bytes, chunked: {1}")
  @CsvSource({
    "0, false", "0, true", "120, false", "120, true", "8192, false", "8192, true",
    "8193, true", "19999, true", "20000, false", "20000, true", "20001, false", "20001, true",
    "50000, false", "50000, true"
  })
  void readsWholeBodiesAndRefusesLongerOnes(int length, boolean chunked) throws Exception {
    BodyBudget budget = new BodyBudget(1 << 20, Duration.ofMinutes(1));
    start(budget);
    byte[] sent = body(length);

    HttpResponse<String> response = post(sent, chunked);

    assertEquals(
        length > LIMIT ? "too large" : answer(sent, length, length > Body.KEPT_BYTES),
        response.body());
    assertEquals(budget.bytes(), budget.free(), "the budget is whole again");
  }

  @Test
  void aBodyLargerThanTheWholeBudgetTakesAllOfItAndIsReadWhole() throws Exception {
    BodyBudget budget = new BodyBudget(10_000, Duration.ofMinutes(1));
    start(budget);
    byte[] sent = body(LIMIT);

    assertEquals(answer(sent, LIMIT, true), post(sent, false).body());
    assertEquals(answer(sent, LIMIT, true), post(sent, true).body());
    assertEquals(10_000, budget.free());
  }

  @Test
  void aBodyWaitsForTheBytesOthersGiveBack() throws Exception {
    BodyBudget budget = new BodyBudget(30_000, Duration.ofMinutes(1));
    start(budget);
    int held = budget.take(30_000);
    byte[] sent = body(LIMIT);

    CompletableFuture<HttpResponse<String>> response =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return post(sent, false);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    while (!budget.waiting()) {
      Thread.sleep(10);
    }
    assertFalse(response.isDone(), "it waits while the budget is taken");
    budget.give(held);

    assertEquals(answer(sent, LIMIT, true), response.get().body());
    assertEquals(30_000, budget.free());
  }

  /**
   * A body refused for the budget is counted as refused even when its client has gone by the time
   * the rest of its bytes would be read and dropped (the attack of slow bodies: their reads time
   * out or are reset).
   */
  @Test
  void aBodyRefusedForTheBudgetIsRefusedEvenIfItsClientIsGone() throws Exception {
    BodyBudget budget = new BodyBudget(30_000, Duration.ofMillis(300));
    start(budget);
    int held = budget.take(30_000);
    try (Socket client = new Socket("127.0.0.1", server.getAddress().getPort())) {
      client.setSoLinger(true, 0); // closed with a reset: the server's next read fails
      client
          .getOutputStream()
          .write(
              "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\nxx"
                  .getBytes(StandardCharsets.US_ASCII));
      while (!budget.waiting()) {
        Thread.sleep(10);
      }
    }
    while (outcome.get() == null) {
      Thread.sleep(10);
    }

    assertEquals("refused", outcome.get());
    budget.give(held);
    assertEquals(30_000, budget.free());
  }

  private void start(BodyBudget budget) throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          try {
            Body body = Body.read(exchange, LIMIT, budget);
            String answer =
                body == null
                    ? "too large"
                    : body.length()
                        + " "
                        + checksum(body.bytes(), body.length())
                        + (body.held() > 0 ? " held" : "");
            if (body != null) {
              budget.give(body.held());
            }
            outcome.set(body == null ? "too large" : String.valueOf(body.length()));
            // As IngestHandler does: the rest of a body too large is dropped once answered, so
            // that closing does not reset the connection before the client reads the answer.
            Exchanges.respond(exchange, 200, answer, () -> Body.dropRest(exchange, LIMIT));
          } catch (BodyBudget.Exhausted e) {
            outcome.set("refused");
            Exchanges.respond(exchange, 503, e.getMessage());
          } catch (IOException e) {
            outcome.set("failed");
            throw e;
          } finally {
            exchange.close();
          }
        });
    server.start();
  }

  private HttpResponse<String> post(byte[] sent, boolean chunked) throws Exception {
    BodyPublisher publisher =
        chunked
            ? BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(sent))
            : BodyPublishers.ofByteArray(sent);
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"))
                .POST(publisher)
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] body(int length) {
    byte[] sent = new byte[length];
    Arrays.fill(sent, (byte) 'x');
    if (length > 0) {
      sent[length - 1] = 'y';
    }
    return sent;
  }

  private static String answer(byte[] sent, int length, boolean held) {
    return length + " " + checksum(sent, length) + (held ? " held" : "");
  }

  private static int checksum(byte[] bytes, int length) {
    int sum = 0;
    for (int i = 0; i < length; i++) {
      sum = 31 * sum + bytes[i];
    }
    return sum;
  }
}
