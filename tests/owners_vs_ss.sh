#!/bin/bash
# owners_vs_ss.sh - process attribution against ss -tanp.
#
# In a network namespace of its own: child processes listen on known ports
# (IPv4 and IPv6) and hold connections; one forks so two processes share
# its sockets.  Checks that `tcpdeck --who PORT` names exactly the
# processes `ss -tanp` names for every socket on the port, that the listen
# view gives each listener its owner and load, that a port taken over by
# another process after the first exits is attributed to the new one by a
# running tcpdeck within two samples, and --who's exit statuses.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
enter_private_netns "$@"

pids=()
cleanup() {
  local p
  kill_ours "${pids[@]}"
  wait 2>/dev/null
}
trap cleanup EXIT

# start_listener OUTVAR ARGS...: starts a listener, waits for its ready
# line(s), stores the pid(s) it printed in OUTVAR (space separated).
start_listener() {
  local var=$1 out pid
  shift
  out=$(mktemp)
  "$LISTENER" "$@" >"$out" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 50); do
    grep -q ready "$out" && break
    sleep 0.1
  done
  sleep 0.1 # a forked child prints its line just after the parent
  local printed
  printed=$(awk '/^ready/ { print $2 }' "$out" | sort -n | tr '\n' ' ')
  rm -f "$out"
  [ -n "$printed" ] || hard_error "listener $* did not start"
  for p in $printed; do [ "$p" != "$pid" ] && pids+=("$p"); done
  printf -v "$var" '%s' "${printed% }"
}

# Rows "STATE LOCAL PEER PID", sorted, for every socket on local port $1:
# from ss -tanp, and from tcpdeck --who.
ss_rows() {
  ss -tanpH state all "sport = :$1" | while read -r state _ _ local peer users; do
    for pid in $(grep -o 'pid=[0-9]*' <<<"$users" | cut -d= -f2); do
      echo "$(ss_state_name "$state") $local $peer $pid"
    done
  done | sort
}
who_rows() {
  "$TCPDECK" --who "$1" | awk 'NR > 1 { print $3, $4, $5, $1 }' | sort
}

start_listener v4_pids 9000 3
start_listener v6_pids -6 9001 2
start_listener shared_pids -f 9002 1
[ "$(wc -w <<<"$shared_pids")" -eq 2 ] || hard_error "forked listener printed '$shared_pids'"

for port in 9000 9001 9002; do
  want=$(ss_rows "$port")
  got=$(who_rows "$port")
  [ -n "$want" ] || hard_error "ss shows no owned socket on port $port"
  if [ "$got" = "$want" ]; then
    pass "--who $port names what ss -tanp names ($(wc -l <<<"$want") rows)"
  else
    fail "--who $port differs from ss -tanp:"$'\n'"ss:"$'\n'"$want"$'\n'"tcpdeck:"$'\n'"$got"
  fi
done

# Port 9000: the listener and its 3 accepted sockets belong to one process.
[ "$(who_rows 9000 | awk '{ print $4 }' | sort -u)" = "$v4_pids" ] &&
  pass "port 9000 owned by $v4_pids" || fail "port 9000 owners: $(who_rows 9000)"
# Port 9002: every socket shared by parent and child.
[ "$(who_rows 9002 | awk '{ print $4 }' | sort -un | tr '\n' ' ')" = "$shared_pids " ] &&
  pass "port 9002 shared by $shared_pids" || fail "port 9002 owners: $(who_rows 9002)"

# The listen view: owner, family and load of each listener.
listen=$("$TCPDECK" -b -n 1 --view listen -o json)
check_listener() {
  local port=$1 pid=$2 family=$3 est=$4 line
  line=$(grep "\"local_port\": $port," <<<"$listen")
  [[ "$line" == *"\"pid\": $pid,"* && "$line" == *"\"family\": \"$family\""* &&
    "$line" == *"\"established\": $est,"* && "$line" == *'"user": "root"'* &&
    "$line" == *'"process": "tcpdeck-test-li"'* && "$line" == *'"backlog": 64,'* ]] &&
    pass "listen view, port $port: pid $pid, $family, $est established" ||
    fail "listen view, port $port: $line"
}
check_listener 9000 "$v4_pids" ipv4 3
check_listener 9001 "$v6_pids" ipv6 2
check_listener 9002 "${shared_pids%% *}" ipv4 1
text=$("$TCPDECK" -b -n 1 --view listen)
grep -q "^\[::1\]:9001 .* $v6_pids root" <<<"$text" && pass "listen view as text" ||
  fail "text listen view: $text"

