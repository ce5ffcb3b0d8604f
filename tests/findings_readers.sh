#!/bin/bash
# findings_readers.sh - the stalled_reader and zero_window findings against
# real sockets, with ss as the ground truth.
#
# In a network namespace of its own: a quiet namespace gives no findings.
# tcpdeck-test-stall makes the two patterns with real connections:
#   reader  a server (127.0.0.1:8401) that accepted and stopped reading
#           while its clients (127.0.0.2) keep sending: the server holds
#           Recv-Q that does not move, the clients wait on its zero window;
#   writer  a server (127.0.0.1:8402) that keeps writing to clients
#           (127.0.0.3) that never read: the clients hold the Recv-Q, the
#           server waits on their zero window.
# With the default thresholds (5 s), tcpdeck started as the pattern is
# put in place must name the culprit within 3 samples (-d 0.2) of it
# having been in place for 5 s, and not before the data can have waited
# that long; started later, at its first sample (the wait is dated by
# tcp_info).  The findings name the process (stalled_reader) or the peer
# (zero_window) and the port that ss names for those sockets.  Then
# during a clean load test (tcpdeck-stress, no leaks) they name nothing
# but the connections it stalls on purpose.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
enter_private_netns "$@"
: "${STALL:?STALL must name the tcpdeck-test-stall binary}"

work=$(mktemp -d)
STALL_PID=""
stop_stall() {
  if [ -n "$STALL_PID" ]; then
    kill_ours "$STALL_PID" || true
    wait "$STALL_PID" 2>/dev/null || true
    STALL_PID=""
  fi
}
cleanup() {
  stop_stall
  rm -rf "$work"
}
trap cleanup EXIT
# No config file from the user running the tests.
export XDG_CONFIG_HOME="$work"

AGE=5 # the default stalled_reader.age_s and zero_window.age_s
N=4   # connections, above the default min of 3

diagnoses() {
  timeout 60 "$TCPDECK" -b -n "$1" -d 0.2 --view diagnoses -o json
}

