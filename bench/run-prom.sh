#!/bin/sh
# bench/run-prom.sh - tcpdeck's Prometheus endpoint next to node_exporter's
# tcpstat collector, side by side in one run, over the same sockets.
#
# Usage (as root, from the build directory):  bench/run-prom.sh [SIZE]
#   SIZE        approximate socket count, default 100000
#   TCPDECK     default ./tcpdeck
#   SOCKGEN     default ./bench/tcpdeck-sockgen
#   NODE_EXPORTER  default prometheus-node-exporter (Debian's name), or
#               node_exporter
#   ROUNDS      default 12: tcpdeck samples and node_exporter scrapes
#   INTERVAL    default 5: tcpdeck's -d, long enough that a sample and
#               node_exporter's scrape after it do not overlap (a socket
#               tcpdeck sees whose process it cannot find makes it search
#               every process's descriptors)
#   SCRAPES     default 50: scrapes of tcpdeck timed at the end
#   NS          the namespace's name, default tcpdeck-prom-PID
#   LOG         when set, tcpdeck's debug log is copied there (per
#               sample, the sampler thread's CPU time, what owners cost)
#   EHASH       default 131072: the namespace gets an established-socket
#               hash table of its own with that many buckets (as a host
#               with SIZE sockets has one of its own); 0: it shares the
#               host's, and every dump (tcpdeck's and node_exporter's
#               alike) walks all of it, other namespaces' sockets too
#
# A namespace with an established-socket hash table of its own is
# filled with tcpdeck-sockgen: 4 listeners, about 90% ESTABLISHED pairs
# and 10% CLOSE_WAIT/FIN_WAIT2 pairs held by 20 processes (so the
# CLOSE_WAIT finding fires).  No TIME_WAIT: it expires within 60 s and
# the counts would drift during the run.  Inside the namespace run:
#   - tcpdeck --serve 127.0.0.1:9791 headless (standard output is no
#     terminal), one sample every INTERVAL s, with owners and findings,
#     both expositions rendered each sample, and a debug log (-v);
#   - node_exporter --collector.disable-defaults --collector.tcpstat on
#     127.0.0.1:9100.
# Both listen before the generator takes the ports of its widened range.
# Then ROUNDS times: wait for tcpdeck's next sample (a line of its log),
# take the CPU time tcpdeck spent since the one before (one whole cycle:
# dump, owners, findings, both expositions), then scrape node_exporter
# once with curl and take the CPU time it spent on that scrape.  CPU
# times are the sums of the processes' threads' run times
# (/proc/PID/task/*/schedstat, nanoseconds), so one sample or scrape is
# measured alone; the clock-tick totals of /proc/PID/stat over the rounds
# are printed as a cross-check.  Nothing polls tcpdeck meanwhile: every
# short-lived connection in the namespace is a socket whose owner tcpdeck
# must look for.  After the rounds: the exposition's size in both formats,
# and curl's time_total for SCRAPES scrapes of tcpdeck's /metrics over
# one kept-alive connection (as Prometheus scrapes) and for SCRAPES
# scrapes each on a new connection (a new curl).
#
# Printed: the medians of both, their ratio, the socket counts each saw,
# the sizes and the scrape times; for scale, one batch sample of the
# states view (the dump alone: no owners, no tcp_info) under CPUTIME
# (default ./bench/cputime).
set -u

TCPDECK=${TCPDECK:-./tcpdeck}
SOCKGEN=${SOCKGEN:-./bench/tcpdeck-sockgen}
CPUTIME=${CPUTIME:-./bench/cputime}
NODE_EXPORTER=${NODE_EXPORTER:-prometheus-node-exporter}
ROUNDS=${ROUNDS:-12}
INTERVAL=${INTERVAL:-5}
SCRAPES=${SCRAPES:-50}
EHASH=${EHASH:-131072}
SIZE=${1:-100000}
ME=bench/run-prom.sh
. "$(dirname "$0")/lib.sh"

ns=${NS:-tcpdeck-prom-$$}
gen_pid=""
td_pid=""
ne_pid=""
work=$(mktemp -d "${TMPDIR:-/tmp}/tcpdeck-prom.XXXXXX") || exit 1

cleanup() {
  for p in $td_pid $ne_pid; do kill "$p" 2>/dev/null; done
  for p in $td_pid $ne_pid; do wait "$p" 2>/dev/null; done
  stop_generator
  drop_namespace
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" = 0 ] || die "must run as root (it creates a network namespace)"
[ -x "$SOCKGEN" ] || die "$SOCKGEN is not built (run make first)"
[ -x "$TCPDECK" ] || die "$TCPDECK is not built (run make first)"
[ -x "$CPUTIME" ] || die "$CPUTIME is not built (run make first)"
command -v "$NODE_EXPORTER" >/dev/null 2>&1 || die "$NODE_EXPORTER not found (set NODE_EXPORTER)"
command -v curl >/dev/null 2>&1 || die "curl not found"

# cpu_ns PID: the CPU time of every live thread of PID, in nanoseconds.
cpu_ns() {
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ t += $1 } END { printf "%.0f\n", t }'
}
# main_ns PID: the CPU time of PID's main thread (tcpdeck's: findings and
# both expositions; the sampler thread dumps and attributes owners).
main_ns() {
  cut -d' ' -f1 /proc/"$1"/task/"$1"/schedstat
}
# ticks PID: utime + stime of PID (all threads, also ended ones), in ticks.
ticks() {
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' /proc/"$1"/stat
}
# value FILE NAME: the value of the unlabelled sample NAME in FILE.
value() {
  awk -v n="$2" '$1 == n { print $2; exit }' "$1"
}
# sockets FILE METRIC: the sum of METRIC's series in FILE (node_exporter's
# has two more, of queued bytes, under its state label).
sockets() {
  awk -v m="$2" 'index($0, m "{") == 1 && !/_bytes"/ { t += $NF } END { printf "%d\n", t }' "$1"
}

