#!/bin/bash
# tui_drill_netns.sh - the drill-down of a connection in another network
# namespace asks the kernel for its whole tcp_info there: the dashboard
# runs in the test's own namespace with -N on a namespace made here, where
# the test listener holds a connection; the details of that connection
# must list every tcp_info field and the congestion control (a query made
# from tcpdeck's own namespace finds no such socket: "the connection is
# gone").
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
command -v ip >/dev/null || skip_test "ip (iproute2) is not installed"
[ "$(id -u)" = 0 ] || skip_test "creating network namespaces needs root"
enter_private_netns "$@"

NS=nsperf-drill-$$
tmux_dashboard_setup tcpdeck-drill-netns
cleanup() {
  tmux_dashboard_cleanup
  ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT

ip netns add "$NS" || hard_error "ip netns add $NS failed"
ip -n "$NS" link set lo up || hard_error "no lo in $NS"
out=$(mktemp)
ip netns exec "$NS" timeout 150 "$LISTENER" 7301 1 >"$out" &
pids+=($!)
for _ in $(seq 1 50); do grep -q ready "$out" && break; sleep 0.1; done
grep -q ready "$out" || hard_error "listener in $NS did not start"
rm -f "$out"
[ -z "$(ss -tanH 'sport = :7301')" ] || hard_error "port 7301 is in use in the test's own namespace"

tm new-session -d -s tui -x 160 -y 40 "env LANG=C.UTF-8 TERM=screen $TCPDECK -d 0.3 -N $NS"
wait_screen 'ESTABLISHED' || hard_error "dashboard did not start: $(screen)"
tm send-keys -t tui 3
wait_screen 'LOCAL +REMOTE' || hard_error "no connection table: $(screen)"
tm send-keys -t tui / 'state established sport = :7301' Enter
wait_screen 'filter: state established sport = :7301' || fail "filter not taken: $(screen)"
sleep 0.5
tm send-keys -t tui Home Enter
wait_screen 'connection details' && pass "Enter opens the details of a connection in $NS" ||
  fail "no details: $(screen)"
if wait_screen 'all of tcp_info \([0-9]+ bytes\), congestion control [a-z]' &&
  screen | grep -q 'snd_mss '; then
  pass "its whole tcp_info comes from its own namespace"
else
  fail "no tcp_info for a connection of another namespace: $(screen | grep -E 'tcp_info|gone' | head -3)"
fi

finish
