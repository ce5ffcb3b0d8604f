#!/bin/bash
# closed_events.sh - every connection closed between two samples is
# reported: the kernel's sock_diag destroy events, against ss -E.
#
# In a network namespace of its own, a client makes exactly N connections
# to a server that accepts, writes a known payload and closes, each lasting
# a few milliseconds, all well inside one sampling interval: polling alone
# would see none of them.  tcpdeck --view closed must report exactly 2N
# closed sockets (both ends), N of them on the server port, each with the
# payload's byte counts; ss -E, listening beside it, must agree.  IPv4 and
# IPv6; the same as an unprivileged user; and a flood beyond a small
# receive buffer while tcpdeck is stopped: the lost events are counted and
# shown, tcpdeck stays up, and the counts are exact again afterwards.
# Nothing here depends on how fast anything runs: every wait is a bounded
# loop on a condition.
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${CHURN:?CHURN must name the tcpdeck-test-churn program}"
enter_private_netns "$@"
command -v ss >/dev/null || skip_test "ss (iproute2) is not installed"

N=20
PAYLOAD=1000
work=$(mktemp -d /tmp/destroy-closed.XXXXXX)
chmod 755 "$work"
pids=()
nsname=destroy-closed-$$
cleanup() {
  local p
  ip netns del "$nsname" 2>/dev/null
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill_ours "$p"; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# start_tcpdeck NAME [PREFIX...]: tcpdeck --view closed in JSON into
# $work/NAME.json, its log in $work/NAME.log, run through PREFIX (setpriv),
# with the options in the array extra[]; waits until its listener is
# subscribed.  Sets $tpid.
extra=()
start_tcpdeck() {
  local name=$1
  shift
  : >"$work/$name.log"
  # -v appends only to a log of the user it runs as.
  [ "${1:-}" = setpriv ] && chown 65534:65534 "$work/$name.log"
  timeout 120 "$@" "$TCPDECK" -b --view closed -o json -d 0.5 -v "$work/$name.log" \
    "${extra[@]}" >"$work/$name.json" 2>"$work/$name.err" &
  tpid=$!
  pids+=("$tpid")
  for _ in $(seq 1 100); do
    grep -q 'close events: receive buffer' "$work/$name.log" && return 0
    kill -0 "$tpid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$work/$name.err" >&2
  hard_error "tcpdeck ($name) did not start listening for closes"
}

stop_tcpdeck() {
  kill -INT "$1" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  wait "$1" 2>/dev/null
}

# lines_on FILE PORT: closes in FILE with PORT at either end.
lines_on() {
  grep -c -E "\"(local|remote)_port\": $2," "$1" || true
}

# wait_lines FILE PORT COUNT: until FILE has COUNT closes on PORT.
wait_lines() {
  for _ in $(seq 1 150); do
    [ "$(lines_on "$1" "$2")" -ge "$3" ] && return 0
    sleep 0.1
  done
  return 1
}

# check_run NAME FAMILY PORT: the run's closes against the expectations
# and against ss -E's.
check_run() {
  local name=$1 fam=$2 port=$3 out="$work/$1.json" got server client
  got=$(lines_on "$out" "$port")
  [ "$got" -eq $((2 * N)) ] && pass "$name: $got closed sockets on port $port (2N)" ||
    fail "$name: $got closed sockets on port $port, expected $((2 * N))"
  server=$(grep -c "\"local_port\": $port," "$out" || true)
  [ "$server" -eq "$N" ] && pass "$name: $N on the server side" ||
    fail "$name: $server on the server side, expected $N"
  # The payload, plus the FIN the kernel counts as one byte each way.
  client=$(grep "\"remote_port\": $port," "$out" |
    grep -c "\"bytes_received\": $((PAYLOAD + 1)),")
  [ "$client" -eq "$N" ] && pass "$name: every client received $PAYLOAD bytes and the FIN" ||
    fail "$name: $client clients with bytes_received $((PAYLOAD + 1)), expected $N"
  server=$(grep "\"local_port\": $port," "$out" | grep -c "\"bytes_acked\": $((PAYLOAD + 1)),")
  [ "$server" -eq "$N" ] && pass "$name: every server side had $PAYLOAD bytes acked" ||
    fail "$name: $server server sides with bytes_acked $((PAYLOAD + 1)), expected $N"
  if [ "$fam" = 6 ]; then
    [ "$(grep "_port\": $port," "$out" | grep -c '"family": "ipv6"')" -eq $((2 * N)) ] &&
      pass "$name: all IPv6" || fail "$name: not all IPv6"
  fi
  # Never sampled: short-lived, lifetime unknown.
  [ "$(grep "_port\": $port," "$out" | grep -c '"seen": false, "last_state": null, "lifetime_s": null')" -eq $((2 * N)) ] &&
    pass "$name: all short-lived (never in a sample)" ||
    fail "$name: some closes read as sampled"
}

# run_case NAME FAMILY PORT [PREFIX...]
run_case() {
  local name=$1 fam=$2 port=$3 sspid sscount
  shift 3
  stdbuf -oL ss -E -t -n -H >"$work/$name.ss" 2>&1 &
  sspid=$!
  pids+=("$sspid")
  start_tcpdeck "$name" "$@"
  # ss subscribes as it starts: wait for it to be in the kernel's list.
  for _ in $(seq 1 50); do
    grep -q " $sspid " /proc/net/netlink 2>/dev/null && break
    [ -d /proc/"$sspid" ] || break
    sleep 0.1
  done
  "$CHURN" seq "$fam" "$port" "$N" "$PAYLOAD" >/dev/null || hard_error "churn failed"
  wait_lines "$work/$name.json" "$port" $((2 * N)) || true
  # One more interval, so anything extra would show.
  sleep 1
  stop_tcpdeck "$tpid"
  kill_ours "$sspid"
  wait "$sspid" 2>/dev/null
  check_run "$name" "$fam" "$port"
  # ss -E lists the listener too (no peer): compare connections only.
  sscount=$(grep -v '\*' "$work/$name.ss" | grep -c -E ":$port( |$)" || true)
  [ "$sscount" -eq "$(lines_on "$work/$name.json" "$port")" ] &&
    pass "$name: ss -E heard the same $sscount closes" ||
    fail "$name: ss -E heard $sscount closes, tcpdeck $(lines_on "$work/$name.json" "$port")"
}

run_case ipv4 4 9101
run_case ipv6 6 9102
if command -v setpriv >/dev/null; then
  run_case unprivileged 4 9103 setpriv --reuid=65534 --regid=65534 --clear-groups
  grep -q '"pid": [0-9]' "$work/unprivileged.json" && fail "unprivileged: owners of others' sockets shown" ||
    pass "unprivileged: no owner it may not see"
else
  fail "setpriv (util-linux) is not installed: the unprivileged run cannot be made"
fi

# A recording keeps the closes, and its replay shows them.
: >"$work/rec.log"
timeout 120 "$TCPDECK" -b -o json -d 0.5 -v "$work/rec.log" -w "$work/closes.tdr" \
  >"$work/rec.json" 2>"$work/rec.err" &
tpid=$!
pids+=("$tpid")
for _ in $(seq 1 100); do
  grep -q 'close events: receive buffer' "$work/rec.log" && break
  sleep 0.1
done
"$CHURN" seq 4 9108 "$N" "$PAYLOAD" >/dev/null || hard_error "churn failed"
closed_sum() {
  sed -n 's/.*"closed": \([0-9]*\).*/\1/p' "$1" | awk '{ s += $1 } END { print s + 0 }'
}
for _ in $(seq 1 150); do
  [ "$(closed_sum "$work/rec.json")" -ge $((2 * N)) ] && break
  sleep 0.1
done
stop_tcpdeck "$tpid"
[ "$(closed_sum "$work/rec.json")" -eq $((2 * N)) ] &&
  pass "record: the states view counted $((2 * N)) closes" ||
  fail "record: the states view counted $(closed_sum "$work/rec.json") closes, expected $((2 * N))"
timeout 60 "$TCPDECK" -r "$work/closes.tdr" -b --view closed -o json >"$work/replay.json" 2>&1 ||
  fail "replay of the recording failed: $(head -3 "$work/replay.json")"
[ "$(lines_on "$work/replay.json" 9108)" -eq $((2 * N)) ] &&
  [ "$(grep '"remote_port": 9108,' "$work/replay.json" | grep -c "\"bytes_received\": $((PAYLOAD + 1)),")" -eq "$N" ] &&
  pass "replay: the recording shows the $((2 * N)) closes with their bytes" ||
  fail "replay: $(lines_on "$work/replay.json" 9108) closes on 9108, expected $((2 * N))"

# The Prometheus exposition counts the same closes.
timeout 120 "$TCPDECK" -b -o prometheus -d 0.5 -v "$work/prom.log" >"$work/prom.txt" 2>&1 &
tpid=$!
pids+=("$tpid")
for _ in $(seq 1 100); do
  grep -q 'close events: receive buffer' "$work/prom.log" 2>/dev/null && break
  sleep 0.1
done
"$CHURN" seq 6 9109 "$N" "$PAYLOAD" >/dev/null || hard_error "churn failed"
prom_closed() {
  awk '$1 == "tcpdeck_connections_closed_total" { v = $2 } END { print v + 0 }' "$work/prom.txt"
}
for _ in $(seq 1 150); do
  [ "$(prom_closed)" -ge $((2 * N)) ] && break
  sleep 0.1
done
stop_tcpdeck "$tpid"
[ "$(prom_closed)" -eq $((2 * N)) ] &&
  pass "prometheus: tcpdeck_connections_closed_total $((2 * N))" ||
  fail "prometheus: tcpdeck_connections_closed_total $(prom_closed), expected $((2 * N))"
awk '$1 == "tcpdeck_connections_short_lived_total" { v = $2 } END { exit !(v == '$((2 * N))') }' "$work/prom.txt" &&
  pass "prometheus: all $((2 * N)) short-lived" || fail "prometheus: short-lived count wrong"
grep -q '^tcpdeck_close_events_lost_total 0$' "$work/prom.txt" &&
  pass "prometheus: no events lost" || fail "prometheus: tcpdeck_close_events_lost_total missing"

# Namespaces followed: one made here by name and this one; the closes of
# each are heard from inside it and named by it.
if ip netns add "$nsname" 2>/dev/null; then
  ip -n "$nsname" link set lo up
  extra=(--netns "$nsname" --netns pid:$$)
  start_tcpdeck netns
  extra=()
  # The listener follows the namespaces from the first sample on.
  for _ in $(seq 1 100); do
    grep -q '^.*sample: ' "$work/netns.log" && break
    sleep 0.1
  done
  sleep 1
  ip netns exec "$nsname" "$CHURN" seq 4 9106 "$N" "$PAYLOAD" >/dev/null || hard_error "churn failed"
  "$CHURN" seq 6 9107 "$N" "$PAYLOAD" >/dev/null || hard_error "churn failed"
  wait_lines "$work/netns.json" 9106 $((2 * N)) || true
  wait_lines "$work/netns.json" 9107 $((2 * N)) || true
  sleep 1
  stop_tcpdeck "$tpid"
  [ "$(grep '_port": 9106,' "$work/netns.json" | grep -c "\"netns\": \"$nsname\"")" -eq $((2 * N)) ] &&
    pass "netns: $((2 * N)) closes heard inside $nsname, named by it" ||
    fail "netns: $(grep -c '_port": 9106,' "$work/netns.json") closes on 9106, expected $((2 * N)) named $nsname"
  [ "$(grep '_port": 9107,' "$work/netns.json" | grep '"netns": ' | grep -vc "$nsname")" -eq $((2 * N)) ] &&
    pass "netns: $((2 * N)) closes heard in the test's own namespace" ||
    fail "netns: $(grep -c '_port": 9107,' "$work/netns.json") closes on 9107, expected $((2 * N))"
else
  fail "netns: cannot make the namespace $nsname"
fi

# The flood: a receive buffer of a few events, tcpdeck stopped while 2F
# closes are announced, so the kernel must drop most of them.
F=300
TCPDECK_EVENTS_RCVBUF=4096 start_tcpdeck flood env TCPDECK_EVENTS_RCVBUF=4096
# $tpid is the timeout around tcpdeck: stop tcpdeck itself (env execs it).
deck=$(tr -d ' ' </proc/"$tpid"/task/"$tpid"/children)
[ -n "$deck" ] && [ "$(cat /proc/"$deck"/comm)" = tcpdeck ] ||
  hard_error "no tcpdeck under timeout ($tpid): '$deck'"
kill -STOP "$deck"
"$CHURN" flood 4 9104 "$F" 100 >/dev/null || hard_error "flood churn failed"
kill -CONT "$deck"
# The kernel announces from a work queue: wait until every close of the
# flood is heard or counted.
lost_in() {
  sed -n 's/.*"events_lost": \([0-9]*\).*/\1/p' "$1" | awk '{ s += $1 } END { print s + 0 }'
}
for _ in $(seq 1 150); do
  [ $(($(lines_on "$work/flood.json" 9104) + $(lost_in "$work/flood.json"))) -ge $((2 * F)) ] && break
  sleep 0.1
done
sleep 1
lost=$(lost_in "$work/flood.json")
[ "$lost" -gt 0 ] && pass "flood: $lost events lost, shown" || fail "flood: no events lost shown"
kill -0 "$tpid" 2>/dev/null && pass "flood: tcpdeck stays up" || fail "flood: tcpdeck ended"
# Every announcement is either heard or counted lost (the listener's own
# close, not kept when heard, may be among the lost).
heard=$(lines_on "$work/flood.json" 9104)
total=$((heard + lost))
[ "$total" -ge $((2 * F)) ] && [ "$total" -le $((2 * F + 1)) ] &&
  pass "flood: $heard heard + $lost lost = every close announced" ||
  fail "flood: $heard heard + $lost lost, expected $((2 * F)) (or one more)"
# Afterwards: every close heard or counted again.  The buffer is still
# tiny, so some may be lost even now; none may go unaccounted.
before=$(wc -l <"$work/flood.json")
"$CHURN" seq 4 9105 "$N" "$PAYLOAD" >/dev/null || hard_error "churn failed"
for _ in $(seq 1 150); do
  tail -n +$((before + 1)) "$work/flood.json" >"$work/after.json"
  [ $(($(lines_on "$work/after.json" 9105) + $(lost_in "$work/after.json"))) -ge $((2 * N)) ] && break
  sleep 0.1
done
sleep 1
stop_tcpdeck "$tpid"
tail -n +$((before + 1)) "$work/flood.json" >"$work/after.json"
heard=$(lines_on "$work/after.json" 9105)
lost=$(lost_in "$work/after.json")
# 2N connections, and perhaps a listener's close counted lost.
[ "$heard" -gt 0 ] && [ $((heard + lost)) -ge $((2 * N)) ] && [ $((heard + lost)) -le $((2 * N + 2)) ] &&
  pass "flood: counts exact again afterwards ($heard heard, $lost lost)" ||
  fail "flood: after it $heard heard + $lost lost, expected $((2 * N)) with some heard"
finish
