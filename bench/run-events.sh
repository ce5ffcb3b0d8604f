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
#
# RUN_EVENTS_RATES: the connections per second to step through (default
# 1000 2500 5000 10000 15000 20000); RUN_EVENTS_CLIENTS: clients sharing
# each rate (default 2); RUN_EVENTS_UNTIL_LOSS=1 stops at the first rate
# with losses.  Each line notes the load average beside its figures.
#
# RUN_EVENTS_FLOOD="1000 4000 ...": instead of steady rates, bursts: N
# connections held open, then all closed at once (2N closes announced in
# a few milliseconds), stepped up until the default buffer overflows.
# The N connections are shared by clients of at most 8,000 each (each
# holds 2 descriptors per connection under its RLIMIT_NOFILE), started
# together.  With RUN_EVENTS_STALL=1 tcpdeck is stopped (SIGSTOP) while
# the burst is announced and continued after: what the default buffer
# holds for a reader that is not reading.
# This finds where losses begin on a machine whose clients cannot make a
# steady rate high enough.
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

clients=${RUN_EVENTS_CLIENTS:-2}
if [ -n "${RUN_EVENTS_FLOOD:-}" ]; then
  printf '%-14s %-14s %-10s %s\n' "closes burst" "heard" "lost" "load"
  first_loss=""
  for n in $RUN_EVENTS_FLOOD; do
    : >"$work/log"
    timeout 300 "$tcpdeck" -b -o json -d 1 -v "$work/log" >"$work/out.json" 2>/dev/null &
    tpid=$!
    for _ in $(seq 1 100); do grep -q 'close events: receive buffer' "$work/log" && break; sleep 0.1; done
    sleep 0.5
    deck=$(tr -d ' ' </proc/"$tpid"/task/"$tpid"/children)
    [ -n "${RUN_EVENTS_STALL:-}" ] && kill -STOP "$deck"
    fs=()
    left=$n
    k=0
    while [ "$left" -gt 0 ]; do
      part=$((left > 8000 ? 8000 : left))
      "$churn" flood 4 $((9400 + k)) "$part" 100 >/dev/null &
      fs+=($!)
      left=$((left - part))
      k=$((k + 1))
    done
    for f in "${fs[@]}"; do wait "$f" || echo "a flood client of $n failed" >&2; done
    if [ -n "${RUN_EVENTS_STALL:-}" ]; then
      sleep 2 # the kernel announces from a work queue
      kill -CONT "$deck"
    fi
    # Heard or counted lost: wait (bounded) until all 2n are accounted for.
    for _ in $(seq 1 60); do
      heard=$(sed -n 's/.*"closed": \([0-9]*\).*/\1/p' "$work/out.json" | awk '{ s += $1 } END { print s + 0 }')
      lost=$(sed -n 's/.*"events_lost": \([0-9]*\).*/\1/p' "$work/out.json" | awk '{ s += $1 } END { print s + 0 }')
      [ $((heard + lost)) -ge $((2 * n)) ] && break
      sleep 1
    done
    kill -INT "$tpid"
    wait "$tpid" 2>/dev/null
    printf '%-14s %-14s %-10s %s\n' $((2 * n)) "$heard" "$lost" "$(cut -d' ' -f1 /proc/loadavg)"
    [ -z "$first_loss" ] && [ "$lost" -gt 0 ] && first_loss=$((2 * n)) && break
  done
  echo "losses begin at a burst of: ${first_loss:-none up to $((2 * n))} closes (default receive buffer)"
  exit 0
fi
# "made" is the rate the clients reached (they fall behind the asked rate
# on a busy machine): the closes heard over the time the clients took.
printf '%-14s %-14s %-10s %-12s %s\n' "closes/s asked" "closes/s made" "lost" "cpu % core" "load"
first_loss=""
for conns in ${RUN_EVENTS_RATES:-1000 2500 5000 10000 15000 20000}; do
  : >"$work/log"
  timeout $((secs * 20 + 60)) "$tcpdeck" -b -o json -d 1 -v "$work/log" >"$work/out.json" 2>/dev/null &
  tpid=$!
  for _ in $(seq 1 100); do grep -q 'close events: receive buffer' "$work/log" && break; sleep 0.1; done
  sleep 0.5
  tdpid=$(pgrep -P "$tpid" tcpdeck | head -1)
  t0=$(ticks "$tdpid" tcpdeck-closes)
  # The clients share the rate, each on a port of its own.
  cs=()
  c0=$(date +%s.%N)
  for k in $(seq 1 "$clients"); do
    "$churn" seq 4 $((9300 + k)) $((conns * secs / clients)) 100 $((conns / clients)) >/dev/null &
    cs+=($!)
  done
  wait "${cs[@]}"
  c1=$(date +%s.%N)
  sleep 1.5
  t1=$(ticks "$tdpid" tcpdeck-closes)
  kill -INT "$tpid"
  wait "$tpid" 2>/dev/null
  heard=$(sed -n 's/.*"closed": \([0-9]*\).*/\1/p' "$work/out.json" | awk '{ s += $1 } END { print s + 0 }')
  lost=$(sed -n 's/.*"events_lost": \([0-9]*\).*/\1/p' "$work/out.json" | awk '{ s += $1 } END { print s + 0 }')
  took=$(awk -v a="$c0" -v b="$c1" -v s="$secs" 'BEGIN { d = b - a; print (d > s ? d : s) }')
  made=$(awk -v h="$heard" -v d="$took" 'BEGIN { printf "%d", h / d }')
  # The listener's CPU over the time the clients ran.
  cpu=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v d="$took" 'BEGIN { printf "%.1f", 100 * t / hz / d }')
  printf '%-14s %-14s %-10s %-12s %s\n' $((2 * conns)) "$made" "$lost" "$cpu" \
    "$(cut -d' ' -f1 /proc/loadavg)"
  [ -z "$first_loss" ] && [ "$lost" -gt 0 ] && first_loss="$((2 * conns)) asked ($made made)"
  top_made=$made
  [ -n "$first_loss" ] && [ -n "${RUN_EVENTS_UNTIL_LOSS:-}" ] && break
done
echo "losses begin at: ${first_loss:-none up to $top_made made} closes/s (default receive buffer)"
