package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pushprom.core.Aggregator;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JdkServerSettingsTest {
  @ParameterizedTest
  @CsvSource({"1000, 1", "1001, 2", "1500, 2", "2000, 2", "10000, 10", "59999, 60"})
  void timeoutIsRoundedUpToWholeSeconds(long millis, long seconds) {
    assertEquals(
        Duration.ofSeconds(seconds),
        JdkServerSettings.positiveSeconds("read timeout", Duration.ofMillis(millis)));
  }

  @ParameterizedTest
  @CsvSource({"PT0.999S", "PT0S", "PT-1S"})
  void timeoutUnderASecondIsRefusedNamingIt(String duration) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> JdkServerSettings.positiveSeconds("write timeout", Duration.parse(duration)));

    assertEquals("write timeout: " + duration + " is under one second", e.getMessage());
  }

  @Test
  void builderRefusesATimeoutUnderASecond() {
    HttpListener.Builder builder = HttpListener.builder(Aggregator.create());

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> builder.readTimeout(Duration.ofMillis(500)));

    assertEquals("read timeout: PT0.5S is under one second", e.getMessage());
  }
}
