package io.pushprom.transport;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Shuts HTTP down gently. Once closing, deltas and deletions are refused with {@code 503} (and
 * {@code /-/ready} says {@code 503}, so a load balancer looks elsewhere), while {@code GET
 * /metrics} and {@code /health} still answer: the deltas acknowledged since the last scrape are
 * only seen if Prometheus scrapes once more. Closing waits for the requests in flight, then, if
 * deltas were applied since the last scrape began and anything scrapes this server at all, for one
 * more scrape, up to a grace period.
 *
 * <p>It counts exchanges itself because the JDK's {@code HttpServer.stop(delay)} waits out the
 * whole delay even when idle (JDK-8304065, fixed in 21), which would make every Ctrl-C slow.
 */
final class Drain {
  private final AtomicInteger inFlight = new AtomicInteger();
  private final LongSupplier applied;
  private volatile boolean closing;

  /** What {@link #applied} said when the last scrape began; -1 before the first. */
  private volatile long appliedAtLastScrape = -1;

  /**
   * @param applied the deltas applied so far, by every transport
   */
  Drain(LongSupplier applied) {
    this.applied = applied;
  }

  /** Counts exchanges in flight and, once closing, refuses new ones with {@code 503}. */
  Filter writes() {
    return filter(false, "counts exchanges in flight; refuses new ones once closing");
  }

  /**
   * Counts exchanges in flight, and answers reads ({@code GET}, {@code HEAD}) even while closing.
   * Any other method on these paths changes something (a push to {@code /metricsfoo}, a deletion),
   * so once closing it is refused as {@link #writes} refuses it.
   */
  Filter reads() {
    return filter(true, "counts exchanges in flight; refuses all but reads once closing");
  }

  private Filter filter(boolean answersReads, String description) {
    return new Filter() {
      @Override
      public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        // Counted before closing is read: close() then either sees this exchange or refuses it.
        inFlight.incrementAndGet();
        try {
          if (closing && !(answersReads && isRead(exchange.getRequestMethod()))) {
            exchange.getResponseHeaders().set("Connection", "close");
            Exchanges.respond(exchange, 503, "shutting down");
            exchange.close();
            return;
          }
          chain.doFilter(exchange);
        } finally {
          inFlight.decrementAndGet();
        }
      }

      @Override
      public String description() {
        return description;
      }
    };
  }

  private static boolean isRead(String method) {
    return method.equals("GET") || method.equals("HEAD");
  }

  /** Notes that a scrape begins: what was applied before now is in it. */
  void scraping() {
    appliedAtLastScrape = applied.getAsLong();
  }

  /** {@code /-/ready}: {@code 200} until closing, then {@code 503}. */
  HttpHandler ready() {
    return exchange -> {
      try {
        Exchanges.skipEmptyBody(exchange);
        if (closing) {
          Exchanges.respond(exchange, 503, "shutting down");
        } else {
          Exchanges.respond(exchange, 200, "ok");
        }
      } finally {
        exchange.close();
      }
    };
  }

  /**
   * Refuses new deltas from now on, waits until the exchanges in flight are done and, if deltas
   * were applied since the last scrape began, for another scrape; all within {@code timeout}.
   *
   * @return whether it ended before the timeout
   */
  boolean close(long timeout, TimeUnit unit) throws InterruptedException {
    closing = true;
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (inFlight.get() > 0 || unscraped()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      // Only while shutting down; the request path pays one atomic increment and decrement.
      TimeUnit.MILLISECONDS.sleep(5);
    }
    return true;
  }

  /** Deltas were applied since the last scrape began, and something scrapes this server. */
  private boolean unscraped() {
    long atLastScrape = appliedAtLastScrape;
    return atLastScrape >= 0 && applied.getAsLong() > atLastScrape;
  }
}
