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
  @CsvSource({"PT0.999S, 999", "PT0S, 0", "PT-1S, -1000"})
  void timeoutUnderASecondIsRefusedNamingIt(String duration, long millis) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> JdkServerSettings.positiveSeconds("write timeout", Duration.parse(duration)));

    assertEquals(
        "write timeout: " + millis + " ms is under one second, the least the JDK's HTTP server"
            + " counts",
        e.getMessage());
  }

  @Test
  void builderRefusesATimeoutUnderASecond() {
    HttpListener.Builder builder = HttpListener.builder(Aggregator.create());

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> builder.readTimeout(Duration.ofMillis(500)));

    assertEquals(
        "read timeout: 500 ms is under one second, the least the JDK's HTTP server counts",
        e.getMessage());
  }
}
