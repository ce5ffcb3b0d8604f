#!/bin/bash
# tui_drill.sh - the drill-down page of listeners and of a connection,
# inside tmux.
#
# In a network namespace of its own: a listener on a wildcard address
# (tcpdeck --serve 0.0.0.0:PORT), one on 127.0.0.1 with a connection.  A
# listener's tcpdump and ss lines are its port, and its address when that
# is not a wildcard (never "host 0.0.0.0 ... port 0"); the connection's
# tcp_info shows its unlimited max_pacing_rate (the kernel's ~0) as
# "unlimited", and every tcp_info cell stays inside its 30-cell column.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

tmux_dashboard_setup tcpdeck-drill

start 7201 1
# A listener on 0.0.0.0: tcpdeck's own exporter, bounded by -n.
timeout 120 "$TCPDECK" -b --view states -d 1 -n 100 --serve 0.0.0.0:7290 >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  ss -tlnH 'sport = :7290' | grep -q 7290 && break
  sleep 0.1
done
ss -tlnH 'sport = :7290' | grep -q '0.0.0.0:7290' || hard_error "no listener on 0.0.0.0:7290"

tm new-session -d -s tui -x 160 -y 50 "env LANG=C.UTF-8 TERM=screen $TCPDECK -d 0.3"
wait_screen '^ESTABLISHED' || hard_error "dashboard did not start: $(screen)"
tm send-keys -t tui 3
wait_screen 'PROTO +LOCAL' || hard_error "no connection table: $(screen)"

# drill FILTER: the details of the first row the filter leaves.
drill() {
  tm send-keys -t tui Escape
  wait_screen 'PROTO +LOCAL' || fail "not back in the table: $(screen)"
  tm send-keys -t tui / C-u "$1" Enter
  wait_screen "filter: $1" || fail "filter $1 not taken: $(screen | tail -3)"
  sleep 0.5
  tm send-keys -t tui Home Enter
  wait_screen 'connection details' || fail "no details for $1: $(screen)"
}

drill 'state listening sport = :7290'
wait_screen "tcpdump -ni any 'tcp and port 7290'" &&
  pass "wildcard listener: tcpdump on its port" || fail "wildcard listener: $(screen | grep tcpdump)"
screen | grep -q "ss -tlni 'sport = :7290'" && pass "wildcard listener: ss on its port" ||
  fail "wildcard listener: $(screen | grep 'ss -t')"
screen | grep -Eq "host 0\.0\.0\.0|port 0'" && fail "a wildcard or port 0 offered: $(screen)" ||
  pass "no 0.0.0.0 or port 0 in the listener's lines"

drill 'state listening sport = :7201'
wait_screen "tcpdump -ni any 'tcp and host 127.0.0.1 and port 7201'" &&
  pass "listener on 127.0.0.1: tcpdump on its address and port" ||
  fail "127.0.0.1 listener: $(screen | grep tcpdump)"
screen | grep -q "ss -tlni 'src 127.0.0.1:7201'" && pass "listener on 127.0.0.1: ss" ||
  fail "127.0.0.1 listener: $(screen | grep 'ss -t')"

drill 'state established sport = :7201'
wait_screen 'all of tcp_info' || fail "no tcp_info on the connection: $(screen)"
screen | grep -q 'max_pacing_rate unlimited' && pass "max_pacing_rate unlimited" ||
  fail "max_pacing_rate: $(screen | grep -o 'max_pacing_rate[^ ]* *[^ ]*')"
screen | grep -q '9223372036854775807\|18446744073709551615' &&
  fail "a raw ~0 is shown: $(screen | grep -o '[a-z_]* 922[0-9]*')" || pass "no raw ~0"
# The cells of tcp_info start every 30 cells from column 2: the cell
# before each start ends with a space, so nothing runs into the next.
bad=$(screen | sed -n '/all of tcp_info/,$p' | tail -n +2 | awk '
  length($0) == 0 { next }
  { for (c = 32; c <= length($0); c += 30) if (substr($0, c, 1) != " ") print }')
[ -z "$bad" ] && pass "every tcp_info cell inside its column" || fail "cells run over:"$'\n'"$bad"

finish
