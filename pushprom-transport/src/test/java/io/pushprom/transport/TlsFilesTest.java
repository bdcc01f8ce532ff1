package io.pushprom.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.pushprom.transport.Openssl.Pair;
import io.pushprom.transport.Openssl.Result;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TlsFilesTest {
  @TempDir Path dir;

  static Stream<Arguments> keyTypes() {
    return Stream.of(Arguments.of("RSA", Openssl.RSA), Arguments.of("EC", Openssl.EC));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("keyTypes")
  void servesSelfSignedCertificateThatJavaAndCurlVerify(String type, List<String> newKey)
      throws Exception {
    Pair pair = Openssl.selfSigned(dir, "server", newKey);
    HttpsServer server = serve(TlsFiles.sslContext(pair.certificate(), pair.key()));
    try {
      int port = server.getAddress().getPort();
      HttpClient java = client(pair.certificate());
      assertEquals("ok", get(java, "https://127.0.0.1:" + port + "/").body());
      assertEquals("ok", get(java, "https://localhost:" + port + "/").body());
      assertEquals(new Result(0, "ok"), curl(pair.certificate(), "127.0.0.1", port));
      assertEquals(new Result(0, "ok"), curl(pair.certificate(), "localhost", port));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void curlRefusesHostNameTheCertificateDoesNotName() throws Exception {
    Pair pair = Openssl.selfSigned(dir, "server", Openssl.EC);
    HttpsServer server = serve(TlsFiles.sslContext(pair.certificate(), pair.key()));
    try {
      // 60: CURLE_PEER_FAILED_VERIFICATION, what PHP's curl reports with CURLOPT_SSL_VERIFYPEER.
      assertEquals(
          60,
          curl(pair.certificate(), "pushprom.example", server.getAddress().getPort()).exitCode());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void servesWholeChainLeafFirst() throws Exception {
    Pair pair = Openssl.chain(dir);
    Path ca = dir.resolve("ca.pem");
    HttpsServer server = serve(TlsFiles.sslContext(pair.certificate(), pair.key()));
    try {
      int port = server.getAddress().getPort();
      HttpResponse<String> response = get(client(ca), "https://localhost:" + port + "/");
      assertEquals("ok", response.body());
      Certificate[] served = response.sslSession().orElseThrow().getPeerCertificates();
      assertEquals(
          List.of("CN=localhost", "CN=Pushprom Test CA"),
          Stream.of(served)
              .map(c -> ((X509Certificate) c).getSubjectX500Principal().getName())
              .toList());
      assertEquals(new Result(0, "ok"), curl(ca, "localhost", port));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void servesExpiredCertificateWithWarning() throws Exception {
    Pair pair = Openssl.selfSigned(dir, "server", Openssl.EC);
    Path expired = dir.resolve("expired.pem");
    Openssl.run(
        dir,
        List.of(
            "x509",
            "-in",
            pair.certificate().toString(),
            "-key",
            pair.key().toString(),
            "-days",
            "-1",
            "-out",
            expired.toString()));
    List<LogRecord> records = new ArrayList<>();
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            records.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger log = Logger.getLogger(TlsFiles.class.getName());
    log.addHandler(handler);
    try {
      TlsFiles.sslContext(expired, pair.key());
    } finally {
      log.removeHandler(handler);
    }
    Instant notAfter = certificates(expired).get(0).getNotAfter().toInstant();
    assertEquals(1, records.size());
    assertEquals(Level.WARNING, records.get(0).getLevel());
    assertEquals(
        expired
            + ": certificate 1 (CN=localhost) expired at "
            + notAfter
            + "; clients will refuse it until it is renewed",
        records.get(0).getMessage());
  }

  @Test
  void warnsOfCertificateNotValidYet() throws Exception {
    Pair pair = Openssl.chain(dir);
    List<X509Certificate> chain = certificates(pair.certificate());
    // The CA may be a second older than the leaf: before both.
    Instant now =
        chain.stream().map(c -> c.getNotBefore().toInstant()).min(Instant::compareTo).orElseThrow();
    now = now.minusSeconds(1);
    assertEquals(
        List.of(
            pair.certificate()
                + ": certificate 1 (CN=localhost) is not valid before "
                + chain.get(0).getNotBefore().toInstant()
                + "; clients will refuse it until then",
            pair.certificate()
                + ": certificate 2 (CN=Pushprom Test CA) is not valid before "
                + chain.get(1).getNotBefore().toInstant()
                + "; clients will refuse it until then"),
        TlsFiles.validityWarnings(pair.certificate(), chain, now));
    assertEquals(
        List.of(), TlsFiles.validityWarnings(pair.certificate(), chain, now.plusSeconds(60)));
  }

  @Test
  void refusesMissingFiles() {
    Pair pair = Openssl.selfSigned(dir, "server", Openssl.EC);
    Path missing = dir.resolve("missing.pem");
    assertRefused(missing + ": no such file", missing, pair.key());
    assertRefused(missing + ": no such file", pair.certificate(), missing);
  }

  @Test
  void refusesDirectory() {
    Pair pair = Openssl.selfSigned(dir, "server", Openssl.EC);
    assertRefused(dir + ": is a directory, not a file", dir, pair.key());
  }

  @Test
  void refusesEmptyFile() throws IOException {
    Pair pair = Openssl.selfSigned(dir, "server", Openssl.EC);
    Path empty = Files.writeString(dir.resolve("empty.key"), "\n");
    assertRefused(empty + ": empty file", pair.certificate(), empty);
  }

  @Test
  void refusesFileWithoutPemBlock() throws IOException {
    Pair pair = Openssl.selfSigned(dir, "server", Openssl.EC);
    Path der = dir.resolve("server.der");
    Openssl.run(
        dir,
        List.of(
            "x509", "-in", pair.certificate().toString(), "-outform", "DER", "-out", "server.der"));
    assertRefused(
        der + ": no PEM block (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)",
        der,
        pair.key());
    Path text = Files.writeString(dir.resolve("text.key"), "not a key\n");
    assertRefused(
        text + ": no PEM block (-----BEGIN PRIVATE KEY----- ... -----END PRIVATE KEY-----)",
        pair.certificate(),
        text);
  }

  @Test
  void refusesFileCutShort() throws IOException {
    Pair pair = Openssl.selfSigned(dir, "server", Openssl.EC);
    List<String> lines = Files.readAllLines(pair.certificate());
    Path cut = Files.write(dir.resolve("cut.pem"), lines.subList(0, lines.size() - 1));
    assertRefused(
        cut
            + ": no PEM block (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----); is the"
            + " file cut short?",
        cut,
        pair.key());
  }

  @Test
  void refusesSwitchedFiles() {
    Pair pair = Openssl.selfSigned(dir, "server", Openssl.EC);
    assertRefused(
        pair.key()
            + ": holds no CERTIFICATE, only PRIVATE KEY; are the certificate and key files"
            + " switched?",
        pair.key(),
        pair.certificate());
    assertRefused(
        pair.certificate()
            + ": holds no PRIVATE KEY, only CERTIFICATE; are the certificate and key files"
            + " switched?",
        pair.certificate(),
        pair.certificate());
  }

  @Test
  void refusesCertificateRequest() {
    Pair pair = Openssl.selfSigned(dir, "server", Openssl.EC);
    Path request = dir.resolve("server.csr");
    Openssl.run(
        dir,
        List.of(
            "req",
            "-new",
            "-key",
            pair.key().toString(),
            "-subj",
            "/CN=localhost",
            "-out",
            request.toString()));
    assertRefused(
        request + ": holds no CERTIFICATE, only CERTIFICATE REQUEST", request, pair.key());
  }

  @Test
  void refusesCertificateThatDoesNotParse() throws IOException {
    Pair pair = Openssl.selfSigned(dir, "server", Openssl.EC);
    Path bad = dir.resolve("bad.pem");
    Files.writeString(
        bad,
        Files.readString(pair.certificate())
            + pem("CERTIFICATE", "not a certificate".getBytes(UTF_8)));
    assertRefused(bad + ": certificate 2 is not a valid X.509 certificate", bad, pair.key());
  }

  static Stream<Arguments> keysToConvert() {
    String convert = "; pushprom reads only unencrypted PKCS#8 (BEGIN PRIVATE KEY): ";
    String command = " it with openssl pkcs8 -topk8 -nocrypt -in %s -out key.pk8.pem";
    return Stream.of(
        Arguments.of(
            Openssl.RSA,
            List.of("rsa", "-traditional"),
            ": the key is a PKCS#1 RSA key (BEGIN RSA PRIVATE KEY)"
                + convert
                + "convert"
                + command),
        Arguments.of(
            Openssl.EC,
            List.of("ec"),
            ": the key is a SEC1 EC key (BEGIN EC PRIVATE KEY)" + convert + "convert" + command),
        Arguments.of(
            Openssl.EC,
            List.of("pkcs8", "-topk8", "-passout", "pass:secret"),
            ": the key is encrypted (BEGIN ENCRYPTED PRIVATE KEY)"
                + convert
                + "decrypt"
                + command));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("keysToConvert")
  void refusesKeyFormatsOpensslConverts(List<String> newKey, List<String> to, String message) {
    Pair pair = Openssl.selfSigned(dir, "server", newKey);
    Path other = dir.resolve("other.key");
    List<String> args = new ArrayList<>(to);
    args.addAll(List.of("-in", pair.key().toString(), "-out", other.toString()));
    Openssl.run(dir, args);
    assertRefused(other + String.format(message, other), pair.certificate(), other);
    Path converted = dir.resolve("key.pk8.pem");
    Openssl.run(
        dir,
        List.of(
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-passin",
            "pass:secret",
            "-in",
            other.toString(),
            "-out",
            converted.toString()));
    TlsFiles.sslContext(pair.certificate(), converted);
  }

  @Test
  void refusesKeyOfOtherKinds() throws IOException {
    Pair pair = Openssl.selfSigned(dir, "server", Openssl.EC);
    Path ssh = dir.resolve("id_ecdsa");
    Files.writeString(ssh, pem("OPENSSH PRIVATE KEY", new byte[] {1, 2, 3}));
    assertRefused(
        ssh
            + ": OPENSSH PRIVATE KEY is not supported; pushprom reads only RSA or EC keys in PKCS#8"
            + " (BEGIN PRIVATE KEY)",
        pair.certificate(),
        ssh);
    Path ed25519 = dir.resolve("ed25519.key");
    Openssl.run(dir, List.of("genpkey", "-algorithm", "ed25519", "-out", ed25519.toString()));
    assertRefused(
        ed25519 + ": the PRIVATE KEY is not an RSA or EC key in PKCS#8; pushprom reads only those",
        pair.certificate(),
        ed25519);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("keyTypes")
  void refusesKeyOfAnotherCertificate(String type, List<String> newKey) {
    Pair rsa = Openssl.selfSigned(dir, "server", Openssl.RSA);
    Pair other = Openssl.selfSigned(dir, "other", newKey);
    assertRefused(
        other.key()
            + ": the private key does not belong to the first certificate (the leaf) in "
            + rsa.certificate(),
        rsa.certificate(),
        other.key());
  }

  @Test
  void refusesChainNotLeafFirst() {
    Pair pair = Openssl.chain(dir);
    Path reversed = dir.resolve("reversed.pem");
    Openssl.concatenate(reversed, dir.resolve("ca.pem"), dir.resolve("leaf.pem"));
    assertRefused(
        reversed
            + ": certificate 2 (CN=localhost) did not issue certificate 1 (issued by CN=Pushprom"
            + " Test CA); put the leaf first, then each certificate's issuer",
        reversed,
        pair.key());
  }

  @Test
  void refusesRepeatedCertificate() {
    Pair pair = Openssl.selfSigned(dir, "server", Openssl.EC);
    Path twice = dir.resolve("twice.pem");
    Openssl.concatenate(twice, pair.certificate(), pair.certificate());
    assertRefused(twice + ": certificate 2 repeats an earlier one", twice, pair.key());
  }

  private static void assertRefused(String message, Path certificate, Path key) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TlsFiles.sslContext(certificate, key));
    assertEquals(message, e.getMessage());
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN "
        + label
        + "-----\n"
        + Base64.getMimeEncoder().encodeToString(der)
        + "\n-----END "
        + label
        + "-----\n";
  }

  private static HttpsServer serve(SSLContext tls) throws IOException {
    HttpsServer server =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            byte[] body = "ok".getBytes(UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
          }
        });
    server.start();
    return server;
  }

  private static List<X509Certificate> certificates(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      List<X509Certificate> certificates = new ArrayList<>();
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        certificates.add((X509Certificate) c);
      }
      return certificates;
    }
  }

  /** A client that trusts only the certificates in {@code trusted}, and checks host names. */
  private static HttpClient client(Path trusted) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    for (X509Certificate certificate : certificates(trusted)) {
      store.setCertificateEntry(certificate.getSubjectX500Principal().getName(), certificate);
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, trust.getTrustManagers(), null);
    return HttpClient.newBuilder()
        .sslContext(tls)
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  private static HttpResponse<String> get(HttpClient client, String uri) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30)).build(),
        BodyHandlers.ofString(UTF_8));
  }

  /**
   * {@code curl https://HOST:PORT/}, verifying the server against {@code trusted} as the PHP
   * client's curl does with {@code CURLOPT_SSL_VERIFYPEER}; every host name goes to 127.0.0.1.
   */
  private Result curl(Path trusted, String host, int port) {
    return Openssl.exec(
        dir,
        List.of(
            "curl",
            "--silent",
            "--max-time",
            "10",
            "--cacert",
            trusted.toString(),
            "--resolve",
            host + ":" + port + ":127.0.0.1",
            "https://" + host + ":" + port + "/"));
  }
}
