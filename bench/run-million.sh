#!/bin/sh
# bench/run-million.sh - tcpdeck at a million sockets in one namespace: what
# a batch sample costs next to `ss -tan`, the dashboard's peak memory with
# the connection table open, its frame times and how fast it answers keys
# in an 80x24 terminal while it samples every 2 s.
#
# Usage (as root, from the build directory):  bench/run-million.sh [SIZE]
#   SIZE     approximate socket count, default 1000000
#   TCPDECK  default ./tcpdeck
#   SOCKGEN  default ./bench/tcpdeck-sockgen
#   CPUTIME  default ./bench/cputime
#   REPS     default 3: batch samples of each command (medians)
#   KEYS     default 20: key presses sent to the dashboard
#   HARNESS  what measures the key presses: tmux (default) or pty, see 2.
#   KEYLAT   default ./bench/tcpdeck-keylat (HARNESS=pty)
#   BASELINE another tcpdeck (an earlier build) timed in the same
#            alternation as TCPDECK and ss, for a side-by-side batch figure
#   LOGDIR   if set, the dashboard's debug log is kept there
#            (run-million-SIZE.log), and with HARNESS=pty its VmRSS every
#            10 ms (run-million-SIZE.rss: wall-clock seconds and KiB, to
#            read beside the log's stamps)
#
# Steps: creates the namespace million-<pid>, raises its TIME_WAIT bucket
# limit and somaxconn, fills it with tcpdeck-sockgen --widen-ports (90%
# ESTABLISHED pairs, 8% CLOSE_WAIT/FIN_WAIT2 pairs, 2% TIME_WAIT, 4
# LISTEN; the generator raises its own fd limit and spreads the fds over
# workers of 7,600 each), then
# 1. alternates REPS times `tcpdeck -b -n 1 -o json` and `ss -tan` (and
#    BASELINE), each repetition starting with the next of them, each
#    under cputime with output to /dev/null: median CPU (user + sys), the
#    ratio, tcpdeck's peak RSS;
# 2. runs `tcpdeck -d 2 -v LOG` in a detached tmux of 80x24 (its own
#    server socket), presses 3 (the connection table) after the first
#    sample and, once the table is built, sends KEYS presses alternating
#    Down and Up, one every 0.7 s. For each press it polls
#    `tmux capture-pane -e` every 5 ms until the reverse-video line (the
#    selection) moves: the time from sending to seeing the change, which
#    includes starting the tmux client (a few ms). From the debug log it
#    takes the frames of the conns view and tcpdeck's own key latencies,
#    and from /proc the dashboard's VmHWM (peak RSS) before it quits.
#    With HARNESS=pty, tcpdeck-keylat is the terminal instead of tmux:
#    tcpdeck (niced, the meter not) runs on its 80x24 pty with TERM=vt100,
#    and the time to the selection moving is taken from its screen model,
#    which is updated as the bytes arrive, with no process started per key
#    and no polling; the same keys, the same log, the same VmHWM.  The
#    tmux figures include starting a tmux client every 5 ms, which on a
#    loaded machine is most of what they measure.
# Everything runs under nice -n 10 and timeout; the namespace, the
# generator (by pid) and the tmux server are removed on exit.
#
# shellcheck disable=SC2086

set -u

TCPDECK=${TCPDECK:-./tcpdeck}
SOCKGEN=${SOCKGEN:-./bench/tcpdeck-sockgen}
CPUTIME=${CPUTIME:-./bench/cputime}
REPS=${REPS:-3}
KEYS=${KEYS:-20}
HARNESS=${HARNESS:-tmux}
KEYLAT=${KEYLAT:-./bench/tcpdeck-keylat}
SIZE=${1:-1000000}
READY_TIMEOUT_S=300
ME=run-million.sh

. "$(dirname "$0")/lib.sh"

