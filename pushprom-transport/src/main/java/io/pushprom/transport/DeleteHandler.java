package io.pushprom.transport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import io.pushprom.core.Aggregator;
import io.pushprom.core.Delta;
import io.pushprom.core.InvalidDeltaException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Removes pushed series on {@code DELETE}: {@code /metrics/{name}} a metric and all its series, by
 * the name it was pushed as ({@code gophers} and {@code gophers_total} both name the counter pushed
 * as {@code gophers}); with a query, each parameter a label, only the series of exactly those
 * labels; {@code /metrics} every pushed metric, Pushprom's own staying.
 *
 * <pre>{@code
 * DELETE /metrics/trees?species=araucaria+angustifolia&job=bot
 * }</pre>
 *
 * <p>Answers {@code 200 ok}; {@code 404} naming the metric or series not found; {@code 400} for a
 * path that names no metric, a malformed query, or labels no delta of the metric could have. A
 * query is read as an HTML form writes it: {@code +} is a space, {@code %2B} a plus, and percent
 * escapes are UTF-8. Each deletion is logged at {@code INFO} with the client's address, at most ten
 * lines a second. {@link HttpListener} hands it {@code DELETE} requests only.
 */
final class DeleteHandler implements HttpHandler {
  private static final Logger LOG = Logger.getLogger(DeleteHandler.class.getName());
  private static final String ALL = "/metrics";
  private static final String ONE = ALL + "/";

  private final Aggregator aggregator;
  private final LogLimiter deletions = new LogLimiter(LOG, 10);

  DeleteHandler(Aggregator aggregator) {
    this.aggregator = aggregator;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    Exchanges.skipEmptyBody(exchange);
    // Closed only once answered: what answer() throws goes on to the server's last line (Guard),
    // which answers 500 and closes the exchange.
    Answer answer = answer(exchange);
    Exchanges.respond(exchange, answer.status(), answer.text());
    exchange.close();
  }

  private record Answer(int status, String text) {}

  private Answer answer(HttpExchange exchange) {
    // Decoded by the JDK, which answers a malformed escape in the path with 400 itself.
    String path = exchange.getRequestURI().getPath();
    Map<String, String> labels;
    try {
      labels = labels(exchange.getRequestURI().getRawQuery());
    } catch (IllegalArgumentException e) {
      return new Answer(400, "malformed query: " + e.getMessage() + "\n");
    }
    if (path.equals(ALL)) {
      if (!labels.isEmpty()) {
        return new Answer(
            400,
            "DELETE /metrics takes no labels: name the metric, as /metrics/{name}?label=value\n");
      }
      aggregator.clear();
      deleted(exchange, "every pushed metric");
      return new Answer(200, "ok");
    }
    String name = path.startsWith(ONE) ? path.substring(ONE.length()) : "";
    if (name.isEmpty() || name.indexOf('/') >= 0) {
      return new Answer(400, "path " + path + ": expected /metrics or /metrics/{name}\n");
    }
    if (labels.isEmpty()) {
      if (!aggregator.removeFamily(name)) {
        return new Answer(404, "no metric named " + name + "\n");
      }
      deleted(exchange, "metric " + name);
    } else {
      String series = Delta.describe(name, labels);
      boolean removed;
      try {
        removed = aggregator.remove(name, labels);
      } catch (InvalidDeltaException e) {
        return new Answer(400, e.getMessage() + "\n");
      }
      if (!removed) {
        return new Answer(404, "no series " + series + "\n");
      }
      deleted(exchange, "series " + series);
    }
    return new Answer(200, "ok");
  }

  private void deleted(HttpExchange exchange, String what) {
    HttpPrincipal user = exchange.getPrincipal();
    deletions.log(
        Level.INFO,
        () ->
            "deleted "
                + what
                + " over http from "
                + Exchanges.source(exchange)
                + (user == null ? "" : " (user " + user.getUsername() + ")"));
  }

  /**
   * The labels a query names, one per {@code label=value} parameter; empty parameters ({@code
   * a=1&&b=2}, a trailing {@code &}) are skipped, as forms allow.
   *
   * @throws IllegalArgumentException for a malformed escape, a parameter without {@code =} or a
   *     name, or a label given twice
   */
  static Map<String, String> labels(String rawQuery) {
    Map<String, String> labels = new HashMap<>();
    if (rawQuery == null) {
      return labels;
    }
    for (String parameter : rawQuery.split("&")) {
      if (parameter.isEmpty()) {
        continue;
      }
      int equals = parameter.indexOf('=');
      if (equals < 0) {
        throw new IllegalArgumentException(
            decode(parameter) + " has no '=', expected label=value (label= for an empty value)");
      }
      String name = decode(parameter.substring(0, equals));
      if (name.isEmpty()) {
        throw new IllegalArgumentException(parameter + " names no label, expected label=value");
      }
      if (labels.putIfAbsent(name, decode(parameter.substring(equals + 1))) != null) {
        throw new IllegalArgumentException("label " + name + " is given twice");
      }
    }
    return labels;
  }

  /**
   * One name or value of a query, as a form encodes it: {@code +} is a space, {@code %XX} a byte,
   * and the bytes are UTF-8. The JDK reads the request line a byte to a character, so UTF-8 sent
   * unescaped arrives as one character a byte, and is decoded the same way.
   *
   * @throws IllegalArgumentException for a {@code %} without two hex digits, or bytes that are not
   *     UTF-8
   */
  static String decode(String raw) {
    byte[] bytes = new byte[raw.length()];
    int length = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int high = i + 2 < raw.length() ? hex(raw.charAt(i + 1)) : -1;
        int low = high >= 0 ? hex(raw.charAt(i + 2)) : -1;
        if (low < 0) {
          throw new IllegalArgumentException(
              raw.substring(i, Math.min(i + 3, raw.length()))
                  + " is not a percent escape, expected % and two hex digits (%25 for %)");
        }
        bytes[length++] = (byte) (high << 4 | low);
        i += 2;
      } else if (c == '+') {
        bytes[length++] = ' ';
      } else if (c <= 0xFF) {
        bytes[length++] = (byte) c;
      } else {
        // The JDK reads no such character from a request line; a caller of our own might.
        throw new IllegalArgumentException(raw + " holds characters, not bytes");
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .decode(ByteBuffer.wrap(bytes, 0, length))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(raw + " is not UTF-8 once decoded");
    }
  }

  /** The value of an ASCII hex digit; -1 for any other character (Character.digit takes more). */
  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
      return (c | 0x20) - 'a' + 10;
    }
    return -1;
  }
}
