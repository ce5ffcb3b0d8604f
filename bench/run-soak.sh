#!/bin/bash
# bench/run-soak.sh - hours of churn: the dashboard against a long, changing
# load, checked against ss every cycle.
#
# In a network namespace of its own (soak-PID, deleted at exit; root), two
# tcpdeck-test-churn clients make RATE short connections a second in all
# (each leaves a TIME_WAIT), and a tcpdeck-sockgen replaced every cycle
# holds an ESTABLISHED pool and CLOSE_WAIT/FIN_WAIT2, FIN_WAIT1 and
# LAST_ACK piles whose sizes change from cycle to cycle; the TIME_WAIT pile
# follows net.ipv4.tcp_max_tw_buckets, also changed every cycle.  The
# dashboard runs in a tmux pane (a private tmux server) at -d 0.5, recording
# every sample (-w) and logging (-v).
#
# Every CYCLE seconds the generators are stopped (SIGSTOP), and
# `tcpdeck -b -n 1 -o json` is compared with `ss -tan` state by state,
# exactly: a comparison counts only when ss saw the same counts just before
# and just after tcpdeck (TIME_WAIT expires in bursts even while the load
# is stopped); the dashboard's samples taken in that window must show the
# same counts when the recording is replayed at the end.  Every 10 s the
# dashboard's VmRSS and VmHWM go to mem.csv.
#
# At the end it checks and reports: every comparison exact; VmRSS in the
# last 5 minutes within 5% of the sample at minute 5 (runs of at least 10
# minutes); the replayed recording equal to ss at every comparison; the
# samples missed (gaps in the recording's timestamps beyond 1.5 intervals)
# and those the dashboard logged as overwritten before shown, reported;
# the connections a second reached (the namespace's TCP ActiveOpens over
# the time the load ran).  Exit 0 when every check passed, 1 otherwise.
#
#   bench/run-soak.sh [BUILDDIR]          (default .; needs make check's
#                                          tests/tcpdeck-test-churn and
#                                          bench/tcpdeck-sockgen)
# Environment: DURATION seconds (default 1800), RATE connections a second
# (default 5000), CYCLE seconds (default 60), OUT directory for the results
# (default soak-out in the current directory: soak.tdr, tcpdeck.log,
# mem.csv, compare.csv, summary.txt), WRAP a command put before the
# dashboard (such as valgrind with its options), SCALE the held sockets and
# the TIME_WAIT cap in percent of the phases below (default 100), OWNERS=host
# to let tcpdeck walk the whole machine's /proc for owners, MIX=steady to
# keep the total number of sockets about the same in every phase.
ME=run-soak
. "$(dirname "$0")/lib.sh"
build=$(cd "${1:-.}" && pwd) || die "no build directory ${1:-.}"
DURATION=${DURATION:-1800}
RATE=${RATE:-5000}
CYCLE=${CYCLE:-60}
OUT=${OUT:-soak-out}
WRAP=${WRAP:-}
SCALE=${SCALE:-100}
case ${MIX:-phases} in phases | steady) ;; *) die "MIX must be phases or steady" ;; esac
tcpdeck=$build/tcpdeck
churn=$build/tests/tcpdeck-test-churn
sockgen=$build/bench/tcpdeck-sockgen
[ "$(id -u)" = 0 ] || die "must run as root (it creates a network namespace)"
for tool in "$tcpdeck" "$churn" "$sockgen"; do
  [ -x "$tool" ] || die "$tool is not built (make and make check build it)"
done
for tool in ss tmux ip; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
[ "$DURATION" -ge 120 ] 2>/dev/null || die "DURATION must be at least 120 seconds"
[ "$RATE" -ge 2 ] 2>/dev/null || die "RATE must be at least 2"
[ "$CYCLE" -ge 20 ] 2>/dev/null || die "CYCLE must be at least 20 seconds"
[ "$SCALE" -ge 1 ] 2>/dev/null && [ "$SCALE" -le 1000 ] || die "SCALE must be 1 to 1000 (percent)"
mkdir -p "$OUT" || die "cannot make $OUT"
OUT=$(cd "$OUT" && pwd)
rm -f "$OUT"/soak.tdr "$OUT"/tcpdeck.log "$OUT"/mem.csv "$OUT"/compare.csv \
  "$OUT"/summary.txt "$OUT"/replay.json "$OUT"/sockgen.*

