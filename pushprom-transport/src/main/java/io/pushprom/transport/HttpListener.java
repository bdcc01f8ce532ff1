package io.pushprom.transport;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.prometheus.client.Counter;
import io.pushprom.core.Aggregator;
import io.pushprom.core.TransportCounter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;

/**
 * Pushprom's HTTP server, on the JDK's {@link HttpServer}: {@code POST /} (any path but the ones
 * below) takes deltas through an {@link IngestHandler}; {@code GET /metrics} is the exposition,
 * served by simpleclient's own handler (gzip, OpenMetrics by {@code Accept}, {@code name[]=}
 * filters); {@code DELETE /metrics/{name}?label=value} removes a metric or one of its series, and
 * {@code DELETE /metrics} every pushed metric; {@code /health}, {@code /-/healthy} and {@code
 * /-/ready} answer {@code ok}; {@code GET /} from a browser is a status page (see {@link
 * Builder#udpAddresses}).
 *
 * <pre>{@code
 * Aggregator aggregator = Aggregator.create();
 * try (HttpListener http = HttpListener.builder(aggregator)
 *     .address(new InetSocketAddress(9091))
 *     .readTimeout(Duration.ofSeconds(10))
 *     .start()) {
 *   System.out.println("metrics on http://localhost:" + http.port() + "/metrics");
 * }
 * }</pre>
 *
 * <p>No client can hold the server: the JDK reads a request's headers and body on a worker thread,
 * so each request has one of up to 2,000 workers ({@link Builder#workers}), and a client that sends
 * its request or reads its answer too slowly is cut off after the read or write timeout (the JDK's
 * {@code sun.net.httpserver.maxReqTime} and {@code maxRspTime}, which it reads once per JVM: see
 * {@link Builder#readTimeout}). Whatever a handler throws, the client gets an answer and the worker
 * lives on; an {@link OutOfMemoryError} ends the process with exit code 3, as {@code
 * -XX:+ExitOnOutOfMemoryError} would, so that a supervisor restarts it.
 */
public final class HttpListener implements AutoCloseable {
  static {
    // As early as Pushprom can: the JDK reads it as its first server is created.
    JdkServerSettings.noDelay();
  }

  private static final Logger LOG = Logger.getLogger(HttpListener.class.getName());
  private static final LogLimiter BUSY = new LogLimiter(LOG, 1);
  private static final LogLimiter UNAUTHORIZED = new LogLimiter(LOG, 10);

  /**
   * Requests handled at once, at most, by default. A slow client holds one worker until its
   * timeout, so this many slow clients at once (each on a connection of its own) keep others out
   * for that long.
   */
  static final int DEFAULT_WORKERS = 2_000;

  /**
   * Scrapes and status pages answered at once, at most; one more takes the place of one whose
   * client has read nothing for a second, or gets {@code 503}. Prometheus scrapes one at a time,
   * twice for a pair; each holds a worker and the memory of the series it is writing until its
   * client has read them, for at most the write timeout.
   */
  static final int MAX_SCRAPES = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

  private final HttpServer server;
  private final List<ExecutorService> executors;
  private final Drain drain;
  private final Duration gracePeriod;

  private HttpListener(
      HttpServer server, List<ExecutorService> executors, Drain drain, Duration gracePeriod) {
    this.server = server;
    this.executors = executors;
    this.drain = drain;
    this.gracePeriod = gracePeriod;
  }

  /**
   * Binds {@code address} (port 0 picks a free port) and starts serving with the default settings.
   *
   * @throws java.net.BindException if the address is in use
   */
  public static HttpListener start(Aggregator aggregator, InetSocketAddress address)
      throws IOException {
    return builder(aggregator).address(address).start();
  }

  /** Settings for a listener that applies deltas with {@code aggregator}. */
  public static Builder builder(Aggregator aggregator) {
    return new Builder(aggregator);
  }

