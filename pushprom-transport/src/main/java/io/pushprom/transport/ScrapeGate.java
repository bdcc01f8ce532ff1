package io.pushprom.transport;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import io.prometheus.client.Counter;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Bounds what readers of the large answers, {@code GET /metrics} and the status page, can make the
 * server hold: at most {@code maxReaders} of them at once, each answered within the write timeout.
 * Each walks every series and holds memory and a thread until its client has read the answer, so a
 * few hundred clients reading slowly filled the heap; and the JDK's own write timeout ({@code
 * sun.net.httpserver.maxRspTime}) did not cut a client that kept reading, a little at a time.
 *
 * <p>A reader that comes when all are taken makes room if one of the answers has been stuck for
 * {@link #STALLED} in a single write: the one stuck longest is cut off, and its place is handed to
 * the newcomer alone. So clients that ask and never read cannot keep Prometheus from scraping for
 * longer than that; an answer being made is never cut for another. Stuck means its client read too
 * little for the kernel to take more: a blocked write wakes only once about half the send buffer
 * has drained, so a client reading slower than about half of it a second (2 MB/s, for the 4 MB a
 * loopback connection grows to) counts as stuck too. If none is stuck, the newcomer gets {@code
 * 503} with {@code Retry-After} at once. Clients that ask again and again and drop their
 * connections within the second can still keep every place taken: where they can reach {@code
 * /metrics}, it needs credentials.
 *
 * <p>A cut interrupts the answer's worker, which closes the connection under a blocked write (the
 * JDK's socket channel is interruptible): the client sees a cut, never a short answer that looks
 * whole. Refusals and cuts are counted and logged at {@code WARNING}. Other methods (a push to
 * {@code /}, a {@code DELETE}) pass through untouched.
 */
final class ScrapeGate extends Filter {
  /** How long one write must have been stuck for its answer to be cut to make room for another. */
  static final Duration STALLED = Duration.ofSeconds(1);

  /** How long a newcomer waits for the room it made, while the cut answer's worker unwinds. */
  private static final Duration ROOM_WAIT = Duration.ofSeconds(1);

  private static final Logger LOG = Logger.getLogger(ScrapeGate.class.getName());
  private static final LogLimiter REFUSALS = new LogLimiter(LOG, 1);
  private static final LogLimiter CUTS = new LogLimiter(LOG, 1);

  private final Semaphore readers;
  private final int maxReaders;
  private final Duration writeTimeout;
  private final ScheduledExecutorService timer;
  private final Supplier<Counter> refused;
  private final Counter cut;
  private final Set<Answer> answers = ConcurrentHashMap.newKeySet();

  /**
   * @param refused the counter of readers refused for the bound, asked for at the first refusal
   * @param cut counts the answers cut off, at the write timeout or to make room
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
    if (!readers.tryAcquire() && !makeRoom()) {
      refuse(exchange, method);
      return;
    }
    Answer answer = new Answer(Thread.currentThread(), exchange.getResponseBody());
    exchange.setStreams(null, answer);
    answers.add(answer);
    ScheduledFuture<?> alarm =
        timer.schedule(
            () -> answer.cut(Cut.WRITE_TIMEOUT), writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    try {
      chain.doFilter(exchange);
    } finally {
      alarm.cancel(false);
      answers.remove(answer);
      Cut why = answer.end();
      try {
        // Counted before its place is passed on: whoever gets the place sees the cut counted.
        if (why != null) {
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
                      + ": "
                      + why.reason(writeTimeout));
        }
      } finally {
        answer.passOnPlace(readers);
      }
    }
  }

  /**
   * Cuts off the answer stuck longest in one write, if one has been for {@link #STALLED}, and waits
   * for its place, which is handed to this reader alone. Returns whether this reader has a place.
   */
  private boolean makeRoom() {
    long now = System.nanoTime();
    Answer stuckLongest = null;
    long longest = STALLED.toNanos() - 1;
    for (Answer answer : answers) {
      long stuck = answer.stuckFor(now);
      if (stuck > longest) {
        stuckLongest = answer;
        longest = stuck;
      }
    }
    if (stuckLongest == null) {
      return false;
    }
    CompletableFuture<Void> place = new CompletableFuture<>();
    if (!stuckLongest.cutFor(place)) {
      return false; // ended, or cut for another, since it was found
    }
    try {
      place.get(ROOM_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      // Given up on: unless it was handed over meanwhile, the place goes back to all.
      return !place.cancel(false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !place.cancel(false);
    }
  }

  private void refuse(HttpExchange exchange, String method) throws IOException {
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
      // Else the JDK closes the connection after the answer without saying so, and a client that
      // sends its next request on it, as it may, gets no answer at all.
      Exchanges.skipEmptyBody(exchange);
      Exchanges.respond(
          exchange, 503, "too many scrapes at once: " + maxReaders + " are being answered\n");
    } finally {
      exchange.close();
    }
  }

  /** Why an answer was cut off. */
  private enum Cut {
    WRITE_TIMEOUT,
    MADE_ROOM;

    String reason(Duration writeTimeout) {
      return switch (this) {
        case WRITE_TIMEOUT ->
            "not read within the write timeout of " + writeTimeout.toSeconds() + " s";
        case MADE_ROOM ->
            "nothing read for "
                + STALLED.toSeconds()
                + " s while "
                + "another scrape or status page waited for its place";
      };
    }
  }

  /**
   * One answer being written: its body, which notes when a write began and has not ended, and its
   * cut, which interrupts its worker once, unless the answer ended first.
   */
  private static final class Answer extends OutputStream {
    private static final long NOT_WRITING = Long.MIN_VALUE;

    private final Thread worker;
    private final OutputStream body;
    private volatile long writingSince = NOT_WRITING;
    private boolean ended;

    /** Written under this answer's lock; read without it by the search for the answer to cut. */
    private volatile Cut cut;

    /** The reader this answer was cut off for, waiting for its place. */
    private CompletableFuture<Void> heir;

    Answer(Thread worker, OutputStream body) {
      this.worker = worker;
      this.body = body;
    }

    /**
     * How long the write under way has been stuck at {@code now}; 0 if none is under way, or if the
     * answer is being cut off already.
     */
    long stuckFor(long now) {
      long since = writingSince;
      return since == NOT_WRITING || cut != null ? 0 : now - since;
    }

    synchronized void cut(Cut why) {
      if (!ended && cut == null) {
        cut = why;
        worker.interrupt();
      }
    }

    /**
     * Cuts this answer off to make room for another reader, who is handed its place through {@code
     * place} as it ends. Returns false, and does nothing, if it ended or was cut already.
     */
    synchronized boolean cutFor(CompletableFuture<Void> place) {
      if (ended || cut != null) {
        return false;
      }
      heir = place;
      cut(Cut.MADE_ROOM);
      return true;
    }

    /**
     * Ends the answer: no interrupt comes after this, and one that came is cleared, so that the
     * worker goes back to its pool as it came. Returns why it was cut off, or null.
     */
    synchronized Cut end() {
      ended = true;
      if (cut != null) {
        Thread.interrupted();
      }
      return cut;
    }

    /**
     * Hands this ended answer's place to the reader it was cut for, or, if there is none or it gave
     * up waiting, back to {@code readers}.
     */
    void passOnPlace(Semaphore readers) {
      CompletableFuture<Void> to;
      synchronized (this) {
        to = heir;
      }
      if (to == null || !to.complete(null)) {
        readers.release();
      }
    }

    @Override
    public void write(int b) throws IOException {
      noted(() -> body.write(b));
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      noted(() -> body.write(bytes, offset, length));
    }

    @Override
    public void flush() throws IOException {
      noted(body::flush);
    }

    @Override
    public void close() throws IOException {
      noted(body::close);
    }

    /** Runs {@code write}, noting when it began until it ends. */
    private void noted(Write write) throws IOException {
      writingSince = System.nanoTime();
      try {
        write.run();
      } finally {
        writingSince = NOT_WRITING;
      }
    }

    private interface Write {
      void run() throws IOException;
    }
  }

  /** The places free now: as many as the bound while no scrape or status page is answered. */
  int placesFree() {
    return readers.availablePermits();
  }

  @Override
  public String description() {
    return "bounds how many scrapes are answered at once and how long each may take to be read";
  }
}
