package io.pushprom.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentials and TLS from the files a team's tooling already makes: an htpasswd file by Debian's
 * {@code htpasswd -B} (the transport module's fixture), a certificate and key by {@code openssl}.
 */
class AuthAndTlsTest {
  private static final Path FIXTURES =
      Path.of(
          "..", "pushprom-transport", "src", "test", "resources", "io", "pushprom", "transport");
  private static final String DELTA =
      "{\"type\":\"counter\",\"name\":\"gophers\",\"method\":\"inc\"}";

  @TempDir Path dir;
  private HttpClient client;

  @BeforeEach
  void makeCertificate() throws Exception {
    Process openssl =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "key.pem",
                "-out",
                "cert.pem",
                "-days",
                "2",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1")
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(openssl.getInputStream().readAllBytes(), UTF_8);
    assertTrue(openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0, output);

    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    try (InputStream in = Files.newInputStream(dir.resolve("cert.pem"))) {
      Certificate certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
      trusted.setCertificateEntry("pushprom", certificate);
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, trust.getTrustManagers(), null);
    client = HttpClient.newBuilder().sslContext(tls).build();
  }

  /** Pushprom with the fixture's users and the certificate made for the test, and {@code flags}. */
  private PushpromProcess start(String... flags) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "-basic-auth-file", FIXTURES.resolve("users.htpasswd").toString(),
                "-tls-cert-file", dir.resolve("cert.pem").toString(),
                "-tls-key-file", dir.resolve("key.pem").toString()));
    args.addAll(List.of(flags));
    return PushpromProcess.onLoopback(dir, List.of(), args.toArray(String[]::new));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(
        request.timeout(PushpromProcess.DEADLINE).build(), BodyHandlers.ofString(UTF_8));
  }

  private static HttpRequest.Builder request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("https://localhost:" + port + path));
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(UTF_8));
  }

  @Test
  void pushesOverHttpsNeedTheCredentialsOfTheHtpasswdFile() throws Exception {
    try (PushpromProcess pushprom = start()) {
      int port = pushprom.httpPort();
      assertTrue(
          pushprom.output().contains("listening for stats HTTP on https://127.0.0.1:"),
          pushprom.output());

      HttpResponse<String> anonymous =
          send(request(port, "/").POST(BodyPublishers.ofString(DELTA)));
      HttpResponse<String> wrong =
          send(
              request(port, "/")
                  .header("Authorization", basic("php", "guess"))
                  .POST(BodyPublishers.ofString(DELTA)));
      HttpResponse<String> right =
          send(
              request(port, "/")
                  .header("Authorization", basic("php", "s3cret"))
                  .POST(BodyPublishers.ofString(DELTA)));
      HttpResponse<String> metrics = send(request(port, "/metrics?name[]=gophers_total"));
      HttpResponse<String> health = send(request(port, "/-/healthy"));

      assertEquals(401, anonymous.statusCode());
      assertTrue(
          anonymous
              .headers()
              .firstValue("WWW-Authenticate")
              .orElse("")
              .startsWith("Basic realm=\"pushprom\""),
          anonymous.headers().toString());
      assertEquals(401, wrong.statusCode());
      assertEquals(200, right.statusCode());
      assertEquals(200, metrics.statusCode());
      assertTrue(metrics.body().contains("gophers_total 1.0"), metrics.body());
      assertEquals(200, health.statusCode());
      assertTrue(!pushprom.output().contains("s3cret") && !pushprom.errors().contains("s3cret"));
    }
  }

  @Test
  void authMetricsAsksForCredentialsOnScrapesToo() throws Exception {
    try (PushpromProcess pushprom = start("-auth-metrics")) {
      int port = pushprom.httpPort();

      assertEquals(401, send(request(port, "/metrics")).statusCode());
      assertEquals(
          200,
          send(request(port, "/metrics").header("Authorization", basic("php", "s3cret")))
              .statusCode());
      assertEquals(200, send(request(port, "/health")).statusCode());
    }
  }

  @Test
  void anEntryInAnotherFormatStopsTheStartNamingItsLine() throws Exception {
    Path users = FIXTURES.resolve("apr1.htpasswd");
    try (PushpromProcess pushprom =
        PushpromProcess.onLoopback(dir, List.of(), "-basic-auth-file", users.toString())) {
      assertEquals(1, pushprom.awaitExit());
      assertEquals(
          "pushprom: "
              + users
              + ": line 2: not a bcrypt entry ($apr1$ hash); make it with htpasswd -B\n",
          pushprom.errors());
    }
  }

  @Test
  void aKeyThatIsNotTheCertificatesStopsTheStartNamingBothFiles() throws Exception {
    Process other =
        new ProcessBuilder(
                "openssl",
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                "other.pem")
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    other.getInputStream().readAllBytes();
    assertEquals(0, other.waitFor());
    Path key = dir.resolve("other.pem");
    Path certificate = dir.resolve("cert.pem");
    try (PushpromProcess pushprom =
        PushpromProcess.onLoopback(
            dir,
            List.of(),
            "-tls-cert-file",
            certificate.toString(),
            "-tls-key-file",
            key.toString())) {
      assertEquals(1, pushprom.awaitExit());
      assertEquals(
          "pushprom: "
              + key
              + ": the private key does not belong to the first certificate (the leaf) in "
              + certificate
              + "\n",
          pushprom.errors());
    }
  }
}
