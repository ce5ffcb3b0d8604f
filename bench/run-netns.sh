#!/bin/sh
# bench/run-netns.sh - what watching every network namespace at once costs:
# one tcpdeck sample of all of them (`--netns all`) next to `ss -tan -N NAME`
# run once per namespace.
#
# Usage (as root, from the build directory):  bench/run-netns.sh
#   NS        default 50: network namespaces made
#   PER_NS    default 2000: sockets in each (about)
#   TCPDECK   default ./tcpdeck
#   SOCKGEN   default ./bench/tcpdeck-sockgen
#   CPUTIME   default ./bench/cputime
#   REPS      default 5 (medians are taken over these)
#   EHASH     default unset: when set (a power of 2, e.g. 4096), the
#             namespaces get an established-socket hash table of their own
#             with that many buckets (net.ipv4.tcp_child_ehash_entries, set
#             in the namespace they are made from).  Unset, they share the
#             host's table, and every per-namespace dump (tcpdeck's and
#             ss's alike) walks all of it, other namespaces' sockets too.
#   ISOLATE   default 1: run in a network, PID and mount namespace of its
#             own (see below); 0: on the host as it is
#
# `--netns all` finds every namespace of the host, other people's too, and
# on a shared machine they come and go during the run.  So by default the
# script re-runs itself under `unshare --net --pid --fork --mount-proc`:
# its own network namespace (empty but for what it makes) stands for the
# host's, /proc shows only its processes, every nsfs mount inherited from
# the host is unmounted in its private mount namespace and /run/netns is a
# tmpfs of its own.  tcpdeck then sees exactly its own namespace plus the
# NS it makes, and everything goes away with the script's PID namespace.
#
# Three phases, each measured REPS times, in turns, under cputime:
#   none    none of its namespaces exist yet (tcpdeck still sees the host's
#           own and any others on the machine);
#   empty   NS namespaces `tcpdeck-bench-ns-<pid>-<i>` exist, empty;
#   full    each holds about PER_NS sockets from tcpdeck-sockgen: 80% in
#           ESTABLISHED pairs, 20% in CLOSE_WAIT/FIN_WAIT2 pairs, a few
#           LISTEN.  No TIME_WAIT: it lasts 60 s and the phase takes longer,
#           so the counts would drift.
# and in each phase:
#   tcpdeck -b -n 1 -o json --netns all                  (states)
#   tcpdeck -b -n 1 --view listen -o json --netns all    (with owners: a
#                                      view that names processes, so the
#                                      /proc walk is in it)
#   ss -tan -N NAME, once per namespace, CPU summed       (baseline)
# Then, with the namespaces full, the dashboard in tmux (tcpdeck -n 10
# -d 1 --netns all, debug log) and a batch run `-b -d 1 -n 10 -o json
# --netns all`: the gaps between sample times, the slowest sample, the
# peak RSS.  In each phase also the CPU of a sample after the first
# (batch, 11 samples less 1), with the default skipping of namespaces
# without TCP sockets and of bound-only sockets between their periodic
# dumps, and with TCPDECK_NETNS_SKIP=0 (every namespace dumped fully).  From the medians: the cost of one empty namespace
# ((empty - none) / NS) and of one socket ((full - empty) / sockets).
#
# It owns everything it creates: generators killed by pid, namespaces
# deleted by name, the tmux server by its socket name, on exit.

set -u
ME=bench/run-netns.sh
. "$(dirname "$0")/lib.sh"

TCPDECK=${TCPDECK:-./tcpdeck}
SOCKGEN=${SOCKGEN:-./bench/tcpdeck-sockgen}
CPUTIME=${CPUTIME:-./bench/cputime}
REPS=${REPS:-5}
NS=${NS:-50}
PER_NS=${PER_NS:-2000}
READY_TIMEOUT_S=120
# Every command measured is bounded: one sample of 100,000 sockets with
# owners takes about a second.
CMD_TIMEOUT_S=300

