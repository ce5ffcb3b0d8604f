#!/bin/bash
# findings_closes.sh - the findings read from the connections the kernel
# announces closed, against real short connections in a network namespace
# of its own, with ss (ss -E for the closes, ss for TIME_WAIT) as ground
# truth.
#
#   counts       a client (tcpdeck-test-peers churn) makes N connections
#                one after the other to a server that closes each at once
#                (tcpdeck-test-peers serve close); thresholds made tiny, so
#                every sample with closes fires.  Summed over the samples,
#                conn_per_request counts N server ends and N client ends,
#                as ss -E heard them, and names 127.0.0.1, the port and the
#                server; early_close counts the N connections the server
#                closed first, as the N TIME_WAIT sockets ss shows on its
#                port (a client port given again takes one over: then
#                between those ss shows and N), and names the port and the
#                server.
#   defaults     tcpdeck-test-churn at 2,000 connections/s (its server
#                writes a payload and closes, its client reads it), the
#                default rate threshold: conn_per_request fires (repeated
#                when the machine stretched a sample past 25 s).
#   lost         a flood of closes beyond a tiny receive buffer while
#                tcpdeck is stopped: closes_lost says how many were lost and
#                what to do.
#
# Every wait is a bounded loop on a condition; nothing depends on speed.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${CHURN:?CHURN must name the tcpdeck-test-churn program}"
# The helper is built next to tcpdeck, under tests/.
PEERS=${PEERS:-$(dirname "$TCPDECK")/tests/tcpdeck-test-peers}
[ -x "$PEERS" ] || hard_error "$PEERS is not built"
enter_private_netns "$@"
command -v ss >/dev/null || skip_test "ss (iproute2) is not installed"