case $SIZE in '' | *[!0-9]*) die "size '$SIZE' is not a number" ;; esac
[ "$SIZE" -ge 10000 ] || die "size $SIZE is too small (minimum 10000)"
require_tools
case $HARNESS in
tmux) command -v tmux >/dev/null 2>&1 || die "tmux not found" ;;
pty) [ -x "$KEYLAT" ] || die "$KEYLAT is not built (run make first)" ;;
*) die "HARNESS '$HARNESS' is neither tmux nor pty" ;;
esac
case $TCPDECK in /*) ;; *) TCPDECK=$(pwd)/$TCPDECK ;; esac
BASELINE=${BASELINE:-}
case $BASELINE in /* | "") ;; *) BASELINE=$(pwd)/$BASELINE ;; esac
batch_cmds="td ss"
[ -n "$BASELINE" ] && batch_cmds="td base ss"

work=$(mktemp -d /tmp/million-bench.XXXXXX) || die "cannot make a temp dir"
ns="million-$$"
tmux_sock="million-$$"
gen_pid=""
td_pid=""
cleanup() {
  tmux -L "$tmux_sock" kill-server 2>/dev/null
  stop_generator
  drop_namespace
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

in_ns() {
  ip netns exec "$ns" nice -n 10 timeout 300 "$@"
}

# ---- fill ----
tw=$((SIZE / 50))
cw=$((SIZE / 25))
ls=4
est=$(((SIZE - tw - 2 * cw - ls) / 2))
ip netns add "$ns" || die "cannot create namespace $ns"
ns_ok=1
ip netns exec "$ns" sysctl -qw net.ipv4.tcp_max_tw_buckets=$((SIZE + 65536)) ||
  die "cannot raise tcp_max_tw_buckets in $ns"
ip netns exec "$ns" sysctl -qw net.core.somaxconn=65535 ||
  die "cannot raise somaxconn in $ns"
started=$(date +%s)
ip netns exec "$ns" nice -n 10 timeout 900 "$SOCKGEN" --widen-ports --hold 600 \
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
  [ $i -le $((READY_TIMEOUT_S * 10)) ] || die "socket generator not ready after ${READY_TIMEOUT_S}s"
  sleep 0.1
done
total=$(sed -n 's/^ready //p' "$work/ready" | tr ' ' '\n' | awk -F= '{ n += $2 } END { print n }')
note "$(sed -n 's/^ready //p' "$work/ready") (total $total, $(($(date +%s) - started)) s)"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 1. batch sample vs ss -tan ----
r=0
while [ $r -lt "$REPS" ]; do
  # Each repetition starts with the next command: the one timed first
  # measured more, whichever it was, so every command takes each place
  # as often (with REPS a multiple of their count).
  set -- $batch_cmds
  k=$((r % $#))
  while [ $k -gt 0 ]; do
    first=$1
    shift
    set -- "$@" "$first"
    k=$((k - 1))
  done
  for cmd in "$@"; do
    if [ $cmd = td ]; then
      in_ns "$CPUTIME" "$TCPDECK" -b -n 1 -o json </dev/null >/dev/null 2>"$work/err"
    elif [ $cmd = base ]; then
      in_ns "$CPUTIME" "$BASELINE" -b -n 1 -o json </dev/null >/dev/null 2>"$work/err"
    else
      in_ns "$CPUTIME" ss -tan </dev/null >/dev/null 2>"$work/err"
    fi
    line=$(grep '^cputime:' "$work/err" | tail -n 1)
    [ -n "$line" ] || die "no cputime line for $cmd: $(head -n 1 "$work/err")"
    echo "$line" | sed -n 's/.* cpu=\([0-9.]*\) .*/\1/p' >>"$work/$cmd.cpu"
    echo "$line" | sed -n 's/.* maxrss_kib=\([0-9]*\) .*/\1/p' >>"$work/$cmd.rss"
  done
  r=$((r + 1))
done
td_cpu=$(median "$work/td.cpu")
ss_cpu=$(median "$work/ss.cpu")
td_rss=$(sort -n "$work/td.rss" | tail -n 1)
seen=$(ip netns exec "$ns" ss -tanH | wc -l)
note "batch: tcpdeck $(ms "$td_cpu") ms, ss -tan $(ms "$ss_cpu") ms; ss now sees $seen sockets"

