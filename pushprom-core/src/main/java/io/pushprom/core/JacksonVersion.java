package io.pushprom.core;

import com.fasterxml.jackson.core.Version;

/**
 * The Jackson that Pushprom needs, checked where an application first uses it ({@link
 * Aggregator.Builder#build()}, {@link Delta#parse(String)}), so that an older Jackson on the class
 * path is named there, not met as a {@code NoSuchMethodError} deep in parsing. 2.15 brought the
 * parser's limits (StreamReadConstraints) that bound nesting and number length; Pushprom also calls
 * methods of 2.13.
 */
final class JacksonVersion {
  /** The oldest Jackson Pushprom is built for and tested with ({@code .ci/jackson-min}). */
  static final Version MINIMUM = new Version(2, 15, 0, null, null, null);

  private static final String PROBLEM =
      problem(
          com.fasterxml.jackson.core.json.PackageVersion.VERSION,
          com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION);

  private JacksonVersion() {}

  /**
   * @throws IllegalStateException naming the Jackson found and the one needed, if it is older
   */
  static void require() {
    if (PROBLEM != null) {
      throw new IllegalStateException(PROBLEM);
    }
  }

  /** What is wrong with Jackson at these versions, or null if nothing is. */
  static String problem(Version core, Version databind) {
    StringBuilder old = new StringBuilder();
    for (Version found : new Version[] {core, databind}) {
      if (older(found, MINIMUM)) {
        old.append(old.length() == 0 ? "" : " and ")
            .append(found.getArtifactId())
            .append(' ')
            .append(found);
      }
    }
    if (old.length() == 0) {
      return null;
    }
    return old
        + " on the class path: Pushprom needs Jackson "
        + MINIMUM
        + " or newer, for its parser's limits on nesting and number length; align the"
        + " application's Jackson to "
        + MINIMUM
        + " or newer (com.fasterxml.jackson:jackson-bom)";
  }

  private static boolean older(Version found, Version minimum) {
    if (found.getMajorVersion() != minimum.getMajorVersion()) {
      return found.getMajorVersion() < minimum.getMajorVersion();
    }
    if (found.getMinorVersion() != minimum.getMinorVersion()) {
      return found.getMinorVersion() < minimum.getMinorVersion();
    }
    return found.getPatchLevel() < minimum.getPatchLevel();
  }
}
