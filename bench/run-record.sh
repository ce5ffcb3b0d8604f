#!/bin/sh
# bench/run-record.sh - how compact tcpdeck's recordings are, and how fast
# they replay.
#
# Usage (as root, from the build directory):  bench/run-record.sh [SIZES...]
#   SIZES    approximate socket counts, default "10000 100000"
#   SAMPLES  samples to record, default 60
#   INTERVAL seconds between samples, default 1
#   REPS     replay repetitions (the median is reported), default 5
#   TCPDECK  default ./tcpdeck
#   SOCKGEN  default ./bench/tcpdeck-sockgen
#   CPUTIME  default ./bench/cputime
#
# For each size it creates a network namespace, fills it with
# tcpdeck-sockgen (the mix of bench/run.sh: about 70% ESTABLISHED, 20%
# TIME_WAIT, 10% CLOSE_WAIT and FIN_WAIT2, a few LISTEN, held by 50
# processes), then records SAMPLES samples INTERVAL apart with
# `tcpdeck -b -w FILE` while, in step with it, `ss -tani -D` dumps the same
# sockets once per interval; it prints the bytes of both and their ratio.
# TIME_WAIT sockets expire during the minute, so the set changes as on a
# real host.  Then it replays the recording REPS times
# (`tcpdeck -r FILE -b -o json`, every sample decoded, no pacing) under
# cputime and prints the median replay rate, per wall-clock second and per
# CPU second (on a shared machine the second is the steadier one).  It owns everything it creates: the
# namespace and the generator are removed on exit, by name and by pid.

set -u
ME=bench/run-record.sh
. "$(dirname "$0")/lib.sh"

TCPDECK=${TCPDECK:-./tcpdeck}
SOCKGEN=${SOCKGEN:-./bench/tcpdeck-sockgen}
CPUTIME=${CPUTIME:-./bench/cputime}
SAMPLES=${SAMPLES:-60}
INTERVAL=${INTERVAL:-1}
REPS=${REPS:-5}
READY_TIMEOUT_S=120

ns=""
gen_pid=""
work=$(mktemp -d "${TMPDIR:-/tmp}/tcpdeck-bench-record.XXXXXX") || exit 1

cleanup() {
  stop_generator
  drop_namespace
}
trap 'cleanup; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

require_tools
[ $# -gt 0 ] || set -- 10000 100000

now() { date +%s.%N; }

rows=""
for size in "$@"; do
  case $size in '' | *[!0-9]*) die "size '$size' is not a number" ;; esac
  tw=$((size / 5))
  cw=$((size / 20))
  ls=4
  est=$(((size - tw - 2 * cw - ls) / 2))

  ns="tcpdeck-bench-rec-$$-$size"
  ip netns add "$ns" || die "cannot create namespace $ns"
  : >"$work/ready"
  ip netns exec "$ns" "$SOCKGEN" --widen-ports --procs 50 --hold 900 \
    listen=$ls established=$est close_wait=$cw time_wait=$tw \
    >"$work/ready" 2>"$work/gen.err" &
  gen_pid=$!
  i=0
  while ! grep -q '^ready ' "$work/ready"; do
    kill -0 "$gen_pid" 2>/dev/null || die "socket generator failed: $(head -n 1 "$work/gen.err")"
    i=$((i + 1))
    [ $i -le $((READY_TIMEOUT_S * 10)) ] || die "socket generator not ready after ${READY_TIMEOUT_S}s"
    sleep 0.1
  done
  total=$(ip netns exec "$ns" ss -tanH state all | wc -l)
  echo "size $size: $total sockets: $(sed -n 's/^ready //p' "$work/ready")" >&2

  # The recording, and ss -tani -D once per interval beside it.
  rm -f "$work/rec"
  ip netns exec "$ns" "$TCPDECK" -b -w "$work/rec" -n "$SAMPLES" -d "$INTERVAL" \
    >/dev/null 2>"$work/rec.err" &
  rec_pid=$!
  ss_bytes=0
  start=$(now)
  k=0
  while [ $k -lt "$SAMPLES" ]; do
    ip netns exec "$ns" ss -tani -D "$work/ss.dump" >/dev/null 2>&1 || die "ss -D failed"
    ss_bytes=$((ss_bytes + $(stat -c %s "$work/ss.dump")))
    k=$((k + 1))
    # Sleep to the next interval boundary since the start.
    wait_s=$(awk -v s="$start" -v n="$(now)" -v k=$k -v d="$INTERVAL" \
      'BEGIN { w = s + k * d - n; print (w > 0 ? w : 0) }')
    sleep "$wait_s"
  done
  wait "$rec_pid" || die "tcpdeck -w failed: $(cat "$work/rec.err")"
  rm -f "$work/ss.dump"
  rec_bytes=$(stat -c %s "$work/rec")
  ratio=$(awk -v a="$ss_bytes" -v b="$rec_bytes" 'BEGIN { printf "%.1f", a / b }')
  per_sample=$(awk -v b="$rec_bytes" -v n="$SAMPLES" -v t="$total" \
    'BEGIN { printf "%.2f", b / n / t }')

  # Replays, unpaced.
  : >"$work/rate"
  : >"$work/cpurate"
  r=0
  while [ $r -lt "$REPS" ]; do
    t0=$(now)
    "$CPUTIME" "$TCPDECK" -r "$work/rec" -b -o json >"$work/replay.out" 2>"$work/replay.err"
    t1=$(now)
    n=$(wc -l <"$work/replay.out")
    [ "$n" = "$SAMPLES" ] || die "replay printed $n samples, recorded $SAMPLES"
    cpu=$(sed -n 's/^cputime:.* cpu=\([0-9.]*\) .*/\1/p' "$work/replay.err")
    awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", n / (b - a) }' >>"$work/rate"
    awk -v n="$n" -v c="$cpu" 'BEGIN { printf "%.1f\n", n / c }' >>"$work/cpurate"
    r=$((r + 1))
  done
  rate=$(median "$work/rate")
  cpurate=$(median "$work/cpurate")
  rows="$rows| $total | $SAMPLES | $ss_bytes | $rec_bytes | $ratio | $per_sample | $rate | $cpurate |
"
  cleanup
done

echo
echo "| sockets | samples | ss -tani -D bytes | tcpdeck -w bytes | ratio | bytes per socket per sample | replay samples/s (wall) | replay samples per CPU s |"
echo "|--------:|--------:|------------------:|-----------------:|------:|----------------------------:|------------------------:|-------------------------:|"
printf '%s' "$rows"
echo
echo "kernel: $(uname -srm)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "ss: $(ss -V 2>&1 | head -n 1)"
echo "medians of $REPS replays; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
