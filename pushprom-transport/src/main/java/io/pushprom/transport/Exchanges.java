package io.pushprom.transport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Small plain-text answers, the only kind Pushprom gives besides the exposition. */
final class Exchanges {
  private Exchanges() {}

  static void respond(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /**
   * Answers {@code 500} naming {@code failure} if no answer has begun, and closes the exchange: the
   * last resort of a handler that failed.
   */
  static void fail(HttpExchange exchange, Throwable failure) {
    try {
      if (exchange.getResponseCode() == -1) {
        exchange.getResponseHeaders().set("Connection", "close");
        respond(exchange, 500, "internal error: " + failure + "\n");
      }
    } catch (IOException | RuntimeException late) {
      // The client is gone or the answer could not be sent: closing is all that is left.
    } finally {
      exchange.close();
    }
  }

  /** A handler that answers {@code 200 ok} to every request, for health checks. */
  static HttpHandler ok() {
    return exchange -> {
      try {
        exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
        respond(exchange, 200, "ok");
      } finally {
        exchange.close();
      }
    };
  }

  /** A handler that serves {@code path} itself and hands any longer path to {@code otherwise}. */
  static HttpHandler onlyAt(String path, HttpHandler handler, HttpHandler otherwise) {
    return exchange -> {
      if (exchange.getRequestURI().getPath().equals(path)) {
        handler.handle(exchange);
      } else {
        otherwise.handle(exchange);
      }
    };
  }
}