if [ "$EHASH" != 0 ]; then
  # Made from a throwaway namespace whose children get tables of their own.
  unshare -n sh -c "sysctl -q -w net.ipv4.tcp_child_ehash_entries=$EHASH && ip netns add $ns" ||
    die "cannot create namespace $ns with a hash table of $EHASH buckets"
else
  ip netns add "$ns" || die "cannot create namespace $ns"
fi
ip -n "$ns" link set lo up || die "cannot bring lo up in $ns"
# The exporters listen before the generator takes every port of the
# widened ephemeral range.
ip netns exec "$ns" timeout 300 "$TCPDECK" --serve 127.0.0.1:9791 -d "$INTERVAL" -v "$work/td.log" \
  </dev/null >/dev/null 2>"$work/tcpdeck.err" &
td_timeout=$!
ip netns exec "$ns" timeout 300 "$NODE_EXPORTER" --collector.disable-defaults \
  --collector.tcpstat --web.listen-address=127.0.0.1:9100 >/dev/null 2>"$work/ne.err" &
ne_timeout=$!
td_pid=$td_timeout
ne_pid=$ne_timeout
td_url=http://127.0.0.1:9791/metrics
ne_url=http://127.0.0.1:9100/metrics

# get URL FILE: one scrape inside the namespace; prints curl's time_total.
get() {
  ip netns exec "$ns" curl -s -o "$2" -w '%{time_total}\n' --max-time 10 "$1"
}
# The processes themselves (under timeout and ip netns exec).
i=0
while :; do
  td=$(pgrep -x -P "$td_timeout" tcpdeck)
  ne=$(pgrep -P "$ne_timeout")
  [ -n "$td" ] && [ -n "$ne" ] && get "$td_url" "$work/td.txt" >/dev/null &&
    get "$ne_url" "$work/ne.txt" >/dev/null && break
  i=$((i + 1))
  [ $i -le 300 ] || die "the exporters do not answer: $(head -c 300 "$work/tcpdeck.err" "$work/ne.err")"
  sleep 0.1
done
td_pid=$td
ne_pid=$ne

# samples: tcpdeck's samples so far, from its log.
samples() {
  n=$(grep -c ' sample: ' "$work/td.log" 2>/dev/null)
  echo "${n:-0}"
}
# next_sample AFTER: waits (at most 60 s) for a sample after AFTER.
next_sample() {
  j=0
  while :; do
    s=$(samples)
    [ "$s" -gt "$1" ] && { echo "$s"; return 0; }
    j=$((j + 1))
    [ $j -le 1200 ] || die "tcpdeck took no sample after $1 in 60 s: $(head -c 300 "$work/tcpdeck.err")"
    sleep 0.05
  done
}

cw=$((SIZE / 20))
est=$(((SIZE - 2 * cw) / 2))
ip netns exec "$ns" timeout 400 "$SOCKGEN" --widen-ports --procs 20 --hold 360 \
  listen=4 established=$est close_wait=$cw >"$work/ready" 2>"$work/gen.err" &
gen_pid=$!
i=0
until grep -q '^ready ' "$work/ready"; do
  kill -0 "$gen_pid" 2>/dev/null || die "socket generator failed: $(head -n 1 "$work/gen.err")"
  i=$((i + 1))
  [ $i -le 1200 ] || die "socket generator not ready after 120 s"
  sleep 0.1
done
note "$(sed -n 's/^ready //p' "$work/ready")"

# The first sample after the generator's processes came walks them all
# (the first of all walked all of /proc): skipped.
s=$(samples)
s=$(next_sample $((s + 1)))
[ -n "$s" ] || exit 1
td_c0=$(cpu_ns "$td_pid")
td_m0=$(main_ns "$td_pid")
td_t0=$(ticks "$td_pid")
td_s0=$s
ne_t0=$(ticks "$ne_pid")
r=0
while [ $r -lt "$ROUNDS" ]; do
  s1=$(next_sample "$s")
  [ -n "$s1" ] || exit 1
  c=$(cpu_ns "$td_pid")
  m=$(main_ns "$td_pid")
  # Only whole samples one after the other count.
  if [ "$s1" -eq $((s + 1)) ]; then
    echo "$((c - td_c0))" >>"$work/td.cpu"
    echo "$((m - td_m0))" >>"$work/td.main"
  fi
  td_c0=$c
  td_m0=$m
  s=$s1
  # tcpdeck renders the sample just taken on its main thread.
  sleep 0.3
  a=$(cpu_ns "$ne_pid")
  get "$ne_url" "$work/ne.txt" >>"$work/ne.time"
  b=$(cpu_ns "$ne_pid")
  echo "$((b - a))" >>"$work/ne.cpu"
  r=$((r + 1))