  /**
   * A listener's settings; {@link #start()} binds and starts it.
   *
   * <pre>{@code
   * HttpListener http = HttpListener.builder(aggregator).address(new InetSocketAddress(0)).start();
   * }</pre>
   */
  public static final class Builder {
    private final Aggregator aggregator;
    private InetSocketAddress address = new InetSocketAddress(9091);
    private Duration readTimeout = Duration.ofSeconds(10);
    private Duration writeTimeout = Duration.ofSeconds(10);
    private int maxRequestBytes = IngestHandler.DEFAULT_MAX_REQUEST_BYTES;
    private Duration gracePeriod = Duration.ofSeconds(15);
    private BasicAuth auth;
    private boolean authMetrics;
    private SSLContext tls;
    private List<InetSocketAddress> udpAddresses = List.of();
    private int workers = DEFAULT_WORKERS;
    private Executor executor;

    private Builder(Aggregator aggregator) {
      this.aggregator = Objects.requireNonNull(aggregator, "aggregator");
    }

    /** Where to listen; port 0 picks a free port. Default: every interface, port 9091. */
    public Builder address(InetSocketAddress address) {
      this.address = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * How long a client may take to send a request, headers and body, from its first byte. Default
     * 10 s, as the Go original. The JDK takes it, in whole seconds, from the system property {@code
     * sun.net.httpserver.maxReqTime}, which it reads once, when the JVM's first {@code HttpServer}
     * starts: this sets the property unless it is set already, so an application that starts a JDK
     * server of its own first should pass {@code -Dsun.net.httpserver.maxReqTime=10} at launch.
     */
    public Builder readTimeout(Duration readTimeout) {
      this.readTimeout = JdkServerSettings.positiveSeconds("read timeout", readTimeout);
      return this;
    }

    /**
     * How long a request may take from its last byte to the last byte of the answer, the client's
     * reading included. Default 10 s. As {@link #readTimeout}, through {@code
     * sun.net.httpserver.maxRspTime}.
     */
    public Builder writeTimeout(Duration writeTimeout) {
      this.writeTimeout = JdkServerSettings.positiveSeconds("write timeout", writeTimeout);
      return this;
    }

    /** The largest request body taken, in bytes; larger ones get {@code 413}. Default 16 MiB. */
    public Builder maxRequestBytes(int maxRequestBytes) {
      if (maxRequestBytes < 1) {
        throw new IllegalArgumentException(
            "max request bytes: " + maxRequestBytes + " is not positive");
      }
      this.maxRequestBytes = maxRequestBytes;
      return this;
    }

    /**
     * How long {@link #close()} may take: to let the requests in flight finish and, when deltas
     * were applied since the last scrape, to wait for one more. Default 15 s.
     */
    public Builder gracePeriod(Duration gracePeriod) {
      if (gracePeriod.isNegative()) {
        throw new IllegalArgumentException("grace period: " + gracePeriod + " is negative");
      }
      this.gracePeriod = gracePeriod;
      return this;
    }

    /**
     * Asks for HTTP Basic credentials from {@code auth} on every request that is not a {@code GET}
     * or {@code HEAD} (pushes, deletions), and on {@code GET /metrics} too if {@code
     * protectMetrics}. Health checks stay open.
     */
    public Builder basicAuth(BasicAuth auth, boolean protectMetrics) {
      this.auth = Objects.requireNonNull(auth, "auth");
      this.authMetrics = protectMetrics;
      return this;
    }

    /** Serves HTTPS with {@code tls}, as {@link TlsFiles#sslContext} makes one, instead of HTTP. */
    public Builder tls(SSLContext tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * The addresses the process also takes UDP deltas on, for the status page to show beside the
     * HTTP address; none unless told.
     *
     * <pre>{@code
     * HttpListener.builder(aggregator).udpAddresses(List.of(udp.address())).start();
     * }</pre>
     */
    public Builder udpAddresses(List<InetSocketAddress> addresses) {
      this.udpAddresses = List.copyOf(addresses);
      return this;
    }

    /**
     * The most requests handled at once, each on a thread of the listener's own: max(4, 2 × cores)
     * take requests in turn, and when one has waited 100 ms (slow clients hold them) more start, up
     * to this many, which stop once none has waited that long for 5 s. A connection that comes when
     * all are busy is closed unanswered and counted in {@code
     * pushprom_http_connections_refused_total}. Default 2,000; replaces an {@link #executor}.
     */
    public Builder workers(int workers) {
      if (workers < 1) {
        throw new IllegalArgumentException("workers: " + workers + " is not positive");
      }
      this.workers = workers;
      this.executor = null;
      return this;
    }

    /**
     * Handles requests on the application's {@code executor} instead of the listener's own threads,
     * say {@code Executors.newVirtualThreadPerTaskExecutor()} on Java 21. It should not queue for
     * long: a queued request's client waits, and its read timeout runs meanwhile. {@link #close()}
     * leaves it running, and connections it refuses are not counted. Replaces {@link #workers}.
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Binds the address and starts serving.
     *
     * @throws java.net.BindException if the address is in use
     */
    public HttpListener start() throws IOException {
      JdkServerSettings.apply(readTimeout, writeTimeout);
      HttpServer server;
      if (tls == null) {
        server = HttpServer.create(address, 1024);
      } else {
        HttpsServer https = HttpsServer.create(address, 1024);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        server = https;
      }
      Instant started = Instant.now();
      Drain drain = new Drain(aggregator::appliedCount);
      Guard guard = new Guard();
      HttpHandler ingest = IngestHandler.of(aggregator, maxRequestBytes);
      StatusPage page =
          new StatusPage(
              aggregator,
              started,
              tls == null ? "http" : "https",
              server.getAddress(),
              udpAddresses);
      // Health checks and pushes alike need no credentials to read; anything else needs them.
      Authenticator open = null;
      Authenticator metrics = null;
      Authenticator browsers = null;
      if (auth != null) {
        Counter unauthorized = aggregator.telemetry().counter(TransportCounter.HTTP_UNAUTHORIZED);
        open = counted(auth.authenticator(false), unauthorized);
        metrics = counted(auth.authenticator(authMetrics), unauthorized);
        // Always: the page quotes rejected pushes, which may hold what only pushers should see.
        browsers = counted(auth.authenticator(true), unauthorized);
      }
      Counter scrapeErrors = aggregator.telemetry().counter(TransportCounter.SCRAPE_ERRORS);
      ScheduledExecutorService deadlines =
          Executors.newSingleThreadScheduledExecutor(
              task -> {
                Thread thread = new Thread(task, "pushprom-http-deadlines");
                thread.setDaemon(true);
                return thread;
              });
      // Scrapes and the status page share one bound: each walks every series.
      ScrapeGate gate =
          new ScrapeGate(
              MAX_SCRAPES,
              writeTimeout,
              deadlines,
              () -> aggregator.telemetry().counter(TransportCounter.HTTP_SCRAPES_REFUSED),
              scrapeErrors);
      // The status page asks for credentials whenever pushes need them, and is answered while
      // closing as /metrics is. Any other GET / is refused 405 by the ingest handler, as before.
      mount(
          server,
          "/",
          StatusPage.routing(page, ingest),
          guard,
          drain.reads(),
          open == null ? null : StatusPage.authenticating(browsers, open),
          gate);
      HttpHandler scrape =
          new ScrapeHandler(
              aggregator.registry(), aggregator.counterNames(), scrapeErrors, drain::scraping);
      HttpHandler delete = new DeleteHandler(aggregator);
      // The JDK matches contexts by string prefix, Go's mux by whole path: /metricsfoo and /healthz
      // are ingest paths in Go's pushprom, so they are here; so is a POST to /metrics/{name}.
      mount(
          server,
          "/metrics",
          Exchanges.onlyAt(
              "/metrics",
              Exchanges.allowing(
                  List.of("GET", "HEAD", "DELETE"), Exchanges.onMethod("DELETE", delete, scrape)),
              ingest),
          guard,
          drain.reads(),
          metrics,
          gate);
      mount(
          server,
          "/metrics/",
          Exchanges.allowing(
              List.of("POST", "DELETE"), Exchanges.onMethod("DELETE", delete, ingest)),
          guard,
          drain.writes(),
          open);
      for (String path : List.of("/health", "/-/healthy")) {
        mount(
            server,
            path,
            Exchanges.onlyAt(path, Exchanges.readOnly(Exchanges.ok()), ingest),
            guard,
            drain.reads(),
            open);
      }
      mount(
          server,
          "/-/ready",
          Exchanges.onlyAt("/-/ready", Exchanges.readOnly(drain.ready()), ingest),
          guard,
          drain.reads(),
          open);
      if (executor != null) {
        server.setExecutor(executor);
        server.start();
        return new HttpListener(server, List.of(deadlines), drain, gracePeriod);
      }
      ExecutorService pool = workers(aggregator, workers, deadlines);
      server.setExecutor(pool);
      server.start();
      return new HttpListener(server, List.of(pool, deadlines), drain, gracePeriod);
    }

    private static ExecutorService workers(
        Aggregator aggregator, int workers, ScheduledExecutorService checks) {
      Counter refused = aggregator.telemetry().counter(TransportCounter.HTTP_CONNECTIONS_REFUSED);
      return WorkerPool.start(
          Math.min(workers, Math.max(4, 2 * Runtime.getRuntime().availableProcessors())),
          workers,
          "pushprom-http-",
          checks,
          (request, pool) -> {
            refused.inc();
            BUSY.log(
                Level.WARNING,
                () ->
                    "all "
                        + workers
                        + " http workers are busy (slow clients?): closing a new connection");
            throw WorkerPool.busy();
          });
    }

    /** {@code authenticator}, whose refusals are counted and logged (at a bounded rate). */
    private static Authenticator counted(Authenticator authenticator, Counter refusals) {
      return new Authenticator() {
        @Override
        public Result authenticate(HttpExchange exchange) {
          Result result = authenticator.authenticate(exchange);
          if (!(result instanceof Success)) {
            refusals.inc();
            UNAUTHORIZED.log(
                Level.INFO,
                () ->
                    "unauthorized "
                        + exchange.getRequestMethod()
                        + " "
                        + exchange.getRequestURI().getPath()
                        + " from "
                        + Exchanges.source(exchange));
          }
          return result;
        }
      };
    }

    private static void mount(
        HttpServer server,
        String path,
        HttpHandler handler,
        Guard guard,
        Filter drain,
        Authenticator authenticator,
        Filter... more) {
      HttpContext context = server.createContext(path, handler);
      if (authenticator != null) {
        context.setAuthenticator(authenticator);
      }
      context.getFilters().add(guard);
      context.getFilters().add(drain);
      context.getFilters().addAll(List.of(more));
    }
  }

  /** The address the server is bound to, with the real port if port 0 was asked for. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** The port the server is bound to, the real one if port 0 was asked for. */
  public int port() {
    return address().getPort();
  }

  /** {@code https} when serving TLS, {@code http} otherwise. */
  public String scheme() {
    return server instanceof HttpsServer ? "https" : "http";
  }

  /**
   * Stops taking deltas and deletions: from now on each is answered {@code 503}, and so is {@code
   * /-/ready}, to tell a load balancer to look elsewhere; {@code GET /metrics} and {@code /health}
   * still answer. Lets the requests in flight finish and, if deltas were applied since the last
   * scrape, waits for one more, within the grace period; then closes the port and stops the
   * server's threads.
   */
  @Override
  public void close() {
    try {
      if (!drain.close(gracePeriod.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warning(
            "http: closing after the grace period of "
                + gracePeriod.toSeconds()
                + " s, with requests in flight or deltas applied since the last scrape");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.stop(0);
    executors.forEach(ExecutorService::shutdownNow);
  }
}