require_tools
if [ "${ISOLATE:-1}" = 1 ] && [ "${RUN_NETNS_INSIDE:-}" != 1 ]; then
  command -v unshare >/dev/null 2>&1 || die "unshare (util-linux) not found (or set ISOLATE=0)"
  RUN_NETNS_INSIDE=1 exec unshare --net --pid --fork --mount-proc sh "$0" "$@"
fi
if [ "${RUN_NETNS_INSIDE:-}" = 1 ]; then
  ip link set lo up || die "cannot bring lo up"
  # Mount points are listed with octal escapes; those of ip netns and
  # container runtimes have none.
  awk '$9 == "nsfs" { print $5 }' /proc/self/mountinfo | sort -r | while read -r mp; do
    umount -l "$mp" 2>/dev/null
  done
  mkdir -p /run/netns && mount -t tmpfs -o size=1m tcpdeck-bench-netns /run/netns ||
    die "cannot mount a private /run/netns"
  [ -z "$(awk '$9 == "nsfs"' /proc/self/mountinfo)" ] || die "could not unmount every nsfs mount"
fi

prefix="tcpdeck-bench-ns-$$"
gen_pids=""
tmux_sock="tcpdeck-bench-ns-$$"
work=$(mktemp -d "${TMPDIR:-/tmp}/tcpdeck-netns.XXXXXX") || exit 1

cleanup() {
  tmux -L "$tmux_sock" kill-server 2>/dev/null
  for p in $gen_pids; do kill "$p" 2>/dev/null; done
  for p in $gen_pids; do wait "$p" 2>/dev/null; done
  gen_pids=""
  i=1
  while [ "$i" -le "$NS" ]; do
    [ -e "/run/netns/$prefix-$i" ] && ip netns del "$prefix-$i" 2>/dev/null
    i=$((i + 1))
  done
}
trap 'cleanup; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for v in REPS NS PER_NS; do
  eval "val=\$$v"
  case $val in '' | *[!0-9]*) die "$v must be a positive number" ;; esac
  [ "$val" -ge 1 ] || die "$v must be a positive number"
done
[ "$PER_NS" -ge 100 ] || die "PER_NS must be at least 100"
"$TCPDECK" --help 2>&1 | grep -q -- --netns || die "$TCPDECK has no --netns option"

# cpu_line FILE: the cputime line in FILE, or dies.
cpu_line() {
  line=$(grep '^cputime:' "$1" | tail -n 1)
  [ -n "$line" ] || die "no cputime line in $1: $(head -n 1 "$1")"
  echo "$line"
}
field() { echo "$2" | sed -n "s/.* $1=\\([0-9.]*\\).*/\\1/p"; }

# measure NAME CMD...: CMD under cputime (host namespace); its CPU seconds
# go to $work/NAME.cpu, its peak RSS (KiB) to $work/NAME.rss, its output
# to $work/NAME.out.
measure() {
  name=$1
  shift
  timeout "$CMD_TIMEOUT_S" "$CPUTIME" "$@" >"$work/$name.out" 2>"$work/err"
  rc=$?
  [ $rc -eq 0 ] || die "$* failed (exit $rc): $(grep -v '^cputime:' "$work/err" | head -n 1)"
  line=$(cpu_line "$work/err")
  field cpu "$line" >>"$work/$name.cpu"
  field maxrss_kib "$line" >>"$work/$name.rss"
}

# measure_ss NAME: `ss -tan -N` once per namespace, each under cputime;
# the sum of their CPU seconds goes to $work/NAME.cpu.
measure_ss() {
  sum=0
  i=1
  while [ "$i" -le "$NS" ]; do
    timeout "$CMD_TIMEOUT_S" "$CPUTIME" ss -tan -N "$prefix-$i" >/dev/null 2>"$work/err" ||
      die "ss -tan -N $prefix-$i failed: $(grep -v '^cputime:' "$work/err" | head -n 1)"
    sum=$(awk -v a="$sum" -v b="$(field cpu "$(cpu_line "$work/err")")" 'BEGIN { printf "%.6f", a + b }')
    i=$((i + 1))
  done
  echo "$sum" >>"$work/$1.cpu"
}

