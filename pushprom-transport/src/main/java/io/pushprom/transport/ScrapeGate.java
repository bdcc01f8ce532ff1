package io.pushprom.transport;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import io.prometheus.client.Counter;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Bounds what readers of the large answers, {@code GET /metrics} and the status page, can make the
 * server hold: at most {@code maxReaders} of them at once, each answered within the write timeout.
 * Each walks every series and holds memory and a thread until its client has read the answer, so
 * a few hundred clients reading slowly filled the heap; and the JDK's own write timeout ({@code
 * sun.net.httpserver.maxRspTime}) did not cut a client that kept reading, a little at a time.
 *
 * <p>One more reader than the bound gets {@code 503} with {@code Retry-After} at once. A reader
 * still being answered when the write timeout is up has its worker interrupted, which closes the
 * connection under a blocked write (the JDK's socket channel is interruptible): the client sees a
 * cut, never a short answer that looks whole. Both are counted and logged at {@code WARNING}.
 * Other methods (a push to {@code /}, a {@code DELETE}) pass through untouched.
 */
final class ScrapeGate extends Filter {
  private static final Logger LOG = Logger.getLogger(ScrapeGate.class.getName());
  private static final LogLimiter REFUSALS = new LogLimiter(LOG, 1);
  private static final LogLimiter CUTS = new LogLimiter(LOG, 1);

  private final Semaphore readers;
  private final int maxReaders;
  private final Duration writeTimeout;
  private final ScheduledExecutorService timer;
  private final Supplier<Counter> refused;
  private final Counter cut;

  /**
   * @param refused the counter of readers refused for the bound, asked for at the first refusal
   * @param cut counts the answers cut at the write timeout
   */
  ScrapeGate(
      int maxReaders,
      Duration writeTimeout,
      ScheduledExecutorService timer,
      Supplier<Counter> refused,
      Counter cut) {
    this.readers = new Semaphore(maxReaders);
    this.maxReaders = maxReaders;
    this.writeTimeout = writeTimeout;
    this.timer = timer;
    this.refused = refused;
    this.cut = cut;
  }

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    String method = exchange.getRequestMethod();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      chain.doFilter(exchange);
      return;
    }
    if (!readers.tryAcquire()) {
      refused.get().inc();
      REFUSALS.log(
          Level.WARNING,
          () ->
              "refusing "
                  + method
                  + " "
                  + exchange.getRequestURI().getPath()
                  + " from "
                  + Exchanges.source(exchange)
                  + ": "
                  + maxReaders
                  + " scrapes or status pages are being answered already (slow readers?)");
      exchange.getResponseHeaders().set("Retry-After", "1");
      try {
        Exchanges.respond(
            exchange, 503, "too many scrapes at once: " + maxReaders + " are being answered\n");
      } finally {
        exchange.close();
      }
      return;
    }
    Deadline deadline = new Deadline(Thread.currentThread());
    ScheduledFuture<?> alarm =
        timer.schedule(deadline::expire, writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    try {
      chain.doFilter(exchange);
    } finally {
      alarm.cancel(false);
      boolean expired = deadline.end();
      readers.release();
      if (expired) {
        cut.inc();
        CUTS.log(
            Level.WARNING,
            () ->
                "cut off "
                    + method
                    + " "
                    + exchange.getRequestURI().getPath()
                    + " to "
                    + Exchanges.source(exchange)
                    + ": not read within the write timeout of "
                    + writeTimeout.toSeconds()
                    + " s");
      }
    }
  }

  /** The write timeout of one answer: interrupts its worker once, unless the answer ended first. */
  private static final class Deadline {
    private final Thread worker;
    private boolean ended;
    private boolean expired;

    Deadline(Thread worker) {
      this.worker = worker;
    }

    synchronized void expire() {
      if (!ended) {
        expired = true;
        worker.interrupt();
      }
    }

    /**
     * Ends the answer: no interrupt comes after this, and one that came is cleared, so that the
     * worker goes back to its pool as it came. Returns whether the deadline had passed.
     */
    synchronized boolean end() {
      ended = true;
      if (expired) {
        Thread.interrupted();
      }
      return expired;
    }
  }

  @Override
  public String description() {
    return "bounds how many scrapes are answered at once and how long each may take to be read";
  }
}
