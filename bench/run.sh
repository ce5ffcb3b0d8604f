#!/bin/sh
# bench/run.sh - compare the CPU time and peak memory of one tcpdeck sample
# with ss on namespaces full of real TCP sockets.
#
# Usage (as root, from the build directory):  bench/run.sh [SIZES...]
#   SIZES    approximate socket counts, default "1000 10000 100000"
#   TCPDECK  default ./tcpdeck               (run as: tcpdeck -b -n 1 -o json)
#   SOCKGEN  default ./bench/tcpdeck-sockgen
#   CPUTIME  default ./bench/cputime
#   REPS     default 11 (medians are taken over these)
#
# For each size it creates a network namespace, fills it with
# tcpdeck-sockgen (about 70% ESTABLISHED, 20% TIME_WAIT, 10% CLOSE_WAIT and
# FIN_WAIT2, a few LISTEN), then alternates REPS times between tcpdeck,
# `ss -tan` and `ss -tani` (ss with tcp_info, which tcpdeck asks the kernel
# for too), each under cputime. It owns everything it creates: the namespace
# and the generator are removed on exit, by name and by pid.
#
# TIME_WAIT sockets live for 60 s, so all reps of one size must finish within
# that; the script checks the socket count with ss after the reps and warns
# if it drifted.

set -u
ME=bench/run.sh
. "$(dirname "$0")/lib.sh"

TCPDECK=${TCPDECK:-./tcpdeck}
SOCKGEN=${SOCKGEN:-./bench/tcpdeck-sockgen}
CPUTIME=${CPUTIME:-./bench/cputime}
REPS=${REPS:-11}
READY_TIMEOUT_S=120

ns=""
gen_pid=""
work=$(mktemp -d "${TMPDIR:-/tmp}/tcpdeck-bench.XXXXXX") || exit 1

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

[ $# -gt 0 ] || set -- 1000 10000 100000

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

# ss_count: the number of TCP sockets ss sees in the namespace.
ss_count() {
  ip netns exec "$ns" ss -tanH | wc -l
}

rows_tan=""
rows_tani=""
rows_ui=""

for size in "$@"; do
  case $size in '' | *[!0-9]*) die "size '$size' is not a number" ;; esac
  [ "$size" -ge 100 ] || die "size $size is too small (minimum 100)"

  # The mix: 20% TIME_WAIT, 10% in close_wait pairs (CLOSE_WAIT + FIN_WAIT2),
  # a few LISTEN, the rest ESTABLISHED pairs. The generator adds its own
  # listeners, so the real total is read back from its ready line.
  tw=$((size / 5))
  cw=$((size / 20))
  ls=4
  est=$(((size - tw - 2 * cw - ls) / 2))

  ns="tcpdeck-bench-$$-$size"
  ip netns add "$ns" || die "cannot create namespace $ns"
  rm -f "$work"/*.cpu "$work"/*.rss
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
  total=$(sed -n 's/^ready //p' "$work/ready" | tr ' ' '\n' |
    awk -F= '{ n += $2 } END { print n }')
  echo "size $size: $(sed -n 's/^ready //p' "$work/ready")" >&2

  r=0
  while [ $r -lt "$REPS" ]; do
    measure tcpdeck "$TCPDECK" -b -n 1 -o json
    measure ss_tan ss -tan
    measure ss_tani ss -tani
    r=$((r + 1))
  done

  # The dashboard itself, in a terminal, at a 0.5 s interval for 20
  # samples: peak memory with its history, CPU per sample, the slowest
  # sample and frame (from its debug log), and samples it failed to show.
  ui_row=""
  if command -v tmux >/dev/null 2>&1; then
    rm -f "$work/ui.log" "$work/ui.cpu"
    ip netns exec "$ns" tmux -L "tcpdeck-bench-$$" -f /dev/null new-session -d -x 120 -y 40 \
      "$CPUTIME $TCPDECK -n 20 -d 0.5 -v $work/ui.log 2>$work/ui.cpu"
    i=0
    while ! grep -q '^cputime:' "$work/ui.cpu" 2>/dev/null && [ $i -lt 600 ]; do
      sleep 0.1
      i=$((i + 1))
    done
    tmux -L "tcpdeck-bench-$$" kill-server 2>/dev/null
    line=$(grep '^cputime:' "$work/ui.cpu" 2>/dev/null)
    if [ -n "$line" ]; then
      ui_cpu=$(echo "$line" | sed -n 's/.* cpu=\([0-9.]*\) .*/\1/p' | awk '{ printf "%.1f", $1 * 1000 / 20 }')
      ui_rss=$(echo "$line" | sed -n 's/.* maxrss_kib=\([0-9]*\) .*/\1/p' | awk '{ printf "%.1f", $1 / 1024 }')
      ui_sample=$(sed -n 's/.*sample: [0-9]* sockets in \([0-9.]*\) ms.*/\1/p' "$work/ui.log" | sort -g | tail -n 1)
      ui_frame=$(sed -n 's/.*ui: frame drawn in \([0-9.]*\) ms.*/\1/p' "$work/ui.log" | sort -g | tail -n 1)
      ui_missed=$(grep -c 'overwritten before' "$work/ui.log")
      ui_row="| $total | $ui_cpu | $ui_sample | $ui_frame | $ui_missed | $ui_rss |"
    fi
  fi
  rows_ui="$rows_ui${ui_row:-| $total | dashboard run failed or tmux missing | | | | |}
