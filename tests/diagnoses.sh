#!/bin/bash
# diagnoses.sh - the diagnoses view against real sockets.
#
# In a network namespace of its own: a quiet namespace gives no findings;
# with the socket generator holding CLOSE_WAIT sockets, the close_wait
# finding names the process `ss -tanp` names for them (one of the
# generator's processes) and their count; a config file raises the
# threshold above them; a bad config file is refused with file:line;
# --explain describes every state; and a server that closed 300
# connections whose clients, each on its own address, take nothing more
# leaves 300 FIN_WAIT1 (then LAST_ACK) sockets that no single peer holds
# enough of: the finding names the port and the process.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
enter_private_netns "$@"

work=$(mktemp -d)
CLOSER_PID=""
cleanup() {
  stop_sockgen
  stop_closer
  rm -rf "$work"
}
stop_closer() {
  if [ -n "$CLOSER_PID" ]; then
    kill_ours "$CLOSER_PID" || true
    wait "$CLOSER_PID" 2>/dev/null || true
    CLOSER_PID=""
  fi
}
trap cleanup EXIT
# No config file from the user running the tests.
export XDG_CONFIG_HOME="$work"

diagnoses() {
  timeout 30 "$TCPDECK" -b -n 3 -d 0.5 --view diagnoses -o json "$@"
}

# --- a quiet namespace -----------------------------------------------------
out=$(diagnoses) || fail "tcpdeck failed in a quiet namespace"
if [ "$(wc -l <<<"$out")" -eq 3 ] && [ "$(grep -c '"findings": \[\]}$' <<<"$out")" -eq 3 ]; then
  pass "quiet namespace: 3 samples, no findings"
else
  fail "quiet namespace gave:"$'\n'"$out"
fi

# --- CLOSE_WAIT held by the generator --------------------------------------
N=60 # above the default close_wait.min (50)
start_sockgen close_wait=$N
[ "$(count_of CLOSE_WAIT "$SOCKGEN_READY")" -eq "$N" ] ||
  hard_error "generator did not make $N CLOSE_WAIT: $SOCKGEN_READY"

