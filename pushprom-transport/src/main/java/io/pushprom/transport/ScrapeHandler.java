package io.pushprom.transport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Predicate;
import io.prometheus.client.SampleNameFilter;
import io.prometheus.client.exporter.common.TextFormat;
import io.pushprom.core.CounterNames;
import io.pushprom.core.TextExposition;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Serves {@code /metrics}: simpleclient's formats, negotiation and filters, streamed. Where
 * simpleclient's handler writes the whole exposition to a buffer of its thread before sending it,
 * this one writes it to the client as it is made (chunked), on the request's own thread. So a
 * scrape holds no buffer of the whole body, and a client that never reads its answer holds only its
 * own thread, until the write timeout, never the scrapes of others. Kept from simpleclient's: the
 * text format 0.0.4 or OpenMetrics by {@code Accept} ({@link TextFormat#chooseContentType}), gzip
 * by {@code Accept-Encoding} (at the fastest level), {@code name[]} filters, and {@code HEAD}; the
 * formatting is its {@link TextFormat#writeFormat}, byte for byte, but for counters named as the Go
 * original names them ({@link CounterNames#GO}), which {@link Exposition} writes, in the text format
 * 0.0.4 whatever {@code Accept} asks. A whole scrape in the text format 0.0.4 has pushed metrics
 * write themselves straight from their series ({@link TextExposition}), which makes no sample, list
 * or string per series: that is what Prometheus's {@code /metrics} of a million series costs most.
 *
 * <p>A scrape that fails is logged at {@code WARNING} with its cause and counted in {@code
 * pushprom_scrape_errors_total}. A collector that fails gets a {@code 500} naming the cause; a
 * failure while the answer is written (out of memory, say) cuts the connection instead of ending
 * the body, so the client sees an incomplete answer, never a short one that looks whole.
 */
final class ScrapeHandler implements HttpHandler {
  private static final Logger LOG = Logger.getLogger(ScrapeHandler.class.getName());
  private static final LogLimiter LIMITED = new LogLimiter(LOG, 1);

  private final CollectorRegistry registry;
  private final CounterNames counterNames;
  private final Counter errors;
  private final Runnable scraping;

  /**
   * @param scraping told as each scrape of every series begins; a scrape filtered by {@code name[]}
   *     does not count, as it may leave out what was pushed last
   */
  ScrapeHandler(
      CollectorRegistry registry, CounterNames counterNames, Counter errors, Runnable scraping) {
    this.registry = registry;
    this.counterNames = counterNames;
    this.errors = errors;
    this.scraping = scraping;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    Exchanges.skipEmptyBody(exchange);
    Set<String> names;
    try {
      names = names(exchange.getRequestURI().getRawQuery());
    } catch (IllegalArgumentException e) {
      Exchanges.respond(exchange, 400, "malformed query: " + e.getMessage() + "\n");
      exchange.close();
      return;
    }
    if (names.isEmpty()) {
      scraping.run();
    }
    String contentType =
        Exposition.contentType(counterNames, exchange.getRequestHeaders().getFirst("Accept"));
    Predicate<String> filter = SampleNameFilter.restrictToNamesEqualTo(null, names);
    List<MetricFamilySamples> families;
    try {
      // Every collector is asked first, so that one that fails gets a 500 before anything is
      // sent. That costs little: in the text format 0.0.4 pushed metrics write themselves straight
      // from their series, with no sample made; else they make their samples as they are written.
      if (filter == null && contentType.equals(TextFormat.CONTENT_TYPE_004)) {
        families = TextExposition.collect(registry);
      } else {
        families =
            Collections.list(
                filter == null
                    ? registry.metricFamilySamples()
                    : registry.filteredMetricFamilySamples(filter));
      }
    } catch (Throwable e) {
      failed(e);
      Exchanges.fail(exchange, e); // nothing was sent yet: a 500 that names the cause
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", contentType);
    if ("HEAD".equals(exchange.getRequestMethod())) {
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
      return;
    }
    boolean gzip = acceptsGzip(exchange.getRequestHeaders().get("Accept-Encoding"));
    if (gzip) {
      exchange.getResponseHeaders().set("Content-Encoding", "gzip");
    }
    // Length 0: chunked, as the exposition's length is only known once it is written.
    exchange.sendResponseHeaders(200, 0);
    OutputStream body = exchange.getResponseBody();
    OutputStream out = gzip ? fastGzip(body) : body;
    try {
      Exposition.write(contentType, out, families);
    } catch (IOException e) {
      throw e; // the client went away or was cut off: not a failed scrape
    } catch (Throwable e) {
      failed(e);
      // Not closed, which would end the chunked body as if whole: the server cuts the connection.
      throw new AbortedScrape(e);
    }
    out.close();
  }

  /**
   * gzip at the fastest level: the exposition's repetitive text still shrinks several times, at a
   * fraction of the default level's time, on the request's thread.
   */
  private static OutputStream fastGzip(OutputStream body) throws IOException {
    return new GZIPOutputStream(body, 8192) {
      {
        def.setLevel(Deflater.BEST_SPEED);
      }
    };
  }

  private void failed(Throwable e) {
    Fatal.exitIfOutOfMemory(e);
    errors.inc();
    LIMITED.log(Level.WARNING, () -> "scrape of /metrics failed", e);
  }

  /** A scrape that failed after its answer began; its connection must be cut, not closed. */
  static final class AbortedScrape extends IOException {
    private static final long serialVersionUID = 1L;

    AbortedScrape(Throwable cause) {
      super("scrape of /metrics failed: " + cause, cause);
    }
  }

  /**
   * The sample names a query asks for with {@code name[]}, as simpleclient's handler reads them;
   * none means every series.
   *
   * @throws IllegalArgumentException for a malformed percent escape
   */
  static Set<String> names(String rawQuery) {
    Set<String> names = new HashSet<>();
    if (rawQuery == null) {
      return names;
    }
    for (String pair : rawQuery.split("&")) {
      int equals = pair.indexOf('=');
      if (equals >= 0
          && URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8)
              .equals("name[]")) {
        names.add(URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
      }
    }
    return names;
  }

  /** Whether {@code Accept-Encoding} offers gzip, as simpleclient's handler reads it. */
  static boolean acceptsGzip(List<String> acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String header : acceptEncoding) {
      for (String encoding : header.split(",")) {
        if (encoding.trim().equalsIgnoreCase("gzip")) {
          return true;
        }
      }
    }
    return false;
  }
}
