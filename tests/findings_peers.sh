#!/bin/bash
# findings_peers.sh - the findings about the other end, against real
# sockets in a network namespace of its own, with ss (and the kernel's
# counters) as ground truth.  Each finding must name the culprit within 3
# samples (0.2 s apart) of the pattern being in place.
#
#   dead peers    clients (from 127.0.0.2) made to vanish with nftables
#                 (every packet from or to them dropped, then killed): the
#                 server writing to them sends into the void; clients of a
#                 silent server (from 127.0.0.3) vanish too, and only the
#                 one without keepalive is named;
#   restart       a server that closes first leaves TIME_WAIT on its port:
#                 a note (never in the dashboard's banner); once it stops,
#                 the note stays in the tcpdeck that saw it listen, saying
#                 it is gone, with as many TIME_WAIT as ss, and bind()
#                 without SO_REUSEADDR fails with EADDRINUSE and with it
#                 succeeds; restarted, it is named again;
#   resets        a server closing 30 connections with SO_LINGER 0; a
#                 client whose attempts to a closed port are refused (its
#                 first SYNs dropped, so each attempt lives a second in
#                 SYN_SENT, as over a lossy path, and can be seen).
#
# None of these fires in a quiet namespace nor during a clean load test
# (tcpdeck-stress with leaks off, tcpdeck in its namespace), nor do the
# findings read from closes (early_close, closes_lost); the load's
# clients open a connection per request, so conn_per_request may name
# its port.  Thresholds
# for the dead peers come from a config file (seconds, not minutes).
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
# The helper is built next to tcpdeck, under tests/.
PEERS=${PEERS:-$(dirname "$TCPDECK")/tests/tcpdeck-test-peers}
[ -x "$PEERS" ] || hard_error "$PEERS is not built"
command -v nft >/dev/null ||
  skip_test "nft is not installed (apt-get install nftables, or tools/install-deps)"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

work=$(mktemp -d)
helpers=()
cleanup() {
  local p
  tm kill-server 2>/dev/null
  for p in "${helpers[@]}"; do kill_ours "$p"; done
  wait 2>/dev/null
  rm -rf "$work" "${TMUX_TMPDIR:-}"
}
tmux_dashboard_setup tcpdeck-peers
trap cleanup EXIT
export XDG_CONFIG_HOME="$work" # no config file of the user running the tests
printf 'dead_peer.min = 3\ndead_peer.retrans_s = 1\ndead_peer.idle_s = 2\n' >"$work/small.conf"

