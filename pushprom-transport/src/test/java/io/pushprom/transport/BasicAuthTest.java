package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fixtures are Debian's {@code htpasswd} (apache2-utils 2.4.71) output, made with:
 *
 * <pre>
 * htpasswd -B -b -c users.htpasswd php s3cret          # cost 5, htpasswd's default
 * htpasswd -B -C 10 -b users.htpasswd ops 'ke:y-ölig'  # a colon and UTF-8 in the password
 * htpasswd -B -b -c apr1.htpasswd php s3cret && htpasswd -m -b apr1.htpasswd ops s3cret
 * htpasswd -s -b -c sha.htpasswd php s3cret
 * </pre>
 */
class BasicAuthTest {
  private static final String PHP =
      "php:$2y$05$OwjSCFrdCKmkAHy7jxoyO.15.MfMvFSyr60CiBg3LTkhBPkEPxMn2";

  /** What curl 7.88 sends for {@code http://php:s3cret@127.0.0.1:PORT/}. */
  private static final String CURL_PHP = "Basic cGhwOnMzY3JldA==";

  /** What curl 7.88 sends for {@code http://ops:ke%3Ay-%C3%B6lig@127.0.0.1:PORT/}. */
  private static final String CURL_OPS = "Basic b3BzOmtlOnktw7ZsaWc=";

  @TempDir Path dir;

  private static Path fixture(String name) throws URISyntaxException {
    return Path.of(BasicAuthTest.class.getResource(name).toURI());
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private Path file(String text) throws IOException {
    return Files.writeString(dir.resolve("users"), text);
  }

  /** A server whose one context answers 200 with the principal's name, or "-" if none. */
  private static final class Server implements AutoCloseable {
    private final HttpServer http;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);

    Server(BasicAuth auth, boolean protectReads) throws IOException {
      http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      http.createContext(
              "/",
              exchange -> {
                try (exchange) {
                  exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
                  Exchanges.respond(
                      exchange,
                      200,
                      exchange.getPrincipal() == null
                          ? "-"
                          : exchange.getPrincipal().getUsername());
                }
              })
          .setAuthenticator(auth.authenticator(protectReads));
      // Not the dispatcher thread: requests must be able to wait for one another's bcrypt.
      http.setExecutor(executor);
      http.start();
    }

    HttpResponse<String> send(String method, String authorization) throws Exception {
      return Http.send(request(method, authorization));
    }

    CompletableFuture<HttpResponse<String>> sendAsync(String method, String authorization) {
      return Http.CLIENT.sendAsync(
          request(method, authorization).build(), BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private HttpRequest.Builder request(String method, String authorization) {
      HttpRequest.Builder request =
          Http.request(http.getAddress().getPort(), "/")
              .method(method, BodyPublishers.ofString("{}"));
      return authorization == null ? request : request.header("Authorization", authorization);
    }

    @Override
    public void close() {
      http.stop(0);
      executor.shutdownNow();
    }
  }

  private static void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out: " + what);
      Thread.onSpinWait();
    }
  }

  private static void assertChallenged(HttpResponse<String> response) {
    assertEquals(401, response.statusCode());
    assertEquals(
        Optional.of(BasicAuth.CHALLENGE), response.headers().firstValue("WWW-Authenticate"));
  }

  @Test
  void htpasswdBcryptAtBothCostsAuthenticates() throws Exception {
    BasicAuth auth = BasicAuth.fromFile(fixture("users.htpasswd"));
    try (Server server = new Server(auth, false)) {
      HttpResponse<String> php = server.send("POST", basic("php", "s3cret"));
      HttpResponse<String> ops = server.send("POST", basic("ops", "ke:y-ölig"));

      assertEquals(200, php.statusCode());
      assertEquals("php", php.body());
      assertEquals(200, ops.statusCode());
      assertEquals("ops", ops.body());
    }
  }

  @Test
  void credentialsFromCurlUserinfoUrlAuthenticate() throws Exception {
    BasicAuth auth = BasicAuth.fromFile(fixture("users.htpasswd"));
    try (Server server = new Server(auth, false)) {
      assertEquals("php", server.send("POST", CURL_PHP).body());
      assertEquals("ops", server.send("POST", CURL_OPS).body());
      assertEquals("php", server.send("POST", "basic cGhwOnMzY3JldA==").body());
    }
  }