# Seconds since the epoch of a JSON line's "time".
line_time() {
  date -d "$(grep -o '"time": "[^"]*"' <<<"$1" | cut -d'"' -f4)" +%s.%N
}

# --- a quiet namespace -----------------------------------------------------
out=$(diagnoses 3) || fail "tcpdeck failed in a quiet namespace"
if [ "$(grep -c '"findings": \[\]}$' <<<"$out")" -eq 3 ]; then
  pass "quiet namespace: 3 samples, no findings"
else
  fail "quiet namespace gave:"$'\n'"$out"
fi

# start_stall MODE PORT: the helper in the background; sets STARTED (before
# it began) and READY (when its line came), wall clock seconds.
start_stall() {
  STARTED=$(date +%s.%N)
  "$STALL" "$1" $N "$2" >"$work/stall.out" 2>"$work/stall.err" &
  STALL_PID=$!
  for _ in $(seq 1 300); do
    grep -q '^ready' "$work/stall.out" && break
    kill -0 "$STALL_PID" 2>/dev/null || break
    sleep 0.1
  done
  grep -q '^ready' "$work/stall.out" ||
    hard_error "tcpdeck-test-stall $1 did not get ready: $(cat "$work/stall.err")"
  READY=$(date +%s.%N)
}

# ss_pid VAR COL FILTER: sets VAR to ss's pid for the sockets `ss -tnpH
# state established FILTER` lists whose column COL (1: Recv-Q, 2: Send-Q)
# is above zero; one pid expected.
ss_pid() {
  local pids
  pids=$(ss -tnpH state established "$3" | awk -v c="$2" '$c > 0' |
    grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
  [ "$(wc -w <<<"$pids")" -eq 1 ] || hard_error "ss names pids '$pids' for $3"
  printf -v "$1" '%s' "$pids"
}

# check_timing ID KEY OUT: the first sample of OUT with finding KEY comes
# within 3 samples of the first taken once the pattern had been in place
# $AGE s (READY + AGE), and not before the data can have waited AGE s
# (STARTED + AGE).
check_timing() {
  local id=$1 key=$2 out=$3 i=0 first="" due="" line t
  while IFS= read -r line; do
    i=$((i + 1))
    t=$(line_time "$line")
    if [ -z "$due" ] && awk -v t="$t" -v r="$READY" -v a=$AGE 'BEGIN { exit !(t >= r + a) }'; then
      due=$i
    fi
    if [ -z "$first" ] && grep -q "\"key\": \"$key\"" <<<"$line"; then
      first=$i
      awk -v t="$t" -v s="$STARTED" -v a=$AGE 'BEGIN { exit !(t >= s + a) }' ||
        fail "$id: $key at sample $i, before the data can have waited $AGE s"
    fi
  done <<<"$out"
  [ -n "$due" ] || hard_error "$id: the run ended before the pattern was in place"
  if [ -n "$first" ] && [ "$first" -le $((due + 3)) ]; then
    pass "$id: $key at sample $first, the pattern in place for $AGE s at sample $due"
  else
    fail "$id: $key at sample '${first:-never}', the pattern in place at sample $due"
  fi
  # Once there, it stays.
  [ -n "$first" ] && [ "$(tail -n +"$first" <<<"$out" | grep -vc "\"key\": \"$key\"")" -eq 0 ] ||
    fail "$id: $key did not hold after sample ${first:-never}"
}

# finding KEY LINE: the finding object with that key in a JSON line.
finding() {
  grep -o "{\"id\": \"[a-z_]*\", \"key\": \"$1\"[^}]*}" <<<"$2"
}

# ------------------------------------------------------------ reader
PORT=8401
start_stall reader $PORT
out=$(diagnoses 40) || fail "tcpdeck failed on the stalled reader"
# Ground truth: the server's sockets hold Recv-Q; the clients' wait on
# its window with the persist (zero-window probe) timer.
ss_pid server 1 "( sport = :$PORT )"
ss_pid clients 2 "( dport = :$PORT )"
ss_unread=$(ss -tnH state established "( sport = :$PORT )" | awk '$1 > 0' | wc -l)
ss_persist=$(ss -tnoH state established "( dport = :$PORT )" | grep -c 'timer:(persist')
[ "$ss_unread" -eq $N ] || hard_error "ss shows $ss_unread server sockets with Recv-Q, not $N"
[ "$ss_persist" -eq $N ] || hard_error "ss shows $ss_persist client sockets probing, not $N"
[ "$server" = "$(sed -n 's/^ready server=\([0-9]*\) .*/\1/p' "$work/stall.out")" ] ||
  hard_error "ss's server pid $server is not the helper's server"

check_timing stalled_reader "stalled_reader/pid:$server" "$out"
check_timing zero_window "zero_window/127.0.0.1" "$out"
# Started now, the pattern long in place: named at the first sample.
out=$(diagnoses 3) || fail "tcpdeck failed on the stalled reader"
for line in 1 2 3; do
  sample=$(sed -n "${line}p" <<<"$out")
  f=$(finding "stalled_reader/pid:$server" "$sample")
  if grep -q "\"title\": \"tcpdeck-test-st (pid $server) stopped reading: $N connections on port $PORT hold data it does not read, oldest waiting at least [0-9]* s\"" <<<"$f" &&
    grep -q "\"pid\": $server, \"process\": \"tcpdeck-test-st\", \"port\": $PORT," <<<"$f" &&
    grep -q "strace -f -p $server" <<<"$f"; then
    pass "sample $line: stalled_reader names pid $server and port $PORT, as ss does"
  else
    fail "sample $line: stalled_reader: $sample"
  fi
  f=$(finding "zero_window/127.0.0.1" "$sample")
  if grep -q "\"title\": \"Peer 127.0.0.1 stopped reading: $N connections to its port $PORT cannot send, held by its zero window" <<<"$f" &&
    grep -q "\"pid\": $clients, \"process\": \"tcpdeck-test-st\", \"port\": $PORT," <<<"$f"; then
    pass "sample $line: zero_window names peer 127.0.0.1, port $PORT, sender $clients"
  else
    fail "sample $line: zero_window: $sample"
  fi
  ids=$(grep -o '"id": "[a-z_0-9]*"' <<<"$sample" | sort -u | tr '\n' ' ')
  [ "$ids" = '"id": "stalled_reader" "id": "zero_window" ' ] ||
    fail "sample $line: unexpected findings: $ids"
done
stop_stall

# ------------------------------------------------------------ writer
PORT=8402
start_stall writer $PORT
out=$(diagnoses 40) || fail "tcpdeck failed on the client that never reads"
ss_pid server 2 "( sport = :$PORT )"
ss_pid clients 1 "( dport = :$PORT )"
ss_persist=$(ss -tnoH state established "( sport = :$PORT )" | grep -c 'timer:(persist')
[ "$ss_persist" -eq $N ] || hard_error "ss shows $ss_persist server sockets probing, not $N"
[ "$clients" = "$(sed -n 's/.* clients=\([0-9]*\)$/\1/p' "$work/stall.out")" ] ||
  hard_error "ss's client pid $clients is not the helper's clients"

check_timing zero_window "zero_window/127.0.0.3" "$out"
check_timing stalled_reader "stalled_reader/pid:$clients" "$out"
out=$(diagnoses 3) || fail "tcpdeck failed on the client that never reads"
for line in 1 2 3; do
  sample=$(sed -n "${line}p" <<<"$out")
  f=$(finding "zero_window/127.0.0.3" "$sample")
  if grep -q "\"title\": \"Peer 127.0.0.3 stopped reading: $N connections on port $PORT cannot send, held by its zero window, oldest at least [0-9]* s\"" <<<"$f" &&
    grep -q "\"pid\": $server, \"process\": \"tcpdeck-test-st\", \"port\": $PORT," <<<"$f" &&
    grep -q 'zero-window probes; sending: tcpdeck-test-st' <<<"$f"; then
    pass "sample $line: zero_window names peer 127.0.0.3 and port $PORT, sender $server"
  else
    fail "sample $line: zero_window: $sample"
  fi
  f=$(finding "stalled_reader/pid:$clients" "$sample")
  grep -q "\"title\": \"tcpdeck-test-st (pid $clients) stopped reading: $N connections to 127.0.0.1:$PORT hold data" <<<"$f" &&
    pass "sample $line: stalled_reader names the clients (pid $clients)" ||
    fail "sample $line: stalled_reader: $sample"
done
stop_stall

# --- gone: the connections closed, nothing left ----------------------------
out=$(diagnoses 3) || fail "tcpdeck failed after the patterns"
[ "$(grep -c '"findings": \[\]}$' <<<"$out")" -eq 3 ] &&
  pass "after the patterns: no findings" || fail "after the patterns:"$'\n'"$out"

# --- a clean load test -------------------------------------------------------
# tcpdeck-stress without leaks, tcpdeck beside it in its namespace.  Its
# short and long-lived connections read everything: nothing may fire for
# them.  Halfway through its plateau it opens 16 connections on purpose
# whose server never reads again (and whose clients it kills later): the
# only findings allowed are those, once they have waited $AGE s, naming the
# server (stalled_reader; by port once it is exiting at the end) and the
# load generator's address (zero_window) on port 8080, 16 connections at
# most.
: "${STRESS:?STRESS must name the tcpdeck-stress binary}"
STALLED=16
timeout 120 "$STRESS" --duration 20 --rate 60 --leak-every 0 --run bash -c \
  'echo "$TCPDECK_STRESS_SERVER_PID $TCPDECK_STRESS_LOAD_PID" >"$1"; exec "$2" -b -d 0.2 -n 90 --view diagnoses -o json' \
  stress-run "$work/pids" "$TCPDECK" >"$work/stress.json" 2>"$work/stress.err" ||
  hard_error "tcpdeck-stress failed: $(tail -n 3 "$work/stress.err")"
read -r stress_server stress_load <"$work/pids"
phase_at() {
  date -d "$(grep -E "^[0-9T:.-]+Z \+[0-9.]+s $1: " "$work/stress.err" | cut -d' ' -f1)" +%s.%N
}
plateau=$(phase_at plateau)
synflood=$(phase_at synflood)
stall_at=$(awk -v p="$plateau" -v s="$synflood" 'BEGIN { printf "%.3f", p + (s - p) / 2 }')
early=0 wrong=0 fired=0 samples=0
while IFS= read -r line; do
  samples=$((samples + 1))
  mine=$(grep -o '{"id": "\(stalled_reader\|zero_window\)"[^}]*}' <<<"$line")
  [ -n "$mine" ] || continue
  fired=$((fired + 1))
  if awk -v t="$(line_time "$line")" -v s="$stall_at" -v a=$AGE 'BEGIN { exit !(t < s + a) }'; then
    early=$((early + 1))
    echo "before the stall had lasted $AGE s: $mine"
  fi
  while IFS= read -r f; do
    n=$(grep -o 'stopped reading: [0-9]* connections' <<<"$f" | cut -d' ' -f3)
    case $f in
      *'"key": "stalled_reader/pid:'"$stress_server"'"'*'"port": 8080,'*) ;;
      # The same connections while the server exits at the end.
      *'"key": "stalled_reader/port:8080"'*'"port": 8080,'*) ;;
      *'"key": "zero_window/127.0.0.1"'*'"pid": '"$stress_load"', '*'"port": 8080,'*) ;;
      *'"key": "zero_window/::1"'*'"pid": '"$stress_load"', '*'"port": 8080,'*) ;;
      *) n=999 ;;
    esac
    if [ "${n:-999}" -gt $STALLED ]; then
      wrong=$((wrong + 1))
      echo "not the stalled connections: $f"
    fi
  done <<<"$mine"
done <"$work/stress.json"
[ "$samples" -ge 80 ] || fail "clean load test: only $samples samples"
[ "$early" -eq 0 ] && [ "$wrong" -eq 0 ] &&
  pass "clean load test: nothing before its stalled connections had waited $AGE s, nothing but them after ($fired of $samples samples)" ||
  fail "clean load test: $early samples too early, $wrong findings not about the stalled connections"
[ "$fired" -gt 0 ] && grep -q "\"key\": \"stalled_reader/pid:$stress_server\"" "$work/stress.json" &&
  pass "clean load test: its $STALLED deliberately stalled connections are named" ||
  fail "clean load test: the deliberately stalled connections were not named"

finish
