#!/bin/sh
# bench/run-output.sh - what writing one row of the conns view costs in each
# batch format (text, CSV, JSON) at 100,000 sockets, next to what ss spends
# on one socket of the same namespace.
#
# Usage (as root, from the build directory):  bench/run-output.sh [SIZES...]
#   SIZES    approximate socket counts, default "100000" (arguments or env)
#   TCPDECK  default ./tcpdeck
#   SOCKGEN  default ./bench/tcpdeck-sockgen
#   CPUTIME  default ./bench/cputime
#   REPS     default 11 (medians are taken over these)
#
# For each size a namespace is filled with tcpdeck-sockgen --widen-ports
# (about 70% ESTABLISHED, 20% TIME_WAIT, 10% CLOSE_WAIT and FIN_WAIT2, a few
# LISTEN, as in run.sh). Then, while the sockets are fresh:
#
# 1. `tcpdeck -b -n 1 -w FILE` records one sample of them, with owners and
#    tcp_info, as the conns view would see them live;
# 2. REPS times in turn, under cputime: `ss -tani` and `ss -tani -D
#    /dev/null` (the kernel's dump alone, nothing printed) on the live
#    sockets, output to /dev/null.
#
# Then, REPS times in turn, for each format F, with the recording as input
# (the same socket rows every run, no kernel and no TIME_WAIT clock):
#   full:  `tcpdeck -r FILE -b --view conns -o F`
#   empty: `tcpdeck -r FILE -b --view conns -o F sport = :1`, the same run
#          (read, track ages and rates, select rows) with a filter no socket
#          matches, so that nothing is written but the CSV header.
# The cost of a row is (median full - median empty) / rows, where rows is
# the line count of the text output (minus its two header lines). The
# filter's own cost (a few ns a socket) falls on the empty run only, so the
# figure errs low by that much. ss's cost of a socket is its median CPU time
# over the number of sockets it listed.
#
# It owns everything it creates: the namespace and the generator (by pid)
# are removed on exit.

set -u

TCPDECK=${TCPDECK:-./tcpdeck}
SOCKGEN=${SOCKGEN:-./bench/tcpdeck-sockgen}
CPUTIME=${CPUTIME:-./bench/cputime}
REPS=${REPS:-11}
SIZES=${SIZES:-100000}
READY_TIMEOUT_S=120
# No ss rep starts later than this after the sockets are ready.
TW_BUDGET_S=45
ME=bench/run-output.sh
. "$(dirname "$0")/lib.sh"

ns=""
gen_pid=""
work=$(mktemp -d "${TMPDIR:-/tmp}/tcpdeck-output.XXXXXX") || exit 1

cleanup() {
  stop_generator
  drop_namespace
}
trap 'cleanup; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

require_tools
case $REPS in '' | *[!0-9]*) die "REPS must be a positive number" ;; esac
[ "$REPS" -ge 1 ] || die "REPS must be a positive number"
"$TCPDECK" --help 2>&1 | grep -q -- --view ||
  die "$TCPDECK has no --view option (no conns view to measure)"

