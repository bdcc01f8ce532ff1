package io.pushprom.cli;

import static java.util.stream.Collectors.joining;

import java.util.List;
import java.util.function.Function;

/**
 * One command-line flag, declared once: its names, what its value looks like, its default as
 * written on the command line, its help, and how its value is read. The usage, the parsing and the
 * README's table of flags all come from these declarations.
 *
 * @param names the first is the flag's name; the others are other spellings (as {@code h} for
 *     {@code help})
 * @param value what the value looks like ({@code ADDRESS}), or empty for a switch, which takes no
 *     value unless written {@code -flag=false}
 * @param defaultText the default, as it would be written on the command line; empty for none
 * @param parse reads a value, throwing {@link IllegalArgumentException} with the reason
 */
record Flag<T>(
    List<String> names, String value, String defaultText, String help, Function<String, T> parse) {

  /** A flag that takes a value. */
  static <T> Flag<T> of(
      String name, String value, String defaultText, String help, Function<String, T> parse) {
    return new Flag<>(List.of(name), value, defaultText, help, parse);
  }

  /** A switch: on when given, unless written {@code -flag=false}; off by default. */
  static Flag<Boolean> toggle(String help, String... names) {
    return new Flag<>(List.of(names), "", "false", help, Flag::parseBoolean);
  }

  String name() {
    return names.get(0);
  }

  boolean isToggle() {
    return value.isEmpty();
  }

  /** The value the flag has when not given. */
  T defaultValue() {
    return parse.apply(defaultText);
  }

  /** Reads the value given to the flag as spelled {@code spelling}, naming both if it is wrong. */
  T read(String spelling, String given) {
    try {
      return parse.apply(given);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("flag -" + spelling + ": " + e.getMessage(), e);
    }
  }

  /**
   * The flag as the usage and the README show it: {@code -name VALUE}, other spellings after it
   * with two dashes ({@code -h, --help}).
   */
  String synopsis() {
    String spelled =
        "-"
            + name()
            + names.subList(1, names.size()).stream().map(n -> ", --" + n).collect(joining());
    return isToggle() ? spelled : spelled + " " + value;
  }

  private static boolean parseBoolean(String value) {
    // As Go's strconv.ParseBool, which Go's flag package uses.
    return switch (value) {
      case "1", "t", "T", "TRUE", "true", "True" -> true;
      case "0", "f", "F", "FALSE", "false", "False" -> false;
      default ->
          throw new IllegalArgumentException(
              "invalid boolean \"" + value + "\", expected true or false");
    };
  }
}
