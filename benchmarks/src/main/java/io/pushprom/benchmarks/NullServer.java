package io.pushprom.benchmarks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JDK {@link HttpServer} doing nothing: it reads each request's body and answers {@code 200
 * ok}, on the same executor as Pushprom's {@code HttpListener} (a fixed pool of max(4, 2 × cores)
 * daemon threads) and with {@code sun.net.httpserver.nodelay=true} as Pushprom sets it. What a
 * client gets from it is the ceiling for Pushprom's HTTP on the same machine.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar io.pushprom.benchmarks.NullServer
 * # listening for stats HTTP on http://127.0.0.1:40123
 * }</pre>
 *
 * <p>It logs its port as Pushprom does, listens on 127.0.0.1 only, and exits when its standard
 * input ends (the load generator that started it is gone) or on SIGTERM.
 */
public final class NullServer {
  static {
    // As HttpListener does, before any HttpServer exists: without it each response waits ~40 ms.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private static final byte[] OK = "ok".getBytes(StandardCharsets.UTF_8);

  private NullServer() {}

  public static void main(String[] args) throws IOException {
    HttpServer server = start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    System.out.println(
        "listening for stats HTTP on http://127.0.0.1:" + server.getAddress().getPort());
    System.out.flush();
    // Blocks until the parent closes our stdin or dies; then the daemon threads go with main.
    System.in.transferTo(OutputStream.nullOutputStream());
    server.stop(0);
  }

  /** Binds {@code address} (port 0 picks one) and starts answering. */
  static HttpServer start(InetSocketAddress address) throws IOException {
    HttpServer server = HttpServer.create(address, 1024);
    server.createContext("/", NullServer::handle);
    server.setExecutor(newExecutor(Math.max(4, 2 * Runtime.getRuntime().availableProcessors())));
    server.start();
    return server;
  }

  private static void handle(HttpExchange exchange) throws IOException {
    try {
      exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
      // The same headers as Pushprom's answer, so both put the same bytes on the wire.
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(200, OK.length);
      try (OutputStream body = exchange.getResponseBody()) {
        body.write(OK);
      }
    } finally {
      exchange.close();
    }
  }

  private static ExecutorService newExecutor(int threads) {
    AtomicInteger count = new AtomicInteger();
    return new ThreadPoolExecutor(
        threads,
        threads,
        0,
        TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(),
        task -> {
          Thread thread = new Thread(task, "null-server-http-" + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
  }
}