# phase NAME: REPS turns of the three measurements.
phase() {
  rm -f "$work/$1".*
  r=0
  while [ $r -lt "$REPS" ]; do
    measure "$1.states" "$TCPDECK" -b -n 1 -o json --netns all
    measure "$1.owners" "$TCPDECK" -b -n 1 --view listen -o json --netns all
    # Before the namespaces exist there is nothing for ss to look at.
    [ "$1" = none ] || measure_ss "$1.ss"
    r=$((r + 1))
  done
  # What tcpdeck saw in its last states sample: namespaces and sockets.
  seen_ns=$(grep -o '"inode": [0-9]*' "$work/$1.states.out" | wc -l)
  seen_socks=$(sed -n 's/^{[^{]*"total": \([0-9]*\).*/\1/p' "$work/$1.states.out" | head -n 1)
  eval "ns_$1=\$seen_ns socks_$1=\${seen_socks:-?}"
  note "phase $1: tcpdeck saw $seen_ns namespaces, ${seen_socks:-?} sockets"
}

# steady NAME SKIP: CPU ms of one sample after the first, both dump
# threads counted: (11 samples - 1 sample) / 10, with TCPDECK_NETNS_SKIP
# =SKIP (1: namespaces without TCP sockets and bound-only sockets are
# dumped only when due; 0: every namespace fully every sample).  Into
# $work/steady.NAME.
steady() {
  rm -f "$work/st1.cpu" "$work/st11.cpu"
  measure st1 env TCPDECK_NETNS_SKIP="$2" "$TCPDECK" -b -n 1 -o json --netns all
  measure st11 env TCPDECK_NETNS_SKIP="$2" "$TCPDECK" -b -d 0.5 -n 11 -o json --netns all
  awk -v a="$(cat "$work/st1.cpu")" -v b="$(cat "$work/st11.cpu")" \
    'BEGIN { printf "%.1f", (b - a) * 1000 / 10 }' >"$work/steady.$1"
}

