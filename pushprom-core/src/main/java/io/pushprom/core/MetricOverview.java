package io.pushprom.core;

import java.time.Instant;

/**
 * One pushed metric as a status page shows it: what it is and how many series it holds.
 *
 * <pre>{@code
 * aggregator.overview().stream()
 *     .max(Comparator.comparingLong(MetricOverview::series))
 *     .ifPresent(largest -> System.out.println(largest.name() + " " + largest.series()));
 * }</pre>
 *
 * @param name the metric's name, as exposed but for a counter's {@code _total}
 * @param type its type
 * @param help its newest help text
 * @param series how many series it holds
 * @param lastUpdate when a delta last updated one of its series (or made it), or {@code null} when
 *     it holds none; as fine as the aggregator's clock, which each scrape, each expiry sweep and
 *     each call of {@link Aggregator#overview()} moves on
 */
public record MetricOverview(
    String name, MetricType type, String help, long series, Instant lastUpdate) {}