  @Test
  void missingCredentialsAreChallenged() throws Exception {
    BasicAuth auth = BasicAuth.fromFile(fixture("users.htpasswd"));
    try (Server server = new Server(auth, false)) {
      assertChallenged(server.send("POST", null));
      assertChallenged(server.send("DELETE", null));
      assertChallenged(server.send("PUT", null));
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Basic cGhwOndyb25n", // php:wrong
        "Basic b3BzOnMzY3JldA==", // ops:s3cret, another user's password
        "Basic bm9ib2R5OnMzY3JldA==", // nobody:s3cret
        "Basic cGhw", // php, no colon
        "Basic !!!!",
        "Basic",
        "Bearer cGhwOnMzY3JldA==",
        ""
      })
  void wrongOrMalformedCredentialsAreChallenged(String authorization) throws Exception {
    BasicAuth auth = BasicAuth.fromFile(fixture("users.htpasswd"));
    try (Server server = new Server(auth, false)) {
      assertChallenged(server.send("POST", authorization));
    }
  }

  @Test
  void readsAreOpenUnlessProtected() throws Exception {
    BasicAuth auth = BasicAuth.fromFile(fixture("users.htpasswd"));
    try (Server open = new Server(auth, false);
        Server closed = new Server(auth, true)) {
      HttpResponse<String> get = open.send("GET", null);
      assertEquals(200, get.statusCode());
      assertEquals("-", get.body(), "no principal on an open read");
      assertEquals(200, open.send("HEAD", null).statusCode());
      assertEquals(200, open.send("GET", basic("php", "wrong")).statusCode());

      assertChallenged(closed.send("GET", null));
      assertChallenged(closed.send("HEAD", null));
      assertChallenged(closed.send("GET", basic("php", "wrong")));
      assertEquals("php", closed.send("GET", CURL_PHP).body());
    }
  }

  @Test
  void goodCredentialsRunBcryptOnce() throws Exception {
    BasicAuth auth = BasicAuth.fromFile(fixture("users.htpasswd"));
    try (Server server = new Server(auth, false)) {
      for (int i = 0; i < 5; i++) {
        assertEquals(200, server.send("POST", CURL_PHP).statusCode());
      }
      assertEquals(1, auth.verifications());

      assertChallenged(server.send("POST", basic("php", "wrong")));
      assertChallenged(server.send("POST", basic("php", "wrong")));
      assertEquals(3, auth.verifications(), "a wrong password is never cached");

      assertEquals(200, server.send("POST", CURL_PHP).statusCode());
      assertEquals(200, server.send("POST", CURL_OPS).statusCode());
      assertEquals(200, server.send("POST", CURL_OPS).statusCode());
      assertEquals(4, auth.verifications(), "the wrong ones did not evict php's entry");
    }
  }

  @Test
  void unknownUserCostsBcryptToo() throws Exception {
    BasicAuth auth = BasicAuth.fromFile(fixture("users.htpasswd"));
    try (Server server = new Server(auth, false)) {
      assertChallenged(server.send("POST", basic("nobody", "s3cret")));
      assertEquals(1, auth.verifications());
    }
  }

  @Test
  void cachedCredentialsPassWhileBcryptIsBusy() throws Exception {
    BasicAuth auth = BasicAuth.fromFile(fixture("users.htpasswd"), Duration.ofMillis(50));
    try (Server server = new Server(auth, false)) {
      assertEquals(200, server.send("POST", CURL_PHP).statusCode());
      assertTrue(auth.verifying.tryAcquire(), "as if a wrong password were being checked");
      try {
        assertEquals(200, server.send("POST", CURL_PHP).statusCode());

        HttpResponse<String> waited = server.send("POST", basic("php", "wrong"));
        assertEquals(503, waited.statusCode());
        assertEquals(Optional.of("1"), waited.headers().firstValue("Retry-After"));
        assertEquals(503, server.send("POST", CURL_OPS).statusCode(), "not yet cached");
      } finally {
        auth.verifying.release();
      }
      assertEquals(200, server.send("POST", CURL_OPS).statusCode());
      assertEquals(2, auth.verifications());
    }
  }

  @Test
  void requestsBeyondTheWaitingOneAreTurnedAwayAtOnce() throws Exception {
    // A wait longer than the test: only turning away at once lets it pass.
    BasicAuth auth = BasicAuth.fromFile(fixture("users.htpasswd"), Duration.ofMinutes(5));
    try (Server server = new Server(auth, false)) {
      int permits = auth.admitted.drainPermits();
      try {
        assertEquals(2, permits);
        assertEquals(503, server.send("POST", basic("php", "wrong")).statusCode());
        assertEquals(503, server.send("POST", CURL_PHP).statusCode());
      } finally {
        auth.admitted.release(permits);
      }
      assertEquals(0, auth.verifications());
    }
  }

