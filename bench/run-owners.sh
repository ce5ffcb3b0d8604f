#!/bin/sh
# bench/run-owners.sh - what process attribution costs: tcpdeck with socket
# owners next to `ss -tanp`, on namespaces full of real TCP sockets that are
# spread over many processes.
#
# Usage (as root, from the build directory):  bench/run-owners.sh [SIZES...]
#   SIZES         approximate socket counts, default "10000 100000"
#   TCPDECK       default ./tcpdeck
#   SOCKGEN       default ./bench/tcpdeck-sockgen
#   CPUTIME       default ./bench/cputime
#   REPS          default 5 (medians are taken over these)
#   PROCS         default 500: processes the sockets are spread over
#                 (tcpdeck-sockgen --procs)
#   LATENCY_PORT  default 40999: port of the listener started for the owner
#                 latency test; reserved in each namespace so that no other
#                 socket can take it
#
# For each size it creates a network namespace and fills it with
# tcpdeck-sockgen --procs PROCS: about 80% of the sockets are ESTABLISHED
# pairs, 20% CLOSE_WAIT/FIN_WAIT2 pairs, plus a few LISTEN. There is no
# TIME_WAIT (it lasts only 60 s), so the counts hold for the whole run. It
# then alternates REPS times between these, each under cputime:
#   cold    tcpdeck -b -n 1 --view listen -o json   one sample, owners found by a
#                                            full /proc walk from a cold start
#   steady  tcpdeck -b -n 21 -d 0.1 --view listen -o json  steady-state CPU per sample =
#                                            (median(steady) - median(cold)) / 20
#   ss -tanp, and ss -tan for reference.
# Then, if tcpdeck has --view, it measures the owner latency: tcpdeck
# -b --view listen -o json -d 0.5 -n 12 runs in the background; once it has
# printed its first sample and 1.5 s more have passed, a new process starts
# listening on LATENCY_PORT (tcpdeck-sockgen --port LATENCY_PORT listen=1).
# The result is how many samples after the listener first appeared its "pid"
# became non-null (0: in the same sample).
#
# It owns everything it creates: the namespaces and the processes it started
# are removed on exit, by name and by pid.

set -u
ME=bench/run-owners.sh
. "$(dirname "$0")/lib.sh"

TCPDECK=${TCPDECK:-./tcpdeck}
SOCKGEN=${SOCKGEN:-./bench/tcpdeck-sockgen}
CPUTIME=${CPUTIME:-./bench/cputime}
REPS=${REPS:-5}
PROCS=${PROCS:-500}
LATENCY_PORT=${LATENCY_PORT:-40999}
READY_TIMEOUT_S=120
LATENCY_SAMPLES=12
LATENCY_DELAY=0.5
# The latency run takes LATENCY_SAMPLES x LATENCY_DELAY (6 s) plus start-up.
LATENCY_TIMEOUT_S=60

ns=""
gen_pid=""
helper_pid=""
lat_pid=""
work=$(mktemp -d "${TMPDIR:-/tmp}/tcpdeck-owners.XXXXXX") || exit 1

# stop PID: ends one process we started and reaps it.
stop() {
  if [ -n "$1" ]; then
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
  fi
}

cleanup() {
  stop "$lat_pid"
  lat_pid=""
  stop "$helper_pid"
  helper_pid=""
  stop "$gen_pid"
  gen_pid=""
  drop_namespace
}
trap 'cleanup; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

require_tools
case $REPS in '' | *[!0-9]*) die "REPS must be a positive number" ;; esac
[ "$REPS" -ge 1 ] || die "REPS must be a positive number"
case $PROCS in '' | *[!0-9]*) die "PROCS must be a positive number" ;; esac
[ "$PROCS" -ge 1 ] || die "PROCS must be a positive number"
case $LATENCY_PORT in '' | *[!0-9]*) die "LATENCY_PORT must be a port number" ;; esac
if [ "$LATENCY_PORT" -lt 1 ] || [ "$LATENCY_PORT" -gt 65535 ]; then
  die "LATENCY_PORT must be 1 to 65535"
fi