work=$(mktemp -d /tmp/findings-closes.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill_ours "$p"; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
export XDG_CONFIG_HOME="$work" # no config file of the user running the tests

# start_tcpdeck NAME [PREFIX...]: the diagnoses as JSON, 0.2 s apart, into
# $work/NAME.json, with the options in extra[]; waits until its close
# listener is subscribed and its first sample is out.  Sets $tpid.
extra=()
start_tcpdeck() {
  local name=$1
  shift
  : >"$work/$name.log"
  timeout 300 "$@" "$TCPDECK" -b --view diagnoses -o json -d 0.2 -v "$work/$name.log" \
    "${extra[@]}" >"$work/$name.json" 2>"$work/$name.err" &
  tpid=$!
  pids+=("$tpid")
  # Subscribed, and a first sample out: rates count from it.
  for _ in $(seq 1 900); do
    grep -q 'close events: receive buffer' "$work/$name.log" && [ -s "$work/$name.json" ] &&
      return 0
    kill -0 "$tpid" 2>/dev/null || break
    sleep 0.1
  done
  hard_error "tcpdeck ($name) did not listen for closes: $(cat "$work/$name.err")"
}
stop_tcpdeck() {
  kill -INT "$1" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  wait "$1" 2>/dev/null
}
# objects FILE ID: the findings of rule ID, one a line, not those clearing
# (they repeat the numbers of the last sample above the threshold).
objects() {
  grep -o "{\"id\": \"$2\"[^}]*}" "$1" | grep '"clearing": false' || true
}
# sum_of FILE ID REGEX: the sum over the findings of ID of the number
# REGEX's first group captures in each.
sum_of() {
  objects "$1" "$2" | sed -En "s/.*$3.*/\\1/p" | awk '{ s += $1 } END { print s + 0 }'
}

# --- counts -------------------------------------------------------------------
# A server closing every connection at once (it stays up: its listener
# names it), a client making N connections one after the other.  Samples
# stretched by a loaded machine are allowed for: a connection counts as
# short-lived up to a minute.
N=300
PORT=9201
printf '%s\n' 'conn_per_request.min_per_s = 0.01' 'conn_per_request.max_lifetime_s = 60' \
  'early_close.min_per_s = 0.01' 'early_close.max_ms = 1000' >"$work/tiny.conf"
"$PEERS" serve 127.0.0.1 $PORT close >"$work/server.out" 2>&1 &
server_pid=$!
pids+=("$server_pid")
for _ in $(seq 1 100); do grep -q '^ready' "$work/server.out" && break; sleep 0.1; done
grep -q '^ready' "$work/server.out" || hard_error "server: $(cat "$work/server.out")"
stdbuf -oL ss -E -t -n -H >"$work/ss.txt" 2>&1 &
sspid=$!
pids+=("$sspid")
for _ in $(seq 1 50); do
  grep -q " $sspid " /proc/net/netlink 2>/dev/null && break
  sleep 0.1
done
extra=(--config "$work/tiny.conf")
start_tcpdeck counts
"$PEERS" churn 127.0.0.1 $PORT $N >"$work/client.out" 2>&1 || hard_error "client failed: $(cat "$work/client.out")"
grep -q "^done $N$" "$work/client.out" || hard_error "client: $(cat "$work/client.out")"
# ss -E: the server's ends (local port $PORT) and the client's (remote
# port $PORT); no listener here (its peer is a "*").
ss_ends() {
  awk -v f="$1" -v p=":$PORT" '$4 !~ /\*/ && $5 !~ /\*/ && substr($f, length($f) - length(p) + 1) == p' \
    "$work/ss.txt" | wc -l
}
server_ss=0 client_ss=0
for _ in $(seq 1 150); do
  server_ss=$(ss_ends 4)
  client_ss=$(ss_ends 5)
  [ "$server_ss" -ge $N ] && [ "$client_ss" -ge $N ] &&
    [ "$(sum_of "$work/counts.json" conn_per_request ' ([0-9]+) client ends')" -ge $N ] &&
    [ "$(sum_of "$work/counts.json" conn_per_request ': ([0-9]+) server ends')" -ge $N ] &&
    [ "$(sum_of "$work/counts.json" early_close '"evidence": "([0-9]+) connections on port')" -ge $N ] &&
    break
  sleep 0.1
done
tw_ss=$(ss -tanH state time-wait sport = :$PORT | wc -l)
stop_tcpdeck "$tpid"
kill_ours "$sspid"
wait "$sspid" 2>/dev/null
out="$work/counts.json"
[ "$server_ss" -eq $N ] && [ "$client_ss" -eq $N ] ||
  hard_error "ss -E heard $server_ss server and $client_ss client closes on $PORT, not $N each"
servers=$(sum_of "$out" conn_per_request ': ([0-9]+) server ends')
clients=$(sum_of "$out" conn_per_request ' ([0-9]+) client ends')
[ "$servers" -eq "$server_ss" ] && [ "$clients" -eq "$client_ss" ] &&
  pass "conn_per_request: $servers server ends and $clients client ends, as ss -E heard them" ||
  fail "conn_per_request: $servers server ends and $clients client ends, ss -E: $server_ss and $client_ss"
line=$(objects "$out" conn_per_request | grep "\"key\": \"conn_per_request/127.0.0.1>:$PORT\"" | head -n 1)
grep -Eq "\"title\": \"[0-9,]+ connections/s last under [0-9.]+ m?s from 127\\.0\\.0\\.1 to port $PORT \\(tcpdeck-test-pe \\(pid $server_pid\\)\\): the client opens a connection per request \\(no keep-alive\\)" <<<"$line" &&
  grep -q "\"subject\": \"127.0.0.1 -> port $PORT\", \"pid\": $server_pid, \"process\": \"tcpdeck-test-pe\", \"port\": $PORT" <<<"$line" &&
  grep -q 'tcp_tw_reuse' <<<"$line" &&
  pass "conn_per_request names 127.0.0.1, port $PORT and the server's pid $server_pid" ||
  fail "conn_per_request: $line"
[ "$(objects "$out" conn_per_request | grep -vc "conn_per_request/127.0.0.1>:$PORT")" -eq 0 ] &&
  pass "conn_per_request: one client, one port, one finding" ||
  fail "conn_per_request: other keys: $(objects "$out" conn_per_request | grep -v "conn_per_request/127.0.0.1>:$PORT")"
early=$(sum_of "$out" early_close '"evidence": "([0-9]+) connections on port')
# A client port the kernel gives again to a later connection takes over
# the server's TIME_WAIT of the earlier one (a SYN on a TIME_WAIT socket
# starts a new connection): TIME_WAIT remains for each distinct client
# port, and early_close counts between those and N (an earlier one
# counts when a sample saw its TIME_WAIT before it was taken over).
ports=$(awk -v p=":$PORT" '$4 !~ /\*/ && $5 !~ /\*/ && substr($4, length($4) - length(p) + 1) == p { print $5 }' \
  "$work/ss.txt" | sort -u | wc -l)
[ "$tw_ss" -eq "$ports" ] || hard_error "ss shows $tw_ss TIME_WAIT on $PORT, not one per client port ($ports)"
if [ "$ports" -eq $N ]; then
  [ "$early" -eq "$tw_ss" ] &&
    pass "early_close: $early connections closed first by the server, as the $tw_ss TIME_WAIT ss shows" ||
    fail "early_close: $early, ss shows $tw_ss TIME_WAIT on port $PORT"
else
  [ "$early" -ge "$tw_ss" ] && [ "$early" -le $N ] &&
    pass "early_close: $early connections closed first by the server; ss shows $tw_ss TIME_WAIT ($((N - ports)) taken over by a later connection)" ||
    fail "early_close: $early, ss shows $tw_ss TIME_WAIT on port $PORT and $N connections"
fi
line=$(objects "$out" early_close | head -n 1)
grep -Eq "\"title\": \"Port $PORT \\(tcpdeck-test-pe \\(pid $server_pid\\)\\) closes connections within [0-9]+ ms of accepting them: [0-9,]+/s, without sending anything\"" <<<"$line" &&
  grep -q "\"key\": \"early_close/port:$PORT\"" <<<"$line" &&
  pass "early_close names port $PORT and pid $server_pid" || fail "early_close: $line"
kill_ours "$server_pid"
wait "$server_pid" 2>/dev/null

# --- defaults -------------------------------------------------------------------
# Only the lifetime is not the default's: a loaded machine stretches the
# samples, and a connection no sample saw may then have lived as long.
# The rate is judged over a sample: 6,000 connections in one sample of
# up to 30 s are 200/s or more.  When the machine stretched a sample past
# 25 s the attempt says nothing of the rule, and is repeated.
printf '%s\n' 'conn_per_request.max_lifetime_s = 60' >"$work/long.conf"
# longest_gap FILE: the most seconds between two samples of FILE.
longest_gap() {
  grep -o '"time": "[^"]*"' "$1" | cut -d'"' -f4 | while read -r t; do date -d "$t" +%s.%N; done |
    awk 'NR > 1 && $1 - p > m { m = $1 - p } { p = $1 } END { printf "%.1f\n", m + 0 }'
}
for attempt in 1 2 3; do
  PORT=$((9201 + attempt))
  extra=(--config "$work/long.conf")
  start_tcpdeck defaults
  "$CHURN" seq 4 $PORT 6000 100 2000 >"$work/churn2.out" || hard_error "churn failed"
  for _ in $(seq 1 300); do
    [ -n "$(objects "$work/defaults.json" conn_per_request)" ] && break
    sleep 0.1
  done
  stop_tcpdeck "$tpid"
  line=$(objects "$work/defaults.json" conn_per_request | head -n 1)
  if grep -q "\"key\": \"conn_per_request/127.0.0.1>:$PORT\", \"severity\": \"warning\"" <<<"$line" &&
    grep -Eq "\"title\": \"[0-9,]+ connections/s last under [0-9.]+ m?s from 127\\.0\\.0\\.1 to port $PORT " <<<"$line"; then
    pass "default rate threshold: conn_per_request names 127.0.0.1 and port $PORT"
    break
  fi
  gap=$(longest_gap "$work/defaults.json")
  if awk -v g="$gap" 'BEGIN { exit !(g > 25) }'; then
    echo "retry: a sample took $gap s, not 0.2 s"
    [ "$attempt" -eq 3 ] && fail "default rate threshold: every attempt met a sample stretched past 25 s"
    continue
  fi
  fail "default rate threshold (longest sample $gap s): $(head -c 3000 "$work/defaults.json")"
  break
done

# --- lost -----------------------------------------------------------------------
F=300
start_tcpdeck lost env TCPDECK_EVENTS_RCVBUF=4096
deck=$(tr -d ' ' </proc/"$tpid"/task/"$tpid"/children)
[ -n "$deck" ] && [ "$(cat /proc/"$deck"/comm)" = tcpdeck ] ||
  hard_error "no tcpdeck under timeout ($tpid): '$deck'"
kill -STOP "$deck"
"$CHURN" flood 4 9210 "$F" 100 >/dev/null || hard_error "flood churn failed"
kill -CONT "$deck"
for _ in $(seq 1 150); do
  [ -n "$(objects "$work/lost.json" closes_lost)" ] && break
  sleep 0.1
done
stop_tcpdeck "$tpid"
line=$(objects "$work/lost.json" closes_lost | head -n 1)
lost=$(sed -En 's/.*"title": "([0-9,]+) close announcements were lost.*/\1/p' <<<"$line" | tr -d ,)
all=$(sed -En 's/.*; ([0-9]+) lost, ([0-9]+) heard in all.*/\1 \2/p' <<<"$line")
if [ -n "$lost" ] && [ "$lost" -gt 0 ] && [ "$lost" -le $((2 * F + 1)) ] &&
  [ "${all%% *}" = "$lost" ] && grep -q 'TCPDECK_EVENTS_RCVBUF' <<<"$line" &&
  grep -q 'CAP_NET_ADMIN' <<<"$line" && grep -q '"key": "closes_lost/listener"' <<<"$line"; then
  pass "closes_lost: $lost of the $((2 * F)) closes lost, said with what to do"
else
  fail "closes_lost: $line"
fi
finish
