package io.pushprom.transport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A server's {@link SSLContext} from the PEM files cert-manager and Let's Encrypt hand out: a
 * certificate chain, leaf first ({@code -----BEGIN CERTIFICATE-----} blocks), and the leaf's
 * private key, RSA or EC, in PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}).
 *
 * <pre>{@code
 * SSLContext tls = TlsFiles.sslContext(Path.of("tls.crt"), Path.of("tls.key"));
 * HttpsServer server = HttpsServer.create(new InetSocketAddress(9091), 0);
 * server.setHttpsConfigurator(new HttpsConfigurator(tls));
 * }</pre>
 *
 * <p>Public so that an application embedding pushprom can serve HTTPS from the same files without
 * re-implementing PEM parsing, which the JDK lacks.
 */
public final class TlsFiles {
  private static final Logger LOG = Logger.getLogger(TlsFiles.class.getName());

  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

  private static final String CONVERT = "openssl pkcs8 -topk8 -nocrypt -in %s -out key.pk8.pem";

  /** Guards an in-memory key store that never leaves this class; it protects nothing. */
  private static final char[] NO_PASSWORD = new char[0];

  private TlsFiles() {}

  /**
   * Reads the certificate chain and the private key and returns a TLS context that serves them,
   * ready for {@code new HttpsConfigurator(context)}.
   *
   * <p>A certificate that has expired or is not valid yet is logged as a {@code WARNING} and served
   * all the same: clients decide, as they do with Go's {@code crypto/tls}, and a renewer may be
   * about to replace it.
   *
   * @param certificateFile PEM certificates, the leaf first, then each one's issuer; blocks of
   *     other kinds are skipped
   * @param keyFile the leaf's private key, RSA or EC, PEM PKCS#8 and unencrypted; certificate
   *     blocks are skipped
   * @throws IllegalArgumentException if a file is missing or unreadable, holds no PEM block of its
   *     kind, a certificate that does not parse, certificates out of chain order, a key in another
   *     format, or a key that does not belong to the leaf; the message starts with the file's path
   *     and never holds key material
   */
  public static SSLContext sslContext(Path certificateFile, Path keyFile) {
    List<X509Certificate> chain = certificates(certificateFile);
    PrivateKey key = privateKey(keyFile);
    if (!belongTogether(key, chain.get(0).getPublicKey())) {
      throw new IllegalArgumentException(
          keyFile
              + ": the private key does not belong to the first certificate (the leaf) in "
              + certificateFile);
    }
    // A loop, not forEach(LOG::warning), so the log line names this method as its source.
    for (String warning : validityWarnings(certificateFile, chain, Instant.now())) {
      LOG.warning(warning);
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("pushprom", key, NO_PASSWORD, chain.toArray(new Certificate[0]));
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, NO_PASSWORD);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("the JDK cannot build a TLS context: " + e, e);
    }
  }

  private static List<X509Certificate> certificates(Path file) {
    List<Block> blocks = blocks(file, "CERTIFICATE");
    CertificateFactory x509;
    try {
      x509 = CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new IllegalStateException("the JDK cannot read X.509 certificates: " + e, e);
    }
    List<X509Certificate> chain = new ArrayList<>();
    for (Block block : blocks) {
      if (block.label().equals("CERTIFICATE")) {
        try {
          chain.add(
              (X509Certificate) x509.generateCertificate(new ByteArrayInputStream(block.decode())));
        } catch (CertificateException | IllegalArgumentException e) {
          throw new IllegalArgumentException(
              file + ": certificate " + (chain.size() + 1) + " is not a valid X.509 certificate");
        }
      }
    }
    if (chain.isEmpty()) {
      throw onlyOthers(file, "CERTIFICATE", blocks, "PRIVATE KEY");
    }
    for (int i = 1; i < chain.size(); i++) {
      // Clients expect each certificate to be followed by its issuer; the PKCS12 key store refuses
      // anything else with a message that names neither the file nor the certificate.
      X509Certificate issued = chain.get(i - 1);
      X509Certificate issuer = chain.get(i);
      if (chain.subList(0, i).contains(issuer)) {
        throw new IllegalArgumentException(
            file + ": certificate " + (i + 1) + " repeats an earlier one");
      }
      if (!issued.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
        throw new IllegalArgumentException(
            file
                + ": certificate "
                + (i + 1)
                + " ("
                + issuer.getSubjectX500Principal().getName()
                + ") did not issue certificate "
                + i
                + " (issued by "
                + issued.getIssuerX500Principal().getName()
                + "); put the leaf first, then each certificate's issuer");
      }
    }
    return List.copyOf(chain);
  }

  private static PrivateKey privateKey(Path file) {
    List<Block> blocks = blocks(file, "PRIVATE KEY");
    Block key =
        blocks.stream()
            .filter(b -> b.label().equals("PRIVATE KEY") || b.label().endsWith(" PRIVATE KEY"))
            .findFirst()
            .orElseThrow(() -> onlyOthers(file, "PRIVATE KEY", blocks, "CERTIFICATE"));
    switch (key.label()) {
      case "PRIVATE KEY":
        return pkcs8(file, key);
      case "RSA PRIVATE KEY":
        throw convert(file, "a PKCS#1 RSA key (BEGIN RSA PRIVATE KEY)", "convert");
      case "EC PRIVATE KEY":
        throw convert(file, "a SEC1 EC key (BEGIN EC PRIVATE KEY)", "convert");
      case "ENCRYPTED PRIVATE KEY":
        throw convert(file, "encrypted (BEGIN ENCRYPTED PRIVATE KEY)", "decrypt");
      default:
        throw new IllegalArgumentException(
            file
                + ": "
                + key.label()
                + " is not supported; pushprom reads only RSA or EC keys in PKCS#8 (BEGIN PRIVATE"
                + " KEY)");
    }
  }

  /** No block of the kind wanted; {@code switched} is the kind the other file should hold. */
  private static IllegalArgumentException onlyOthers(
      Path file, String wanted, List<Block> blocks, String switched) {
    List<String> labels = blocks.stream().map(Block::label).distinct().toList();
    return new IllegalArgumentException(
        file
            + ": holds no "
            + wanted
            + ", only "
            + String.join(", ", labels)
            + (labels.stream().anyMatch(label -> label.endsWith(switched))
                ? "; are the certificate and key files switched?"
                : ""));
  }

  private static IllegalArgumentException convert(Path file, String format, String verb) {
    return new IllegalArgumentException(
        file
            + ": the key is "
            + format
            + "; pushprom reads only unencrypted PKCS#8 (BEGIN PRIVATE KEY): "
            + verb
            + " it with "
            + String.format(CONVERT, file));
  }

  private static PrivateKey pkcs8(Path file, Block block) {
    byte[] der;
    try {
      der = block.decode();
    } catch (IllegalArgumentException e) {
      der = new byte[0];
    }
    try {
      // PKCS#8 names the algorithm inside; asking each factory in turn saves parsing DER here.
      for (String algorithm : List.of("RSA", "EC")) {
        try {
          return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (InvalidKeySpecException e) {
          // Not this algorithm, or not a key at all: try the next.
        }
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot read RSA or EC keys: " + e, e);
    } finally {
      Arrays.fill(der, (byte) 0);
    }
    throw new IllegalArgumentException(
        file + ": the PRIVATE KEY is not an RSA or EC key in PKCS#8; pushprom reads only those");
  }

  /** Whether {@code key} signs what {@code certified} verifies: they are two halves of one pair. */
  private static boolean belongTogether(PrivateKey key, PublicKey certified) {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] challenge = new byte[32];
    new SecureRandom().nextBytes(challenge);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certified);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (InvalidKeyException | SignatureException e) {
      // The certificate's key is of another algorithm, or of another size than the signature.
      return false;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot sign with " + algorithm + ": " + e, e);
    }
  }

  static List<String> validityWarnings(Path file, List<X509Certificate> chain, Instant now) {
    List<String> warnings = new ArrayList<>();
    for (int i = 0; i < chain.size(); i++) {
      X509Certificate certificate = chain.get(i);
      String subject =
          file
              + ": certificate "
              + (i + 1)
              + " ("
              + certificate.getSubjectX500Principal().getName()
              + ")";
      Instant notBefore = certificate.getNotBefore().toInstant();
      Instant notAfter = certificate.getNotAfter().toInstant();
      if (now.isAfter(notAfter)) {
        warnings.add(
            subject + " expired at " + notAfter + "; clients will refuse it until it is renewed");
      } else if (now.isBefore(notBefore)) {
        warnings.add(
            subject + " is not valid before " + notBefore + "; clients will refuse it until then");
      }
    }
    return warnings;
  }

  /** The PEM blocks in {@code file}; {@code expected} names the block the messages ask for. */
  private static List<Block> blocks(Path file, String expected) {
    String text = new String(read(file), StandardCharsets.ISO_8859_1);
    if (text.isBlank()) {
      throw new IllegalArgumentException(file + ": empty file");
    }
    List<Block> blocks = new ArrayList<>();
    Matcher matcher = PEM.matcher(text);
    while (matcher.find()) {
      blocks.add(new Block(matcher.group(1), matcher.group(2)));
    }
    if (blocks.isEmpty()) {
      throw new IllegalArgumentException(
          file
              + ": no PEM block (-----BEGIN "
              + expected
              + "----- ... -----END "
              + expected
              + "-----)"
              + (text.contains("-----BEGIN ") ? "; is the file cut short?" : ""));
    }
    return blocks;
  }

  private static byte[] read(Path file) {
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(file + ": is a directory, not a file");
    }
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException(file + ": permission denied");
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage());
    }
  }

  private record Block(String label, String base64) {
    byte[] decode() {
      return Base64.getMimeDecoder().decode(base64);
    }
  }
}
