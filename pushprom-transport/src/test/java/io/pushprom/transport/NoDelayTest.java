package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What an application that mounts {@link IngestHandler} on a JDK server of its own is told about
 * {@code sun.net.httpserver.nodelay}, each case in a fresh JVM: the JDK reads it once per JVM.
 */
class NoDelayTest {
  private static final String ADVICE = "start the JVM with -Dsun.net.httpserver.nodelay=true";

  @ParameterizedTest(name = "{0}, -D{1}: warned {2}")
  @CsvSource({
    // The handler comes first and sets it before the JDK reads it.
    "handler-first, '', false, true",
    // The JDK read it unset, before the handler could set it.
    "server-first, '', true, true",
    "server-first, sun.net.httpserver.nodelay=true, false, true",
    "handler-first, sun.net.httpserver.nodelay=false, true, false",
    "server-first, sun.net.httpserver.nodelay=false, true, false",
  })
  void warnsWhenNoDelayIsNotInEffect(String order, String property, boolean warned, boolean noDelay)
      throws Exception {
    Run run = runApp(order, property);

    assertEquals(0, run.exitCode(), run.output());
    assertTrue(run.output().contains("nodelay=" + noDelay), run.output());
    assertEquals(warned, run.output().contains("WARNING"), run.output());
    assertEquals(warned, run.output().contains(ADVICE), run.output());
  }

  private record Run(int exitCode, String output) {}

  private static Run runApp(String order, String property)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (!property.isEmpty()) {
      command.add("-D" + property);
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            EmbeddedServerApp.class.getName(),
            order));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      // Only so that a hung child fails the test instead of hanging it.
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("the application did not exit: " + output);
      }
      return new Run(process.exitValue(), output);
    } finally {
      process.destroyForcibly();
    }
  }
}
