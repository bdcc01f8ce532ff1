package io.pushprom.transport;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the exchanges in flight, so that closing can wait for them and no longer. The JDK's {@code
 * HttpServer.stop(delay)} waits out the whole delay even when idle (JDK-8304065, fixed in 21),
 * which would make every Ctrl-C slow.
 */
final class Drain extends Filter {
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean closing;

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    // Counted before closing is read: close() then either sees this exchange or refuses it.
    inFlight.incrementAndGet();
    if (closing) {
      inFlight.decrementAndGet();
      try {
        exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
        exchange.getResponseHeaders().set("Connection", "close");
        Exchanges.respond(exchange, 503, "shutting down");
      } finally {
        exchange.close();
      }
      return;
    }
    try {
      chain.doFilter(exchange);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  @Override
  public String description() {
    return "counts exchanges in flight; refuses new ones once closing";
  }

  /**
   * Refuses new exchanges from now on, and waits until those in flight are done.
   *
   * @return whether they all finished within {@code timeout}
   */
  boolean close(long timeout, TimeUnit unit) throws InterruptedException {
    closing = true;
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (inFlight.get() > 0) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      // Only while shutting down; the request path pays one atomic increment and decrement.
      TimeUnit.MILLISECONDS.sleep(5);
    }
    return true;
  }
}
