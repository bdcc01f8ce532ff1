package io.pushprom.transport;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Small plain-text answers, the only kind Pushprom gives besides the exposition. */
final class Exchanges {
  private Exchanges() {}

  /** The client's address, as the log names it: {@code 127.0.0.1}. */
  static String source(HttpExchange exchange) {
    return exchange.getRemoteAddress().getAddress().getHostAddress();
  }

  static void respond(HttpExchange exchange, int status, String text) throws IOException {
    respond(exchange, status, text, null);
  }

  /** What is done once an answer is sent, before its exchange is closed. */
  interface AfterAnswer {
    void run() throws IOException;
  }

  /**
   * As {@link #respond(HttpExchange, int, String)}, and {@code then}, if not null, once the answer
   * is on its way to the client, before the exchange is closed: closing it first would make the JDK
   * keep the answer until the request's body is read.
   */
  static void respond(HttpExchange exchange, int status, String text, AfterAnswer then)
      throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (head && then == null) {
      return;
    }
    try (OutputStream out = exchange.getResponseBody()) {
      if (!head) {
        out.write(body);
      }
      if (then != null) {
        out.flush();
        then.run();
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

  /**
   * Reads the body of a request that should have none, when it has none, so that its connection can
   * serve the next request. Told not to drain what a handler leaves unread ({@code
   * sun.net.httpserver.drainAmount} 0, see {@link JdkServerSettings}), the JDK closes every
   * connection whose request body was not read to its end, even an empty one, and sends no {@code
   * Connection: close} to say so: a client's next request on it fails. A request that does have a
   * body is answered with {@code Connection: close}, its body unread.
   */
  static void skipEmptyBody(HttpExchange exchange) throws IOException {
    Headers request = exchange.getRequestHeaders();
    String length = request.getFirst("Content-Length");
    if (request.containsKey("Transfer-Encoding")
        || (length != null && !length.trim().equals("0"))) {
      exchange.getResponseHeaders().set("Connection", "close");
    } else {
      // At its end at once; reading that end is what marks the body as read.
      exchange.getRequestBody().read();
    }
  }

  /**
   * {@code handler} for {@code GET} and {@code HEAD}; any other method is answered {@code 405},
   * unread. A {@code POST /health} that answered {@code 200} would look as if it had done
   * something.
   */
  static HttpHandler readOnly(HttpHandler handler) {
    return allowing(List.of("GET", "HEAD"), handler);
  }

  /**
   * {@code handler} for the {@code methods} named; any other method is answered {@code 405},
   * unread, with an {@code Allow} header that names them in the order given.
   */
  static HttpHandler allowing(List<String> methods, HttpHandler handler) {
    String allow = String.join(", ", methods);
    String answer =
        methods.size() == 1
            ? methods.get(0)
            : String.join(", ", methods.subList(0, methods.size() - 1))
                + " and "
                + methods.get(methods.size() - 1);
    return exchange -> {
      if (methods.contains(exchange.getRequestMethod())) {
        handler.handle(exchange);
        return;
      }
      try {
        exchange.getResponseHeaders().set("Allow", allow);
        exchange.getResponseHeaders().set("Connection", "close");
        respond(
            exchange,
            405,
            "method not allowed: "
                + exchange.getRequestURI().getPath()
                + " only answers "
                + answer
                + "\n");
      } finally {
        exchange.close();
      }
    };
  }

  /**
   * A handler that hands requests of {@code method} to {@code handler}, others to {@code
   * otherwise}.
   */
  static HttpHandler onMethod(String method, HttpHandler handler, HttpHandler otherwise) {
    return exchange -> {
      if (exchange.getRequestMethod().equals(method)) {
        handler.handle(exchange);
      } else {
        otherwise.handle(exchange);
      }
    };
  }

  /** A handler that answers {@code 200 ok} to every request, for health checks. */
  static HttpHandler ok() {
    return exchange -> {
      try {
        skipEmptyBody(exchange);
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
