package io.pushprom.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as Go's flag package writes them: {@code 500ms}, {@code 10s}, {@code 1m30s}. */
final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  private Durations() {}

  /**
   * Reads a duration: parts of a whole number and a unit ({@code ms}, {@code s}, {@code m}, {@code
   * h}), or {@code 0}.
   *
   * @throws IllegalArgumentException naming the value and the form expected
   */
  static Duration parse(String text) {
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher part = PART.matcher(text);
    Duration duration = Duration.ZERO;
    int at = 0;
    while (at < text.length() && part.find(at) && part.start() == at) {
      long amount = Long.parseLong(part.group(1));
      duration =
          duration.plus(
              switch (part.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
              });
      at = part.end();
    }
    if (text.isEmpty() || at != text.length()) {
      throw new IllegalArgumentException(
          "invalid duration \"" + text + "\", expected a number and a unit, as 500ms, 10s, 5m, 1h");
    }
    return duration;
  }

  /**
   * Writes a duration as {@link #parse} reads it, largest units first: {@code 1h30m}, {@code
   * 1s500ms}.
   */
  static String format(Duration duration) {
    if (duration.isZero()) {
      return "0";
    }
    StringBuilder text = new StringBuilder();
    long[] amounts = {
      duration.toHours(),
      duration.toMinutesPart(),
      duration.toSecondsPart(),
      duration.toMillisPart()
    };
    String[] units = {"h", "m", "s", "ms"};
    for (int i = 0; i < units.length; i++) {
      if (amounts[i] != 0) {
        text.append(amounts[i]).append(units[i]);
      }
    }
    return text.toString();
  }
}
