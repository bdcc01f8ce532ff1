package io.pushprom.transport;

import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A registry that, once armed, throws an {@link Error} when the next collector is registered: what
 * an aggregator on it does when a delta creates a metric. The way to make applying a delta fail
 * through the public API alone.
 */
final class BreakingRegistry extends CollectorRegistry {
  final AtomicBoolean armed = new AtomicBoolean();

  @Override
  public void register(Collector collector) {
    if (armed.getAndSet(false)) {
      throw new AssertionError("registry broke");
    }
    super.register(collector);
  }
}
