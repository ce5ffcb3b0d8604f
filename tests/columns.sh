#!/bin/bash
# columns.sh - batch --columns and -H for the conns and listen views.
#
# In a network namespace of its own, with known listeners and connections
# (IPv4 and IPv6): the columns come in the order given and show what ss
# shows for the same sockets; header names are taken in any case; an
# unknown or repeated name is a one-line error listing the valid ones
# (exit 2); -H drops the header lines of text and CSV; CSV and JSON write
# the fields of the chosen columns in that order; the listen view names
# its owners only when an owner column is asked for; and a listing
# without owner columns never attributes owners (the debug log's owner
# line; columns_noproc.sh checks with strace that /proc is not read).
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
enter_private_netns "$@"

pids=()
work=$(mktemp -d "${TMPDIR:-/tmp}/tcpdeck-columns.XXXXXX") || hard_error "mktemp failed"
cleanup() {
  local p
  kill_ours "${pids[@]}"
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# start_listener ARGS...: the test listener; its pid is appended to pids[]
# and kept in $last_pid.
start_listener() {
  : >"$work/ready"
  "$LISTENER" "$@" >>"$work/ready" &
  last_pid=$!
  pids+=("$last_pid")
  for _ in $(seq 1 50); do
    grep -q ready "$work/ready" && return 0
    sleep 0.1
  done
  hard_error "listener $* did not start"
}
start_listener 9100 3
v4_pid=$last_pid
start_listener -6 9101 2
v6_pid=$last_pid

td() { timeout 60 "$TCPDECK" -b -n 1 "$@"; }

# --- conns, text: order, values, -H ---------------------------------------
out=$(td --view conns --columns state,local,remote state established)
header=$(sed -n 2p <<<"$out")
[ "$(awk '{ print $1, $2, $3 }' <<<"$header")" = "STATE LOCAL REMOTE" ] &&
  pass "conns: header in the order given: $header" || fail "conns header: '$header'"
[ "$(awk '{ print NF }' <<<"$header")" = 3 ] && pass "conns: only the three columns" ||
  fail "conns header has other columns: '$header'"
# With a state filter ss leaves its State column out.
want=$(ss -tanH state established | awk '{ print $3, $4 }' | sort)
got=$(td --view conns --columns state,local,remote -H state established |
  awk '$1 == "ESTABLISHED" { print $2, $3 } $1 != "ESTABLISHED" { print "bad:", $0 }' | sort)
[ -n "$want" ] || hard_error "ss shows no established socket"
[ "$got" = "$want" ] && pass "conns -H: the rows ss shows ($(wc -l <<<"$want") sockets), no header" ||
  fail "conns -H differs from ss:"$'\n'"ss:"$'\n'"$want"$'\n'"tcpdeck:"$'\n'"$got"
# The other way round, by the names the header shows, in any case.
out=$(td --view conns --columns REMOTE,Local,rcvd,RETR,send/s -H 'sport = :9100')
first=$(awk 'NR == 1' <<<"$out")
[ "$(awk '{ print $1 }' <<<"$first")" != "" ] &&
  [[ "$(awk '{ print $2 }' <<<"$first")" == *:9100 ]] &&
  [ "$(awk '{ print NF }' <<<"$first")" = 5 ] &&
  pass "conns: REMOTE,Local,rcvd,RETR,send/s: $first" || fail "reversed columns: '$out'"
header=$(td --view conns --columns rcvd,retr,send/s | sed -n 2p)
[ "$header" = "RCVD RETR SEND/s" ] && pass "conns: header names taken back: '$header'" ||
  fail "header of rcvd,retr,send/s: '$header'"

# --- listen, text ------------------------------------------------------------
out=$(td --view listen --columns process,pid,local)
header=$(sed -n 2p <<<"$out")
[ "$(awk '{ print $1, $2, $3, NF }' <<<"$header")" = "PROCESS PID LOCAL 3" ] &&
  pass "listen: header '$header'" || fail "listen header: '$header'"
grep -Eq "^tcpdeck-test-li +$v4_pid 127\.0\.0\.1:9100$" <<<"$out" &&
  grep -Eq "^tcpdeck-test-li +$v6_pid \[::1\]:9101$" <<<"$out" &&
  pass "listen: owners and addresses in the order given" || fail "listen rows:"$'\n'"$out"
lines=$(td --view listen --columns local,estab -H)
[ "$(sort <<<"$lines" | tr -s ' ')" = "$(printf '127.0.0.1:9100 3\n[::1]:9101 2')" ] &&
  pass "listen -H: two rows, no header" || fail "listen -H:"$'\n'"$lines"

# --- CSV and JSON: the fields of the chosen columns, in order ------------------
csv=$(td --view conns -o csv --columns local,state 'sport = :9100')
[ "$(head -n 1 <<<"$csv")" = "time,local_addr,local_port,state" ] &&
  pass "conns CSV header: $(head -n 1 <<<"$csv")" || fail "conns CSV header: $(head -n 1 <<<"$csv")"
[ "$(tail -n +2 <<<"$csv" | cut -d, -f2- | sort | uniq -c | awk '{ print $1, $2 }' | tr '\n' ' ')" = \
  "3 127.0.0.1,9100,ESTABLISHED 1 127.0.0.1,9100,LISTEN " ] &&
  pass "conns CSV rows" || fail "conns CSV rows:"$'\n'"$csv"
csv=$(td --view conns -o csv -H --columns local,state 'sport = :9100')
[ "$(wc -l <<<"$csv")" = 4 ] && ! grep -q '^time,' <<<"$csv" &&
  pass "conns CSV -H: 4 rows, no header" || fail "conns CSV -H:"$'\n'"$csv"
csv=$(td --view listen -o csv --columns pid,local)
[ "$(head -n 1 <<<"$csv")" = "time,pid,local_addr,local_port" ] &&
  grep -q ",$v4_pid,127.0.0.1,9100\$" <<<"$csv" && pass "listen CSV: pid,local" ||
  fail "listen CSV:"$'\n'"$csv"
json=$(td --view conns -o json --columns rtt,state 'sport = :9100' | head -n 1)
[[ "$json" =~ ^\{\"time\":\ \"[^\"]*\",\ \"rtt_us\":\ ([0-9]+|null),\ \"rttvar_us\":\ ([0-9]+|null),\ \"state\":\ \"[A-Z]+\"\}$ ]] &&
  pass "conns JSON: rtt then state: $json" || fail "conns JSON: $json"
json=$(td --view listen -o json --columns estab 'sport = :9101')
[[ "$json" =~ ^\{\"time\":\ \"[^\"]*\",\ \"established\":\ 2\}$ ]] &&
  pass "listen JSON: $json" || fail "listen JSON: $json"

# --- bad lists: one line, the valid names, exit 2 ------------------------------
check_bad() {
  local what=$1 expect=$2 err rc
  shift 2
  err=$("$TCPDECK" "$@" 2>&1 >/dev/null)
  rc=$?
  if [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" = 1 ] && [[ "$err" == *"$expect"* ]]; then
    pass "$what: $err"
  else
    fail "$what: exit $rc, '$err'"
  fi
}
check_bad "unknown conns column" "expected one of proto, local, remote, state" \
  -b -n 1 --view conns --columns local,bogus
check_bad "unknown listen column" "expected one of netns, local, fam, pid" \
  -b -n 1 --view listen --columns state
check_bad "repeated column" "given twice" -b -n 1 --view conns --columns local,LOCAL
check_bad "empty name" "empty column name" -b -n 1 --view conns --columns local,
check_bad "view without columns" "--view conns and --view listen" -b -n 1 --columns local
check_bad "dashboard" "give -b" --view conns --columns local

# --- owners only when asked for --------------------------------------------------
td --view conns --columns state,local -v "$work/none.log" 'sport = :9100' >/dev/null
td --view conns --columns state,local,pid -v "$work/pid.log" 'sport = :9100' >/dev/null
if ! grep -q 'owners:' "$work/none.log" && grep -q 'owners:' "$work/pid.log"; then
  pass "owners attributed with a pid column only"
else
  fail "owner attribution: without pid: $(grep -c 'owners:' "$work/none.log"), with pid: $(grep -c 'owners:' "$work/pid.log")"
fi
out=$(td --view listen --columns local,user 'sport = :9100' | tail -n 1)
[[ "$out" == *" root" ]] && pass "listen: user column names the owner: $out" ||
  fail "listen user column: '$out'"

finish
