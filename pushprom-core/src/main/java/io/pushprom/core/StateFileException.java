package io.pushprom.core;

import java.nio.file.Path;

/**
 * A state file that cannot be loaded: unreadable, truncated, not JSON, not a Pushprom state file,
 * of a newer version, or holding what no delta could have made. The message names the file, then
 * where in it, then the problem; the file is left as it was. A server stops on it rather than start
 * without the state it was told to keep, and rather than overwrite it.
 *
 * <pre>{@code
 * try {
 *   aggregator = Aggregator.builder().stateFile(Path.of("/var/lib/pushprom/state.json")).build();
 * } catch (StateFileException e) {
 *   e.getMessage(); // "state file /var/lib/pushprom/state.json: truncated at line 3, column 17"
 * }
 * }</pre>
 */
public final class StateFileException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  StateFileException(Path file, String problem) {
    super("state file " + file + ": " + problem);
  }

  StateFileException(Path file, String problem, Throwable cause) {
    super("state file " + file + ": " + problem, cause);
  }
}
