package io.pushprom.core;

import java.util.Arrays;

/**
 * What finds a series in its family: the label names and values, compared as arrays. Not the {@link
 * Labels} map itself, whose hash {@link java.util.Map} fixes as a sum of XORs: for labels with
 * short values, such as numbers, millions of series would share a few thousand hashes.
 */
final class SeriesKey {
  private final String[] names;
  private final String[] values;
  private final int hash;

  SeriesKey(String[] names, String[] values) {
    this.names = names;
    this.values = values;
    int h = 0;
    for (String name : names) {
      h = h * 0x9E3779B9 + name.hashCode();
    }
    for (String value : values) {
      h = h * 0x9E3779B9 + value.hashCode();
    }
    // Murmur3's finalizer, so that the map's bins spread too.
    h ^= h >>> 16;
    h *= 0x85EBCA6B;
    h ^= h >>> 13;
    h *= 0xC2B2AE35;
    this.hash = h ^ h >>> 16;
  }

  String[] names() {
    return names;
  }

  String[] values() {
    return values;
  }

  /** This key with {@code names}, an equal array, in place of its own. */
  SeriesKey withNames(String[] names) {
    return new SeriesKey(names, values);
  }

  /** The labels as Prometheus writes them, {@code {job="bot",species="oak"}}, for messages. */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("{");
    for (int i = 0; i < names.length; i++) {
      text.append(i == 0 ? "" : ",").append(names[i]).append("=\"");
      String value = Delta.abbreviate(values[i]);
      for (int j = 0; j < value.length(); j++) {
        char c = value.charAt(j);
        switch (c) {
          case '\\' -> text.append("\\\\");
          case '"' -> text.append("\\\"");
          case '\n' -> text.append("\\n");
          default -> text.append(c);
        }
      }
      text.append('"');
    }
    return text.append('}').toString();
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SeriesKey key
        && hash == key.hash
        && Arrays.equals(values, key.values)
        && Arrays.equals(names, key.names);
  }
}
