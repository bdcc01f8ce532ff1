package io.pushprom.transport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.client.Counter;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves {@code /metrics} with simpleclient's handler and makes a failed scrape visible: it is
 * logged at {@code WARNING} with its cause, counted in {@code pushprom_scrape_errors_total}, and
 * answered {@code 500} if nothing was sent yet (simpleclient's handler writes the exposition to a
 * buffer first). Without this, a scrape that fails closes the connection unanswered, and Prometheus
 * shows the target down with nothing in Pushprom's log to say why.
 */
final class ScrapeHandler implements HttpHandler {
  private static final Logger LOG = Logger.getLogger(ScrapeHandler.class.getName());
  private static final LogLimiter LIMITED = new LogLimiter(LOG, 1);

  private final HttpHandler exposition;
  private final Counter errors;
  private final Runnable scraping;

  /**
   * @param scraping told as each scrape begins
   */
  ScrapeHandler(HttpHandler exposition, Counter errors, Runnable scraping) {
    this.exposition = exposition;
    this.errors = errors;
    this.scraping = scraping;
  }

  @Override
  public void handle(HttpExchange exchange) {
    scraping.run();
    try {
      Exchanges.skipEmptyBody(exchange);
      exposition.handle(exchange);
    } catch (Throwable e) {
      Fatal.exitIfOutOfMemory(e);
      errors.inc();
      LIMITED.log(Level.WARNING, () -> "scrape of /metrics failed", e);
      Exchanges.fail(exchange, e);
    }
  }
}
