#!/usr/bin/env bash
# Measures the resident memory (VmRSS) of the Pushprom jar under one set of JVM options and prints
# one markdown table row, so that docs/footprint.md can be reproduced option set by option set:
#
#   bash benchmarks/rss.sh [--series N] [--jar PATH] [--header] -- [JVM OPTIONS...]
#   bash benchmarks/rss.sh --header -- -XX:+UseSerialGC -Xmx256m
#   bash benchmarks/rss.sh --series 1000000 -- -XX:+UseSerialGC -Xmx512m
#
# The measurement is the load generator's (LoadGeneratorMemory), which the memory rows of
# benchmarks/run and its `--only memory-options` table use too. It starts the jar on 127.0.0.1
# ports picked by the kernel, with -max-series 2000000 so that the limit never refuses a series,
# and reads /proc/PID/status:
#   idle     VmRSS two seconds after the start (nothing pushed)
#   at N     VmRSS after N distinct counter series were pushed (HTTP NDJSON batches of 1,000
#            deltas over four keep-alive connections), two seconds later
#   scraped  VmRSS after three whole scrapes of /metrics (a scrape allocates)
#   peak     VmHWM, the highest VmRSS of the run
#   new/s    deltas per second while the N series were made (each delta a new series)
#   again/s  deltas per second for about 2,000,000 more deltas to the series that exist (after one
#            warm-up pass), the steady ingest rate; rough, as the machine is shared
#   new µs, again µs
#            the server's CPU time (user + system, every thread: GC and JIT included) per delta in
#            those two passes: what a delta costs, less disturbed by other load than the rates
# The JVM options are the ones given (none: the JVM's defaults); -XX:+ExitOnOutOfMemoryError is
# added, as every command that starts Pushprom carries it. Exit status 0, or 1 when the server
# failed (a row with "failed" is still printed). It builds nothing: run `mvn -q package -DskipTests`
# first.
set -euo pipefail
cd "$(dirname "$0")/.."

classes=benchmarks/target/benchmarks.jar
[[ -f $classes ]] || { echo "rss.sh: no $classes; build it with mvn -q package -DskipTests" >&2; exit 2; }
exec java -cp "$classes" io.pushprom.benchmarks.LoadGeneratorMemory "$@"
