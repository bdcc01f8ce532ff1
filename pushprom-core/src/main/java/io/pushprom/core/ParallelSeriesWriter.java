package io.pushprom.core;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Spliterator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Writes the lines of a large family's series from several threads at once: the scrape's own thread
 * and up to one helper per further core. The text format asks only that a family's lines follow its
 * header together, in any order, so the series are split into parts (ranges of the family's {@link
 * SeriesList}), each thread formats whole parts into buffers of whole lines, and the scrape's
 * thread writes its own lines and the helpers' buffers as they come. A scrape of a million series
 * is mostly this formatting; on a machine whose cores ingest flat out meanwhile, each thread of it
 * gets its share, so several threads finish it sooner.
 *
 * <p>What it holds is bounded whatever the client does: each helper hands over at most {@link
 * #QUEUED_PER_HELPER} buffers of {@link #BUFFER_BYTES} before it waits for the scrape's thread to
 * write them. A scrape that ends early (the client went away, its thread was interrupted) tells its
 * helpers, which stop at their next buffer. Helpers run on a small pool of daemon threads, {@code
 * pushprom-scrape-N} (one per core, at least four, for as many scrapes at once), which end after a
 * minute idle; when the pool is busy with other scrapes, the scrape's thread formats what no helper
 * took. On one core there are no helpers.
 */
final class ParallelSeriesWriter {
  /** Families of fewer series are written by the scrape's thread alone. */
  static final int MIN_SERIES_PER_PART = 8_192;

  /**
   * Series per part, about: small parts let the scrape's thread, which also writes what the helpers
   * made, take up formatting only for a moment at a time, and a thread held up by others keep none
   * waiting long.
   */
  private static final int SERIES_PER_PART = 4_096;

  private static final int MAX_PARTS = 1_024;

  private static final int BUFFER_BYTES = 32 << 10;
  private static final int QUEUED_PER_HELPER = 8;

  /** Helpers a scrape may have: one per core but the scrape's own. */
  static final int HELPERS = Runtime.getRuntime().availableProcessors() - 1;

  /** Writes the lines of one series, or nothing for a removed one; one per thread. */
  interface Lines {
    void write(LineWriter out, Series series) throws IOException;
  }

  /**
   * Makes the {@link Lines} of one thread, which runs {@code beforeLine} before each series it
   * writes lines for: the family's header on the scrape's thread, nothing on a helper's.
   */
  interface LinesFactory {
    Lines lines(IoAction beforeLine);
  }

  /** An action that may fail with an {@link IOException}. */
  interface IoAction {
    void run() throws IOException;
  }

  private static final IoAction NOTHING = () -> {};

  /** A buffer of whole lines from a helper, or a helper's end ({@code bytes == null}). */
  private record Chunk(byte[] bytes, int length, Throwable failure) {}

  private final List<Spliterator<Series>> parts;
  private final AtomicInteger nextPart = new AtomicInteger();
  private final BlockingQueue<Chunk> ready;
  private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
  private final LinesFactory lines;

  /** Helpers that began, and whether more may begin; guarded by {@code this}. */
  private int helpersBegun;

  private boolean closed;

  /** Set when the scrape ended early: helpers stop at their next buffer. */
  private volatile boolean abandoned;

  private ParallelSeriesWriter(List<Spliterator<Series>> parts, int helpers, LinesFactory lines) {
    this.parts = parts;
    this.ready = new ArrayBlockingQueue<>(QUEUED_PER_HELPER * helpers + helpers);
    this.lines = lines;
  }

  /**
   * Writes the lines of each series of {@code series}, a family of about {@code size}, to {@code
   * out}, with the {@link Lines} {@code lines} makes for each thread; {@code beforeLine} runs on
   * this thread before any line is written (it writes the family's header, once); up to {@code
   * maxHelpers} helpers, as {@code size} asks.
   */
  static void write(
      Spliterator<Series> series,
      int size,
      LineWriter out,
      LinesFactory lines,
      IoAction beforeLine,
      int maxHelpers)
      throws IOException {
    int helpers = Math.min(maxHelpers, size / MIN_SERIES_PER_PART - 1);
    if (helpers <= 0) {
      writeAll(series, out, lines.lines(beforeLine));
      return;
    }
    int parts = Math.min(MAX_PARTS, Math.max(2 * (helpers + 1), size / SERIES_PER_PART));
    new ParallelSeriesWriter(split(series, parts), helpers, lines).write(out, helpers, beforeLine);
  }

  private static void writeAll(Spliterator<Series> part, LineWriter out, Lines lines)
      throws IOException {
    try {
      part.forEachRemaining(
          each -> {
            try {
              lines.write(out, each);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static List<Spliterator<Series>> split(Spliterator<Series> whole, int wanted) {
    List<Spliterator<Series>> parts = new ArrayList<>(List.of(whole));
    // Halves the largest part until there are enough, or none splits further.
    for (int largest = 0; parts.size() < wanted && largest < parts.size(); ) {
      Spliterator<Series> half = parts.get(largest).trySplit();
      if (half == null) {
        largest++;
      } else {
        parts.add(half);
        largest = indexOfLargest(parts);
      }
    }
    return parts;
  }

  private static int indexOfLargest(List<Spliterator<Series>> parts) {
    int largest = 0;
    for (int i = 1; i < parts.size(); i++) {
      if (parts.get(i).estimateSize() > parts.get(largest).estimateSize()) {
        largest = i;
      }
    }
    return largest;
  }

  private void write(LineWriter out, int helpers, IoAction beforeLine) throws IOException {
    try {
      for (int i = 0; i < helpers; i++) {
        try {
          Pool.EXECUTOR.execute(this::help);
        } catch (RejectedExecutionException e) {
          break; // the pool is busy with other scrapes: this thread formats the rest
        }
      }
      Lines mine = lines.lines(beforeLine);
      for (Spliterator<Series> part = take(); part != null; part = take()) {
        writeAll(part, out, mine);
        writeReady(out, beforeLine);
      }
      int awaited;
      synchronized (this) {
        closed = true;
        awaited = helpersBegun;
      }
      while (awaited > 0) {
        Chunk chunk = ready.take();
        if (chunk.bytes() == null) {
          awaited--;
          if (chunk.failure() != null) {
            throw new ScrapeFailure(chunk.failure());
          }
        } else {
          writeChunk(out, chunk, beforeLine);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("scrape interrupted while its helpers wrote");
    } finally {
      abandoned = true;
    }
  }

  /** Writes the helpers' buffers that are ready, without waiting for more. */
  private void writeReady(LineWriter out, IoAction beforeLine) throws IOException {
    // A helper's end stays queued: the loop after the parts counts it.
    for (Chunk chunk = ready.peek(); chunk != null && chunk.bytes() != null; chunk = ready.peek()) {
      ready.remove();
      writeChunk(out, chunk, beforeLine);
    }
  }

  private void writeChunk(LineWriter out, Chunk chunk, IoAction beforeLine) throws IOException {
    beforeLine.run();
    out.append(chunk.bytes(), chunk.length());
    free.offer(chunk.bytes());
  }

  private Spliterator<Series> take() {
    int part = nextPart.getAndIncrement();
    return part < parts.size() && !abandoned ? parts.get(part) : null;
  }

  /** A helper's work: parts into buffers, until none is left or the scrape ended. */
  private void help() {
    synchronized (this) {
      if (closed) {
        return; // began too late: the scrape's thread did the work
      }
      helpersBegun++;
    }
    Throwable failure = null;
    try {
      HandOff handOff = new HandOff();
      // Twice the size handed over, so that lines seldom spill into the hand-off's own buffer.
      LineWriter buffered = new LineWriter(handOff, 2 * BUFFER_BYTES);
      Lines mine = lines.lines(NOTHING);
      // One action for all the helper's series: one made per series took a fifth of its time.
      Consumer<Series> write =
          each -> {
            try {
              mine.write(buffered, each);
              // Only whole series go over, as the scrape's thread writes other lines in between.
              if (buffered.length() >= BUFFER_BYTES) {
                buffered.flush();
                handOff.handOver();
              }
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          };
      for (Spliterator<Series> part = take(); part != null; part = take()) {
        part.forEachRemaining(write);
      }
      buffered.flush();
      handOff.handOver();
    } catch (Abandoned e) {
      return; // nobody waits for this helper any more
    } catch (UncheckedIOException e) {
      failure = e.getCause();
    } catch (Throwable e) {
      failure = e;
    }
    hand(new Chunk(null, 0, failure));
  }

  /** Hands a helper's buffer to the scrape's thread, waiting while it has enough. */
  private void hand(Chunk chunk) {
    try {
      while (!ready.offer(chunk, 50, TimeUnit.MILLISECONDS)) {
        if (abandoned) {
          throw new Abandoned();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Abandoned();
    }
  }

  /**
   * What a helper's {@link LineWriter} flushes to: bytes kept until {@link #handOver} hands them to
   * the scrape's thread, at the end of a series.
   */
  private final class HandOff extends OutputStream {
    private byte[] pending = buffer();
    private int length;

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int count) {
      if (abandoned) {
        throw new Abandoned();
      }
      if (count > pending.length - length) {
        pending = Arrays.copyOf(pending, Math.max(2 * pending.length, length + count));
      }
      System.arraycopy(bytes, offset, pending, length, count);
      length += count;
    }

    void handOver() {
      if (length > 0) {
        hand(new Chunk(pending, length, null));
        pending = buffer();
        length = 0;
      }
    }

    private byte[] buffer() {
      byte[] recycled = free.poll();
      return recycled != null ? recycled : new byte[2 * BUFFER_BYTES];
    }
  }

  /** A helper told to stop: the scrape it worked for ended. */
  private static final class Abandoned extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Abandoned() {
      super("scrape ended", null, false, false);
    }
  }

  /** A helper failed: the scrape fails with its cause. */
  static final class ScrapeFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ScrapeFailure(Throwable cause) {
      super("a scrape helper failed: " + cause, cause);
    }
  }

  /** The helpers' threads, made when first needed. */
  private static final class Pool {
    static final ThreadPoolExecutor EXECUTOR = executor();

    private static ThreadPoolExecutor executor() {
      AtomicInteger count = new AtomicInteger();
      ThreadPoolExecutor executor =
          new ThreadPoolExecutor(
              Math.max(4, HELPERS),
              Math.max(4, HELPERS),
              1,
              TimeUnit.MINUTES,
              // Room for the helpers of a few scrapes at once; more are refused, and their scrapes
              // do the work on their own threads.
              new ArrayBlockingQueue<>(4 * Math.max(4, HELPERS)),
              task -> {
                Thread thread = new Thread(task, "pushprom-scrape-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
              });
      executor.allowCoreThreadTimeOut(true);
      return executor;
    }
  }
}
