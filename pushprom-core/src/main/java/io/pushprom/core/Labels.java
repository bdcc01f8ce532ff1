package io.pushprom.core;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A delta's labels: an immutable map sorted by label name, held as two arrays so that applying a
 * delta hands them to simpleclient without copying. The rarely used sorted views are copies.
 */
final class Labels extends AbstractMap<String, String> implements SortedMap<String, String> {
  private static final String[] NONE = {};
  static final Labels EMPTY = new Labels(NONE, NONE);

  private final String[] names;
  private final String[] values;

  /** The map's hash, once computed. */
  private int hash;

  /** The key of the series these labels name, once asked for. */
  private SeriesKey key;

  private Labels(String[] names, String[] values) {
    this.names = names;
    this.values = values;
  }

  /** The labels of {@code map}; a {@code Labels} is returned as it is. */
  static Labels of(Map<String, String> map) {
    if (map instanceof Labels labels) {
      return labels;
    }
    if (map.isEmpty()) {
      return EMPTY;
    }
    String[] names = new String[map.size()];
    String[] values = new String[map.size()];
    int size = 0;
    for (Map.Entry<String, String> label : map.entrySet()) {
      names[size] = label.getKey();
      values[size] = label.getValue();
      size++;
    }
    return sorted(names, values, size);
  }

  /**
   * The first {@code size} pairs of the arrays, which this takes over, sorted by name. Of pairs
   * with the same name the last wins, as a JSON object's last duplicate key does.
   */
  static Labels sorted(String[] names, String[] values, int size) {
    if (size == 0) {
      return EMPTY;
    }
    int kept =
        isSorted(names, size)
            ? size
            : size <= SMALL ? insertionSort(names, values, size) : mergeSort(names, values, size);
    return new Labels(
        kept == names.length ? names : Arrays.copyOf(names, kept),
        kept == values.length ? values : Arrays.copyOf(values, kept));
  }

  /**
   * Whether the names are in order already, none twice: as most clients send them, which then costs
   * one comparison a label.
   */
  private static boolean isSorted(String[] names, int size) {
    for (int i = 1; i < size; i++) {
      if (compare(names[i - 1], names[i]) >= 0) {
        return false;
      }
    }
    return true;
  }

  /** Up to this many labels, the usual case, an insertion sort is quicker and allocates nothing. */
  private static final int SMALL = 16;

  /** Sorts in place, the last of equal names winning; returns how many pairs are kept. */
  private static int insertionSort(String[] names, String[] values, int size) {
    int kept = 0;
    for (int i = 0; i < size; i++) {
      String name = names[i];
      String value = values[i];
      int at = kept;
      while (at > 0 && compare(names[at - 1], name) > 0) {
        at--;
      }
      if (at > 0 && compare(names[at - 1], name) == 0) {
        values[at - 1] = value;
        continue;
      }
      System.arraycopy(names, at, names, at + 1, kept - at);
      System.arraycopy(values, at, values, at + 1, kept - at);
      names[at] = name;
      values[at] = value;
      kept++;
    }
    return kept;
  }

  /**
   * As {@link #insertionSort}, in O(n log n): the positions are sorted stably by name, so of equal
   * names the last written comes last in its run, and is the one kept.
   */
  private static int mergeSort(String[] names, String[] values, int size) {
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    String[] byName = Arrays.copyOf(names, size);
    String[] valueCopy = Arrays.copyOf(values, size);
    Arrays.sort(order, (a, b) -> compare(byName[a], byName[b])); // TimSort: stable
    int kept = 0;
    for (int i = 0; i < size; i++) {
      int from = order[i];
      if (i + 1 < size && compare(byName[from], byName[order[i + 1]]) == 0) {
        continue; // a later pair of the same name follows
      }
      names[kept] = byName[from];
      values[kept] = valueCopy[from];
      kept++;
    }
    return kept;
  }

  private static int compare(String a, String b) {
    if (a == null || b == null) {
      return a == null ? (b == null ? 0 : -1) : 1;
    }
    return a.compareTo(b);
  }

