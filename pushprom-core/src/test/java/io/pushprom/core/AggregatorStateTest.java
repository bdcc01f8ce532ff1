package io.pushprom.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.CollectorRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state file as the builder wires it: loaded by build, written by close. */
class AggregatorStateTest {
  @TempDir Path dir;

  private static Delta delta(String singleQuotedJson) {
    return Delta.parse(singleQuotedJson.replace('\'', '"'));
  }

  @Test
  void closeWritesTheStateThatTheNextBuildLoads() {
    Path state = dir.resolve("state.json");
    try (Aggregator first = Aggregator.builder().stateFile(state).build()) {
      first.apply(delta("{'type':'gauge','name':'trees','method':'set','value':7}"));
    }

    try (Aggregator second = Aggregator.builder().stateFile(state).build()) {
      assertEquals(7, second.value("trees", Map.of()).getAsDouble());
      assertEquals(1, second.seriesCount());
    }
  }

  @Test
  void aFileThatCannotBeLoadedLeavesTheRegistryAndTheFileAsTheyWere() throws Exception {
    Path state = dir.resolve("state.json");
    byte[] bad = "{\"format\":\"something else\"}".getBytes(UTF_8);
    Files.write(state, bad);
    CollectorRegistry registry = new CollectorRegistry();

    StateFileException e =
        assertThrows(
            StateFileException.class, () -> Aggregator.builder(registry).stateFile(state).build());

    assertTrue(e.getMessage().startsWith("state file " + state + ": "), e.getMessage());
    assertArrayEquals(bad, Files.readAllBytes(state));
    // The registry holds nothing of the failed one: another may use it.
    Aggregator.builder(registry)
        .build()
        .apply(delta("{'type':'counter','name':'c','method':'inc'}"));
    assertEquals(1, registry.getSampleValue("c_total"));
  }

  @Test
  void aSnapshotThatCannotBeWrittenIsCounted() throws Exception {
    Path gone = Files.createDirectory(dir.resolve("gone"));
    CollectorRegistry registry = new CollectorRegistry();
    Aggregator aggregator =
        Aggregator.builder(registry).stateFile(gone.resolve("state.json")).build();
    aggregator.apply(delta("{'type':'gauge','name':'trees','method':'set','value':7}"));
    Files.delete(gone);

    aggregator.close();

    assertEquals(1, registry.getSampleValue("pushprom_state_write_errors_total"));
  }
}
