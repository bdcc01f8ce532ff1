package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How a deletion's query is read and its series written, without sockets. */
class DeleteHandlerTest {
  @ParameterizedTest
  @CsvSource({
    "oak, oak",
    "'', ''",
    "araucaria+angustifolia, araucaria angustifolia",
    "a%2Bb, a+b",
    "%25%26%3D, %&=",
    "%c3%a9%E2%9C%93, é✓",
    // UTF-8 sent unescaped, as the JDK reads a request line: a character a byte.
    "Ã©, é"
  })
  void decodesAsAFormEncodesIt(String raw, String decoded) {
    assertEquals(decoded, DeleteHandler.decode(raw));
  }

  @ParameterizedTest
  @CsvSource({
    "%zz, '%zz is not a percent escape, expected % and two hex digits (%25 for %)'",
    "oak%4, '%4 is not a percent escape, expected % and two hex digits (%25 for %)'",
    "oak%, '% is not a percent escape, expected % and two hex digits (%25 for %)'",
    // Character.digit takes these for digits; a percent escape does not.
    "%٣٣, '%٣٣ is not a percent escape, expected % and two hex digits (%25 for %)'",
    "%FF, %FF is not UTF-8 once decoded",
    // A byte read as a character by the JDK, alone: not UTF-8.
    "é, é is not UTF-8 once decoded",
    "✓, '✓ holds characters, not bytes'"
  })
  void refusesWhatIsNotAnEscapeOrUtf8(String raw, String message) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DeleteHandler.decode(raw));

    assertEquals(message, e.getMessage());
  }

  @Test
  void readsEachParameterAsALabel() {
    assertEquals(
        Map.of("species", "oak", "job", "", "path", "/a?b"),
        DeleteHandler.labels("species=oak&job=&&path=%2Fa%3Fb&"));
    assertEquals(Map.of(), DeleteHandler.labels(null));
    assertEquals(Map.of(), DeleteHandler.labels(""));
  }
}