"

  seen=$(ss_count)
  elapsed=$(($(date +%s) - ready_at))
  if [ "$seen" -ne "$total" ]; then
    echo "bench/run.sh: warning: size $size: ss sees $seen sockets, expected $total" \
      "(reps took ${elapsed}s; TIME_WAIT lasts 60s)" >&2
  fi

  t_ms=$(median "$work/tcpdeck.cpu" | awk '{ printf "%.1f", $1 * 1000 }')
  tan_ms=$(median "$work/ss_tan.cpu" | awk '{ printf "%.1f", $1 * 1000 }')
  tani_ms=$(median "$work/ss_tani.cpu" | awk '{ printf "%.1f", $1 * 1000 }')
  rss_mib=$(sort -n "$work/tcpdeck.rss" | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }')
  ratio_tan=$(awk -v a="$t_ms" -v b="$tan_ms" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
  ratio_tani=$(awk -v a="$t_ms" -v b="$tani_ms" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
  rows_tan="$rows_tan| $total | $t_ms | $tan_ms | $ratio_tan | $rss_mib |
"
  rows_tani="$rows_tani| $total | $t_ms | $tani_ms | $ratio_tani | $rss_mib |
"

  kill "$gen_pid" 2>/dev/null
  wait "$gen_pid" 2>/dev/null
  gen_pid=""
  ip netns del "$ns" || die "cannot delete namespace $ns"
  ns=""
done

echo
echo "tcpdeck -b -n 1 -o json vs ss -tan (median of $REPS runs, CPU = user + sys)"
echo
echo "| sockets | tcpdeck CPU ms | ss -tan CPU ms | tcpdeck/ss | tcpdeck peak RSS MiB |"
echo "|--------:|---------------:|---------------:|-----------:|---------------------:|"
printf '%s' "$rows_tan"
echo
echo "tcpdeck -b -n 1 -o json vs ss -tani (ss with tcp_info, as tcpdeck asks for)"
echo
echo "| sockets | tcpdeck CPU ms | ss -tani CPU ms | tcpdeck/ss | tcpdeck peak RSS MiB |"
echo "|--------:|---------------:|----------------:|-----------:|---------------------:|"
printf '%s' "$rows_tani"
echo
echo "the dashboard in tmux (120x40), tcpdeck -n 20 -d 0.5, with its full history"
echo
echo "| sockets | CPU ms per sample | slowest sample ms | slowest frame ms | samples missed | peak RSS MiB |"
echo "|--------:|------------------:|------------------:|-----------------:|---------------:|-------------:|"
printf '%s' "$rows_ui"
echo
echo "kernel: $(uname -srm)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "ss: $(ss -V 2>&1 | head -n 1)"
