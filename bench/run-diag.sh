#!/bin/sh
# bench/run-diag.sh - what the rates and findings (state tracking,
# diagnoses, kernel counter rates) add to each sample at 100,000 sockets.
#
# Usage (as root, from the build directory):  bench/run-diag.sh [SIZE]
#   SIZE     approximate socket count, default 100000
#   TCPDECK  default ./tcpdeck
#   SOCKGEN  default ./bench/tcpdeck-sockgen
#   SAMPLES  default 30 (at a 1 s interval)
#
# A namespace is filled with tcpdeck-sockgen (about 65% ESTABLISHED pairs,
# 20% TIME_WAIT, 10% CLOSE_WAIT pairs held by 20 processes, so the
# CLOSE_WAIT finding fires), then the dashboard runs SAMPLES samples in a
# detached tmux with a debug log.  The log has, per sample, the sampler
# thread's CPU time for the sample (dump, parse, owners) and the UI
# thread's CPU time for the rates and findings of that sample; the script
# prints both medians and their ratio.  ss is run on the same sockets for
# reference (`ss -tan` CPU, median of 5).
set -u

TCPDECK=${TCPDECK:-./tcpdeck}
SOCKGEN=${SOCKGEN:-./bench/tcpdeck-sockgen}
CPUTIME=${CPUTIME:-./bench/cputime}
SAMPLES=${SAMPLES:-30}
SIZE=${1:-100000}
ME=bench/run-diag.sh
. "$(dirname "$0")/lib.sh"

ns="tcpdeck-diag-$$"
gen_pid=""
tmux_sock="tcpdeck-diag-$$"
work=$(mktemp -d "${TMPDIR:-/tmp}/tcpdeck-diag.XXXXXX") || exit 1

cleanup() {
  tmux -L "$tmux_sock" kill-server 2>/dev/null
  if [ -n "$gen_pid" ]; then
    kill "$gen_pid" 2>/dev/null
    wait "$gen_pid" 2>/dev/null
  fi
  ip netns del "$ns" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" = 0 ] || die "must run as root (it creates a network namespace)"
for tool in "$SOCKGEN" "$CPUTIME" "$TCPDECK"; do
  [ -x "$tool" ] || die "$tool is not built (run make first)"
done
command -v tmux >/dev/null 2>&1 || die "tmux not found"

tw=$((SIZE / 5))
cw=$((SIZE / 20))
est=$(((SIZE - tw - 2 * cw) / 2))
ip netns add "$ns" || die "cannot create namespace $ns"
ip netns exec "$ns" "$SOCKGEN" --widen-ports --procs 20 --hold 600 \
  listen=4 established=$est close_wait=$cw time_wait=$tw >"$work/ready" 2>"$work/gen.err" &
gen_pid=$!
i=0
until grep -q '^ready ' "$work/ready"; do
  kill -0 "$gen_pid" 2>/dev/null || die "socket generator failed: $(head -n 1 "$work/gen.err")"
  i=$((i + 1))
  [ $i -le 1200 ] || die "socket generator not ready after 120 s"
  sleep 0.1
done
echo "$ME: $(sed -n 's/^ready //p' "$work/ready")" >&2

tmux -L "$tmux_sock" -f /dev/null new-session -d -s diag -x 160 -y 50 \
  "TERM=screen ip netns exec $ns $TCPDECK -d 1 -n $SAMPLES -v $work/ui.log"
[ -z "${KEEPLOG:-}" ] || trap 'cp "$work/ui.log" "$KEEPLOG"; cleanup' EXIT
i=0
fed() {
  n=$(grep -c 'rates and findings' "$work/ui.log" 2>/dev/null)
  echo "${n:-0}"
}
while [ "$(fed)" -lt "$SAMPLES" ]; do
  i=$((i + 1))
  [ $i -le $((SAMPLES * 30 + 600)) ] || die "the dashboard did not take $SAMPLES samples ($(fed))"
  sleep 0.1
done

sample=$(sed -n 's/.*sample: [0-9]* sockets in [0-9.]* ms (\([0-9.]*\) ms cpu).*/\1/p' \
  "$work/ui.log" | tail -n +3 | median)
feed=$(sed -n 's/.*rates and findings of [0-9]* sockets in \([0-9.]*\) ms cpu.*/\1/p' \
  "$work/ui.log" | tail -n +3 | median)
rates=$(sed -n 's/.*rates and findings .*(rates \([0-9.]*\) ms).*/\1/p' \
  "$work/ui.log" | tail -n +3 | median)
sockets=$(sed -n 's/.*sample: \([0-9]*\) sockets.*/\1/p' "$work/ui.log" | tail -n 1)
: >"$work/ss.cpu"
for _ in 1 2 3 4 5; do
  ip netns exec "$ns" "$CPUTIME" ss -tan >/dev/null 2>"$work/err" </dev/null
  sed -n 's/.* cpu=\([0-9.]*\) .*/\1/p' "$work/err" >>"$work/ss.cpu"
done
ss_ms=$(median <"$work/ss.cpu" | awk '{ printf "%.1f", $1 * 1000 }')
awk -v n="$sockets" -v s="$sample" -v f="$feed" -v r="$rates" -v ss="$ss_ms" 'BEGIN {
  printf "sockets %d: sample %.1f ms cpu (median), rates and findings %.2f ms cpu (median; state flows %.2f), %.1f%% of a sample; ss -tan %.1f ms cpu\n",
    n, s, f, r, 100 * f / s, ss }'
