package io.pushprom.core;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.core.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JacksonVersionTest {
  private static Version version(String artifact, String text) {
    String[] parts = text.split("\\.");
    return new Version(
        Integer.parseInt(parts[0]),
        Integer.parseInt(parts[1]),
        Integer.parseInt(parts[2]),
        null,
        "com.fasterxml.jackson.core",
        artifact);
  }

  @ParameterizedTest
  @CsvSource({"2.15.0", "2.15.4", "2.18.2", "2.20.1", "3.0.0"})
  void theMinimumAndNewerPass(String found) {
    assertNull(
        JacksonVersion.problem(version("jackson-core", found), version("jackson-databind", found)));
  }

  @Test
  void anOlderJacksonCoreIsNamedWithTheVersionNeeded() {
    assertEquals(
        "jackson-core 2.12.7 on the class path: Pushprom needs Jackson 2.15.0 or newer, for its"
            + " parser's limits on nesting and number length; align the application's Jackson to"
            + " 2.15.0 or newer (com.fasterxml.jackson:jackson-bom)",
        JacksonVersion.problem(
            version("jackson-core", "2.12.7"), version("jackson-databind", "2.18.2")));
  }

  @ParameterizedTest
  @CsvSource({"2.14.3", "2.13.5", "1.99.99"})
  void olderDatabindIsNamedToo(String found) {
    assertEquals(
        "jackson-core "
            + found
            + " and jackson-databind "
            + found
            + " on the class path: Pushprom needs Jackson 2.15.0 or newer, for its parser's limits"
            + " on nesting and number length; align the application's Jackson to 2.15.0 or newer"
            + " (com.fasterxml.jackson:jackson-bom)",
        JacksonVersion.problem(version("jackson-core", found), version("jackson-databind", found)));
  }

  @Test
  void theJacksonOnTheTestClassPathPasses() {
    assertDoesNotThrow(JacksonVersion::require);
  }
}
