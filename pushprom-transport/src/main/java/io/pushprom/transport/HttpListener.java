package io.pushprom.transport;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.client.exporter.HTTPServer;
import io.pushprom.core.Aggregator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pushprom's HTTP server, on the JDK's {@link HttpServer}: {@code POST /} (any path but the ones
 * below) takes deltas through an {@link IngestHandler}; {@code GET /metrics} is the exposition,
 * served by simpleclient's own handler (gzip, OpenMetrics by {@code Accept}, {@code name[]=}
 * filters); {@code /health}, {@code /-/healthy} and {@code /-/ready} answer {@code ok}.
 *
 * <pre>{@code
 * Aggregator aggregator = Aggregator.create();
 * try (HttpListener http = HttpListener.start(aggregator, new InetSocketAddress(0))) {
 *   System.out.println("metrics on http://localhost:" + http.port() + "/metrics");
 * }
 * }</pre>
 */
public final class HttpListener implements AutoCloseable {
  static {
    // The JDK server writes headers and body in separate packets; with Nagle's algorithm on, a
    // keep-alive client waits for its delayed ACK, about 40 ms per small response.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  /** How long {@link #close()} lets requests in flight finish. */
  private static final int GRACE_SECONDS = 4;

  private final HttpServer server;
  private final List<ExecutorService> executors;
  private final Drain drain;

  private HttpListener(HttpServer server, List<ExecutorService> executors, Drain drain) {
    this.server = server;
    this.executors = executors;
    this.drain = drain;
  }

  /**
   * Binds {@code address} (port 0 picks a free port) and starts serving.
   *
   * @throws java.net.BindException if the address is in use
   */
  public static HttpListener start(Aggregator aggregator, InetSocketAddress address)
      throws IOException {
    HttpServer server = HttpServer.create(address, 1024);
    Drain drain = new Drain();
    HttpHandler ingest = IngestHandler.of(aggregator);
    server.createContext("/", ingest).getFilters().add(drain);
    // The JDK matches contexts by string prefix, Go's mux by whole path: /metricsfoo and /healthz
    // are ingest paths in Go's pushprom, so they are here.
    Map<String, HttpHandler> exact = new LinkedHashMap<>();
    // simpleclient's handler keeps its thread's buffer as large as the largest exposition, so one
    // thread serves every scrape: a million series hold one 64 MiB buffer, not one per thread.
    ExecutorService scraper = newExecutor(1, new ArrayBlockingQueue<>(4), "pushprom-scrape-");
    exact.put(
        "/metrics", Exchanges.on(scraper, new HTTPServer.HTTPMetricHandler(aggregator.registry())));
    for (String path : List.of("/health", "/-/healthy", "/-/ready")) {
      exact.put(path, Exchanges.ok());
    }
    exact.forEach(
        (path, handler) ->
            server
                .createContext(path, Exchanges.onlyAt(path, handler, ingest))
                .getFilters()
                .add(drain));
    int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    // Unbounded queue: the JDK server's dispatcher has no answer for a rejected exchange.
    ExecutorService executor = newExecutor(threads, new LinkedBlockingQueue<>(), "pushprom-http-");
    server.setExecutor(executor);
    server.start();
    return new HttpListener(server, List.of(executor, scraper), drain);
  }

  private static ExecutorService newExecutor(
      int threads, BlockingQueue<Runnable> queue, String name) {
    AtomicInteger count = new AtomicInteger();
    return new ThreadPoolExecutor(
        threads,
        threads,
        0,
        TimeUnit.SECONDS,
        queue,
        task -> {
          Thread thread = new Thread(task, name + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
  }

  /** The address the server is bound to, with the real port if port 0 was asked for. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** The port the server is bound to, the real one if port 0 was asked for. */
  public int port() {
    return address().getPort();
  }

  /**
   * Stops taking requests: from now on each is answered {@code 503} (so {@code /-/ready} tells a
   * load balancer to look elsewhere). Lets those in flight finish, for up to four seconds, then
   * closes the port and stops the server's threads.
   */
  @Override
  public void close() {
    try {
      drain.close(GRACE_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.stop(0);
    executors.forEach(ExecutorService::shutdownNow);
  }
}
