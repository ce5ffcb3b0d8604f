#!/bin/bash
# stress.sh - tcpdeck-stress really plays what it promises, and tcpdeck
# counts it as ss does.
#
# A short scenario runs with this script as its --run command ("--inside"
# below), so the checks happen inside the scenario's own network namespace
# while it plays: in the plateau CLOSE_WAIT owned by the server, TIME_WAIT
# and ESTABLISHED; in the SYN burst a full accept queue and SYN_RECV or
# rising ListenOverflows; after the kill FIN_WAIT1 orphans.  Each time
# tcpdeck's state counts must equal ss's: the scenario is paused (SIGUSR1)
# for the sample, and a sample counts only when ss gave the same counts
# just before and just after it.
#
# Outside: the phase lines, the exit status, that every child is gone, that
# the host saw none of it, SIGTERM and the attach line without --run, and
# bad options (one line, non-zero) including a user who may not create a
# namespace.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${STRESS:?STRESS must name the tcpdeck-stress binary}"

PHASES="ramp plateau synflood kill drain"
PHASE_LINE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z \+[0-9]+\.[0-9]s'

# ------------------------------------------------------------ inside
if [ "${1:-}" = --inside ]; then
  log=$2
  state_dir=$3
  : "${TCPDECK_STRESS_SERVER_PID:?not started by tcpdeck-stress}"
  : "${TCPDECK_STRESS_LOAD_PID:?}" "${TCPDECK_STRESS_PORT:?}" "${TCPDECK_STRESS_PID:?}"
  server=$TCPDECK_STRESS_SERVER_PID
  load=$TCPDECK_STRESS_LOAD_PID
  port=$TCPDECK_STRESS_PORT
  echo "$server $load" >"$state_dir/pids"

  wait_phase() {
    for _ in $(seq 1 300); do
      grep -Eq "$PHASE_LINE $1: " "$log" && return 0
      sleep 0.1
    done
    hard_error "phase $1 never started"
  }
  # SIGUSR1 freezes the scenario (load generator stopped, clock held) until
  # SIGUSR2, so a slow machine cannot let a phase end under a check.
  pause_scenario() {
    local n
    n=$(grep -c "s paused (" "$log")
    kill -USR1 "$TCPDECK_STRESS_PID"
    for _ in $(seq 1 100); do
      [ "$(grep -c "s paused (" "$log")" -gt "$n" ] && break
      sleep 0.1
    done
    [ "$(grep -c "s paused (" "$log")" -gt "$n" ] || hard_error "the scenario did not pause"
    sleep 0.3 # a connection in flight finishes
  }
  resume_scenario() { kill -USR2 "$TCPDECK_STRESS_PID"; }
  # The checks of a phase must finish before the next one starts.
  still_in() {
    grep -Eq "$PHASE_LINE $2: " "$log" &&
      hard_error "checking the $1 phase took until the $2 phase: machine too slow"
    return 0
  }
  overflows() { nstat -saz TcpExtListenOverflows | awk '$1 == "TcpExtListenOverflows" { print $2 }'; }
  # ss and tcpdeck on the same quiet moment: sets $counts (ss) and $json.
  sample() {
    local before after
    for attempt in 1 2 3 4 5; do
      before=$(ss_counts)
      json=$(timeout 30 "$TCPDECK" -b -n 1 --view states -o json) || hard_error "tcpdeck -b failed"
      after=$(ss_counts)
      if [ "$before" = "$after" ]; then
        counts=$before
        return 0
      fi
      echo "sockets moved during attempt $attempt, sampling again"
      sleep 0.1
    done
    hard_error "socket counts never held still for one sample"
  }
  compare_all() {
    local state want got bad=""
    for state in $STATES; do
      want=$(count_of "$state" "$counts")
      got=$(json_count "$state" "$json")
      [ "$got" = "$want" ] || bad="$bad $state:tcpdeck=$got,ss=$want"
    done
    [ -z "$bad" ] && pass "$1: tcpdeck's counts equal ss's ($(echo $counts))" ||
      fail "$1: tcpdeck and ss differ:$bad"
  }
  positive() { # PHASE STATE: ss and tcpdeck both count some
    local want got
    want=$(count_of "$2" "$counts")
    got=$(json_count "$2" "$json")
    [ "$want" -gt 0 ] && [ "${got:-0}" -gt 0 ] && pass "$1: $2 = $got" ||
      fail "$1: expected $2 > 0, ss $want, tcpdeck ${got:-none}"
  }

  wait_phase ramp
  ov0=$(overflows)
  [ -n "$ov0" ] || hard_error "nstat shows no TcpExtListenOverflows"

  # Plateau (9 s): long-lived connections open over its first half, the
  # stalled ones at its middle; sample late in it.
  wait_phase plateau
  sleep 6.5
  pause_scenario
  sample
  compare_all plateau
  positive plateau ESTABLISHED
  positive plateau TIME_WAIT
  positive plateau CLOSE_WAIT
  still_in plateau synflood
  resume_scenario

  # SYN burst: the server has stopped accepting; waves of connects arrive.
  # The accept queue is full from the first wave on; ss is read before and
  # after tcpdeck, which can take a while (it reads every process's fds).
  wait_phase synflood
  sleep 1
  pause_scenario
  listen_q() { ss -ltnH "sport = :$port" | awk '$4 ~ /^127\.0\.0\.1:/ { print $2 }'; }
  ss_q=$(listen_q)
  listen_json=$(timeout 30 "$TCPDECK" -b -n 1 --view listen -o json) || hard_error "tcpdeck --view listen failed"
  ss_q2=$(listen_q)
  td_q=$(printf '%s\n' "$listen_json" | grep "\"local_port\": $port," | grep '"family": "ipv4"' |
    sed -n 's/.*"accept_queue": \([0-9]*\).*/\1/p')
  [ -n "$ss_q" ] && [ "$ss_q" -gt 0 ] && [ "$ss_q" = "$ss_q2" ] && [ "$td_q" = "$ss_q" ] &&
    pass "synflood: accept queue of 127.0.0.1:$port is $td_q in tcpdeck and ss" ||
    fail "synflood: accept queue tcpdeck '${td_q}', ss '${ss_q}' then '${ss_q2}'"
  sample
  compare_all synflood
  ov1=$(overflows)
  syn_recv=$(count_of SYN_RECV "$counts")
  [ "$syn_recv" -gt 0 ] || [ "$ov1" -gt "$ov0" ] &&
    pass "synflood: SYN_RECV $syn_recv, ListenOverflows $ov0 -> $ov1" ||
    fail "synflood: no SYN_RECV and ListenOverflows stayed at $ov0"
  still_in synflood kill
  resume_scenario

  # Drain: the load generator was SIGKILLed holding unsent data.
  wait_phase drain
  sleep 0.5
  pause_scenario
  kill -0 "$load" 2>/dev/null && fail "drain: the load generator $load is still alive" ||
    pass "drain: the load generator is gone"
  sample
  compare_all drain
  positive drain FIN_WAIT1
  positive drain TIME_WAIT
  orphans=$(ss -tanpH state fin-wait-1 | grep -vc 'users:')
  [ "$orphans" -gt 0 ] && pass "drain: $orphans FIN_WAIT1 sockets owned by no process (orphans)" ||
    fail "drain: no orphaned FIN_WAIT1 socket"
  # Slow (ss -p reads every process's fds), so last: one ss output.
  cw=$(ss -tanpH state close-wait)
  cw_all=$(printf '%s\n' "$cw" | grep -c .)
  cw_server=$(printf '%s\n' "$cw" | grep -c "pid=$server,")
  [ "$cw_server" -gt 0 ] && [ "$cw_server" = "$cw_all" ] &&
    pass "drain: all $cw_all CLOSE_WAIT sockets are the server's (pid $server)" ||
    fail "drain: $cw_server of $cw_all CLOSE_WAIT sockets owned by the server $server"
  resume_scenario
  finish
fi

# ----------------------------------------------------------- outside
[ "$(id -u)" -eq 0 ] || skip_test "tcpdeck-stress creates a network namespace: run the tests as root"
command -v nstat >/dev/null || skip_test "nstat (iproute2) is not installed"

tmp=$(mktemp -d)
bg_pid=""
cleanup() {
  [ -n "$bg_pid" ] && kill -KILL "$bg_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# Bad options: exit 2, one line on stderr naming the word, nothing on stdout.
check_bad() {
  local word=$1 status out
  shift
  out=$(timeout 30 "$STRESS" "$@" 2>"$tmp/err")
  status=$?
  if [ "$status" -ne 2 ]; then
    fail "'$*' exited $status, expected 2"
  elif [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -qF -- "$word" "$tmp/err"; then
    fail "'$*' should print one line naming '$word', printed: $(cat "$tmp/err")"
  elif [ -n "$out" ]; then
    fail "'$*' wrote to stdout"
  else
    pass "'$*' -> $(cat "$tmp/err")"
  fi
}
check_bad --bogus --bogus
check_bad "'0'" --duration 0
check_bad "'x'" --rate x
check_bad "'-1'" --leak-every -1
check_bad "'70000'" --port 70000
check_bad --run --run
check_bad --duration --duration

# A user without CAP_SYS_ADMIN is told what is missing, in one line.
command -v setpriv >/dev/null || hard_error "setpriv (util-linux) is needed"
mkdir "$tmp/bin" && cp "$STRESS" "$tmp/bin/" && chmod -R a+rx "$tmp"
setpriv --reuid 65534 --regid 65534 --clear-groups "$tmp/bin/$(basename "$STRESS")" \
  --duration 5 >/dev/null 2>"$tmp/err"
status=$?
[ "$status" -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q CAP_SYS_ADMIN "$tmp/err" &&
  grep -q -- --no-netns "$tmp/err" && pass "non-root: exit $status, $(cat "$tmp/err")" ||
  fail "non-root: exit $status, stderr: $(cat "$tmp/err")"

# A command that cannot be run: one line, exit 1, nothing left behind.
timeout 30 "$STRESS" --duration 5 --run "$tmp/no-such-command" >/dev/null 2>"$tmp/err"
status=$?
[ "$status" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "cannot run" "$tmp/err" &&
  pass "--run of a missing command: $(cat "$tmp/err")" ||
  fail "--run of a missing command: exit $status, stderr: $(cat "$tmp/err")"

# --no-netns uses the namespace it is started in (here one of our own).
timeout 60 unshare -n bash -c 'ip link set lo up && exec "$0" --no-netns --duration 4 --rate 20' \
  "$STRESS" >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] && grep -Eq "$PHASE_LINE end: [1-9][0-9]* short connections \(0 failed\)" "$tmp/err" &&
  ! grep -q nsenter "$tmp/out" && pass "--no-netns: $(tail -1 "$tmp/err")" ||
  fail "--no-netns: exit $status: $(cat "$tmp/out" "$tmp/err")"

# The scenario, checked from inside.
port=$((18000 + $$ % 1000))
mkdir -p "$tmp/state"
timeout 180 "$STRESS" --duration 30 --port "$port" --rate 150 --leak-every 5 \
  --run bash "$0" --inside "$tmp/log" "$tmp/state" >"$tmp/out" 2>"$tmp/log"
status=$?
cat "$tmp/out"
sed 's/^/  log: /' "$tmp/log"
[ "$status" -eq 0 ] && pass "scenario and inside checks passed" ||
  fail "tcpdeck-stress --run exited $status"

last=0
for phase in $PHASES; do
  n=$(grep -nE "$PHASE_LINE $phase: " "$tmp/log" | head -1 | cut -d: -f1)
  if [ -n "$n" ] && [ "$n" -gt "$last" ]; then
    pass "phase line: $phase"
    last=$n
  else
    fail "phase $phase missing or out of order"
  fi
done
read -r server load <"$tmp/state/pids" 2>/dev/null || hard_error "the --run command never started"
kill -0 "$server" 2>/dev/null && fail "server $server still running" || pass "server ended"
kill -0 "$load" 2>/dev/null && fail "load generator $load still running" || pass "load generator ended"
[ -z "$(ss -tanH "( sport = :$port or dport = :$port )")" ] &&
  pass "the host's namespace has no socket on port $port" ||
  fail "sockets on port $port leaked into the host's namespace"

# Without --run: the attach line, watching through it, and SIGTERM.
"$STRESS" --duration 60 --port "$port" >"$tmp/out2" 2>"$tmp/log2" &
bg_pid=$!
for _ in $(seq 1 100); do
  grep -q nsenter "$tmp/out2" && break
  sleep 0.1
done
grep -qF "nsenter --net=/proc/$bg_pid/ns/net tcpdeck" "$tmp/out2" &&
  pass "attach line: $(cat "$tmp/out2")" || fail "no attach line naming pid $bg_pid: $(cat "$tmp/out2")"
listen_json=""
for _ in $(seq 1 20); do
  listen_json=$(nsenter --net="/proc/$bg_pid/ns/net" timeout 30 "$TCPDECK" -b -n 1 --view listen -o json)
  printf '%s\n' "$listen_json" | grep -q "\"local_port\": $port," && break
  sleep 0.2
done
printf '%s\n' "$listen_json" | grep "\"local_port\": $port," | grep -q '"process": "tcpdeck-stress"' &&
  pass "attached tcpdeck sees the server listening on $port" ||
  fail "attached tcpdeck does not see the server: $listen_json"
children=$(ps -o pid= --ppid "$bg_pid" | tr -d ' ')
[ "$(echo "$children" | wc -w)" -eq 2 ] || fail "expected 2 children of $bg_pid, found: $children"
kill -TERM "$bg_pid"
for _ in $(seq 1 100); do
  kill -0 "$bg_pid" 2>/dev/null || break
  sleep 0.1
done
wait "$bg_pid"
status=$?
bg_pid=""
[ "$status" -eq 143 ] && pass "SIGTERM: exit status 143" || fail "SIGTERM: exit status $status"
for c in $children; do
  kill -0 "$c" 2>/dev/null && fail "child $c survived SIGTERM" || pass "child $c ended"
done
grep -q "end: .*(interrupted)" "$tmp/log2" && pass "SIGTERM: end line says interrupted" ||
  fail "no end line after SIGTERM: $(cat "$tmp/log2")"

finish