# helper NAME ARGS...: runs the helper in the background (pid in $NAME_PID
# via the named variable, output in $work/NAME.out), waits for its first
# line.
helper() {
  local name=$1 pid
  shift
  "$PEERS" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pid=$!
  helpers+=("$pid")
  printf -v "${name}_pid" '%s' "$pid"
  for _ in $(seq 1 100); do
    [ -s "$work/$name.out" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  hard_error "$name ($*) did not start: $(cat "$work/$name.err")"
}
# wait_line NAME REGEX: (bounded, 30 s) until the helper's output has it.
wait_line() {
  for _ in $(seq 1 300); do
    grep -Eq "$2" "$work/$1.out" && return 0
    sleep 0.1
  done
  hard_error "$1 never said '$2': $(cat "$work/$1.out" "$work/$1.err")"
}
# findings N ARGS...: N samples of the diagnoses view as JSON, 0.2 s apart.
findings() {
  local n=$1
  shift
  timeout 60 "$TCPDECK" -b -n "$n" -d 0.2 --view diagnoses -o json "$@"
}
# The epoch seconds of a JSON sample line.
sample_time() {
  date -d "$(grep -o '"time": "[^"]*"' <<<"$1" | cut -d'"' -f4)" +%s.%N
}
# ss with each socket's tcp_info joined to its line.
ss_info() {
  ss -tnoiH "$@" | awk '/^[^ \t]/ { if (l != "") print l; l = $0; next }
    { l = l " " $0 } END { if (l != "") print l }'
}
# The EstabResets counter of this namespace.
estab_resets() {
  awk '/^Tcp:/ { if (!named) { for (i = 1; i <= NF; i++) name[i] = $i; named = 1; next }
    for (i = 1; i <= NF; i++) if (name[i] == "EstabResets") print $i }' /proc/net/snmp
}
ids_of() { grep -o '"id": "[a-z_0-9]*"' <<<"$1" | cut -d'"' -f4 | sort -u | tr '\n' ' '; }
mine() { grep -Eo '"id": "(dead_peer|time_wait_restart|resets)"' <<<"$1" | sort -u | tr '\n' ' '; }
# drop_peer TABLE ADDR: every packet from or to ADDR is lost (on input, so
# what the server sends has left it and waits for an acknowledgment).
drop_peer() {
  nft -f - <<EOF || hard_error "nft could not make $2 vanish"
table ip $1 {
  chain in {
    type filter hook input priority 0;
    ip saddr $2 drop
    ip daddr $2 drop
  }
}
EOF
}

# --- a quiet namespace -------------------------------------------------------
out=$(findings 3 --config "$work/small.conf") || fail "tcpdeck failed in a quiet namespace"
[ "$(grep -c '"findings": \[\]}$' <<<"$out")" -eq 3 ] &&
  pass "quiet namespace: 3 samples, no findings, small thresholds" ||
  fail "quiet namespace gave:"$'\n'"$out"

# --- dead peers: sending into the void ---------------------------------------
helper void serve 127.0.0.1 8400 send
helper gone connect 127.0.0.2 127.0.0.1 8400 5
out=$(findings 3 --config "$work/small.conf") || fail "tcpdeck failed (alive clients)"
[ -z "$(mine "$out")" ] && pass "5 clients alive (data acknowledged): no dead_peer" ||
  fail "alive clients named: $out"
drop_peer peers_void 127.0.0.2
{ kill -9 "$gone_pid" && wait "$gone_pid"; } 2>/dev/null
# Ground truth: the server's 5 connections retransmit unanswered (3 times
# or more) with nothing received for a second or more.
void_n=0
for _ in $(seq 1 100); do
  void_n=$(ss_info state established sport = :8400 |
    grep -Ec 'timer:\(on,[^)]*,([3-9]|[1-9][0-9])\).* lastrcv:([1-9][0-9]{3,})')
  [ "$void_n" -eq 5 ] && break
  sleep 0.1
done
[ "$void_n" -eq 5 ] || hard_error "ss never showed 5 connections sending into the void: $(ss -tnoi)"
out=$(findings 3 --config "$work/small.conf") || fail "tcpdeck failed (sending into the void)"
first=$(grep -n '"key": "dead_peer/port:8400"' <<<"$out" | head -n 1 | cut -d: -f1)
last=$(tail -n 1 <<<"$out")
if [ -n "$first" ] && grep -q '"key": "dead_peer/port:8400"' <<<"$last" &&
  grep -q "\"title\": \"5 connections on port 8400 of tcpdeck-test-pe (pid $void_pid) send into the void" <<<"$last" &&
  grep -q "\"pid\": $void_pid, \"process\": \"tcpdeck-test-pe\", \"port\": 8400" <<<"$last"; then
  pass "dead_peer names port 8400 and pid $void_pid, 5 sending into the void as ss (sample $first)"
else
  fail "sending into the void: $out"
fi
grep -q 'TCP_USER_TIMEOUT' <<<"$last" || fail "no TCP_USER_TIMEOUT advice: $last"
# With the production defaults (minutes), seconds of silence are nothing.
out=$(findings 2) || fail "tcpdeck failed with the defaults"
[ -z "$(mine "$out")" ] && pass "default thresholds: quiet after seconds" ||
  fail "defaults named seconds-old dead peers: $out"

# --- dead peers: silent, with and without keepalive ---------------------------
helper mute serve 127.0.0.1 8401 silent
helper kept serve 127.0.0.1 8402 keepalive
helper mute_clients connect 127.0.0.3 127.0.0.1 8401 4
helper kept_clients connect 127.0.0.3 127.0.0.1 8402 4
drop_peer peers_silent 127.0.0.3
{ kill -9 "$mute_clients_pid" "$kept_clients_pid" && wait "$mute_clients_pid" "$kept_clients_pid"; } 2>/dev/null
# Ground truth: 4 on each port, nothing either way for 2 s; a keepalive
# timer on 8402 only.
for _ in $(seq 1 100); do
  mute_n=$(ss_info state established sport = :8401 | grep -Evc 'timer:')
  old=$(ss_info state established '( sport = :8401 or sport = :8402 )' |
    grep -Ec 'lastsnd:[2-9][0-9]{3,}.*lastrcv:[2-9][0-9]{3,}|lastrcv:[2-9][0-9]{3,}.*lastsnd:[2-9][0-9]{3,}')
  [ "$old" -eq 8 ] && break
  sleep 0.1
done
kept_n=$(ss -tnoH state established sport = :8402 | grep -c 'timer:(keepalive')
[ "$old" -eq 8 ] && [ "$mute_n" -eq 4 ] && [ "$kept_n" -eq 4 ] ||
  hard_error "ss: $old silent, $mute_n without a timer, $kept_n with keepalive: $(ss -tnoi)"
out=$(findings 3 --config "$work/small.conf") || fail "tcpdeck failed (silent peers)"
last=$(tail -n 1 <<<"$out")
if grep -q '"key": "dead_peer/port:8401"' <<<"$last" &&
  grep -q "\"title\": \"4 connections on port 8401 of tcpdeck-test-pe (pid $mute_pid) have been silent for 2 s or more with no keepalive" <<<"$last" &&
  ! grep -q 'dead_peer/port:8402' <<<"$out"; then
  pass "silent without keepalive: port 8401 named, port 8402 (keepalive armed) not"
else
  fail "silent peers: $out"
fi
grep -q 'SO_KEEPALIVE' <<<"$last" && grep -q 'idle timeout' <<<"$last" ||
  fail "no keepalive or idle timeout advice: $last"
kill "$void_pid" "$mute_pid" "$kept_pid" 2>/dev/null

# --- a restart that TIME_WAIT would block --------------------------------------
helper closer serve 127.0.0.1 8410 close
helper clients churn 127.0.0.1 8410 5
wait_line clients '^done 5'
tw=$(ss -tanH state time-wait sport = :8410 | wc -l)
[ "$tw" -eq 5 ] || hard_error "ss shows $tw TIME_WAIT on port 8410, not 5"
out=$(findings 3) || fail "tcpdeck failed (TIME_WAIT on a listening port)"
last=$(tail -n 1 <<<"$out")
if grep -q '"id": "time_wait_restart", "key": "time_wait_restart/port:8410", "severity": "info"' <<<"$last" &&
  grep -q "\"title\": \"A restart of the server on port 8410 (tcpdeck-test-pe (pid $closer_pid)) without SO_REUSEADDR would fail to bind for [0-9]* s: 5 connections it closed first are in TIME_WAIT" <<<"$last" &&
  [ "$(ids_of "$out")" = "time_wait_restart " ]; then
  pass "time_wait_restart: a note naming port 8410 and pid $closer_pid, 5 as ss"
else
  fail "TIME_WAIT on a listening port: $out"
fi
text=$(timeout 30 "$TCPDECK" -b -n 1 --view diagnoses) || fail "text output failed"
grep -q "^[0-9T:.Z-]* info time_wait_restart: A restart of the server on port 8410" <<<"$text" &&
  pass "text: an info line" || fail "text: $text"
csv=$(timeout 30 "$TCPDECK" -b -n 1 --view diagnoses -o csv) || fail "CSV output failed"
grep -q "^[0-9T:.Z-]*,info,time_wait_restart,time_wait_restart/port:8410,port 8410,$closer_pid," <<<"$csv" &&
  pass "CSV: an info row" || fail "CSV: $csv"

# The dashboard: the note in view 4, never in the banner.
tm new-session -d -s tui -x 120 -y 30 \
  "env LANG=C.UTF-8 TERM=screen $TCPDECK -d 0.2; echo tcpdeck exited \$?; sleep 30"
wait_screen '^ESTABLISHED' || hard_error "dashboard did not start: $(screen)"
sleep 1
screen | grep -q '^ ! ' && fail "a note in the banner: $(screen | head -4)" ||
  pass "dashboard: no banner for a note"
tm send-keys -t tui 4
wait_screen '^info +A restart of the server on port 8410' &&
  pass "dashboard: view 4 lists it as info" || fail "view 4: $(screen | head -8)"
tm send-keys -t tui q
wait_screen '^tcpdeck exited 0' || fail "the dashboard did not quit: $(screen | tail -3)"

# The server stops: that is when a restart fails, and the note stays
# (tcpdeck remembers the port that listened), saying the server is gone.
# Fresh TIME_WAIT first: on a loaded machine the ones above may be near
# their end by now.
# Started here, not through findings(): $! must be the process to stop.
timeout 60 "$TCPDECK" -b -n 150 -d 0.2 --view diagnoses -o json >"$work/gone.json" \
  2>"$work/gone.err" &
gone_tcpdeck=$!
helpers+=("$gone_tcpdeck")
helper clients churn 127.0.0.1 8410 5
wait_line clients '^done 5'
for _ in $(seq 1 300); do
  grep -q '"key": "time_wait_restart/port:8410"' "$work/gone.json" && break
  sleep 0.1
done
grep -q '"key": "time_wait_restart/port:8410"' "$work/gone.json" ||
  hard_error "tcpdeck never named port 8410: $(cat "$work/gone.json" "$work/gone.err")"
kill "$closer_pid"
wait "$closer_pid" 2>/dev/null
[ -z "$(ss -tlnH 'sport = :8410')" ] || hard_error "something still listens on 8410"
gone_re="\"title\": \"The server on port 8410 \\(tcpdeck-test-pe \\(pid $closer_pid\\)\\) is gone, and a restart without SO_REUSEADDR fails to bind for [0-9]+ s: ([0-9]+) connections it closed first are in TIME_WAIT\""
for _ in $(seq 1 300); do
  grep -Eq "$gone_re" "$work/gone.json" && break
  sleep 0.1
done
# ss before and after: the older TIME_WAIT may expire in between.
tw=$(ss -tanH state time-wait sport = :8410 | wc -l)
line=$(grep -E "$gone_re" "$work/gone.json" | tail -n 1)
tw_after=$(ss -tanH state time-wait sport = :8410 | wc -l)
said=$(grep -Eo 'bind for [0-9]+ s: [0-9]+ connections' <<<"$line" | awk '{ print $5 }')
if [ -n "$line" ] && grep -q '"key": "time_wait_restart/port:8410", "severity": "info"' <<<"$line" &&
  grep -q '"subject": "port 8410"' <<<"$line" && [ "$tw_after" -ge 5 ] &&
  { [ "$said" = "$tw" ] || [ "$said" = "$tw_after" ]; }; then
  pass "time_wait_restart: after the server stopped, the note stays: port 8410 and pid $closer_pid gone, $said in TIME_WAIT as ss"
else
  fail "no note after the server stopped (ss: $tw in TIME_WAIT, the note: '${said:-}'): $(tail -n 2 "$work/gone.json")"
fi
# The finding is right: stopped, the port cannot be bound without
# SO_REUSEADDR while TIME_WAIT lasts (while the note is there), and can
# with it.
"$PEERS" bind 127.0.0.1 8410 >"$work/bind.out" 2>&1
status=$?
[ "$status" -eq 3 ] && grep -q '^EADDRINUSE$' "$work/bind.out" &&
  pass "bind() without SO_REUSEADDR: EADDRINUSE" || fail "bind: status $status, $(cat "$work/bind.out")"
kill_ours "$gone_tcpdeck"
wait "$gone_tcpdeck" 2>/dev/null
"$PEERS" bind 127.0.0.1 8410 reuseaddr >"$work/bind.out" 2>&1
status=$?
[ "$status" -eq 0 ] && grep -q '^bound$' "$work/bind.out" &&
  pass "bind() with SO_REUSEADDR: bound" || fail "bind reuseaddr: status $status, $(cat "$work/bind.out")"
helper closer serve 127.0.0.1 8410 close
out=$(findings 2) || fail "tcpdeck failed (restarted server)"
grep -q "\"title\": \"A restart of the server on port 8410 (tcpdeck-test-pe (pid $closer_pid))" <<<"$(tail -n 1 <<<"$out")" &&
  pass "restarted with SO_REUSEADDR over TIME_WAIT: the note names pid $closer_pid" ||
  fail "restarted: $out"
kill_ours "$closer_pid"

# What a failed check saw, for its log: per sample of a recording, the
# reset counters and the resets finding.
replay_counters() {
  echo "replayed from the recording:"
  timeout 30 "$TCPDECK" -r "$1" -b --view counters -o csv |
    grep -E '^time|OutRsts|EstabResets|AttemptFails|ActiveOpens|AbortOnTimeout' | head -n 150
  timeout 30 "$TCPDECK" -r "$1" -b --view diagnoses -o text | grep -E ' resets: ' | head -n 20
}
# first_within OUT T REGEX: the number (1 to 3) of the first sample taken
# after the wall-clock time T whose line matches REGEX; fails when none
# of the 3 does.
first_within() {
  local n=0 line
  while read -r line; do
    awk -v a="$(sample_time "$line")" -v b="$2" 'BEGIN { exit !(a > b) }' || continue
    n=$((n + 1))
    grep -Eq "$3" <<<"$line" && { echo "$n"; return 0; }
    [ "$n" -ge 3 ] && break
  done <<<"$1"
  return 1
}

# interval_after OUT T: how long, in seconds, the sample that first
# covers the wall-clock time T took from the sample before it (empty when
# there is no sample on either side).  The JSON's "interval" is the one
# asked for; this is the one the machine gave.
interval_after() {
  local line t prev=""
  while read -r line; do
    t=$(sample_time "$line")
    if awk -v a="$t" -v b="$2" 'BEGIN { exit !(a > b) }'; then
      [ -n "$prev" ] && awk -v a="$t" -v p="$prev" 'BEGIN { printf "%.3f\n", a - p }'
      return 0
    fi
    prev=$t
  done <<<"$1"
}
# too_slow OUT T: whether the sample after T covered more than five
# requested intervals.  A burst is judged by its rate over the interval:
# when a loaded machine stretches 0.2 s to seconds, the same resets are a
# trickle, and the attempt says nothing about the rule.  It is repeated.
too_slow() {
  local iv
  iv=$(interval_after "$1" "$2")
  [ -n "$iv" ] && awk -v i="$iv" 'BEGIN { exit !(i > 1.0) }'
}
ATTEMPTS=3

# --- resets: connections aborted with SO_LINGER 0 -------------------------------
# abort_attempt PORT: 0 when the finding names PORT, 1 when it does not,
# 2 when the machine was too slow to tell.
abort_attempt() {
  local port=$1 resets_before resets_after est at out want n line rc
  resets_before=$(estab_resets)
  findings 20 -w "$work/abort.tdr" >"$work/abort.json" &
  tcpdeck_pid=$!
  helper aborter serve 127.0.0.1 "$port" abort 30 2
  helper aborted_clients connect 127.0.0.4 127.0.0.1 "$port" 30
  est=$(ss -tanH state established sport = :"$port" | wc -l)
  [ "$est" -eq 30 ] || hard_error "ss shows $est connections on port $port, not 30"
  wait_line aborter '^aborted 30 at '
  at=$(sed -n 's/^aborted 30 at //p' "$work/aborter.out")
  wait "$tcpdeck_pid" || fail "tcpdeck failed (aborted connections)"
  resets_after=$(estab_resets)
  [ $((resets_after - resets_before)) -ge 30 ] && [ "$(ss -tanH state established sport = :"$port" | wc -l)" -eq 0 ] ||
    hard_error "EstabResets rose by $((resets_after - resets_before)) only"
  out=$(cat "$work/abort.json")
  want="\"title\": \"Established connections are reset: [0-9]+/s, most on port $port \\(tcpdeck-test-pe \\(pid $aborter_pid\\)\\)\""
  rc=0
  if n=$(first_within "$out" "$at" "$want"); then
    line=$(grep -E "$want" <<<"$out" | head -n 1)
    grep -q '"key": "resets/host"' <<<"$line" && grep -q "\"subject\": \"port $port\"" <<<"$line" &&
      grep -q "SO_LINGER 0" <<<"$line" &&
      pass "resets names port $port and pid $aborter_pid (sample $n after the abort)" ||
      { fail "aborted: $line"; rc=1; }
  elif too_slow "$out" "$at"; then
    echo "retry: the sample after the abort covered $(interval_after "$out" "$at") s, not 0.2 s"
    rc=2
  else
    fail "no resets finding naming port $port within 3 samples of the abort at $at: $out"
    replay_counters "$work/abort.tdr"
    rc=1
  fi
  kill "$aborter_pid" "$aborted_clients_pid" 2>/dev/null
  wait "$aborter_pid" "$aborted_clients_pid" 2>/dev/null
  return $rc
}
for attempt in $(seq 1 $ATTEMPTS); do
  abort_attempt $((8419 + attempt))
  rc=$?
  [ $rc -ne 2 ] && break
  [ "$attempt" -eq $ATTEMPTS ] && fail "aborted connections: every attempt met a sample stretched past 1 s"
done

# --- resets: a port refusing connections ------------------------------------------
# Port 9 is closed.  The first SYN of every attempt is dropped, so an
# attempt waits a second in SYN_SENT (as toward a far host) before its
# retransmitted SYN is refused.
nft -f - <<'EOF' || hard_error "nft could not drop first SYNs"
table ip peers_refuse {
  set seen { type ipv4_addr . inet_service; flags dynamic, timeout; timeout 60s; }
  chain in {
    type filter hook input priority 0;
    tcp dport 9 tcp flags & (syn | ack) == syn ip saddr . tcp sport @seen accept
    tcp dport 9 tcp flags & (syn | ack) == syn add @seen { ip saddr . tcp sport } drop
  }
}
EOF
[ -z "$(ss -tlnH 'sport = :9')" ] || hard_error "something listens on port 9"
# refuse_attempt: as abort_attempt, for refused connection attempts.
refuse_attempt() {
  local at out want n rc=0
  findings 25 -w "$work/refuse.tdr" >"$work/refuse.json" &
  tcpdeck_pid=$!
  sleep 0.5
  helper refuser refuse 127.0.0.1 9 120 40
  wait_line refuser '^refused [0-9]+ of 120'
  wait "$tcpdeck_pid" || fail "tcpdeck failed (refused connections)"
  grep -q '^refused 120 of 120$' "$work/refuser.out" || hard_error "not all refused: $(cat "$work/refuser.out")"
  at=$(sed -n 's/^first refused at //p' "$work/refuser.out")
  out=$(cat "$work/refuse.json")
  want="\"title\": \"Connection attempts are refused with resets: [0-9]+/s, most to 127\\.0\\.0\\.1:9 \\(tcpdeck-test-pe \\(pid $refuser_pid\\)\\)\""
  if n=$(first_within "$out" "$at" "$want"); then
    grep -E "$want" <<<"$out" | head -n 1 | grep -q '"subject": "127.0.0.1:9"' &&
      pass "resets names 127.0.0.1:9 and the client pid $refuser_pid (sample $n after the first refusal)" ||
      { fail "refused: $out"; rc=1; }
  elif too_slow "$out" "$at"; then
    echo "retry: the sample after the first refusal covered $(interval_after "$out" "$at") s, not 0.2 s"
    rc=2
  else
    fail "no resets finding naming 127.0.0.1:9 within 3 samples of the first refusal at $at: $out"
    replay_counters "$work/refuse.tdr"
    rc=1
  fi
  kill_ours "$refuser_pid"
  wait "$refuser_pid" 2>/dev/null
  return $rc
}
for attempt in $(seq 1 $ATTEMPTS); do
  refuse_attempt
  rc=$?
  [ $rc -ne 2 ] && break
  [ "$attempt" -eq $ATTEMPTS ] && fail "refused connections: every attempt met a sample stretched past 1 s"
done
nft delete table ip peers_refuse

# --- a clean load test -------------------------------------------------------------
# tcpdeck beside tcpdeck-stress (no leaks) in its namespace.  Its end
# kills a load generator that holds connections, which resets them: only
# the samples taken before that "kill" phase are judged.
if [ -x "${STRESS:-}" ]; then
  timeout 120 "$STRESS" --leak-every 0 --duration 10 --port 8080 --run \
    timeout 90 "$TCPDECK" -b -n 35 -d 0.2 --view diagnoses -o json >"$work/stress.json" \
    2>"$work/stress.err" || fail "tcpdeck-stress failed: $(tail -3 "$work/stress.err")"
  kill_iso=$(sed -n 's/^\([0-9T:.-]*Z\) +[0-9.]*s kill:.*/\1/p' "$work/stress.err" | head -n 1)
  [ -n "$kill_iso" ] || hard_error "tcpdeck-stress announced no kill phase: $(cat "$work/stress.err")"
  kill_at=$(date -d "$kill_iso" +%s.%N)
  before=""
  while read -r line; do
    awk -v a="$(sample_time "$line")" -v b="$kill_at" 'BEGIN { exit !(a < b) }' &&
      before+="$line"$'\n'
  done <"$work/stress.json"
  samples=$(grep -c '^{' <<<"$before")
  # Nor those read from the closes: its server waits for each client to
  # close first, and no announcement is lost at its rate.  Its clients
  # do open a connection per request, up to 200/s at the peak of its
  # ramp: conn_per_request may fire, and then must name its port.
  bad=$(mine "$before")$(grep -Eo '"id": "(early_close|closes_lost)"' <<<"$before" | sort -u | tr '\n' ' ')
  per_request=$(grep -o '"key": "conn_per_request/[^"]*"' <<<"$before" | cut -d'"' -f4 | sort -u | tr '\n' ' ')
  stress_port=8080
  [ "$samples" -ge 5 ] && [ -z "$bad" ] &&
    pass "clean load test: $samples samples before the kill phase, none of these findings" ||
    fail "clean load test ($samples samples before the kill phase): $bad"
  if [ -n "$per_request" ]; then
    [ -z "$(tr ' ' '\n' <<<"$per_request" | grep . | grep -v ">:$stress_port\$")" ] &&
      pass "clean load test: conn_per_request names the load's own port $stress_port ($per_request)" ||
      fail "clean load test: conn_per_request on another port than $stress_port: $per_request"
  fi
else
  fail "tcpdeck-stress not built: \$STRESS='${STRESS:-}'"
fi

finish