# shellcheck disable=SC2086
[ $# -gt 0 ] || set -- $SIZES

# cpu NAME CMD...: runs CMD (which runs cputime) and appends the CPU
# seconds (user + sys) cputime reports to $work/NAME.cpu; output to
# /dev/null.
cpu() {
  name=$1
  shift
  "$@" </dev/null >/dev/null 2>"$work/err"
  rc=$?
  [ $rc -eq 0 ] || die "$* failed (exit $rc): $(grep -v '^cputime:' "$work/err" | head -n 1)"
  line=$(grep '^cputime:' "$work/err" | tail -n 1)
  [ -n "$line" ] || die "no cputime line for $*"
  echo "$line" | sed -n 's/.* cpu=\([0-9.]*\) .*/\1/p' >>"$work/$name.cpu"
}

rows_out=""

for size in "$@"; do
  case $size in '' | *[!0-9]*) die "size '$size' is not a number" ;; esac
  [ "$size" -ge 1000 ] || die "size $size is too small (minimum 1000)"
  rm -f "$work"/*.cpu

  tw=$((size / 5))
  cw=$((size / 20))
  ls=4
  est=$(((size - tw - 2 * cw - ls) / 2))
  ns="tcpdeck-output-$$-$size"
  ip netns add "$ns" || die "cannot create namespace $ns"
  : >"$work/ready"
  ip netns exec "$ns" "$SOCKGEN" --widen-ports --hold 600 \
    listen=$ls established=$est close_wait=$cw time_wait=$tw \
    >"$work/ready" 2>"$work/gen.err" &
  gen_pid=$!
  i=0
  while ! grep -q '^ready ' "$work/ready"; do
    if ! kill -0 "$gen_pid" 2>/dev/null; then
      wait "$gen_pid"
      rc=$?
      gen_pid=""
      die "socket generator failed (exit $rc): $(head -n 1 "$work/gen.err")"
    fi
    i=$((i + 1))
    [ $i -le $((READY_TIMEOUT_S * 10)) ] ||
      die "socket generator not ready after ${READY_TIMEOUT_S}s"
    sleep 0.1
  done
  ready_at=$(date +%s)
  note "size $size: $(sed -n 's/^ready //p' "$work/ready")"

  rec="$work/sample.tdr"
  rm -f "$rec"
  ip netns exec "$ns" "$TCPDECK" -b -n 1 -w "$rec" --view states </dev/null >/dev/null \
    2>"$work/err" || die "cannot record a sample: $(head -n 1 "$work/err")"
  sockets=$(ip netns exec "$ns" ss -tanH | wc -l)

  r=0
  while [ $r -lt "$REPS" ]; do
    if [ $r -gt 0 ] && [ $(($(date +%s) - ready_at)) -ge "$TW_BUDGET_S" ]; then
      note "warning: size $size: only $r of $REPS ss reps fit in ${TW_BUDGET_S}s" \
        "(TIME_WAIT lasts 60 s); the medians are of $r"
      break
    fi
    cpu ss ip netns exec "$ns" "$CPUTIME" ss -tani
    cpu ssdump ip netns exec "$ns" "$CPUTIME" ss -tani -D /dev/null
    r=$((r + 1))
  done
  ss_reps=$r
  seen=$(ip netns exec "$ns" ss -tanH | wc -l)
  [ "$seen" -eq "$sockets" ] ||
    note "warning: size $size: ss saw $sockets sockets at first, $seen after its reps"
  stop_generator
  drop_namespace

  # The rows the conns view writes: text has two header lines.
  rows=$("$TCPDECK" -r "$rec" -b --view conns -o text </dev/null 2>/dev/null | wc -l)
  rows=$((rows - 2))
  [ "$rows" -gt 0 ] || die "size $size: the recording replays no rows"
  none=$("$TCPDECK" -r "$rec" -b --view conns -o text sport = :1 </dev/null 2>/dev/null |
    wc -l)
  [ "$none" -eq 2 ] || die "size $size: 'sport = :1' selects $((none - 2)) rows, expected none"
  note "size $size: $rows rows recorded; ss listed $sockets sockets"

  r=0
  while [ $r -lt "$REPS" ]; do
    for f in text csv json; do
      cpu "full.$f" "$CPUTIME" "$TCPDECK" -r "$rec" -b --view conns -o "$f"
      cpu "empty.$f" "$CPUTIME" "$TCPDECK" -r "$rec" -b --view conns -o "$f" sport = :1
    done
    r=$((r + 1))
  done

  ss_med=$(median "$work/ss.cpu")
  dump_med=$(median "$work/ssdump.cpu")
  ss_us=$(awk -v t="$ss_med" -v n="$sockets" 'BEGIN { printf "%.2f", t * 1e6 / n }')
  dump_us=$(awk -v t="$dump_med" -v n="$sockets" 'BEGIN { printf "%.2f", t * 1e6 / n }')
  for f in text csv json; do
    full=$(median "$work/full.$f.cpu")
    empty=$(median "$work/empty.$f.cpu")
    row_us=$(awk -v a="$full" -v b="$empty" -v n="$rows" \
      'BEGIN { printf "%.3f", (a - b) * 1e6 / n }')
    rows_out="$rows_out| $rows | $f | $REPS | $(ms "$full") | $(ms "$empty") | $row_us |"
    rows_out="$rows_out $ss_us ($ss_reps) | $(ratio "$row_us" "$ss_us") | $dump_us | $(ratio "$row_us" "$dump_us") |
"
  done
done

echo
echo "the conns view, one recorded sample replayed: CPU (user + sys) medians of"
echo "tcpdeck -r FILE -b --view conns -o F (full) and of the same run with a filter"
echo "that selects nothing (empty); a row costs (full - empty) / rows. ss -tani and"
echo "ss -tani -D /dev/null (the kernel's dump alone) ran on the live sockets, (reps)"
echo
echo "| rows | format | runs | full ms | empty ms | µs a row | ss -tani µs a socket | row/ss | ss -D µs a socket | row/dump |"
echo "|-----:|--------|-----:|--------:|---------:|---------:|---------------------:|-------:|------------------:|---------:|"
printf '%s' "$rows_out"
echo
echo "kernel: $(uname -srm)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "ss: $(ss -V 2>&1 | head -n 1)"
