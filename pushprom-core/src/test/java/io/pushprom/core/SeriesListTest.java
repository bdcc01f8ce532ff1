package io.pushprom.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Spliterator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SeriesListTest {
  private static Series series(String value) {
    return new ScalarSeries(new SeriesKey(new String[] {"id"}, new String[] {value}), 0);
  }

  private static List<String> ids(Iterable<Series> walk) {
    List<String> ids = new ArrayList<>();
    walk.forEach(each -> ids.add(each.key.values()[0]));
    return ids;
  }

  private static void remove(SeriesList list, Series each) {
    assertTrue(each.remove());
    list.removed();
  }

  @Test
  void walksSeriesInTheOrderTheyWereMade() {
    SeriesList list = new SeriesList();
    for (String id : List.of("c", "a", "b", "e", "d")) {
      list.append(series(id));
    }
    assertEquals(List.of("c", "a", "b", "e", "d"), ids(list));
  }

  @Test
  void dropsRemovedSeriesOnceAQuarterAreRemovedKeepingTheOrder() {
    SeriesList list = new SeriesList();
    List<Series> made = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      made.add(series(Integer.toString(i)));
      list.append(made.get(i));
    }
    for (int i = 0; i < 25; i++) {
      remove(list, made.get(4 * i));
    }
    assertEquals(100, list.size(), "a quarter removed is not yet more than a quarter");
    remove(list, made.get(1));

    assertEquals(74, list.size());
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      if (i % 4 != 0 && i != 1) {
        expected.add(Integer.toString(i));
      }
    }
    assertEquals(expected, ids(list));
  }

  @Test
  void aSeriesRemovedBeforeItIsAppendedStaysOut() {
    SeriesList list = new SeriesList();
    Series gone = series("gone");
    gone.remove();
    list.append(gone);
    list.append(series("kept"));
    assertEquals(List.of("kept"), ids(list));
  }

  @Test
  void aWalkBegunBeforeACompactionSeesEachSeriesThatStayedOnce() {
    SeriesList list = new SeriesList();
    List<Series> made = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      made.add(series(Integer.toString(i)));
      list.append(made.get(i));
    }
    Iterator<Series> walk = list.iterator();
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      seen.add(walk.next().key.values()[0]);
    }
    // Compacts twice, and appends into the compacted array behind the walk.
    for (int i = 500; i < 1_000; i += 2) {
      remove(list, made.get(i));
    }
    for (int i = 0; i < 400; i++) {
      list.append(series("new" + i));
    }
    walk.forEachRemaining(each -> seen.add(each.key.values()[0]));

    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      expected.add(Integer.toString(i));
    }
    // The walk goes on over the array it began on, which the compactions left as it was: each
    // series once, those removed meanwhile too (a scrape skips them), none appended after.
    assertEquals(expected, seen);
  }

  @Test
  void splitsIntoHalvesThatTogetherCoverTheWalkOnce() {
    SeriesList list = new SeriesList();
    for (int i = 0; i < 10; i++) {
      list.append(series(Integer.toString(i)));
    }
    Spliterator<Series> upper = list.spliterator();
    Spliterator<Series> lower = upper.trySplit();
    List<String> seen = new ArrayList<>();
    lower.forEachRemaining(each -> seen.add(each.key.values()[0]));
    upper.forEachRemaining(each -> seen.add(each.key.values()[0]));
    assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), seen);

    Spliterator<Series> one = new SeriesList().spliterator();
    assertNull(one.trySplit());
  }

  @Test
  void walksWhileAnotherThreadAppendsAndRemovesSeeEachSeriesThatStayedExactlyOnce()
      throws InterruptedException {
    int total = 400_000;
    SeriesList list = new SeriesList();
    AtomicIntegerArray removing = new AtomicIntegerArray(total);
    AtomicInteger appended = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread churn =
        new Thread(
            () -> {
              try {
                // About a thousand live series, removed in random order: compactions move them.
                List<Series> live = new ArrayList<>();
                Random random = new Random(7);
                for (int id = 0; id < total; id++) {
                  Series made = series(Integer.toString(id));
                  list.append(made);
                  live.add(made);
                  appended.set(id + 1);
                  if (live.size() > 1_000) {
                    Series gone = live.remove(random.nextInt(live.size()));
                    removing.set(Integer.parseInt(gone.key.values()[0]), 1);
                    remove(list, gone);
                  }
                }
              } catch (Throwable e) {
                failure.set(e);
              }
            },
            "churn");
    churn.start();
    try {
      int walks = 0;
      while (appended.get() < total && failure.get() == null) {
        int before = appended.get();
        int[] times = new int[total];
        list.forEach(each -> times[Integer.parseInt(each.key.values()[0])]++);
        for (int id = 0; id < total; id++) {
          if (times[id] > 1 || times[id] == 0 && id < before && removing.get(id) == 0) {
            throw new AssertionError(
                "walk " + walks + " saw series " + id + " " + times[id] + " times");
          }
        }
        walks++;
      }
      assertTrue(walks > 0);
    } finally {
      churn.join();
    }
    assertNull(failure.get());
  }
}
