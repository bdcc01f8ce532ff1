package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Keys and certificates made by the real {@code openssl} command, as an operator or cert-manager
 * makes them, into a test's temporary directory. Each is valid for two days, for {@code localhost}
 * and {@code 127.0.0.1}.
 */
final class Openssl {
  static final String SUBJECT_ALT_NAME = "subjectAltName=DNS:localhost,IP:127.0.0.1";

  /** {@code -newkey} arguments. */
  static final List<String> RSA = List.of("rsa:2048");

  static final List<String> EC = List.of("ec", "-pkeyopt", "ec_paramgen_curve:P-256");

  private Openssl() {}

  /** A self-signed certificate {@code NAME.pem} and its PKCS#8 key {@code NAME.key}. */
  static Pair selfSigned(Path dir, String name, List<String> newKey, String days) {
    Pair pair = new Pair(dir.resolve(name + ".pem"), dir.resolve(name + ".key"));
    List<String> args = new ArrayList<>(List.of("req", "-x509", "-newkey"));
    args.addAll(newKey);
    args.addAll(
        List.of(
            "-nodes",
            "-keyout",
            pair.key().toString(),
            "-out",
            pair.certificate().toString(),
            "-days",
            days,
            "-subj",
            "/CN=localhost",
            "-addext",
            SUBJECT_ALT_NAME));
    run(dir, args);
    return pair;
  }

  static Pair selfSigned(Path dir, String name, List<String> newKey) {
    return selfSigned(dir, name, newKey, "2");
  }

  /**
   * A CA {@code ca.pem} and a leaf it signed, whose {@code chain.pem} holds the leaf and then the
   * CA, as Let's Encrypt's {@code fullchain.pem} does.
   */
  static Pair chain(Path dir) {
    run(
        dir,
        List.of(
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Pushprom Test CA"));
    run(
        dir,
        List.of(
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=localhost",
            "-addext",
            SUBJECT_ALT_NAME));
    run(
        dir,
        List.of(
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-copy_extensions",
            "copy",
            "-days",
            "2",
            "-out",
            "leaf.pem"));
    Pair pair = new Pair(dir.resolve("chain.pem"), dir.resolve("leaf.key"));
    concatenate(pair.certificate(), dir.resolve("leaf.pem"), dir.resolve("ca.pem"));
    return pair;
  }

  static void concatenate(Path target, Path... sources) {
    try {
      StringBuilder text = new StringBuilder();
      for (Path source : sources) {
        text.append(Files.readString(source));
      }
      Files.writeString(target, text);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Runs {@code openssl ARGS} in {@code dir} and fails the test if it fails. */
  static void run(Path dir, List<String> args) {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(args);
    Result result = exec(dir, command);
    assertEquals(0, result.exitCode(), () -> String.join(" ", command) + "\n" + result.output());
  }

  /** Runs {@code command} in {@code dir}, stdin closed, stderr into stdout, within 30 s. */
  static Result exec(Path dir, List<String> command) {
    try {
      Path output = Files.createTempFile(dir, "output", ".txt");
      Process process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(command + " did not finish within 30 s");
      }
      return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  record Pair(Path certificate, Path key) {}

  record Result(int exitCode, String output) {}
}
