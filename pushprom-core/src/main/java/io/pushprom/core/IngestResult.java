package io.pushprom.core;

import java.util.List;

/**
 * What became of one body of deltas: how many deltas it held, how many were applied, and each one
 * that was rejected with its reason.
 *
 * <pre>{@code
 * IngestResult result = aggregator.ingestAll(Transport.HTTP, body);
 * if (!result.ok()) {
 *   result.rejections().forEach(System.err::println);
 * }
 * }</pre>
 *
 * @param received the number of deltas found in the body, malformed ones included
 * @param applied the number of deltas applied
 * @param rejections the deltas that were invalid, in body order
 */
public record IngestResult(int received, int applied, List<Rejection> rejections) {
  /** A result of these counts; the rejections are copied. */
  public IngestResult {
    rejections = rejections.isEmpty() ? List.of() : List.copyOf(rejections);
  }

  /** Whether the body was good: nothing in it was rejected. */
  public boolean ok() {
    return rejections.isEmpty();
  }
}
