package io.pushprom.core;

/**
 * Pushprom's version, as its jar's manifest gives it ({@code Implementation-Version}).
 *
 * <pre>{@code
 * System.out.println("pushprom " + Version.current()); // pushprom 0.1.0
 * }</pre>
 */
public final class Version {
  private Version() {}

  /** The version, or {@code unknown} when the classes were not loaded from a built jar. */
  public static String current() {
    String version = Version.class.getPackage().getImplementationVersion();
    return version == null ? "unknown" : version;
  }
}