ns=soak-$$
work=$(mktemp -d /tmp/soak-run.XXXXXX)
tmux_pid="" dash_pid="" mem_pid="" churn_groups="" gen_group="" old_group=""

# stop_group PGID: ends a generator's process group (continued first, in
# case it was stopped) and waits for its leader.
stop_group() {
  [ -n "$1" ] || return 0
  kill -CONT -- "-$1" 2>/dev/null
  kill -TERM -- "-$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

cleanup() {
  local g
  for g in $churn_groups $gen_group $old_group; do stop_group "$g"; done
  [ -n "$mem_pid" ] && kill "$mem_pid" 2>/dev/null
  if [ -n "$dash_pid" ] && kill -0 "$dash_pid" 2>/dev/null; then
    kill -TERM "$dash_pid" 2>/dev/null
    sleep 1
    kill -KILL "$dash_pid" 2>/dev/null
  fi
  [ -n "$tmux_pid" ] && kill "$tmux_pid" 2>/dev/null
  wait 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$ns" || die "cannot add namespace $ns"
inns() { ip netns exec "$ns" "$@"; }
# tcpdeck runs with a /proc of its own (a PID namespace): the processes
# of the rest of this shared machine, with their million fds, are not
# walked for owners every sample (bench/run-owners.sh measures that).
private="unshare --pid --fork --mount-proc"
[ "${OWNERS:-}" = host ] && private=""
inns ip link set lo up
inns sysctl -qw net.ipv4.tcp_max_tw_buckets=20000 >/dev/null

STATES="LISTEN SYN_SENT SYN_RECV ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE_WAIT CLOSING LAST_ACK TIME_WAIT CLOSE"

# ss_line: the namespace's counts per state as "LISTEN=n SYN_SENT=n ...".
ss_line() {
  inns ss -tanH state all | awk -v states="$STATES" '
    BEGIN { split("ESTAB ESTABLISHED SYN-SENT SYN_SENT SYN-RECV SYN_RECV FIN-WAIT-1 FIN_WAIT1 " \
                  "FIN-WAIT-2 FIN_WAIT2 CLOSE-WAIT CLOSE_WAIT CLOSING CLOSING LAST-ACK LAST_ACK " \
                  "LISTEN LISTEN TIME-WAIT TIME_WAIT UNCONN CLOSE", m, " ")
            for (i = 1; i < 22; i += 2) name[m[i]] = m[i + 1] }
    { c[name[$1]]++ }
    END { n = split(states, s, " ")
          for (i = 1; i <= n; i++) printf "%s%s=%d", (i > 1 ? " " : ""), s[i], c[s[i]] }'
}

# json_line: the same from tcpdeck's JSON sample lines on standard input,
# one output line per sample, "TIME LISTEN=n ...".
json_line() {
  awk -v states="$STATES" '
    { t = $0; sub(/.*"time": "/, "", t); sub(/".*/, "", t)
      out = t; n = split(states, s, " ")
      for (i = 1; i <= n; i++) {
        v = $0
        if (!sub(".*\"" s[i] "\": ", "", v)) v = "?"
        sub(/[^0-9].*/, "", v)
        out = out (i > 1 ? " " : " ") s[i] "=" v
      }
      print out }'
}

now_iso() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

# Phases of the held sockets and of the TIME_WAIT cap, one per cycle.  The
# largest comes first and all have run by minute 5, the reference of the
# memory check.
#
# MIX=steady changes the mix of states as much but keeps the total near
# 50,000 sockets (ESTABLISHED pairs make up the difference), so memory can
# be held to the 5% rule: with the default mix the total swings from 13,000
# to 58,000 sockets and the working set with it.
if [ "${MIX:-phases}" = steady ]; then
  phase_tw=(30000 10000 20000 5000 25000)
  phase_est=(8800 16800 14800 18500 11900)
else
  phase_tw=(40000 10000 25000 5000 30000)
  phase_est=(8000 2000 5000 0 4000)
fi
phase_cw=(1000 3000 0 4000 500)
phase_fw1=(100 0 200 0 50)
phase_la=(100 200 0 0 50)

# start_phase I: sets the TIME_WAIT cap and replaces the held sockets by
# phase I's mix; the new generator is ready before the old one ends.
start_phase() {
  local i=$(($1 % ${#phase_tw[@]})) args="" file="$OUT/sockgen.$1" kind n
  inns sysctl -qw net.ipv4.tcp_max_tw_buckets=$((phase_tw[i] * SCALE / 100)) >/dev/null
  for kind in established:phase_est close_wait:phase_cw fin_wait1:phase_fw1 last_ack:phase_la; do
    declare -n sizes=${kind#*:}
    n=$((sizes[i] * SCALE / 100))
    [ "$n" -gt 0 ] && args="$args ${kind%:*}=$n"
    unset -n sizes
  done
  old_group=$gen_group
  gen_group=""
  if [ -n "$args" ]; then
    # shellcheck disable=SC2086
    setsid ip netns exec "$ns" timeout --foreground $((DURATION + 600)) \
      "$sockgen" --hold 3600 --port $((20000 + (${1} % 2) * 5000)) $args >"$file" 2>&1 &
    gen_group=$!
    for _ in $(seq 1 600); do
      grep -q '^ready' "$file" 2>/dev/null && break
      kill -0 "$gen_group" 2>/dev/null || break
      sleep 0.1
    done
    grep -q '^ready' "$file" || note "phase $1: generator not ready: $(head -c 300 "$file")"
  fi
  stop_group "$old_group"
  old_group=""
  note "phase $1: tw cap $((phase_tw[i] * SCALE / 100)),$args"
}

# The churn: two clients, each half the rate, in chunks of 10 s.
start_churn() {
  local port=$1 rate=$2 end=$3
  setsid ip netns exec "$ns" bash -c '
    while [ "$(date +%s)" -lt '"$end"' ]; do
      timeout --foreground 600 '"$churn"' seq 4 '"$port"' '"$((rate * 10))"' 0 '"$rate"' >/dev/null ||
        sleep 0.2
    done' &
  churn_groups="$churn_groups $!"
}

pause_load() {
  local g
  for g in $churn_groups $gen_group; do kill -STOP -- "-$g" 2>/dev/null; done
}
resume_load() {
  local g
  for g in $churn_groups $gen_group; do kill -CONT -- "-$g" 2>/dev/null; done
}

snmp_opens() {
  inns awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) k[i] = $i; h = 1 }
                     else for (i = 1; i <= NF; i++) if (k[i] == "ActiveOpens") print $i }' \
    /proc/net/snmp
}

# The dashboard, in a private tmux server.
export TMUX_TMPDIR=$work
session=soak-$$
: >"$OUT/tcpdeck.log"
tmux -f /dev/null new-session -d -s "$session" -x 200 -y 50 \
  "timeout $((DURATION + 900)) ip netns exec $ns $private $WRAP $tcpdeck -d 0.5 -w $OUT/soak.tdr -v $OUT/tcpdeck.log" ||
  die "cannot start tmux"
tmux_pid=$(tmux display-message -p -t "$session" '#{pid}')
pane_pid=$(tmux display-message -p -t "$session" '#{pane_pid}')
# The dashboard is the pane's descendant (under timeout, ip, unshare and
# any WRAP) named tcpdeck, or valgrind's tool running it (memcheck-...);
# the deepest such, since a WRAP like heaptrack starts helpers of its own.
for _ in $(seq 1 100); do
  dash_pid=$(ps -eo pid=,ppid=,comm= | awk -v root="$pane_pid" '
    { parent[$1] = $2; name[$1] = $3 }
    END { for (p in parent) { if (name[p] !~ /^(tcpdeck|memcheck)/) continue
            d = 0; q = p
            while (q in parent && q != root && d < 10) { q = parent[q]; d++ }
            if (q == root && d > best) { best = d; pick = p } }
          print pick }')
  [ -n "$dash_pid" ] && break
  sleep 0.1
done
[ -n "$dash_pid" ] || die "the dashboard did not start"
note "dashboard: pid $dash_pid ($(cat "/proc/$dash_pid/comm"))"
for _ in $(seq 1 300); do [ -s "$OUT/soak.tdr" ] && break; sleep 0.1; done
[ -s "$OUT/soak.tdr" ] || die "the dashboard records nothing"

start=$(date +%s)
end=$((start + DURATION))
opens0=$(snmp_opens)
paused=0

# Memory, every 10 s.
(
  echo "seconds,vmrss_kb,vmhwm_kb"
  while [ "$(date +%s)" -lt "$end" ] && kill -0 "$dash_pid" 2>/dev/null; do
    awk -v t=$(($(date +%s) - start)) '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 }
      END { printf "%d,%d,%d\n", t, r, h }' "/proc/$dash_pid/status"
    sleep 10
  done
) >"$OUT/mem.csv" &
mem_pid=$!

start_phase 0
start_churn 9401 $((RATE / 2)) "$end"
start_churn 9402 $((RATE - RATE / 2)) "$end"

echo "cycle,seconds,window_from,window_to,attempts,result,ss,tcpdeck,active_opens" >"$OUT/compare.csv"
cycle=1 failures=0
while :; do
  at=$((start + cycle * CYCLE))
  [ "$at" -lt "$end" ] || break
  while [ "$(date +%s)" -lt "$at" ]; do sleep 1; done
  kill -0 "$dash_pid" 2>/dev/null || { note "the dashboard ended early"; failures=$((failures + 1)); break; }
  p0=$(date +%s.%N)
  pause_load
  sleep 1
  result=unstable attempts=0
  for attempts in $(seq 1 20); do
    from=$(now_iso)
    before=$(ss_line)
    sleep 0.6
    got=$(inns $private "$tcpdeck" -b -n 1 -o json 2>/dev/null | json_line | cut -d' ' -f2-)
    to=$(now_iso)
    to_epoch=$(date +%s.%N)
    after=$(ss_line)
    if [ "$before" = "$after" ]; then
      [ "$got" = "$before" ] && result=exact || result=MISMATCH
      break
    fi
    sleep 0.3
  done
  # The load stays stopped until the dashboard has started a sample after
  # the window, so each of its samples that began inside it saw the same
  # sockets to the end.
  if [ "$result" = exact ]; then
    for _ in $(seq 1 300); do
      tail -n 40 "$OUT/tcpdeck.log" | awk -v t="$to_epoch" '$2 == "sample:" {
        for (i = 3; i < NF; i++) if ($i == "in") { if ($1 - $(i + 1) / 1000 >= t) f = 1; break } }
        END { exit !f }' && break
      sleep 0.1
    done
  fi
  [ "$result" = exact ] || failures=$((failures + 1))
  echo "$cycle,$(($(date +%s) - start)),$from,$to,$attempts,$result,$before,$got,$(snmp_opens)" \
    >>"$OUT/compare.csv"
  note "cycle $cycle: $result after $attempts attempt(s): $before"
  [ "$result" = MISMATCH ] && note "  tcpdeck: $got"
  resume_load
  paused=$(awk -v a="$p0" -v b="$(date +%s.%N)" -v p="$paused" 'BEGIN { print p + b - a }')
  start_phase "$cycle"
  cycle=$((cycle + 1))
done
while [ "$(date +%s)" -lt "$end" ]; do sleep 1; done
opens1=$(snmp_opens)
for g in $churn_groups $gen_group; do stop_group "$g"; done
churn_groups="" gen_group=""
wait "$mem_pid" 2>/dev/null
mem_pid=""

# The dashboard quits (q) so that the recording is complete.
tmux send-keys -t "$session" q 2>/dev/null
for _ in $(seq 1 600); do kill -0 "$dash_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$dash_pid" 2>/dev/null; then
  note "the dashboard did not quit on q"
  failures=$((failures + 1))
fi
kill "$tmux_pid" 2>/dev/null
tmux_pid=""

{
  load_s=$(awk -v d="$DURATION" -v p="$paused" 'BEGIN { printf "%.0f", d - p }')
  echo "duration: $DURATION s, of which the load ran $load_s s; asked $RATE connections/s"
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "connections opened: $((opens1 - opens0)) ($(awk -v n=$((opens1 - opens0)) -v s="$load_s" \
    'BEGIN { printf "%.0f", n / s }')/s while the load ran)"
  exact=$(grep -c ',exact,' "$OUT/compare.csv")
  echo "comparisons with ss: $((cycle - 1)), exact: $exact"

  # Replay: every sample's counts; those inside a comparison's window
  # must equal ss's.
  timeout 1200 "$tcpdeck" -b -r "$OUT/soak.tdr" -o json 2>"$work/replay.err" | json_line \
    >"$OUT/replay.txt"
  samples=$(wc -l <"$OUT/replay.txt")
  replay_err=$(head -c 200 "$work/replay.err")
  echo "samples recorded: $samples${replay_err:+ (the replay said: $replay_err)}"
  awk -F, 'NR > 1 && $6 == "exact" { print $3, $4, $7 }' "$OUT/compare.csv" >"$work/windows"
  replay_bad=0 replay_checked=0
  while read -r from to counts; do
    n=$(awk -v f="$from" -v t="$to" '$1 >= f && $1 <= t' "$OUT/replay.txt" | wc -l)
    bad=$(awk -v f="$from" -v t="$to" -v want="$counts" '$1 >= f && $1 <= t {
      $1 = ""; sub(/^ /, ""); if ($0 != want) b++ } END { print b + 0 }' "$OUT/replay.txt")
    replay_checked=$((replay_checked + n))
    replay_bad=$((replay_bad + bad))
  done <"$work/windows"
  echo "replayed samples inside comparison windows: $replay_checked, different from ss: $replay_bad"
  [ "$replay_checked" -gt 0 ] && [ "$replay_bad" = 0 ] || echo "FAIL: replay"

  # Missed samples: gaps in the recorded times beyond 1.5 intervals.
  cut -d' ' -f1 "$OUT/replay.txt" | awk -F'[T:Z]' '
    { s = $2 * 3600 + $3 * 60 + $4
      if (NR > 1) { g = s - p; if (g < 0) g += 86400
                    if (g > 0.75) { missed += int(g / 0.5 + 0.5) - 1; gaps++ }
                    if (g > maxg) maxg = g }
      p = s }
    END { printf "samples missed (recording gaps): %d in %d gaps, longest gap %.2f s\n",
          missed, gaps, maxg }'
  echo "samples overwritten before shown (dashboard log): $(awk '/sample\(s\) overwritten/ {
    for (i = 1; i <= NF; i++) if ($i ~ /^sample\(s\)$/) n += $(i - 1) } END { print n + 0 }' \
    "$OUT/tcpdeck.log")"
  awk '/sample: [0-9]+ sockets in/ { for (i = 1; i <= NF; i++) if ($i == "in") { d = $(i + 1); break }
         n++; s += d; if (d > m) m = d; if ($2 + 0 > k) k = $2 + 0 }
       END { if (n) printf "dashboard dumps: %d, mean %.1f ms, longest %.1f ms\n", n, s / n, m }' \
    "$OUT/tcpdeck.log"
  grep -o 'sample: [0-9]* sockets' "$OUT/tcpdeck.log" | awk '{ if ($2 > m) m = $2 } END {
    print "most sockets in one sample: " m + 0 }'

  # Memory: minute 5 against the last 5 minutes.
  awk -F, -v d="$DURATION" 'NR > 1 {
      if (m5 == "" && $1 >= 300) m5 = $2
      if ($1 >= d - 300) { if (lo == "" || $2 < lo) lo = $2; if ($2 > hi) hi = $2 }
      hwm = $3 }
    END { printf "VmRSS at minute 5: %s kB; last 5 minutes: %s to %s kB; VmHWM at the end: %s kB\n",
            m5, lo, hi, hwm
          if (d < 600 || m5 == "") { print "memory check: not made (run shorter than 10 minutes)"; exit }
          if (lo < m5 * 0.95 || hi > m5 * 1.05) print "FAIL: memory outside 5% of minute 5"
          else printf "memory check: within %.1f%% of minute 5\n",
            100 * ((hi - m5 > m5 - lo) ? (hi - m5) / m5 : (m5 - lo) / m5) }' "$OUT/mem.csv"
  # The curve: VmRSS's low and high in each minute.
  awk -F, 'NR > 1 { m = int($1 / 60); if (!(m in lo) || $2 < lo[m]) lo[m] = $2
      if ($2 > hi[m]) hi[m] = $2; if (m > last) last = m }
    END { printf "VmRSS per minute, low/high kB:"
          for (m = 0; m <= last; m++) if (m in lo) printf " %d:%d/%d", m, lo[m], hi[m]
          printf "\n" }' "$OUT/mem.csv"
  # The working set follows the phase: also the peak of minutes 1 to 5
  # (every phase ran) against the peak of the last 5 minutes.
  awk -F, -v d="$DURATION" 'NR > 1 {
      if ($1 >= 60 && $1 < 300 && $2 > a) a = $2
      if ($1 >= d - 300 && $2 > b) b = $2 }
    END { if (d >= 600 && a > 0) printf "peak VmRSS, minutes 1-5: %d kB; last 5 minutes: %d kB (%+.1f%%)\n",
            a, b, 100 * (b - a) / a }' "$OUT/mem.csv"
} | tee "$OUT/summary.txt"
grep -q '^FAIL' "$OUT/summary.txt" && failures=$((failures + 1))
[ "$failures" = 0 ] || { note "$failures check(s) failed; see $OUT"; exit 1; }
note "all checks passed; results in $OUT"