  /**
   * The labels of {@code map} that name a series, for finding one: see {@link #present()}.
   *
   * @throws NullPointerException if a name or value is {@code null}, which names no series
   */
  static Labels ofSeries(Map<String, String> map) {
    return of(Map.copyOf(map)).present();
  }

  /**
   * These labels without those whose value is empty. Prometheus holds a label with an empty value
   * the same as no label, so {@code {"job":""}} and {@code {}} name one series: kept apart, the
   * exposition would show it twice, and Prometheus keep one of the two.
   */
  Labels present() {
    int kept = 0;
    for (String value : values) {
      if (!value.isEmpty()) {
        kept++;
      }
    }
    if (kept == values.length) {
      return this;
    }
    String[] keptNames = new String[kept];
    String[] keptValues = new String[kept];
    kept = 0;
    for (int i = 0; i < values.length; i++) {
      if (!values[i].isEmpty()) {
        keptNames[kept] = names[i];
        keptValues[kept] = values[i];
        kept++;
      }
    }
    return kept == 0 ? EMPTY : new Labels(keptNames, keptValues);
  }

  /** The key that finds the series these labels name. */
  SeriesKey key() {
    SeriesKey known = key;
    if (known == null) {
      // A race makes two equal keys, which is harmless: the key is immutable.
      known = new SeriesKey(names, values);
      key = known;
    }
    return known;
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      // As Map specifies: the sum of each entry's key hash XOR value hash.
      for (int i = 0; i < names.length; i++) {
        h += names[i].hashCode() ^ values[i].hashCode();
      }
      hash = h;
    }
    return h;
  }

  @Override
  public boolean equals(Object other) {
    if (other == this) {
      return true;
    }
    if (other instanceof Labels labels) {
      return hashCode() == labels.hashCode()
          && Arrays.equals(values, labels.values)
          && Arrays.equals(names, labels.names);
    }
    return super.equals(other);
  }

  /** The label names, sorted; not to be changed. */
  String[] names() {
    return names;
  }

  /** The label values, in the order of {@link #names()}; not to be changed. */
  String[] valueArray() {
    return values;
  }

  @Override
  public int size() {
    return names.length;
  }

  @Override
  public String get(Object key) {
    if (!(key instanceof String name)) {
      return null;
    }
    // Binary search: names are sorted and, once checked, not null.
    int low = 0;
    int high = names.length - 1;
    while (low <= high) {
      int middle = (low + high) >>> 1;
      int order = compare(names[middle], name);
      if (order < 0) {
        low = middle + 1;
      } else if (order > 0) {
        high = middle - 1;
      } else {
        return values[middle];
      }
    }
    return null;
  }

  @Override
  public boolean containsKey(Object key) {
    return get(key) != null;
  }

  @Override
  public Set<Entry<String, String>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Entry<String, String>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < names.length;
          }

          @Override
          public Entry<String, String> next() {
            if (next >= names.length) {
              throw new NoSuchElementException();
            }
            Entry<String, String> entry = new SimpleImmutableEntry<>(names[next], values[next]);
            next++;
            return entry;
          }
        };
      }

      @Override
      public int size() {
        return names.length;
      }
    };
  }

  @Override
  public Comparator<? super String> comparator() {
    return null;
  }

  @Override
  public SortedMap<String, String> subMap(String fromKey, String toKey) {
    return Collections.unmodifiableSortedMap(new TreeMap<>(this).subMap(fromKey, toKey));
  }

  @Override
  public SortedMap<String, String> headMap(String toKey) {
    return Collections.unmodifiableSortedMap(new TreeMap<>(this).headMap(toKey));
  }

  @Override
  public SortedMap<String, String> tailMap(String fromKey) {
    return Collections.unmodifiableSortedMap(new TreeMap<>(this).tailMap(fromKey));
  }

  @Override
  public String firstKey() {
    if (names.length == 0) {
      throw new NoSuchElementException("no labels");
    }
    return names[0];
  }

  @Override
  public String lastKey() {
    if (names.length == 0) {
      throw new NoSuchElementException("no labels");
    }
    return names[names.length - 1];
  }
}
