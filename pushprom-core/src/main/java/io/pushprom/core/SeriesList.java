package io.pushprom.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;

/**
 * A family's series in the order they were made, for the walks that visit them all: a scrape, the
 * expiry, a snapshot. A walk reads an array front to back instead of chasing the nodes of the
 * family's map, which stays for lookups: walking the map was the largest item in the profile of a
 * million-series scrape under load, about a fifth of its samples.
 *
 * <p>Adding and removing take this list's lock (series are made and removed far less often than
 * updated); walks take none. A removed series stays in the array, and walks hand it on as the map's
 * did, until removed ones are a quarter of it: then the others are copied, in order, into a new
 * array. So the series it keeps after their removal stay fewer than a third of the others.
 *
 * <p>An array is never written once another replaces it, and its series only move to lower places
 * in the next. A walk reads the size, then the array, and goes up to that size, skipping empty
 * places: it sees once each series that was in the list for the whole walk.
 */
final class SeriesList implements Iterable<Series> {
  private static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(Series[].class);
  private static final int MIN_CAPACITY = 4;

  /** Written before {@link #size} when they change together: walks read them the other way. */
  private volatile Series[] elements = new Series[0];

  private volatile int size;

  /** Series removed since the last compaction, about; guarded by {@code this}. */
  private int removed;

  /** Appends {@code series}, unless it was removed already (by a walk that found it first). */
  synchronized void append(Series series) {
    if (series.isRemoved()) {
      return;
    }
    Series[] current = elements;
    int at = size;
    if (at == current.length) {
      current = Arrays.copyOf(current, Math.max(MIN_CAPACITY, at + (at >> 1)));
      elements = current;
    }
    // Released, so that a walk that reads the place before the size sees a whole series.
    ELEMENT.setRelease(current, at, series);
    size = at + 1;
  }

  /** Notes that a series in this list was removed; compacts once a quarter of it is. */
  synchronized void removed() {
    removed++;
    if (removed > size >> 2) {
      compact();
    }
  }

  private void compact() {
    Series[] current = elements;
    int length = size;
    int live = 0;
    for (int i = 0; i < length; i++) {
      if (!current[i].isRemoved()) {
        live++;
      }
    }
    // Series removed between the two passes are left out: fewer fill it than counted.
    Series[] compacted = new Series[Math.max(MIN_CAPACITY, live + (live >> 2))];
    int filled = 0;
    for (int i = 0; i < length && filled < live; i++) {
      if (!current[i].isRemoved()) {
        compacted[filled++] = current[i];
      }
    }
    elements = compacted;
    size = filled;
    // Removals noted after this count again: a compaction comes a little early, never late.
    removed = 0;
  }

  /** The places taken, removed series not yet compacted away among them. */
  int size() {
    return size;
  }

  @Override
  public Iterator<Series> iterator() {
    return Spliterators.iterator(spliterator());
  }

  @Override
  public Spliterator<Series> spliterator() {
    int length = size;
    Series[] current = elements;
    return new Walk(current, 0, Math.min(length, current.length));
  }

  /** A walk over a range of one array, split in halves for the scrape's threads. */
  private static final class Walk implements Spliterator<Series> {
    private final Series[] elements;
    private int index;
    private final int fence;

    Walk(Series[] elements, int index, int fence) {
      this.elements = elements;
      this.index = index;
      this.fence = fence;
    }

    @Override
    public boolean tryAdvance(Consumer<? super Series> action) {
      while (index < fence) {
        Series each = (Series) ELEMENT.getAcquire(elements, index++);
        if (each != null) {
          action.accept(each);
          return true;
        }
      }
      return false;
    }

    @Override
    public void forEachRemaining(Consumer<? super Series> action) {
      Series[] local = elements;
      int end = fence;
      for (int i = index; i < end; i++) {
        Series each = (Series) ELEMENT.getAcquire(local, i);
        if (each != null) {
          action.accept(each);
        }
      }
      index = end;
    }

    @Override
    public Spliterator<Series> trySplit() {
      int middle = (index + fence) >>> 1;
      if (middle <= index) {
        return null;
      }
      Walk lower = new Walk(elements, index, middle);
      index = middle;
      return lower;
    }

    @Override
    public long estimateSize() {
      return fence - index;
    }

    @Override
    public int characteristics() {
      return Spliterator.ORDERED | Spliterator.NONNULL;
    }
  }
}
