package io.pushprom.transport;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The last line of every exchange: whatever its handler throws, the client gets an answer if one
 * can still be sent, the exchange is closed, and the server's thread lives on. The JDK's server
 * would let an {@link Error} kill its worker and leave the connection open and unanswered. An
 * {@link OutOfMemoryError} ends the process ({@link Fatal}).
 */
final class Guard extends Filter {
  private static final Logger LOG = Logger.getLogger(Guard.class.getName());
  private static final LogLimiter LIMITED = new LogLimiter(LOG, 10);

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    try {
      chain.doFilter(exchange);
    } catch (ScrapeHandler.AbortedScrape e) {
      // Left to the JDK's server, which cuts the connection: closing the exchange would end the
      // answer's chunked body as if it were whole.
      throw e;
    } catch (IOException e) {
      // The client went away, sent a broken body, or was cut off by a timeout: none to answer.
      LOG.log(Level.FINE, "http exchange failed", e);
      exchange.close();
    } catch (Throwable e) {
      Fatal.exitIfOutOfMemory(e);
      LIMITED.log(
          Level.SEVERE,
          () ->
              "failed to handle "
                  + exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestURI().getPath(),
          e);
      Exchanges.fail(exchange, e);
    }
  }

  @Override
  public String description() {
    return "answers 500 and closes the exchange whatever its handler throws";
  }
}
