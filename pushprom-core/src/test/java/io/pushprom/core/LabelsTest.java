package io.pushprom.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LabelsTest {
  @Test
  void sortsByNameWhateverTheOrderGiven() {
    Labels labels =
        Labels.sorted(new String[] {"zone", "app", "job"}, new String[] {"z", "a", "j"}, 3);

    assertEquals(List.of("app", "job", "zone"), List.copyOf(labels.keySet()));
    assertEquals(List.of("a", "j", "z"), List.copyOf(labels.values()));
    assertEquals(new TreeMap<>(Map.of("zone", "z", "app", "a", "job", "j")), labels);
  }

  @Test
  void lastOfDuplicateNamesWinsAsInJson() {
    Labels labels =
        Labels.sorted(new String[] {"job", "app", "job"}, new String[] {"one", "a", "two"}, 3);

    assertEquals(Map.of("app", "a", "job", "two"), labels);
    assertEquals(2, labels.names().length);
  }

  @Test
  void takesAnyMapAndKeepsItsOwnKind() {
    Map<String, String> map = new HashMap<>(Map.of("b", "2", "a", "1"));

    Labels labels = Labels.of(map);

    assertEquals("a", labels.firstKey());
    assertEquals("b", labels.lastKey());
    assertEquals("2", labels.get("b"));
    assertSame(labels, Labels.of(labels));
    assertSame(Labels.EMPTY, Labels.of(Map.of()));
  }

  @Test
  void offersSortedViewsAsCopies() {
    Labels labels = Labels.of(Map.of("a", "1", "b", "2", "c", "3"));

    assertEquals(Map.of("b", "2"), labels.subMap("b", "c"));
    assertEquals(Map.of("a", "1"), labels.headMap("b"));
    assertEquals(Map.of("c", "3"), labels.tailMap("c"));
    assertThrows(UnsupportedOperationException.class, () -> labels.put("d", "4"));
  }

  @Test
  void emptyHasNoFirstKey() {
    NoSuchElementException e = assertThrows(NoSuchElementException.class, Labels.EMPTY::firstKey);

    assertEquals("no labels", e.getMessage());
  }

  @Test
  void sortsManyLabelsInLogLinearTime() {
    int size = 100_000;
    String[] names = new String[size];
    String[] values = new String[size];
    for (int i = 0; i < size; i++) {
      names[i] = String.format("l%06d", size - 1 - i);
      values[i] = Integer.toString(i);
    }

    Labels labels = Labels.sorted(names, values, size);

    // The insertion sort this replaced took about 40 s here.
    assertEquals("l000000", labels.firstKey());
    assertEquals(Integer.toString(size - 1), labels.get("l000000"));
    assertEquals(size, labels.size());
  }

  @Test
  void lastOfDuplicateNamesWinsAmongManyLabels() {
    int size = 40;
    String[] names = new String[size];
    String[] values = new String[size];
    for (int i = 0; i < size; i++) {
      names[i] = "l" + (i % 10);
      values[i] = Integer.toString(i);
    }

    Labels labels = Labels.sorted(names, values, size);

    assertEquals(10, labels.size());
    assertEquals("30", labels.get("l0"));
    assertEquals("39", labels.get("l9"));
  }

  @Test
  void findsValuesByBinarySearch() {
    Labels labels = Labels.of(Map.of("a", "1", "b", "2", "c", "3"));

    assertEquals("1", labels.get("a"));
    assertEquals("3", labels.get("c"));
    assertNull(labels.get("bb"));
    assertNull(labels.get(42));
    assertTrue(labels.containsKey("b"));
  }
}