# ---- 2. the dashboard in 80x24 ----
log="$work/ui.log"
if [ "$HARNESS" = pty ]; then
  # tcpdeck-keylat waits for the first frame, presses 3, waits for the
  # table's selection, presses g (Home: vt100 has no Home key), then times
  # KEYS presses of Down and Up, one every 0.7 s, and reads VmHWM; it
  # also writes the dashboard's VmRSS every 10 ms to $work/rss.
  ip netns exec "$ns" timeout 400 "$KEYLAT" --keys "$KEYS" --hwm --rss-trace "$work/rss" -- \
    nice -n 10 "$TCPDECK" -d 2 -v "$log" >"$work/keylat" 2>"$work/keylat.err" ||
    die "$(head -n 1 "$work/keylat.err")"
  sed -n 's/^key [0-9]* \([0-9]*\) us$/\1/p' "$work/keylat" >"$work/keys.us"
  missed=$(grep -c '^key [0-9]* unanswered$' "$work/keylat")
  hwm=$(sed -n 's/^vmhwm_kib \([0-9]*\) .*/\1/p' "$work/keylat")
else
  tmux -L "$tmux_sock" -f /dev/null new-session -d -s million -x 80 -y 24 \
    "ip netns exec $ns nice -n 10 timeout 400 $TCPDECK -d 2 -v $log" ||
    die "cannot start tmux"
  pane_pid=$(tmux -L "$tmux_sock" list-panes -t million -F '#{pane_pid}')
  # wait_log PATTERN SECONDS: until the log has a line matching PATTERN.
  wait_log() {
    j=0
    while ! grep -q "$1" "$log" 2>/dev/null; do
      j=$((j + 1))
      [ $j -le $(($2 * 10)) ] || die "dashboard: no '$1' in the log after $2 s"
      sleep 0.1
    done
  }
  wait_log 'rates and findings' 120
  td_pid=$(pgrep -n -P "$(pgrep -n -P "$pane_pid" timeout || echo "$pane_pid")" tcpdeck ||
    pgrep -n -f "^$TCPDECK -d 2 -v $log")
  [ -n "$td_pid" ] || die "cannot find the dashboard's pid"
  tmux -L "$tmux_sock" send-keys -t million 3
  wait_log 'rows selected' 120
  sleep 1
  # selected: the number of the first pane line in reverse video below the
  # table's header (the selection; a finding above the table is shown in
  # reverse video too), or 0.
  selected() {
    tmux -L "$tmux_sock" capture-pane -p -e -t million |
      awk '/LOCAL +REMOTE/ { table = 1; next }
        table && /\033\[[0-9;]*7m/ && !found { found = NR } END { print found + 0 }'
  }
  tmux -L "$tmux_sock" send-keys -t million Home
  sleep 1
  k=0
  missed=0
  while [ $k -lt "$KEYS" ]; do
    before=$(selected)
    if [ $((k % 2)) -eq 0 ]; then key=Down; else key=Up; fi
    [ "$before" -gt 0 ] || die "dashboard: no selected row on screen"
    t0=$(date +%s%N)
    tmux -L "$tmux_sock" send-keys -t million $key
    answered=1
    while [ "$(selected)" = "$before" ]; do
      if [ $(($(date +%s%N) - t0)) -gt 5000000000 ]; then
        missed=$((missed + 1))
        answered=0
        break
      fi
      sleep 0.005
    done
    t1=$(date +%s%N)
    [ $answered = 1 ] && echo $(((t1 - t0) / 1000)) >>"$work/keys.us"
    k=$((k + 1))
    sleep 0.7
  done
  hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$td_pid/status" 2>/dev/null)
  tmux -L "$tmux_sock" send-keys -t million q
  sleep 1
fi
[ -n "${LOGDIR:-}" ] && cp "$log" "$LOGDIR/run-million-$SIZE.log"
[ -n "${LOGDIR:-}" ] && [ -s "$work/rss" ] && cp "$work/rss" "$LOGDIR/run-million-$SIZE.rss"
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# stats FILE SCALE: count, median, p90 (nearest rank) and max of FILE's
# numbers divided by SCALE.
stats() {
  sort -g "$1" | awk -v s="$2" '{ v[NR] = $1 / s }
    END { if (NR == 0) { print "0 - - -"; exit }
          k = int(NR * 0.9); if (k < NR * 0.9) k++
          printf "%d %.1f %.1f %.1f\n", NR, v[int((NR + 1) / 2)], v[k], v[NR] }'
}
grep 'frame drawn' "$log" | grep 'view conns' | sed 's/.* in \([0-9.]*\) ms.*/\1/' >"$work/frames"
grep 'frame drawn' "$log" | grep 'view conns' | grep -v rebuilt |
  sed 's/.* in \([0-9.]*\) ms.*/\1/' >"$work/frames.draw"
grep 'key answered' "$log" | sed 's/.* in \([0-9.]*\) ms.*/\1/' >"$work/keys.log"
grep 'sample: ' "$log" | sed 's/.* in \([0-9.]*\) ms.*/\1/' >"$work/samples"
set -- $(stats "$work/keys.us" 1000)
keys_line="| $total | $1 | $2 | $3 | $4 | $missed |"
set -- $(stats "$work/keys.log" 1)
keys_log="| $1 | $2 | $3 | $4 |"
set -- $(stats "$work/frames" 1)
frames_line="| $total | all | $1 | $2 | $3 | $4 |"
set -- $(stats "$work/frames.draw" 1)
frames_draw="| $total | draw only | $1 | $2 | $3 | $4 |"
set -- $(stats "$work/samples" 1)
samples_line="$1 samples, median $2 ms, max $4 ms"
# The dashboard's work per sample, step by step (medians and max): the
# models and the tracker in CPU time, the rows and their sort in wall time.
step() {
  set -- $(grep "$1" "$log" | sed "s/.*$2 \([0-9.]*\) ms.*/\1/" >"$work/step"; stats "$work/step" 1)
  echo "$2 ms median, $4 max"
}
steps_line="models (rates, findings) $(step 'rates and findings' 'in') cpu; tracker $(step 'tracked in' 'in') cpu; rows selected $(step 'rows selected' 'selected in'); sort $(step 'sorted by' 'in')"

echo "one batch sample (tcpdeck -b -n 1 -o json) vs ss -tan: medians of $REPS (CPU = user + sys)"
echo
echo "| sockets | tcpdeck CPU ms | ss -tan CPU ms | tcpdeck/ss | tcpdeck peak RSS MiB |"
echo "|--------:|---------------:|---------------:|-----------:|---------------------:|"
echo "| $total | $(ms "$td_cpu") | $(ms "$ss_cpu") | $(ratio "$td_cpu" "$ss_cpu") | $((td_rss / 1024)) |"
if [ -n "$BASELINE" ]; then
  base_cpu=$(median "$work/base.cpu")
  base_rss=$(sort -n "$work/base.rss" | tail -n 1)
  echo
  echo "baseline $BASELINE, in the same alternation: $(ms "$base_cpu") ms," \
    "$(ratio "$base_cpu" "$ss_cpu") of ss -tan, peak RSS $((base_rss / 1024)) MiB"
fi
echo
if [ "$HARNESS" = pty ]; then
  echo "the dashboard, tcpdeck -d 2, table (view 3) open in tcpdeck-keylat's 80x24 pty: key"
  echo "press to the selection moving in its screen model, and tcpdeck's own key latency"
else
  echo "the dashboard, tcpdeck -d 2, table (view 3) open in tmux 80x24: key press to the"
  echo "selection moving on screen (tmux capture-pane), and tcpdeck's own key latency"
fi
echo
echo "| sockets | keys | median ms | p90 ms | max ms | unanswered in 5 s | logged: keys | median ms | p90 ms | max ms |"
echo "|--------:|-----:|----------:|-------:|-------:|------------------:|-------------:|----------:|-------:|-------:|"
echo "$keys_line ${keys_log#| }"
echo
echo "frames of the conns view from the debug log (all, and those that only draw)"
echo
echo "| sockets | frames | count | median ms | p90 ms | max ms |"
echo "|--------:|--------|------:|----------:|-------:|-------:|"
echo "$frames_line"
echo "$frames_draw"
echo
echo "dashboard peak RSS (VmHWM): $((${hwm:-0} / 1024)) MiB; sampler: $samples_line"
if [ -s "$work/rss" ]; then
  # The second half of the trace: the table is open and built; its low is
  # what stays between samples, its high the peak of taking one in.
  set -- $(awk '{ v[NR] = $2 } END { lo = -1; hi = 0
    for (i = int(NR / 2) + 1; i <= NR; i++) { if (lo < 0 || v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i] }
    printf "%d %d %d\n", NR, lo / 1024, hi / 1024 }' "$work/rss")
  echo "dashboard VmRSS every 10 ms ($1 readings), second half: lowest $2 MiB (between samples), highest $3 MiB"
fi
echo "per sample on the dashboard's thread: $steps_line"
echo "load average: $load_start at the start, $load_end at the end"
echo "kernel: $(uname -srm)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
