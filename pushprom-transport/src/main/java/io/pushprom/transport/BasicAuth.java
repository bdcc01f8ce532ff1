package io.pushprom.transport;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.IllegalBCryptFormatException;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * HTTP Basic authentication against an htpasswd file of bcrypt entries, as {@code htpasswd -B}
 * writes them (the format nginx, Apache and Prometheus's web config read). Requests that change
 * something need credentials; reads ({@code GET}, {@code HEAD}) need them only where asked for.
 *
 * <pre>{@code
 * BasicAuth auth = BasicAuth.fromFile(Path.of("/etc/pushprom/users"));
 * server.createContext("/", ingest).setAuthenticator(auth.authenticator(false));
 * server.createContext("/metrics", metrics).setAuthenticator(auth.authenticator(true));
 * }</pre>
 *
 * <p>A good password is checked with bcrypt once; after that a salted SHA-256 digest of {@code
 * user:password} stands for it, one per user, so a client that authenticates on every push costs no
 * bcrypt each time. A wrong password costs one bcrypt every time, so at most one runs at once: a
 * flood of wrong passwords holds at most two of the server's threads, and the requests beyond that
 * are answered {@code 503} with {@code Retry-After} at once. Like {@code htpasswd}, only the first
 * 72 bytes of a password count. Nothing here logs.
 */
public final class BasicAuth {
  static final String CHALLENGE = "Basic realm=\"pushprom\", charset=\"UTF-8\"";
  private static final String REALM = "pushprom";

  // The costs htpasswd -B -C takes; more would let one request hold a core for minutes.
  private static final int MIN_COST = 4;
  private static final int MAX_COST = 17;
  private static final int MAX_PASSWORD_BYTES = 72;
  private static final List<String> BCRYPT_TAGS = List.of("$2a$", "$2b$", "$2y$");
  private static final List<String> OTHER_TAGS =
      List.of("$apr1$", "$1$", "$5$", "$6$", "{SHA}", "{SSHA}");

  /** One bcrypt at a time leaves the other core, and the other threads, to pushes. */
  private static final int VERIFYING = 1;

  /** Requests that may wait for the bcrypt in progress; more are answered 503 at once. */
  private static final int WAITING = 1;

  private static final Duration WAIT = Duration.ofSeconds(1);

  private final Map<String, BCrypt.HashData> hashes;

  /** Verified for an unknown user, so that the time taken does not tell which users exist. */
  private final BCrypt.HashData decoy;

  private final byte[] salt = new byte[32];

  /** User to the digest of the last password that bcrypt accepted for them. */
  private final Map<String, byte[]> verified = new ConcurrentHashMap<>();

  /** User to the check of their credentials in progress, which others with the same may await. */
  private final Map<String, Flight> flights = new ConcurrentHashMap<>();

  final Semaphore admitted;
  final Semaphore verifying;
  private final long waitNanos;
  private final LongAdder verifications = new LongAdder();
  private final LongAdder joins = new LongAdder();

  BasicAuth(Map<String, BCrypt.HashData> hashes, Duration wait) {
    this.hashes = Map.copyOf(hashes);
    this.decoy = this.hashes.values().iterator().next();
    this.waitNanos = wait.toNanos();
    this.admitted = new Semaphore(VERIFYING + WAITING);
    this.verifying = new Semaphore(VERIFYING, true);
    new SecureRandom().nextBytes(salt);
  }

  /**
   * Reads an htpasswd file: one {@code user:hash} a line, blank lines and {@code #} comments
   * allowed, every hash bcrypt ({@code $2y$}, {@code $2b$} or {@code $2a$}, cost 4 to 17).
   *
   * @throws IllegalArgumentException naming the file, the line and what is wrong with it (never the
   *     hash) if an entry is not bcrypt, a user is there twice, or there is no user at all
   * @throws IOException if the file cannot be read
   */
  public static BasicAuth fromFile(Path file) throws IOException {
    return fromFile(file, WAIT);
  }

  /** As {@link #fromFile(Path)}, with {@code wait} for how long a request waits for bcrypt. */
  static BasicAuth fromFile(Path file, Duration wait) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (MalformedInputException e) {
      throw new IllegalArgumentException(file + ": not UTF-8 text", e);
    }
    Map<String, BCrypt.HashData> hashes = new HashMap<>();
    Map<String, Integer> lineOf = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      int number = i + 1;
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon < 0) {
        throw invalid(file, number, "not a user:hash entry; make it with htpasswd -B");
      }
      if (colon == 0) {
        throw invalid(file, number, "no user name before ':'");
      }
      String user = line.substring(0, colon);
      Integer earlier = lineOf.putIfAbsent(user, number);
      if (earlier != null) {
        throw invalid(file, number, "user " + user + " is already on line " + earlier);
      }
      hashes.put(user, bcrypt(file, number, line.substring(colon + 1)));
    }
    if (hashes.isEmpty()) {
      throw new IllegalArgumentException(file + ": no users; add one with htpasswd -B");
    }
    return new BasicAuth(hashes, wait);
  }

  private static BCrypt.HashData bcrypt(Path file, int number, String hash) {
    if (BCRYPT_TAGS.stream().noneMatch(hash::startsWith)) {
      // Name the scheme only by a tag we know: anything else might be a plain-text password.
      String kind =
          OTHER_TAGS.stream()
              .filter(hash::startsWith)
              .findFirst()
              .map(tag -> tag + " hash")
              .orElse("unknown format");
      throw invalid(file, number, "not a bcrypt entry (" + kind + "); make it with htpasswd -B");
    }
    BCrypt.HashData parsed;
    try {
      parsed = BCrypt.Version.VERSION_2A.parser.parse(hash.getBytes(StandardCharsets.UTF_8));
    } catch (IllegalBCryptFormatException | RuntimeException e) {
      // The library's message may quote the hash.
      throw invalid(file, number, "malformed bcrypt hash; make it with htpasswd -B");
    }
    if (parsed.cost < MIN_COST || parsed.cost > MAX_COST) {
      throw invalid(
          file,
          number,
          String.format(
              "bcrypt cost %d is not in %d to %d, the range htpasswd -B -C takes",
              parsed.cost, MIN_COST, MAX_COST));
    }
    return parsed;
  }

  private static IllegalArgumentException invalid(Path file, int line, String problem) {
    return new IllegalArgumentException(file + ": line " + line + ": " + problem);
  }

  /**
   * An authenticator for one context of a {@link com.sun.net.httpserver.HttpServer}: every method
   * but {@code GET} and {@code HEAD} needs good credentials, and so do those two if {@code
   * protectReads}. It answers {@code 401} with {@code WWW-Authenticate} to missing or wrong ones,
   * and {@code 503} with {@code Retry-After} when too many wrong ones are being checked already.
   * All authenticators of one {@code BasicAuth} share its cache and its limit.
   */
  public Authenticator authenticator(boolean protectReads) {
    return new Gate(protectReads);
  }

  /** How many bcrypt verifications have run; a cached success runs none. */
  long verifications() {
    return verifications.sum();
  }

  /** How many requests have waited for another's check of the same credentials. */
  long joins() {
    return joins.sum();
  }

  // Authenticator, not the JDK's BasicAuthenticator: that one asks for credentials on every method
  // of its context, and throws on a header that is not Base64 or has no colon, so the server drops
  // the connection instead of answering 401; it also hands over the password as a String.
  private final class Gate extends Authenticator {
    private final boolean protectReads;

    Gate(boolean protectReads) {
      this.protectReads = protectReads;
    }

    @Override
    public Result authenticate(HttpExchange exchange) {
      String method = exchange.getRequestMethod();
      if (!protectReads && (method.equals("GET") || method.equals("HEAD"))) {
        // No principal: the handler sees what it would see on a server without authentication.
        return new Success(null);
      }
      return check(
          exchange.getRequestHeaders().getFirst("Authorization"), exchange.getResponseHeaders());
    }
  }

  /**
   * Success for the user that the {@code Authorization} header authenticates; otherwise a {@code
   * 401} or a {@code 503}, with the header that goes with it set on {@code response}.
   */
  Authenticator.Result check(String authorization, Headers response) {
    byte[] credentials = decode(authorization);
    if (credentials == null) {
      return challenge(response);
    }
    try {
      int colon = indexOf(credentials, (byte) ':');
      if (colon < 0) {
        return challenge(response);
      }
      String user = new String(credentials, 0, colon, StandardCharsets.UTF_8);
      byte[] digest = digest(credentials);
      Verdict verdict;
      if (isVerified(user, digest)) {
        verdict = Verdict.MATCH;
      } else {
        byte[] password =
            Arrays.copyOfRange(
                credentials,
                colon + 1,
                Math.min(credentials.length, colon + 1 + MAX_PASSWORD_BYTES));
        try {
          verdict = verifyOnce(user, digest, password);
        } finally {
          Arrays.fill(password, (byte) 0);
        }
      }
      switch (verdict) {
        case MATCH:
          return new Authenticator.Success(new HttpPrincipal(user, REALM));
        case BUSY:
          response.set("Retry-After", "1");
          return new Authenticator.Failure(503);
        default:
          return challenge(response);
      }
    } finally {
      Arrays.fill(credentials, (byte) 0);
    }
  }

  private static Authenticator.Result challenge(Headers response) {
    response.set("WWW-Authenticate", CHALLENGE);
    return new Authenticator.Retry(401);
  }

  private boolean isVerified(String user, byte[] digest) {
    byte[] known = verified.get(user);
    return known != null && MessageDigest.isEqual(known, digest);
  }

  private static byte[] decode(String authorization) {
    if (authorization == null) {
      return null;
    }
    String value = authorization.strip();
    int space = value.indexOf(' ');
    // The scheme is case-insensitive (RFC 7235), and curl and PHP send "Basic".
    if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("basic")) {
      return null;
    }
    try {
      return Base64.getDecoder().decode(value.substring(space + 1).strip());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private byte[] digest(byte[] credentials) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      // Salted, so that a digest seen in a heap dump is no quicker to invert than with a table.
      sha256.update(salt);
      return sha256.digest(credentials);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256: not in this JVM, though every JVM must have it", e);
    }
  }

  private enum Verdict {
    MATCH,
    MISMATCH,
    BUSY
  }

  private record Flight(byte[] digest, CompletableFuture<Verdict> verdict) {}

  /**
   * Runs bcrypt once for a burst of requests with the same credentials (the PHP client's first
   * pushes after a restart), so that they wait for one answer instead of being turned away.
   */
  private Verdict verifyOnce(String user, byte[] digest, byte[] password) {
    Flight mine = new Flight(digest, new CompletableFuture<>());
    Flight current = flights.putIfAbsent(user, mine);
    if (current != null && MessageDigest.isEqual(current.digest(), digest)) {
      joins.increment();
      return await(current.verdict());
    }
    if (current != null) {
      // Another password for this user is being checked: check this one on its own.
      return verify(user, password);
    }
    Verdict verdict = Verdict.BUSY;
    try {
      // A flight that just landed may have cached these credentials after our look.
      verdict = isVerified(user, digest) ? Verdict.MATCH : verify(user, password);
      if (verdict == Verdict.MATCH) {
        // Before the flight ends, so that a request arriving after it finds them cached.
        verified.put(user, digest);
      }
      return verdict;
    } finally {
      flights.remove(user, mine);
      mine.verdict().complete(verdict);
    }
  }

  private Verdict await(CompletableFuture<Verdict> verdict) {
    try {
      // The verifying request may wait for its turn and then run bcrypt; give it room for both.
      return verdict.get(2 * waitNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return Verdict.BUSY;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Verdict.BUSY;
    }
  }

  private Verdict verify(String user, byte[] password) {
    if (!admitted.tryAcquire()) {
      return Verdict.BUSY;
    }
    try {
      if (!verifying.tryAcquire(waitNanos, TimeUnit.NANOSECONDS)) {
        return Verdict.BUSY;
      }
      try {
        BCrypt.HashData hash = hashes.get(user);
        BCrypt.HashData against = hash == null ? decoy : hash;
        boolean match =
            BCrypt.verifyer(against.version, LongPasswordStrategies.truncate(against.version))
                .verify(password, against)
                .verified;
        verifications.increment();
        return hash != null && match ? Verdict.MATCH : Verdict.MISMATCH;
      } finally {
        verifying.release();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Verdict.BUSY;
    } finally {
      admitted.release();
    }
  }
}
