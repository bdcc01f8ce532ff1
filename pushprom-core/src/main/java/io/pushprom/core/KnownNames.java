package io.pushprom.core;

/**
 * Names already found valid by one rule, so that a name every delta repeats, which the parser's
 * {@link TextCache} hands back as the same {@code String}, is not checked character by character
 * again. It holds the very instances that were checked and answers by identity, so a name it does
 * not hold, an invalid one above all, is always checked. A direct-mapped table; a collision
 * replaces.
 *
 * <p>One table serves every thread, without locks: a slot read in a race holds either nothing or
 * some string that was found valid before it was stored, and a {@code String} is immutable and
 * safely published whatever the race (its contents are final fields), so a name found there is
 * valid. A lookup costs no more than the string's cached hash, which the series lookup needs too.
 */
final class KnownNames {
  private static final int SLOTS = 1024;

  private final String[] names = new String[SLOTS];

  /** Whether {@code name}, this very instance, was {@linkplain #add added}. */
  boolean contains(String name) {
    return names[name.hashCode() & (SLOTS - 1)] == name;
  }

  /** Records that {@code name} was found valid. */
  void add(String name) {
    names[name.hashCode() & (SLOTS - 1)] = name;
  }
}