[ $# -gt 0 ] || set -- 10000 100000

# The owner latency needs tcpdeck's listen view (part of process
# attribution). Without it the CPU part still runs.
latency_skip=""
if ! "$TCPDECK" --help 2>&1 | grep -q -- --view; then
  latency_skip="$TCPDECK has no --view option, so its listen view (part of process attribution) does not exist yet; rebuild tcpdeck once it does"
  note "owner latency cannot be measured: $latency_skip. Measuring CPU only."
fi

# measure NAME CMD...: runs CMD under cputime in the namespace and appends
# its CPU seconds to $work/NAME.cpu and its peak RSS (KiB) to $work/NAME.rss.
measure() {
  name=$1
  shift
  ip netns exec "$ns" "$CPUTIME" "$@" >/dev/null 2>"$work/err"
  rc=$?
  [ $rc -eq 0 ] ||
    die "$* failed in $ns (exit $rc): $(grep -v '^cputime:' "$work/err" | head -n 1)"
  line=$(grep '^cputime:' "$work/err" | tail -n 1)
  [ -n "$line" ] || die "no cputime line for $*"
  echo "$line" | sed -n 's/.* cpu=\([0-9.]*\) .*/\1/p' >>"$work/$name.cpu"
  echo "$line" | sed -n 's/.* maxrss_kib=\([0-9]*\) .*/\1/p' >>"$work/$name.rss"
}

# wait_ready FILE PID WHAT: waits (bounded) for a "ready" line in FILE from
# the generator PID; dies with its message if it exits first.
wait_ready() {
  i=0
  while ! grep -q '^ready ' "$1"; do
    if ! kill -0 "$2" 2>/dev/null; then
      wait "$2"
      rc=$?
      die "$3 failed (exit $rc): $(head -n 1 "$1.err")"
    fi
    i=$((i + 1))
    [ $i -le $((READY_TIMEOUT_S * 10)) ] || die "$3 not ready after ${READY_TIMEOUT_S}s"
    sleep 0.1
  done
}

# owner_latency FILE: reads the listen view's JSON lines and prints, on one
# line: how many samples after the listener on LATENCY_PORT first appeared
# its pid became known (or a phrase saying why there is no number), a tab,
# and where in the run the listener appeared. A sample is a run of lines
# with the same "time".
owner_latency() {
  awk -v port="$LATENCY_PORT" '
    {
      t = $0
      if (!sub(/.*"time": *"/, "", t)) next
      sub(/".*/, "", t)
      if (t != last) { n++; last = t }
      if ($0 !~ ("\"local_port\": *" port " *[,}]")) next
      if (!seen) seen = n
      p = $0
      sub(/.*"pid": */, "", p)
      sub(/ *[,}].*/, "", p)
      if (p != "null" && p != "" && !owned) owned = n
    }
    END {
      where = sprintf("first seen in sample %d of %d", seen, n)
      if (seen == 1) where = where " (a cold start: not a latency)"
      if (n == 0) print "no samples\t"
      else if (!seen) printf "listener never seen\t%d samples\n", n
      else if (!owned) printf "pid still null %d samples later\t%s\n", n - seen, where
      else printf "%d\t%s\n", owned - seen, where
    }' "$1"
}

rows=""
rows_ref=""
rows_lat=""

for size in "$@"; do
  case $size in '' | *[!0-9]*) die "size '$size' is not a number" ;; esac
  [ "$size" -ge 100 ] || die "size $size is too small (minimum 100)"

  # The mix: 20% in close_wait pairs (CLOSE_WAIT + FIN_WAIT2), a few
  # LISTEN, the rest ESTABLISHED pairs. The generator adds its own
  # listeners, so the real total is read back from its ready line.
  cw=$((size / 10))
  ls=4
  est=$(((size - 2 * cw - ls) / 2))

  ns="tcpdeck-owners-$$-$size"
  ip netns add "$ns" || die "cannot create namespace $ns"
  # Keep LATENCY_PORT out of the kernel's choices (bind to port 0, connect)
  # so the latency listener can always bind it. Per namespace.
  ip netns exec "$ns" sh -c "echo $LATENCY_PORT >/proc/sys/net/ipv4/ip_local_reserved_ports" ||
    die "cannot reserve port $LATENCY_PORT in $ns"
  rm -f "$work"/*.cpu "$work"/*.rss
  : >"$work/ready"
  ip netns exec "$ns" "$SOCKGEN" --widen-ports --procs "$PROCS" --hold 1800 \
    listen=$ls established=$est close_wait=$cw \
    >"$work/ready" 2>"$work/ready.err" &
  gen_pid=$!
  wait_ready "$work/ready" "$gen_pid" "socket generator"
  total=$(sed -n 's/^ready //p' "$work/ready" | tr ' ' '\n' |
    awk -F= '{ n += $2 } END { print n }')
  note "size $size: $(sed -n 's/^ready //p' "$work/ready")"

  # Owners as ss sees them: the distinct pids holding the sockets.
  ip netns exec "$ns" ss -tanpH >"$work/ss-p" || die "ss -tanp failed in $ns"
  procs=$(grep -o 'pid=[0-9]*' "$work/ss-p" | sort -u | wc -l)
  unowned=$(grep -vc 'users:' "$work/ss-p")
  note "size $size: $total sockets held by $procs processes ($unowned without an owner)"

  r=0
  while [ $r -lt "$REPS" ]; do
    measure cold "$TCPDECK" -b -n 1 --view listen -o json
    measure steady "$TCPDECK" -b -n 21 -d 0.1 --view listen -o json
    measure ss_tanp ss -tanp
    measure ss_tan ss -tan
    r=$((r + 1))
  done

  # Owner latency: a new process starts listening while tcpdeck samples.
  if [ -n "$latency_skip" ]; then
    rows_lat="$rows_lat| $total | $procs | not measured: no --view | |
"
  else
    : >"$work/listen.json"
    ip netns exec "$ns" "$TCPDECK" -b --view listen -o json -d "$LATENCY_DELAY" \
      -n "$LATENCY_SAMPLES" >"$work/listen.json" 2>"$work/listen.err" &
    lat_pid=$!
    i=0
    while [ ! -s "$work/listen.json" ] && kill -0 "$lat_pid" 2>/dev/null &&
      [ $i -lt $((LATENCY_TIMEOUT_S * 10)) ]; do
      sleep 0.1
      i=$((i + 1))
    done
    sleep 1.5
    : >"$work/helper"
    ip netns exec "$ns" "$SOCKGEN" --hold 60 --port "$LATENCY_PORT" listen=1 \
      >"$work/helper" 2>"$work/helper.err" &
    helper_pid=$!
    wait_ready "$work/helper" "$helper_pid" "latency listener"
    i=0
    while kill -0 "$lat_pid" 2>/dev/null && [ $i -lt $((LATENCY_TIMEOUT_S * 10)) ]; do
      sleep 0.1
      i=$((i + 1))
    done
    if kill -0 "$lat_pid" 2>/dev/null; then
      note "size $size: tcpdeck --view listen still running after ${LATENCY_TIMEOUT_S}s; stopped"
      stop "$lat_pid"
    else
      wait "$lat_pid" || note "size $size: tcpdeck --view listen failed:" \
        "$(head -n 1 "$work/listen.err")"
    fi
    lat_pid=""
    stop "$helper_pid"
    helper_pid=""
    latency=$(owner_latency "$work/listen.json")
    where=$(echo "$latency" | cut -f 2)
    latency=$(echo "$latency" | cut -f 1)
    note "size $size: owner latency: $latency ($where)"
    rows_lat="$rows_lat| $total | $procs | $latency | $LATENCY_DELAY |
"
  fi

  seen=$(ip netns exec "$ns" ss -tanH | wc -l)
  if [ "$seen" -ne "$total" ]; then
    note "warning: size $size: ss sees $seen sockets, expected $total"
  fi

  cold=$(median "$work/cold.cpu")
  steady=$(median "$work/steady.cpu")
  tanp=$(median "$work/ss_tanp.cpu")
  tan=$(median "$work/ss_tan.cpu")
  per_sample=$(awk -v a="$steady" -v b="$cold" 'BEGIN { print (a - b) / 20 }')
  rss_mib=$(sort -n "$work/steady.rss" | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }')
  rows="$rows| $total | $procs | $(ms "$cold") | $(ms "$tanp") | $(ratio "$cold" "$tanp") |"
  rows="$rows $(ms "$per_sample") | $(ratio "$per_sample" "$tanp") | $rss_mib |
"
  rows_ref="$rows_ref| $total | $(ms "$tan") | $(ms "$steady") | $(ratio "$tanp" "$tan") |
"

  stop "$gen_pid"
  gen_pid=""
  ip netns del "$ns" || die "cannot delete namespace $ns"
  ns=""
done

echo
echo "tcpdeck with owners vs ss -tanp, sockets spread over $PROCS processes"
echo "(median of $REPS runs, CPU = user + sys; steady = (CPU of -n 21 -d 0.1 - CPU of -n 1) / 20)"
echo
echo "| sockets | processes | cold tcpdeck ms | ss -tanp ms | cold ratio | steady tcpdeck ms/sample | steady ratio | tcpdeck peak RSS MiB |"
echo "|--------:|----------:|----------------:|------------:|-----------:|-------------------------:|-------------:|---------------------:|"
printf '%s' "$rows"
echo
echo "for reference: ss -tan, and the whole tcpdeck -b -n 21 -d 0.1 --view listen -o json run"
echo
echo "| sockets | ss -tan ms | tcpdeck -n 21 ms | ss -tanp / ss -tan |"
echo "|--------:|-----------:|-----------------:|-------------------:|"
printf '%s' "$rows_ref"
echo
echo "owner latency: samples from a new listener's first appearance in"
echo "tcpdeck -b --view listen to a known pid (0 = the same sample)"
echo
echo "| sockets | processes | samples until pid known | interval s |"
echo "|--------:|----------:|------------------------:|-----------:|"
printf '%s' "$rows_lat"
if [ -n "$latency_skip" ]; then
  echo
  echo "owner latency not measured: $latency_skip."
fi
echo
echo "kernel: $(uname -srm)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "ss: $(ss -V 2>&1 | head -n 1)"
