#!/bin/bash
# tui_listen.sh - the LISTEN panel inside tmux: one block per process with
# its pid, user and command line; each listening address with its accept
# queue against the backlog and its connections; a full queue flagged;
# sorting and view switching by key.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

tmux_dashboard_setup tcpdeck-listen

start 7001 3                # 3 established
start -6 7002 1             # IPv6, 1 established
start -b 4 -q 4 7003 0      # accept queue 4 of backlog 4: full
web_pid=${pids[0]}
v6_pid=${pids[1]}
full_pid=${pids[2]}


tm new-session -d -s tui -x 110 -y 30 "env LANG=C.UTF-8 TERM=xterm-256color $TCPDECK -d 0.2"
wait_sample '^LISTEN +3 ' || hard_error "dashboard did not start: $(screen)"
tm send-keys -t tui 2
wait_screen 'LOCAL ADDRESS:PORT' && pass "2 switches to the LISTEN panel" || fail "no LISTEN panel: $(screen)"
wait_screen "^$web_pid +root +.*tcpdeck-test-listener 7001 3" && pass "block header: pid, user, command line" ||
  fail "no block for $web_pid: $(screen)"

row() { screen | grep -E "^  $1 "; }
[[ "$(row '127\.0\.0\.1:7001')" =~ tcp\ +0/64\ +3\ +0 ]] && pass "7001: queue 0/64, 3 established" ||
  fail "7001 row: '$(row '127\.0\.0\.1:7001')'"
[[ "$(row '\[::1\]:7002')" =~ tcp6\ +0/64\ +1\ +0 ]] && pass "7002: IPv6, 1 established" ||
  fail "7002 row: '$(row '\[::1\]:7002')'"
[[ "$(row '127\.0\.0\.1:7003')" =~ 4/4.*QUEUE\ FULL ]] && pass "7003: full accept queue flagged" ||
  fail "7003 row: '$(row '127\.0\.0\.1:7003')'"
# The full queue is drawn in the alert colour (red).
tm capture-pane -p -e -t tui | grep '7003' | grep -q $'\e\\[31m\|\e\\[1;31m\|\e\\[31;1m' &&
  pass "full queue in red" || fail "full queue not in red"

# Blocks come in port order: 7001's process, then 7002's, then 7003's.
order=$(screen | grep -Eo "^($web_pid|$v6_pid|$full_pid) " | tr -d ' ' | tr '\n' ' ')
[ "$order" = "$web_pid $v6_pid $full_pid " ] && pass "blocks sorted by port" ||
  fail "block order '$order'"
grep -q "by port" <<<"$(screen)" && pass "sort shown" || fail "sort order not shown"

# > sorts by process, > again by connections: 7003's 4 queued connections
# are established sockets too, so it comes first, then 7001 (3), 7002 (1).
tm send-keys -t tui '>'
wait_screen 'by process' && pass "> sorts by process" || fail "> did not change the sort"
tm send-keys -t tui '>'
wait_screen 'by connections' || fail "second > did not sort by connections"
order=$(screen | grep -Eo "^($web_pid|$v6_pid|$full_pid) " | tr -d ' ' | tr '\n' ' ')
[ "$order" = "$full_pid $web_pid $v6_pid " ] && pass "by connections: busiest first" ||
  fail "order '$order'"
tm send-keys -t tui '<' '<'
wait_screen 'by port' && pass "< goes back" || fail "< did not go back to port"

# Help lists the panel's own keys; Tab goes through every view and comes
# back to the states view.
tm send-keys -t tui '?'
wait_screen 'In the listen view' && pass "help lists the view's keys" || fail "no view keys in help"
tm send-keys -t tui x
tm send-keys -t tui Tab
wait_screen 'LOCAL +REMOTE' && pass "Tab goes on to the connection table" || fail "Tab: $(screen | head -4)"
tm send-keys -t tui Tab
wait_screen '^FINDINGS' && pass "Tab goes on to the findings" || fail "Tab: $(screen | head -4)"
tm send-keys -t tui Tab Tab Tab Tab Tab Tab
wait_screen '^STATE +COUNT' && pass "Tab comes back to the states view" || fail "Tab: $(screen | head -4)"
tm send-keys -t tui q

finish