# A running tcpdeck sees port 9000 change hands: the first owner exits,
# another process listens there, and within two samples of the new socket
# appearing its owner is the new process.
log=$(mktemp)
"$TCPDECK" -b --view listen -o json -d 0.2 -n 40 >"$log" &
watcher=$!
sleep 1
kill "$v4_pids"
wait "$v4_pids" 2>/dev/null
sleep 0.5
start_listener new_pid 9000 1
wait "$watcher"
first_seen=$(grep '"local_port": 9000,' "$log" | awk -v old="\"pid\": $v4_pids," \
  'index($0, old) == 0 { print NR; exit }')
# Samples (times) from the first line of the new socket to its owner.
times=$(grep '"local_port": 9000,' "$log" | sed -n 's/.*"time": "\([^"]*\)".*"pid": \([0-9a-z]*\),.*/\1 \2/p' |
  awk -v old="$v4_pids" '$2 != old')
owner_after=$(awk -v want="$new_pid" '{ if ($2 == want) { print n + 0; exit } n++ }' <<<"$times")
if [ -n "$first_seen" ] && [ -n "$owner_after" ] && [ "$owner_after" -le 2 ]; then
  pass "new owner of port 9000 ($new_pid) shown $owner_after sample(s) after its socket appeared"
else
  fail "new owner $new_pid of port 9000 not shown within 2 samples (first_seen=$first_seen, owner_after=$owner_after); time and pid per sample:"$'\n'"$times"
fi
grep '"local_port": 9000,' "$log" | tail -n 1 | grep -q "\"pid\": $new_pid," &&
  pass "old owner gone" ||
  fail "last sample names another owner: $(grep '"local_port": 9000,' "$log" | tail -n 1)"
rm -f "$log"
[ "$(who_rows 9000 | awk '{ print $4 }' | sort -u)" = "$new_pid" ] && pass "--who after the swap" ||
  fail "--who 9000 after swap: $(who_rows 9000)"

# --who exit statuses and messages.
"$TCPDECK" --who 9099 >/dev/null 2>&1
[ $? -eq 1 ] && pass "--who on a free port exits 1" || fail "--who 9099 did not exit 1"
err=$("$TCPDECK" --who 70000 2>&1 >/dev/null)
[ $? -eq 2 ] && [[ "$err" == *70000* ]] && pass "--who 70000: $err" || fail "--who 70000: '$err'"
err=$("$TCPDECK" --who nosuchservice 2>&1 >/dev/null)
[ $? -eq 2 ] && [[ "$err" == *nosuchservice* ]] && pass "--who nosuchservice: $err" ||
  fail "--who nosuchservice: '$err'"
"$TCPDECK" --who "[::1]:9001" | awk -v p="$v6_pids" 'NR > 1 && $1 == p { f = 1 } END { exit !f }' &&
  pass "--who [::1]:9001" ||
  fail "--who [::1]:9001: $("$TCPDECK" --who "[::1]:9001")"
"$TCPDECK" --who "127.0.0.1:9001" >/dev/null 2>&1
[ $? -eq 1 ] && pass "--who 127.0.0.1:9001 (IPv6-only port) exits 1" || fail "--who 127.0.0.1:9001"
"$TCPDECK" --who ":9002" >/dev/null && pass "--who :9002" || fail "--who :9002"
# Without root: other users' owners are hidden, not absent, and said so.
if command -v setpriv >/dev/null; then
  nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
  # A copy nobody can reach: the build tree may sit under a private home.
  bindir_saved=$TCPDECK
  bindir=$(mktemp -d)
  cp "$TCPDECK" "$bindir/tcpdeck"
  chmod 755 "$bindir" "$bindir/tcpdeck"
  TCPDECK=$bindir/tcpdeck
  err=$("${nobody[@]}" "$TCPDECK" --who 9001 2>&1 >/dev/null)
  [ $? -eq 1 ] && [[ "$err" == *"other users"*"root"* ]] && pass "unprivileged --who: $err" ||
    fail "unprivileged --who 9001: '$err'"
  line=$("${nobody[@]}" "$TCPDECK" -b -n 1 --view listen -o json | grep '"local_port": 9001,')
  [[ "$line" == *'"pid": null'* && "$line" == *'"established": 2,'* ]] &&
    pass "unprivileged listen view: owner null, load still counted" ||
    fail "unprivileged listen view: $line"
  "${nobody[@]}" "$TCPDECK" -b -n 1 --view listen | grep -q '^\[::1\]:9001 .*(hidden)' &&
    pass "unprivileged text view says (hidden)" || fail "no (hidden) in the unprivileged text view"
  rm -rf "$bindir"
  TCPDECK=$bindir_saved
else
  fail "setpriv (util-linux) is missing: the unprivileged checks cannot run"
fi

# Service names come from /etc/services (netbase).
err=$("$TCPDECK" --who http 2>&1 >/dev/null)
[ $? -eq 1 ] && [[ "$err" == *"port 80"* ]] && pass "--who http means port 80" || fail "--who http: '$err'"

finish