done
td_ticks=$(( $(ticks "$td_pid") - td_t0 ))
td_n=$((s - td_s0))
ne_ticks=$(( $(ticks "$ne_pid") - ne_t0 ))
[ -s "$work/td.cpu" ] || die "no two samples one after the other"

td_ms=$(median "$work/td.cpu" | awk '{ printf "%.1f", $1 / 1e6 }')
main_ms=$(median "$work/td.main" | awk '{ printf "%.1f", $1 / 1e6 }')
ne_ms=$(median "$work/ne.cpu" | awk '{ printf "%.1f", $1 / 1e6 }')
hz=$(getconf CLK_TCK)
td_mean=$(awk -v t="$td_ticks" -v n="$td_n" -v hz="$hz" 'BEGIN { printf "%.1f", 1000 * t / hz / n }')
ne_mean=$(awk -v t="$ne_ticks" -v n="$ROUNDS" -v hz="$hz" 'BEGIN { printf "%.1f", 1000 * t / hz / n }')
get "$td_url" "$work/td.last" >/dev/null
td_socks=$(sockets "$work/td.last" tcpdeck_sockets)
ne_socks=$(sockets "$work/ne.txt" node_tcp_connection_states)
ip netns exec "$ns" curl -s -o "$work/text.txt" --max-time 10 "$td_url"
ip netns exec "$ns" curl -s -o "$work/om.txt" --max-time 10 \
  -H 'Accept: application/openmetrics-text; version=1.0.0' "$td_url"
text_b=$(wc -c <"$work/text.txt")
om_b=$(wc -c <"$work/om.txt")
# One connection kept alive, as Prometheus scrapes; then new ones.
urls=$(i=0; while [ $i -lt "$SCRAPES" ]; do echo "-o /dev/null $td_url"; i=$((i + 1)); done)
# shellcheck disable=SC2086
ip netns exec "$ns" curl -s -w '%{time_total}\n' --max-time 60 $urls >"$work/keep.time"
i=0
while [ $i -lt "$SCRAPES" ]; do
  get "$td_url" /dev/null >>"$work/new.time"
  i=$((i + 1))
done
keep_ms=$(median "$work/keep.time" | awk '{ printf "%.2f", $1 * 1000 }')
keep_max=$(sort -g "$work/keep.time" | tail -n 1 | awk '{ printf "%.2f", $1 * 1000 }')
new_ms=$(median "$work/new.time" | awk '{ printf "%.2f", $1 * 1000 }')
ne_scrape_ms=$(median "$work/ne.time" | awk '{ printf "%.1f", $1 * 1000 }')
# The dump alone, for scale: one batch sample without owners nor tcp_info
# (the states view), start-up included, median of 3.
for _ in 1 2 3; do
  ip netns exec "$ns" "$CPUTIME" "$TCPDECK" -b -n 1 --view states >/dev/null 2>"$work/err" </dev/null
  sed -n 's/.* cpu=\([0-9.]*\) .*/\1/p' "$work/err" >>"$work/states.cpu"
done
states_ms=$(median "$work/states.cpu" | awk '{ printf "%.1f", $1 * 1000 }')
[ -z "${LOG:-}" ] || cp "$work/td.log" "$LOG"

echo "kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "established hash: $(ip netns exec "$ns" sysctl -n net.ipv4.tcp_ehash_entries | tr -d -) buckets$([ "$EHASH" = 0 ] && echo ", the host's, shared")"
echo "sockets: tcpdeck saw $td_socks, node_exporter $ne_socks (last round)"
echo "tcpdeck, one sample (dump, owners, findings, both expositions): $td_ms ms cpu median of $(wc -l <"$work/td.cpu") (mean from ticks $td_mean ms over $td_n samples); of which the main thread (findings, expositions) $main_ms ms median"
echo "node_exporter tcpstat, one scrape: $ne_ms ms cpu median of $ROUNDS (mean from ticks $ne_mean ms); scrape $ne_scrape_ms ms wall median"
echo "ratio tcpdeck/node_exporter: $(ratio "$td_ms" "$ne_ms") (medians), $(ratio "$td_mean" "$ne_mean") (means)"
echo "for scale: tcpdeck -b -n 1 --view states (no owners, no tcp_info, start-up included): $states_ms ms cpu median of 3, $(ratio "$states_ms" "$ne_ms") of node_exporter's scrape"
echo "exposition: $text_b bytes text, $om_b bytes OpenMetrics"
echo "tcpdeck /metrics scrape, curl time_total: median $keep_ms ms (max $keep_max) over one kept-alive connection, median $new_ms ms on new connections, $SCRAPES each"
