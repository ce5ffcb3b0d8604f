#!/bin/bash
# bench/run-events.sh - the cost of hearing every closed connection.
#
# In a network namespace of its own (root), short connections are made at
# a steady rate while tcpdeck samples with the close listener on
# (--view states -o json: the interval's "closed" and "events_lost").
# For each rate it reports the closes per second heard, the events lost,
# and the CPU time of the listener thread (named tcpdeck-closes) as a
# share of one core.  Targets: at 20,000 closes/s (10,000 connections/s,
# both ends announced) at most 10% of a core and no loss at the default
# receive buffer; the first rate with losses is where they begin.
#
#   bench/run-events.sh [BUILDDIR] [SECONDS]     (default: ., 5)
ME=run-events
. "$(dirname "$0")/lib.sh"
build=${1:-.}
secs=${2:-5}
tcpdeck=$build/tcpdeck
churn=$build/tests/tcpdeck-test-churn
[ -x "$tcpdeck" ] || die "no tcpdeck in $build (make first)"
[ -x "$churn" ] || die "no tests/tcpdeck-test-churn in $build (make check builds it)"
if [ -z "${RUN_EVENTS_NETNS:-}" ]; then
  unshare -n true 2>/dev/null || die "needs root (a network namespace of its own)"
  RUN_EVENTS_NETNS=1 exec unshare -n bash "$0" "$@"
fi
ip link set lo up
work=$(mktemp -d /tmp/run-events.XXXXXX)
trap 'kill $tpid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

# ticks PID TID-NAME: utime+stime of the named thread, in clock ticks.
ticks() {
  local t
  for t in /proc/"$1"/task/*; do
    [ "$(cat "$t/comm" 2>/dev/null)" = "$2" ] || continue
    awk '{ sub(/.*\) /, ""); print $12 + $13 }' "$t/stat"
    return
  done
  echo 0
}
hz=$(getconf CLK_TCK)

printf '%-14s %-14s %-10s %-12s\n' "closes/s asked" "closes/s heard" "lost" "cpu % core"
first_loss=""
for conns in 1000 2500 5000 10000 15000 20000; do
  : >"$work/log"
  timeout $((secs * 6 + 60)) "$tcpdeck" -b -o json -d 1 -v "$work/log" >"$work/out.json" 2>/dev/null &
  tpid=$!
  for _ in $(seq 1 100); do grep -q 'close events: receive buffer' "$work/log" && break; sleep 0.1; done
  sleep 0.5
  tdpid=$(pgrep -P "$tpid" tcpdeck | head -1)
  t0=$(ticks "$tdpid" tcpdeck-closes)
  # Two clients, each half the rate, on ports of their own.
  "$churn" seq 4 9301 $((conns * secs / 2)) 100 $((conns / 2)) >/dev/null &
  c1=$!
  "$churn" seq 4 9302 $((conns * secs / 2)) 100 $((conns / 2)) >/dev/null &
  c2=$!
  wait $c1 $c2
  sleep 1.5
  t1=$(ticks "$tdpid" tcpdeck-closes)
  kill -INT "$tpid"
  wait "$tpid" 2>/dev/null
  heard=$(sed -n 's/.*"closed": \([0-9]*\).*/\1/p' "$work/out.json" | awk '{ s += $1 } END { print s + 0 }')
  lost=$(sed -n 's/.*"events_lost": \([0-9]*\).*/\1/p' "$work/out.json" | awk '{ s += $1 } END { print s + 0 }')
  cpu=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v s="$secs" 'BEGIN { printf "%.1f", 100 * t / hz / s }')
  printf '%-14s %-14s %-10s %-12s\n' $((2 * conns)) $((heard / secs)) "$lost" "$cpu"
  [ -z "$first_loss" ] && [ "$lost" -gt 0 ] && first_loss=$((2 * conns))
done
echo "losses begin at: ${first_loss:-none up to 40000} closes/s (default receive buffer)"