  @Test
  void burstWithTheSameCredentialsRunsBcryptOnce() throws Exception {
    BasicAuth auth = BasicAuth.fromFile(fixture("users.htpasswd"), Duration.ofSeconds(20));
    try (Server server = new Server(auth, false)) {
      List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
      assertTrue(auth.verifying.tryAcquire());
      try {
        responses.add(server.sendAsync("POST", CURL_PHP));
        awaitTrue(() -> auth.admitted.availablePermits() < 2, "the first waits for bcrypt");
        responses.add(server.sendAsync("POST", CURL_PHP));
        responses.add(server.sendAsync("POST", CURL_PHP));
        awaitTrue(() -> auth.joins() == 2, "the other two wait for the first");
        assertEquals(2, auth.joins());
      } finally {
        auth.verifying.release();
      }
      for (CompletableFuture<HttpResponse<String>> response : responses) {
        assertEquals(200, response.get().statusCode());
      }
      assertEquals(1, auth.verifications());
    }
  }

  @Test
  void commentsBlankLinesAndCrlfAreAllowed() throws Exception {
    Path file = file("# pushers\r\n\r\n  \r\n" + PHP + "\r\n# end\r\n");
    BasicAuth auth = BasicAuth.fromFile(file);
    try (Server server = new Server(auth, false)) {
      assertEquals("php", server.send("POST", CURL_PHP).body());
    }
  }

  @Test
  void htpasswdMd5IsRefused() throws Exception {
    Path file = fixture("apr1.htpasswd");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> BasicAuth.fromFile(file));
    assertEquals(
        file + ": line 2: not a bcrypt entry ($apr1$ hash); make it with htpasswd -B",
        e.getMessage());
    assertFalse(e.getMessage().contains("02ISmrTl"), "no part of the hash");
  }

  @Test
  void htpasswdShaIsRefused() throws Exception {
    Path file = fixture("sha.htpasswd");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> BasicAuth.fromFile(file));
    assertEquals(
        file + ": line 1: not a bcrypt entry ({SHA} hash); make it with htpasswd -B",
        e.getMessage());
  }

  static Stream<Arguments> badFiles() {
    String cost = PHP.replace("$05$", "$%s$");
    return Stream.of(
        Arguments.of("", "no users; add one with htpasswd -B"),
        Arguments.of("# nobody yet\n\n", "no users; add one with htpasswd -B"),
        Arguments.of(
            PHP + "\n# again\n" + PHP.replace("Ow", "Xy") + "\n",
            "line 3: user php is already on line 1"),
        Arguments.of("php\n", "line 1: not a user:hash entry; make it with htpasswd -B"),
        Arguments.of(PHP.substring(3) + "\n", "line 1: no user name before ':'"),
        Arguments.of(
            "php:s3cret\n",
            "line 1: not a bcrypt entry (unknown format); make it with htpasswd -B"),
        Arguments.of(
            "php:kpf.gYtfK9gus\n",
            "line 1: not a bcrypt entry (unknown format); make it with htpasswd -B"),
        Arguments.of(
            "php:$5$cvlVC59S3gSAA442$G6i53tLM4FlIMNZke5R/k4wbGylhfwR100u318OlWkD\n",
            "line 1: not a bcrypt entry ($5$ hash); make it with htpasswd -B"),
        Arguments.of(
            "php:$2y$05$OwjSCFrdCKmkAHy7jxoyO.15\n",
            "line 1: malformed bcrypt hash; make it with htpasswd -B"),
        Arguments.of(
            "php:$2y$xx$OwjSCFrdCKmkAHy7jxoyO.15.MfMvFSyr60CiBg3LTkhBPkEPxMn2\n",
            "line 1: malformed bcrypt hash; make it with htpasswd -B"),
        Arguments.of(
            String.format(cost, "03"),
            "line 1: bcrypt cost 3 is not in 4 to 17, the range htpasswd -B -C takes"),
        Arguments.of(
            String.format(cost, "18"),
            "line 1: bcrypt cost 18 is not in 4 to 17, the range htpasswd -B -C takes"));
  }

  @ParameterizedTest
  @MethodSource("badFiles")
  void badFileIsRefusedNamingTheLine(String text, String problem) throws Exception {
    Path file = file(text);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> BasicAuth.fromFile(file));
    assertEquals(file + ": " + problem, e.getMessage());
    assertFalse(e.getMessage().contains("s3cret"));
    assertFalse(e.getMessage().contains("OwjSC"));
  }

  @Test
  void fileThatIsNotUtf8IsRefused() throws Exception {
    Path file = Files.write(dir.resolve("users"), new byte[] {'p', (byte) 0xff, ':', 'x', '\n'});
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> BasicAuth.fromFile(file));
    assertEquals(file + ": not UTF-8 text", e.getMessage());
  }
}
