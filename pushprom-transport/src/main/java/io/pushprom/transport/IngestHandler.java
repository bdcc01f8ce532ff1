package io.pushprom.transport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.client.Counter;
import io.pushprom.core.Aggregator;
import io.pushprom.core.IngestResult;
import io.pushprom.core.Rejection;
import io.pushprom.core.Transport;
import io.pushprom.core.TransportCounter;
import java.io.IOException;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Takes deltas from HTTP {@code POST} bodies: one delta, a JSON array or NDJSON, applied all or
 * nothing. Answers {@code 200 ok}; {@code 400} with one line per rejected delta, or for a malformed
 * chunked body; {@code 413} for a body over the limit, at once when its {@code Content-Length} says
 * so; {@code 405} for any other method; {@code 503} when the memory set aside for bodies (an eighth
 * of the heap) stayed taken by other bodies for five seconds. Rejected deltas are counted, and
 * logged at {@code INFO} at most ten lines a second.
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
  static {
    // As early as Pushprom can: the JDK reads it as its first server is created.
    JdkServerSettings.noDelay();
  }

  private static final Logger LOG = Logger.getLogger(IngestHandler.class.getName());

  /** Rejected deltas are logged at {@code INFO}, this many lines a second at most. */
  private static final LogLimiter REJECTIONS = new LogLimiter(LOG, 10);

  private static final LogLimiter FAILURES = new LogLimiter(LOG, 10);

  private static final LogLimiter BUSY = new LogLimiter(LOG, 1);

  /** Rejected deltas listed in a {@code 400}'s answer, at most. */
  private static final int DESCRIBED = 100;

  /** The largest body taken by default: ample for batches of many thousand deltas. */
  static final int DEFAULT_MAX_REQUEST_BYTES = 16 << 20;

  private final Aggregator aggregator;
  private final int maxRequestBytes;
  private final BodyBudget budget;
  private final Counter requests;
  private final Counter refused;

  private IngestHandler(Aggregator aggregator, int maxRequestBytes, BodyBudget budget) {
    this.aggregator = aggregator;
    this.maxRequestBytes = maxRequestBytes;
    this.budget = budget;
    this.requests = aggregator.telemetry().counter(TransportCounter.HTTP_REQUESTS);
    this.refused = aggregator.telemetry().counter(TransportCounter.HTTP_BODIES_REFUSED);
  }

  /** A handler that applies what it receives with {@code aggregator}; bodies up to 16 MiB. */
  public static IngestHandler of(Aggregator aggregator) {
    return of(aggregator, DEFAULT_MAX_REQUEST_BYTES);
  }

  /**
   * A handler that applies what it receives with {@code aggregator}, and answers {@code 413} to a
   * body of more than {@code maxRequestBytes}.
   */
  public static IngestHandler of(Aggregator aggregator, int maxRequestBytes) {
    return of(aggregator, maxRequestBytes, BodyBudget.ofHeap());
  }

  static IngestHandler of(Aggregator aggregator, int maxRequestBytes, BodyBudget budget) {
    if (maxRequestBytes < 1) {
      throw new IllegalArgumentException(
          "max request bytes: " + maxRequestBytes + " is not positive");
    }
    return new IngestHandler(aggregator, maxRequestBytes, budget);
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try {
      if (!"POST".equals(exchange.getRequestMethod())) {
        // The body is not read: the connection closes rather than carry a body of any size.
        exchange.getResponseHeaders().set("Allow", "POST");
        exchange.getResponseHeaders().set("Connection", "close");
        Exchanges.respond(exchange, 405, "method not allowed");
        return;
      }
      requests.inc();
      Body body;
      try {
        body = Body.read(exchange, maxRequestBytes, budget);
      } catch (BodyBudget.Exhausted e) {
        refused.inc();
        BUSY.log(
            Level.WARNING,
            () -> "refused a body from " + Exchanges.source(exchange) + ": " + e.getMessage());
        // As for a 413, the rest of the body is dropped, past a bound unread.
        exchange.getResponseHeaders().set("Connection", "close");
        exchange.getResponseHeaders().set("Retry-After", "1");
        Exchanges.respond(exchange, 503, e.getMessage() + "\n");
        return;
      } catch (IOException | IndexOutOfBoundsException e) {
        // The JDK's chunked decoding fails so on a malformed chunk (an index error for a huge
        // chunk size); a timeout's close fails the read too, and then the answer goes nowhere.
        exchange.getResponseHeaders().set("Connection", "close");
        Exchanges.respond(exchange, 400, "malformed request body: " + e.getMessage() + "\n");
        return;
      }
      if (body == null) {
        // The rest of the body is left unread, so this connection cannot serve another request.
        exchange.getResponseHeaders().set("Connection", "close");
        Exchanges.respond(
            exchange,
            413,
            "body too large: over " + maxRequestBytes + " bytes; send smaller batches\n",
            () -> Body.dropRest(exchange, maxRequestBytes));
        return;
      }
      if (LOG.isLoggable(Level.FINE)) {
        LOG.fine("received over http: " + body);
      }
      IngestResult result;
      try {
        result =
            aggregator.ingestAll(
                Transport.HTTP,
                body.bytes(),
                0,
                body.length(),
                () -> StatusPage.format(exchange.getRemoteAddress()));
      } finally {
        budget.give(body.held());
      }
      if (result.ok()) {
        Exchanges.respond(exchange, 200, "ok");
        return;
      }
      REJECTIONS.log(
          Level.INFO,
          () ->
              "rejected over http from "
                  + Exchanges.source(exchange)
                  + ": "
                  + result.rejections().get(0)
                  + (result.rejections().size() > 1
                      ? " (and " + (result.rejections().size() - 1) + " more in the body)"
                      : ""));
      Exchanges.respond(exchange, 400, describe(result));
    } catch (OutOfMemoryError e) {
      // Not answered here: the server's last line (Guard, in HttpListener) ends the process.
      throw e;
    } catch (RuntimeException | Error e) {
      // Errors too: the finally below closes the exchange, and an Error left to the server's
      // last line would find it closed, unanswered.
      FAILURES.log(Level.SEVERE, () -> "failed to handle " + exchange.getRequestURI(), e);
      Exchanges.fail(exchange, e);
    } finally {
      exchange.close();
    }
  }

  /**
   * One line per rejected delta, up to {@value #DESCRIBED} of them; a lone delta's line is just its
   * reason. A body of a hundred thousand bad deltas must not become an answer a hundred times its
   * size.
   */
  private static String describe(IngestResult result) {
    List<Rejection> rejections = result.rejections();
    if (result.received() <= 1) {
      return rejections.get(0).message() + "\n";
    }
    StringBuilder answer = new StringBuilder();
    for (Rejection rejection : rejections.subList(0, Math.min(DESCRIBED, rejections.size()))) {
      answer.append(rejection).append('\n');
    }
    if (rejections.size() > DESCRIBED) {
      answer
          .append("and ")
          .append(rejections.size() - DESCRIBED)
          .append(" more rejected deltas, not listed\n");
    }
    return answer.toString();
  }
}
