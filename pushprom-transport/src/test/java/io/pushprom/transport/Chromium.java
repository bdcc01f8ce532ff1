package io.pushprom.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A headless Chromium driven through its DevTools protocol, with the JDK's WebSocket and Jackson:
 * no driver, no library. Every wait is bounded; {@link #close()} kills the browser and its
 * children.
 *
 * <pre>{@code
 * try (Chromium chromium = Chromium.launch(Path.of("/usr/bin/chromium"), tempDir)) {
 *   Chromium.Page page = chromium.newPage();
 *   page.navigate("http://127.0.0.1:9091/");
 * }
 * }</pre>
 */
final class Chromium implements AutoCloseable {
  /** Debian's; another with {@code -Dpushprom.chromium=PATH}. */
  static final Path BINARY = Path.of(System.getProperty("pushprom.chromium", "/usr/bin/chromium"));

  /** Long enough for a cold start on a busy 2-core machine; only a broken browser waits it out. */
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final int port;
  private final Connection browser;

  private Chromium(Process process, int port, Connection browser) {
    this.process = process;
    this.port = port;
    this.browser = browser;
  }

  /** Starts a headless browser with a fresh profile in {@code profile}, on a port it picks. */
  static Chromium launch(Path binary, Path profile) throws Exception {
    Path log = profile.resolve("chromium.log");
    Path userData = Files.createDirectories(profile.resolve("user-data"));
    Process process =
        new ProcessBuilder(
                binary.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--user-data-dir=" + userData,
                "--remote-debugging-port=0",
                "about:blank")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      Path activePort = userData.resolve("DevToolsActivePort");
      long deadline = System.nanoTime() + WAIT.toNanos();
      List<String> lines = List.of();
      // Written once the browser listens: the port, then the browser target's path.
      while (lines.size() < 2) {
        if (System.nanoTime() - deadline > 0 || !process.isAlive()) {
          throw new IllegalStateException(
              "chromium wrote no DevToolsActivePort within "
                  + WAIT.toSeconds()
                  + " s (alive: "
                  + process.isAlive()
                  + "); its log: "
                  + (Files.exists(log) ? Files.readString(log) : "none"));
        }
        if (Files.exists(activePort)) {
          lines = Files.readAllLines(activePort, StandardCharsets.UTF_8);
        }
        Thread.sleep(20);
      }
      int port = Integer.parseInt(lines.get(0).trim());
      Connection browser = Connection.open("ws://127.0.0.1:" + port + lines.get(1).trim());
      return new Chromium(process, port, browser);
    } catch (Exception | Error e) {
      kill(process);
      throw e;
    }
  }

  /** A new tab, at {@code about:blank}, with its own connection. */
  Page newPage() throws Exception {
    ObjectNode params = JSON.createObjectNode().put("url", "about:blank");
    String targetId = browser.send("Target.createTarget", params).path("targetId").asText();
    return new Page(Connection.open("ws://127.0.0.1:" + port + "/devtools/page/" + targetId));
  }

  @Override
  public void close() {
    browser.close();
    kill(process);
  }

  private static void kill(Process process) {
    // Its renderers and zygotes first: they would outlive a parent killed alone.
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One tab. */
  static final class Page {
    private final Connection connection;

    private Page(Connection connection) {
      this.connection = connection;
    }

    JsonNode send(String method, JsonNode params) throws Exception {
      return connection.send(method, params);
    }

    JsonNode send(String method) throws Exception {
      return connection.send(method, JSON.createObjectNode());
    }

    /** Opens {@code url} and waits for its load event. */
    void navigate(String url) throws Exception {
      int seen = connection.events.size();
      JsonNode answer = send("Page.navigate", JSON.createObjectNode().put("url", url));
      if (answer.has("errorText")) {
        throw new IllegalStateException(url + ": " + answer.get("errorText").asText());
      }
      awaitEvent(seen, event -> event.path("method").asText().equals("Page.loadEventFired"));
    }

    /** The value of a JavaScript expression, as JSON. */
    JsonNode evaluate(String expression) throws Exception {
      JsonNode answer =
          send(
              "Runtime.evaluate",
              JSON.createObjectNode()
                  .put("expression", expression)
                  .put("returnByValue", true)
                  .put("awaitPromise", true));
      if (answer.has("exceptionDetails")) {
        throw new IllegalStateException(expression + ": " + answer.get("exceptionDetails"));
      }
      return answer.path("result").path("value");
    }

    /** Every event received so far, oldest first. */
    List<JsonNode> events() {
      return List.copyOf(connection.events);
    }

    private void awaitEvent(int after, Predicate<JsonNode> wanted) throws Exception {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        List<JsonNode> events = connection.events;
        for (int i = after; i < events.size(); i++) {
          if (wanted.test(events.get(i))) {
            return;
          }
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("no such event within " + WAIT.toSeconds() + " s");
        }
        Thread.sleep(10);
      }
    }
  }

  /** A DevTools WebSocket: commands answered by id, events kept in order. */
  private static final class Connection implements WebSocket.Listener {
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final StringBuilder message = new StringBuilder();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private WebSocket socket;

    static Connection open(String url) throws Exception {
      Connection connection = new Connection();
      connection.socket =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .connectTimeout(WAIT)
              .buildAsync(URI.create(url), connection)
              .get(WAIT.toSeconds(), TimeUnit.SECONDS);
      return connection;
    }

    JsonNode send(String method, JsonNode params) throws Exception {
      int id = ids.incrementAndGet();
      CompletableFuture<JsonNode> answer = new CompletableFuture<>();
      pending.put(id, answer);
      ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
      command.set("params", params);
      socket
          .sendText(JSON.writeValueAsString(command), true)
          .get(WAIT.toSeconds(), TimeUnit.SECONDS);
      JsonNode reply = answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      if (reply.has("error")) {
        throw new IllegalStateException(method + ": " + reply.get("error"));
      }
      return reply.path("result");
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      message.append(data);
      if (last) {
        try {
          JsonNode node = JSON.readTree(message.toString());
          if (node.has("id")) {
            CompletableFuture<JsonNode> answer = pending.remove(node.get("id").asInt());
            if (answer != null) {
              answer.complete(node);
            }
          } else {
            events.add(node);
          }
        } catch (IOException e) {
          closed.completeExceptionally(e);
        }
        message.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      fail(new IllegalStateException("devtools closed: " + statusCode + " " + reason));
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      fail(error);
    }

    private void fail(Throwable error) {
      closed.completeExceptionally(error);
      new ArrayList<>(pending.values()).forEach(answer -> answer.completeExceptionally(error));
    }

    void close() {
      socket.abort();
    }
  }
}
