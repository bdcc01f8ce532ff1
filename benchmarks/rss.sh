#!/usr/bin/env bash
# Measures the resident memory (VmRSS) of the Pushprom jar under one set of JVM options and prints
# one markdown table row, so that docs/footprint.md can be reproduced option set by option set:
#
#   bash benchmarks/rss.sh [--series N] [--jar PATH] [--header] -- [JVM OPTIONS...]
#   bash benchmarks/rss.sh --header -- -XX:+UseSerialGC -Xmx256m
#   bash benchmarks/rss.sh --series 1000000 -- -XX:+UseSerialGC -Xmx512m
#
# It starts the jar on 127.0.0.1 ports picked by the kernel, with -max-series 2000000 so that the
# limit never refuses a series, and reads /proc/PID/status:
#   idle     VmRSS two seconds after the start (nothing pushed)
#   at N     VmRSS after N distinct counter series were pushed (HTTP NDJSON batches of 10,000 deltas,
#            one curl connection), two seconds later
#   scraped  VmRSS after three whole scrapes of /metrics (a scrape allocates)
#   peak     VmHWM, the highest VmRSS of the run
#   new/s    deltas per second while the N series were made (each delta a new series)
#   again/s  deltas per second for 2,000,000 more deltas to the series that exist (after one warm-up
#            pass), the steady ingest rate; rough, as the machine is shared and curl runs beside it
#   new µs, again µs
#            the server's CPU time (user + system, every thread: GC and JIT included) per delta in
#            those two passes: what a delta costs, less disturbed by other load than the rates
# The JVM options are the ones given (none: the JVM's defaults); -XX:+ExitOnOutOfMemoryError is
# added, as every command that starts Pushprom carries it. Exit status 0, or 1 when the server
# failed (a row with "failed" is still printed).
set -euo pipefail
cd "$(dirname "$0")/.."

series=100000
jar=pushprom-cli/target/pushprom.jar
header=false
while (($#)); do
  case $1 in
    --series) series=$2; shift 2 ;;
    --jar) jar=$2; shift 2 ;;
    --header) header=true; shift ;;
    --) shift; break ;;
    *) echo "rss.sh: unknown argument $1 (options for the JVM go after --)" >&2; exit 2 ;;
  esac
done
options=("$@")
batch=10000
((series % batch == 0)) || { echo "rss.sh: --series must be a multiple of $batch" >&2; exit 2; }
[[ -f $jar ]] || { echo "rss.sh: no jar at $jar; build it with mvn -q package -DskipTests" >&2; exit 2; }
command -v curl >/dev/null || { echo "rss.sh: needs curl" >&2; exit 2; }

work=$(mktemp -d)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

mb() { # mb FIELD: that field of /proc/PID/status in MB (10^6 bytes), one decimal
  awk -v f="$1:" '$1 == f { printf "%.0f", $2 * 1024 / 1e6 }' "/proc/$pid/status"
}
now() { date +%s.%N; }
rate() { # rate COUNT START END: deltas per second, in thousands
  awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0fk", n / (b - a) / 1000 }'
}
label="${options[*]:-none (the JVM defaults)}"
row() { printf '| `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$series" "$@"; }
if $header; then
  echo "| JVM options | series | idle MB | at N MB | scraped MB | peak MB | new/s | again/s | new µs | again µs |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
fi
ticks=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; } # the server's user + system clock ticks
per_delta() { # per_delta COUNT TICKS_BEFORE TICKS_AFTER: CPU microseconds per delta
  awk -v n="$1" -v a="$2" -v b="$3" -v hz="$ticks" 'BEGIN { printf "%.1f", (b - a) / hz * 1e6 / n }'
}
fail() {
  echo "rss.sh: $*; the server's log ends:" >&2
  tail -n 20 "$work/pushprom.log" >&2
  row failed - - - - - - -
  exit 1
}

# The batches are made before the server starts, so that making them does not count.
batches=$((series / batch))
awk -v batches="$batches" -v batch="$batch" -v dir="$work" 'BEGIN {
  for (b = 0; b < batches; b++) {
    file = sprintf("%s/batch-%05d.ndjson", dir, b)
    for (i = b * batch; i < (b + 1) * batch; i++)
      printf "{\"type\":\"counter\",\"name\":\"c\",\"method\":\"inc\",\"labels\":{\"i\":\"%d\"}}\n", i > file
    close(file)
  }
}'

java -XX:+ExitOnOutOfMemoryError "${options[@]}" -jar "$jar" -max-series 2000000 \
  -http-listen-address 127.0.0.1:0 -udp-listen-address 127.0.0.1:0 >"$work/pushprom.log" 2>&1 &
pid=$!
for _ in $(seq 150); do
  grep -q "listening for stats UDP" "$work/pushprom.log" && break
  kill -0 "$pid" 2>/dev/null || fail "the server exited at start"
  sleep 0.2
done
port=$(sed -n 's|.*listening for stats HTTP on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/pushprom.log")
[[ -n $port ]] || fail "the server did not say where it listens"
base="http://127.0.0.1:$port"

sleep 2
idle=$(mb VmRSS)

# push FILES...: every file posted once over one keep-alive connection; fails unless each is 200.
push() {
  local args=() file
  # --next resets the options per URL; the connection stays open from one to the next.
  for file in "$@"; do
    args+=(-s -o /dev/null -w '%{http_code}\n' --data-binary "@$file" "$base/" --next)
  done
  curl "${args[@]:0:${#args[@]}-1}" >"$work/codes" ||
    fail "curl could not post"
  ! grep -qv '^200$' "$work/codes" || fail "a batch was not answered 200: $(sort "$work/codes" | uniq -c | tr '\n' ' ')"
}

files=("$work"/batch-*.ndjson)
start=$(now)
cpu_start=$(cpu)
push "${files[@]}"
end=$(now)
new_rate=$(rate "$series" "$start" "$end")
new_cpu=$(per_delta "$series" "$cpu_start" "$(cpu)")
sleep 2
at=$(mb VmRSS)

for _ in 1 2 3; do
  curl -s -o "$work/metrics.txt" "$base/metrics" || fail "a scrape failed"
done
grep -q "^c_total{i=\"$((series - 1))\",} 1.0" "$work/metrics.txt" || fail "/metrics lacks the last series"
sleep 1
scraped=$(mb VmRSS)

# The steady rate: the same batches again, enough of them for about 2,000,000 deltas, after one
# pass to warm up.
repeat=$(((2000000 + series - 1) / series))
again=()
for ((r = 0; r < repeat; r++)); do again+=("${files[@]}"); done
push "${files[@]}"
start=$(now)
cpu_start=$(cpu)
push "${again[@]}"
end=$(now)
again_rate=$(rate $((repeat * series)) "$start" "$end")
again_cpu=$(per_delta $((repeat * series)) "$cpu_start" "$(cpu)")
peak=$(mb VmHWM)

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
((status == 0)) || fail "SIGTERM ended the server with exit code $status"
row "$idle" "$at" "$scraped" "$peak" "$new_rate" "$again_rate" "$new_cpu" "$again_cpu"
