package io.pushprom.transport;

import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What a Pushprom thread does when the JVM runs out of memory: it says so and ends the process,
 * with the exit code {@code -XX:+ExitOnOutOfMemoryError} uses, so that a supervisor restarts it. A
 * process that lives on after an {@link OutOfMemoryError} has lost threads it needs (the JDK's HTTP
 * dispatcher among them) and answers nothing, or lies.
 */
final class Fatal {
  /** The JVM's own code for {@code -XX:+ExitOnOutOfMemoryError}. */
  static final int OUT_OF_MEMORY_EXIT_CODE = 3;

  private static final Logger LOG = Logger.getLogger(Fatal.class.getName());

  // Encoded in advance: when the JVM has no memory left, writing these bytes needs none.
  private static final byte[] OUT_OF_MEMORY_LINE =
      ("pushprom: out of memory; exiting with code " + OUT_OF_MEMORY_EXIT_CODE + "\n")
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] DIED_LINE =
      "pushprom: a thread pushprom needs died; exiting with code 1\n"
          .getBytes(StandardCharsets.UTF_8);

  private Fatal() {}

  /** Ends the process if {@code thrown} is an {@link OutOfMemoryError}; returns otherwise. */
  static void exitIfOutOfMemory(Throwable thrown) {
    if (thrown instanceof OutOfMemoryError) {
      outOfMemory((OutOfMemoryError) thrown);
    }
  }

  /** Ends the process: it cannot be trusted to serve after an {@link OutOfMemoryError}. */
  static void outOfMemory(OutOfMemoryError error) {
    say(OUT_OF_MEMORY_LINE);
    try {
      // Saying so needs memory too, which may fail again: the halt below comes regardless.
      String message =
          "out of memory in thread "
              + Thread.currentThread().getName()
              + " ("
              + error.getMessage()
              + "); exiting with code "
              + OUT_OF_MEMORY_EXIT_CODE
              + " so that a supervisor restarts pushprom";
      System.err.println("pushprom: " + message);
      System.err.flush();
      LOG.severe(message);
    } catch (Throwable again) {
      // The line above says it already.
    } finally {
      // Not exit(): shutdown hooks could wait on threads that the error has already stopped.
      Runtime.getRuntime().halt(OUT_OF_MEMORY_EXIT_CODE);
    }
  }

  /** Ends the process for an error no thread can recover from, such as a dead HTTP dispatcher. */
  static void died(Thread thread, Throwable thrown) {
    exitIfOutOfMemory(thrown);
    say(DIED_LINE);
    try {
      System.err.println("pushprom: thread " + thread.getName() + " died: " + thrown);
      System.err.flush();
      LOG.log(Level.SEVERE, "thread " + thread.getName() + " died; exiting with code 1", thrown);
    } catch (Throwable again) {
      // The line above says it already.
    } finally {
      Runtime.getRuntime().halt(1);
    }
  }

  /** Writes a line made in advance, which needs no memory; and goes on if even that fails. */
  private static void say(byte[] line) {
    try {
      System.err.write(line, 0, line.length);
      System.err.flush();
    } catch (Throwable ignored) {
      // Nothing else can be said; the exit code still tells.
    }
  }
}