# Ground truth: the processes ss names for the CLOSE_WAIT sockets.
ss_pids=$(ss -tanpH state close-wait | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
[ "$(wc -w <<<"$ss_pids")" -eq 1 ] || hard_error "ss names pids '$ss_pids' for CLOSE_WAIT"
ss_count=$(ss -tanH state close-wait | wc -l)

out=$(diagnoses) || fail "tcpdeck failed with CLOSE_WAIT sockets"
[ "$(wc -l <<<"$out")" -eq 3 ] || fail "expected 3 samples, got:"$'\n'"$out"
for line in $(seq 1 3); do
  sample=$(sed -n "${line}p" <<<"$out")
  pid=$(grep -o '"key": "close_wait/pid:[0-9]*' <<<"$sample" | cut -d: -f3)
  pid_field=$(grep -o '"pid": [0-9]*, "process": "tcpdeck-sockgen"' <<<"$sample" | cut -d' ' -f2)
  if [ "$pid" = "$ss_pids" ] && [ "$pid_field" = "$ss_pids," ]; then
    pass "sample $line: close_wait names pid $pid, as ss does"
  else
    fail "sample $line: close_wait pid '$pid', ss says '$ss_pids': $sample"
  fi
  grep -q "\"title\": \"tcpdeck-sockgen (pid $ss_pids) holds $ss_count sockets in CLOSE_WAIT" \
    <<<"$sample" || fail "sample $line: title does not say $ss_count sockets: $sample"
  ids=$(grep -o '"id": "[a-z_0-9]*"' <<<"$sample" | sort -u | tr '\n' ' ')
  [ "$ids" = '"id": "close_wait" ' ] || fail "sample $line: unexpected findings: $ids"
done
# The pid is the generator's or one of its workers.
if [ "$ss_pids" = "$SOCKGEN_PID" ] ||
  [ "$(ps -o ppid= -p "$ss_pids" | tr -d ' ')" = "$SOCKGEN_PID" ]; then
  pass "pid $ss_pids belongs to the generator ($SOCKGEN_PID)"
else
  fail "pid $ss_pids is not the generator $SOCKGEN_PID nor its child"
fi
grep -q '"severity": "warning"' <<<"$out" || fail "close_wait is not a warning: $out"

# Text format: one line per finding.
text=$(timeout 30 "$TCPDECK" -b -n 1 --view diagnoses) || fail "text output failed"
if grep -q "^[0-9T:.Z-]* warning close_wait: tcpdeck-sockgen (pid $ss_pids) holds" <<<"$text"; then
  pass "text output: one close_wait line"
else
  fail "text output: $text"
fi

# --- thresholds from a config file ----------------------------------------
printf '# more than the generator holds\nclose_wait.min = %d\n' $((N + 1)) >"$work/high.conf"
out=$(diagnoses --config "$work/high.conf") || fail "tcpdeck failed with --config"
if [ "$(grep -c '"findings": \[\]}$' <<<"$out")" -eq 3 ]; then
  pass "close_wait.min = $((N + 1)) keeps $N CLOSE_WAIT quiet"
else
  fail "config threshold ignored:"$'\n'"$out"
fi
# The default file is read too.
mkdir -p "$work/tcpdeck"
cp "$work/high.conf" "$work/tcpdeck/tcpdeck.conf"
out=$(diagnoses) || fail "tcpdeck failed with the default config file"
[ "$(grep -c '"findings": \[\]}$' <<<"$out")" -eq 3 ] &&
  pass "\$XDG_CONFIG_HOME/tcpdeck/tcpdeck.conf is read" ||
  fail "default config file ignored:"$'\n'"$out"
rm "$work/tcpdeck/tcpdeck.conf"

# --- a bad config file -----------------------------------------------------
# A bad line is named by file and line, and the rest of the file is
# still used: the line after it raises close_wait.min over the pile.
printf 'close_wiat.min = 5\nclose_wait.min = %s\n' $((N + 1)) >"$work/bad.conf"
out=$(diagnoses --config "$work/bad.conf" 2>"$work/bad.err")
status=$?
err=$(cat "$work/bad.err")
if [ "$status" -eq 0 ] &&
  [ "$err" = "tcpdeck: $work/bad.conf:1: unknown key 'close_wiat.min'" ]; then
  pass "a bad config line is named with file:line, and tcpdeck goes on (status 0)"
else
  fail "bad config: status $status, '$err'"
fi
[ "$(grep -c '"findings": \[\]}$' <<<"$out")" -eq 3 ] &&
  pass "the good line after the bad one still applies (close_wait.min = $((N + 1)))" ||
  fail "the line after a bad one was not applied:"$'\n'"$out"
err=$(timeout 30 "$TCPDECK" -b -n 1 --config "$work/missing.conf" 2>&1 >/dev/null)
status=$?
[ "$status" -eq 2 ] && grep -q "cannot read config file" <<<"$err" &&
  pass "missing --config file refused" || fail "missing config: status $status, '$err'"

# --- the state help page ---------------------------------------------------
explain=$("$TCPDECK" --explain) || fail "--explain failed"
missing=""
for s in $STATES; do
  grep -q "^$s (" <<<"$explain" || missing="$missing $s"
done
[ -z "$missing" ] && pass "--explain describes all 11 states" || fail "--explain lacks:$missing"

# --- FIN_WAIT1 and LAST_ACK spread over 300 peers on one port --------------
: "${CLOSER:?CLOSER must name the tcpdeck-test-closer binary}"
stop_sockgen
N=300
# The clients never read, on purpose: once their data has waited long
# enough the stalled_reader finding names them as well (findings_readers.sh
# tests that).  Here it is kept out of the way, in the default config file
# and in the one given with --config below.
no_reader='stalled_reader.min = 1000000'
mkdir -p "$work/tcpdeck"
echo "$no_reader" >"$work/tcpdeck/tcpdeck.conf"
for mode in fin_wait1 last_ack; do
  case $mode in
    fin_wait1) port=8300 state=FIN_WAIT1 ss_state=fin-wait-1 ;;
    last_ack) port=8301 state=LAST_ACK ss_state=last-ack ;;
  esac
  "$CLOSER" $mode $N $port >"$work/closer.out" 2>"$work/closer.err" &
  CLOSER_PID=$!
  tries=0 # 30 s at most, or until it has died
  until grep -q '^ready' "$work/closer.out" || ! kill -0 "$CLOSER_PID" 2>/dev/null ||
    [ $((tries += 1)) -gt 300 ]; do sleep 0.1; done
  grep -q '^ready' "$work/closer.out" ||
    hard_error "closer ($mode) did not get ready: $(cat "$work/closer.err")"
  # Ground truth: N sockets in the state on the port, toward N addresses.
  ss_n=$(ss -tanH state $ss_state "sport = :$port" | wc -l)
  ss_peers=$(ss -tanH state $ss_state "sport = :$port" | awk '{ print $4 }' | cut -d: -f1 |
    sort -u | wc -l)
  [ "$ss_n" -eq $N ] && [ "$ss_peers" -eq $N ] ||
    hard_error "ss sees $ss_n $state sockets toward $ss_peers peers on port $port"

  text=$(timeout 30 "$TCPDECK" -b -n 2 --view diagnoses) || fail "$mode: text output failed"
  want="warning $mode: $N connections of tcpdeck-test-cl (pid $CLOSER_PID)"
  want="$want on port $port are stuck in $state toward $N peers"
  if [ "$(wc -l <<<"$text")" -eq 2 ] && grep -q ' no findings$' <<<"$(head -n 1 <<<"$text")" &&
    grep -q "^[0-9T:.Z-]* $want" <<<"$(tail -n 1 <<<"$text")"; then
    pass "$mode: $N over $N peers named by port $port and pid $CLOSER_PID once stuck"
  else
    fail "$mode: expected '$want' in the second sample:"$'\n'"$text"
  fi
  out=$(timeout 30 "$TCPDECK" -b -n 2 --view diagnoses -o json) || fail "$mode: JSON failed"
  last=$(tail -n 1 <<<"$out")
  if grep -q "\"id\": \"$mode\", \"key\": \"$mode/port:$port\"" <<<"$last" &&
    grep -q "\"pid\": $CLOSER_PID, \"process\": \"tcpdeck-test-cl\", \"port\": $port" <<<"$last" &&
    [ "$(grep -o '"id": "[a-z_0-9]*"' <<<"$last" | sort -u)" = "\"id\": \"$mode\"" ]; then
    pass "$mode: one finding, key $mode/port:$port, pid and port fields"
  else
    fail "$mode: JSON: $last"
  fi
  printf '%s.port_min = %d\n%s\n' $mode $((N + 1)) "$no_reader" >"$work/spread.conf"
  out=$(timeout 30 "$TCPDECK" -b -n 2 --view diagnoses -o json --config "$work/spread.conf") ||
    fail "$mode: tcpdeck failed with --config"
  [ "$(grep -c '"findings": \[\]}$' <<<"$out")" -eq 2 ] &&
    pass "$mode.port_min = $((N + 1)) keeps $N quiet" ||
    fail "$mode.port_min ignored:"$'\n'"$out"
  stop_closer
done

finish