# med_ms FILE: the median of FILE in ms, one decimal.
med_ms() { ms "$(median "$1")"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

ss_total() {
  t=0
  i=1
  while [ "$i" -le "$NS" ]; do
    t=$((t + $(ip netns exec "$prefix-$i" ss -tanH | wc -l)))
    i=$((i + 1))
  done
  echo "$t"
}

load_start=$(load)
started=$(date -u '+%Y-%m-%d %H:%M UTC')

# --- none ---
phase none
steady none 1

# --- empty ---
if [ -n "${EHASH:-}" ]; then
  sysctl -q -w net.ipv4.tcp_child_ehash_entries="$EHASH" ||
    die "cannot set net.ipv4.tcp_child_ehash_entries=$EHASH"
  [ "${RUN_NETNS_INSIDE:-}" = 1 ] ||
    note "net.ipv4.tcp_child_ehash_entries is now $EHASH in this namespace"
fi
i=1
while [ "$i" -le "$NS" ]; do
  ip netns add "$prefix-$i" || die "cannot create namespace $prefix-$i"
  i=$((i + 1))
done
phase empty
steady empty 1
steady empty0 0

# --- full ---
cw=$((PER_NS / 10))
est=$(((PER_NS - 2 * cw - 4) / 2))
i=1
while [ "$i" -le "$NS" ]; do
  ip netns exec "$prefix-$i" "$SOCKGEN" --hold 3600 listen=4 established=$est close_wait=$cw \
    >"$work/gen.$i" 2>"$work/gen.$i.err" &
  pid=$!
  gen_pids="$gen_pids $pid"
  n=0
  while ! grep -q '^ready ' "$work/gen.$i" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      die "socket generator in $prefix-$i failed: $(head -n 1 "$work/gen.$i.err")"
    fi
    n=$((n + 1))
    [ $n -le $((READY_TIMEOUT_S * 10)) ] || die "socket generator in $prefix-$i not ready"
    sleep 0.1
  done
  i=$((i + 1))
done
total=$(cat "$work"/gen.[0-9]* | sed -n 's/^ready //p' | tr ' ' '\n' |
  awk -F= '{ n += $2 } END { print n }')
note "$NS namespaces, $total sockets"
phase full
steady full 1
steady full0 0

# --- the dashboard at a 1 s interval, and the same in batch ---
ui_row="| dashboard run failed or tmux missing | | | | |"
if command -v tmux >/dev/null 2>&1; then
  rm -f "$work/ui.log" "$work/ui.cpu"
  tmux -L "$tmux_sock" -f /dev/null new-session -d -x 160 -y 50 \
    "timeout --foreground $CMD_TIMEOUT_S $CPUTIME $TCPDECK -n 10 -d 1 --netns all -v $work/ui.log 2>$work/ui.cpu"
  n=0
  while ! grep -q '^cputime:' "$work/ui.cpu" 2>/dev/null && [ $n -lt 1200 ]; do
    sleep 0.1
    n=$((n + 1))
  done
  tmux -L "$tmux_sock" kill-server 2>/dev/null
  line=$(grep '^cputime:' "$work/ui.cpu" 2>/dev/null)
  if [ -n "$line" ]; then
    ui_cpu=$(awk -v c="$(field cpu "$line")" 'BEGIN { printf "%.1f", c * 1000 / 10 }')
    ui_rss=$(awk -v k="$(field maxrss_kib "$line")" 'BEGIN { printf "%.1f", k / 1024 }')
    ui_sample=$(sed -n 's/.*sample: .* in \([0-9.]*\) ms.*/\1/p' "$work/ui.log" | sort -g | tail -n 1)
    ui_frame=$(sed -n 's/.*ui: frame drawn in \([0-9.]*\) ms.*/\1/p' "$work/ui.log" | sort -g | tail -n 1)
    ui_missed=$(grep -c 'overwritten before' "$work/ui.log")
    ui_row="| $ui_cpu | ${ui_sample:-?} | ${ui_frame:-?} | $ui_missed | $ui_rss |"
  fi
fi
rm -f "$work/batch".*
measure batch "$TCPDECK" -b -d 1 -n 10 -o json --netns all -v "$work/batch.log"
# Gaps between consecutive sample times (ms), from the JSON "time" field.
gaps=$(sed -n 's/^{"time": "[0-9-]*T\([0-9:.]*\)Z".*/\1/p' "$work/batch.out" |
  awk -F: '{ t = $1 * 3600 + $2 * 60 + $3; if (NR > 1) printf "%.0f\n", (t - p) * 1000; p = t }')
gap_max=$(echo "$gaps" | sort -g | tail -n 1)
gap_min=$(echo "$gaps" | sort -g | head -n 1)
b_sample=$(sed -n 's/.*sample: .* in \([0-9.]*\) ms.*/\1/p' "$work/batch.log" | sort -g | tail -n 1)
b_rss=$(awk -v k="$(cat "$work/batch.rss")" 'BEGIN { printf "%.1f", k / 1024 }')
b_cpu=$(awk -v c="$(cat "$work/batch.cpu")" 'BEGIN { printf "%.1f", c * 1000 / 10 }')

seen=$(ss_total)
[ "$seen" -eq "$total" ] || note "warning: ss now sees $seen sockets in the namespaces, expected $total"
load_end=$(load)

# --- the tables ---
row() {
  st=$(med_ms "$work/$1.states.cpu")
  ow=$(med_ms "$work/$1.owners.cpu")
  ss="-"
  [ -s "$work/$1.ss.cpu" ] && ss=$(med_ms "$work/$1.ss.cpu")
  rss=$(sort -n "$work/$1.owners.rss" | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }')
  eval "n=\$ns_$1 s=\$socks_$1"
  echo "| $1 | $n | $s | $st | $ow | $ss | $(ratio "$st" "$ss") | $(ratio "$ow" "$ss") | $rss |"
}
echo
echo "one sample of every namespace vs ss -tan -N NAME once per namespace ($NS namespaces;"
echo "CPU = user + sys, median of $REPS; tcpdeck also sees its own namespace and, unless isolated, the host's others)"
echo
echo "| phase | namespaces tcpdeck saw | sockets tcpdeck saw | tcpdeck ms | tcpdeck with owners ms | ss -tan -N x $NS ms | tcpdeck/ss | with owners/ss | peak RSS MiB |"
echo "|:------|------:|------:|------:|------:|------:|-----:|-----:|------:|"
row none
row empty
row full
m_none=$(median "$work/none.states.cpu")
m_empty=$(median "$work/empty.states.cpu")
m_full=$(median "$work/full.states.cpu")
o_none=$(median "$work/none.owners.cpu")
o_empty=$(median "$work/empty.owners.cpu")
o_full=$(median "$work/full.owners.cpu")
s_empty=$(median "$work/empty.ss.cpu")
echo
echo "| cost | tcpdeck us | tcpdeck with owners us | ss us |"
echo "|:-----|-----:|-----:|-----:|"
awk -v a="$m_none" -v b="$m_empty" -v c="$o_none" -v d="$o_empty" -v f="$s_empty" -v n="$NS" \
  'BEGIN { printf "| one empty namespace | %.0f | %.0f | %.0f (one ss run) |\n", (b - a) * 1e6 / n, (d - c) * 1e6 / n, f * 1e6 / n }'
awk -v a="$m_empty" -v b="$m_full" -v c="$o_empty" -v d="$o_full" -v n="$total" \
  -v s="$(median "$work/full.ss.cpu")" -v se="$s_empty" \
  'BEGIN { printf "| one socket | %.2f | %.2f | %.2f |\n", (b - a) * 1e6 / n, (d - c) * 1e6 / n, (s - se) * 1e6 / n }'
echo
echo "samples after the first (batch, -d 0.5 -n 11 less -n 1, per sample; TCPDECK_NETNS_SKIP=1 is the default)"
echo
echo "| phase | CPU ms per sample | the same, TCPDECK_NETNS_SKIP=0 | one empty namespace us |"
echo "|:------|------:|------:|------:|"
echo "| none | $(cat "$work/steady.none") | - | - |"
awk -v a="$(cat "$work/steady.none")" -v b="$(cat "$work/steady.empty")" -v c="$(cat "$work/steady.empty0")" -v n="$NS" \
  'BEGIN { printf "| empty | %.1f | %.1f | %.0f (SKIP=0: %.0f) |\n", b, c, (b - a) * 1000 / n, (c - a) * 1000 / n }'
echo "| full | $(cat "$work/steady.full") | $(cat "$work/steady.full0") | - |"
echo
echo "the dashboard in tmux (160x50), tcpdeck -n 10 -d 1 --netns all, $total sockets in $NS namespaces"
echo
echo "| CPU ms per sample | slowest sample ms | slowest frame ms | samples missed | peak RSS MiB |"
echo "|------:|------:|------:|------:|------:|"
echo "$ui_row"
echo
echo "batch: tcpdeck -b -d 1 -n 10 -o json --netns all"
echo
echo "| CPU ms per sample | slowest sample ms | gap between samples ms (min-max) | peak RSS MiB |"
echo "|------:|------:|------:|------:|"
echo "| $b_cpu | ${b_sample:-?} | $gap_min-$gap_max | $b_rss |"
echo
echo "kernel: $(uname -srm); cores: $(nproc)"
echo "date: $started; load average at start $load_start, at end $load_end"
[ "${RUN_NETNS_INSIDE:-}" = 1 ] && echo "isolated: own network, PID and mount namespace (ISOLATE=1)"
if [ -n "${EHASH:-}" ]; then
  echo "established hash of the namespaces: their own, $EHASH buckets (EHASH)"
else
  echo "established hash of the namespaces: the host's, shared ($(sysctl -n net.ipv4.tcp_ehash_entries | tr -d -) buckets)"
fi
echo "ss: $(ss -V 2>&1 | head -n 1)"
