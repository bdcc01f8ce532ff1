package io.pushprom.transport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.client.Counter;
import io.pushprom.core.Aggregator;
import io.pushprom.core.IngestResult;
import io.pushprom.core.Rejection;
import java.io.IOException;
import java.io.OutputStream;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Takes deltas from HTTP {@code POST} bodies: one delta, a JSON array or NDJSON, applied all or
 * nothing. Answers {@code 200 ok}; {@code 400} with one line per rejected delta; {@code 413} for a
 * body over the limit; {@code 405} for any other method.
 *
 * <p>{@link HttpListener} mounts it on {@code /}; an application can mount it on its own server:
 *
 * <pre>{@code
 * HttpServer server = HttpServer.create(new InetSocketAddress(8080), 0);
 * server.createContext("/pushprom", IngestHandler.of(aggregator));
 * server.start();
 * }</pre>
 *
 * <p>It counts POSTs in {@code pushprom_http_requests_total}, in the aggregator's telemetry.
 */
public final class IngestHandler implements HttpHandler {
  private static final Logger LOG = Logger.getLogger(IngestHandler.class.getName());

  /** The largest body taken: ample for batches of many thousand deltas. */
  static final int MAX_BODY_BYTES = 16 << 20;

  private final Aggregator aggregator;
  private final Counter requests;

  private IngestHandler(Aggregator aggregator) {
    this.aggregator = aggregator;
    this.requests =
        aggregator
            .telemetry()
            .counter("pushprom_http_requests_total", "The number of http requests received.");
  }

  /** A handler that applies what it receives with {@code aggregator}. */
  public static IngestHandler of(Aggregator aggregator) {
    return new IngestHandler(aggregator);
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try {
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
        exchange.getResponseHeaders().set("Allow", "POST");
        Exchanges.respond(exchange, 405, "method not allowed");
        return;
      }
      requests.inc();
      Body body = Body.read(exchange, MAX_BODY_BYTES);
      if (body == null) {
        // The rest of the body is left unread, so this connection cannot serve another request.
        exchange.getResponseHeaders().set("Connection", "close");
        Exchanges.respond(
            exchange,
            413,
            "body too large: over " + MAX_BODY_BYTES + " bytes; send smaller batches\n");
        return;
      }
      if (LOG.isLoggable(Level.FINE)) {
        LOG.fine("received over http: " + body);
      }
      IngestResult result = aggregator.ingestAll("http", body.bytes(), 0, body.length());
      if (result.ok()) {
        Exchanges.respond(exchange, 200, "ok");
        return;
      }
      if (LOG.isLoggable(Level.FINE)) {
        result.rejections().forEach(rejection -> LOG.fine("rejected over http: " + rejection));
      }
      Exchanges.respond(exchange, 400, describe(result));
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "failed to handle " + exchange.getRequestURI(), e);
      try {
        Exchanges.respond(exchange, 500, "internal error: " + e + "\n");
      } catch (IOException | RuntimeException late) {
        // The answer had begun: closing the exchange is all that is left.
      }
    } finally {
      exchange.close();
    }
  }

  /** One line per rejected delta; a lone delta's line is just its reason. */
  private static String describe(IngestResult result) {
    if (result.received() <= 1) {
      return result.rejections().get(0).message() + "\n";
    }
    return result.rejections().stream().map(Rejection::toString).collect(Collectors.joining("\n"))
        + "\n";
  }
}
