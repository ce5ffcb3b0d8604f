#!/bin/bash
# tui_closed.sh - closed connections in the dashboard, inside tmux at
# 80x24: view 9's band (exact rates, the histogram of lifetimes, the top
# peers per second) and its rows, sorted (> < I) and filtered; and the
# connection table's red lingering rows for connections that closed
# between two samples, capped; the kernel view's and the marked test's
# exact figures from the events.  The connections come from
# tcpdeck-test-churn, each lasting milliseconds: no sample sees them.
# Every wait is a bounded loop on what the screen shows.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${CHURN:?CHURN must name the tcpdeck-test-churn program}"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

tmux_dashboard_setup tcpdeck-closeview

N=20
# Rows of the closed table on port $1: lines with it at either end.
rows_on() { screen | grep -c -E ":$1( |$)" || true; }
# The counts row of the histogram, as fields: never <1ms ... >60s.
counts() { screen | grep -E '^closes ' | head -1; }

# The dashboard must be listening before the first close: the log says so.
log=$(mktemp /tmp/tui-closeview.XXXXXX)
cleanup_log() { rm -f "$log"; }
tm new-session -d -s tui -x 80 -y 24 \
  "env LANG=C.UTF-8 TERM=screen $TCPDECK -d 0.5 --linger 300 -v $log"
for _ in $(seq 1 100); do grep -q 'close events: receive buffer' "$log" && break; sleep 0.1; done
grep -q 'close events: receive buffer' "$log" || hard_error "no close listener: $(screen)"
tm send-keys -t tui 9
wait_screen 'lifetime +never' && pass "9 shows the closed view with its histogram" ||
  fail "no histogram: $(screen)"

"$CHURN" seq 4 9201 "$N" 1000 >/dev/null || hard_error "churn failed"
wait_screen "total $((2 * N)) \\($((2 * N)) unseen\\)" && pass "$((2 * N)) closes counted" ||
  fail "closes not counted: $(screen)"

# Every close was short-lived: all in the never-sampled bucket.
read -r -a c <<<"$(counts)"
[ "${c[1]:-}" = $((2 * N)) ] && [ "${c[2]}" = 0 ] && [ "${c[8]}" = 0 ] &&
  pass "histogram: $((2 * N)) never sampled, no other bucket" || fail "histogram: $(counts)"
wait_screen '^top peers/s +127\.0\.0\.1 [0-9.]+' && pass "top peers: 127.0.0.1 with a rate" ||
  fail "top peers: $(screen | grep 'top peers')"

# 80x24: the table's columns fit, its rows fill the screen below the band.
screen | grep -q -E '^TIMEv +LOCAL +REMOTE +LIFETIME +SENT +RECV *$' &&
  pass "the table's columns fit 80 columns" || fail "header: $(screen | grep TIME)"
[ "$(rows_on 9201)" -ge 10 ] && pass "$(rows_on 9201) rows of closes on screen" ||
  fail "$(rows_on 9201) rows on screen: $(screen)"
screen | grep -q 'TIMEv' && pass "newest first, marked on TIME" || fail "no sort mark on TIME"

# Sorting: > to lifetime, then sent (descending: the servers' 1001 bytes
# first), I ascending (the clients' SYN and FIN).
first_sent() { screen | grep -E ':9201( |$)' | head -1 | awk '{ print $(NF - 1) }'; }
tm send-keys -t tui '>'
wait_screen 'LIFETIMEv' && pass "> sorts by lifetime" || fail "no lifetime sort: $(screen)"
tm send-keys -t tui '>'
wait_screen 'SENTv' && pass "> again sorts by bytes sent" || fail "no sent sort: $(screen)"
[ "$(first_sent)" = 1001 ] && pass "largest sent first" || fail "first sent: $(first_sent)"
tm send-keys -t tui I
wait_screen 'SENT\^' && pass "I inverts the order" || fail "not inverted: $(screen)"
s=$(first_sent)
[ -n "$s" ] && [ "$s" -lt 1001 ] && pass "smallest sent first ($s)" || fail "first sent inverted: $s"
tm send-keys -t tui '<'
wait_screen 'LIFETIME\^' && pass "< goes back a column" || fail "< did not: $(screen)"
# Owner: too wide for 80 columns, named over the header.
for _ in 1 2 3 4 5 6 7; do tm send-keys -t tui '>'; done
wait_screen 'sorted by owner\^' && pass "a sort column not shown is named" ||
  fail "owner sort not named: $(screen)"

# The filter applies to the rows and the histogram.
tm send-keys -t tui / 'sport = :9201' Enter
wait_screen 'filter: sport = :9201' || fail "filter not shown: $(screen)"
for _ in $(seq 1 50); do read -r -a c <<<"$(counts)"; [ "${c[1]:-}" = "$N" ] && break; sleep 0.1; done
[ "${c[1]:-}" = "$N" ] && pass "filtered histogram: $N server sides" || fail "filtered: $(counts)"
bad=$(screen | grep -E ':[0-9]+ ' | grep -v -c -E '^[0-9:.]+ +127\.0\.0\.1:9201 ' || true)
[ "$bad" -eq 0 ] && pass "every row is a server side" || fail "$bad rows not on :9201: $(screen)"
tm send-keys -t tui / C-u Enter

# The connection table: the short-lived closes linger as red rows,
# newest first among them, at most half the screen (24 lines: 12).
tm send-keys -t tui 3
wait_screen 'LOCAL +REMOTE +STATE\^' || fail "no connection table: $(screen)"
# Inverted by state: CLOSE above TIME_WAIT and the rest.
tm send-keys -t tui I
wait_screen 'STATEv' || fail "not inverted: $(screen)"
"$CHURN" seq 4 9202 "$N" 1000 >/dev/null || hard_error "churn failed"
lingering() { screen | grep -c -E '9202 .*CLOSE' || true; }
for _ in $(seq 1 100); do [ "$(lingering)" -ge 12 ] && break; sleep 0.1; done
[ "$(lingering)" -eq 12 ] && pass "12 short-lived rows linger (half of 24 lines)" ||
  fail "$(lingering) lingering rows: $(screen)"
tm capture-pane -p -e -t tui | grep -E '9202 .*CLOSE' | grep -q $'\e\\[[0-9;]*31m' &&
  pass "lingering rows are red" || fail "not red: $(tm capture-pane -p -e -t tui | grep 9202 | head -2)"

# A bigger screen: the cap is 20 whatever the screen.
tm resize-window -t tui -x 160 -y 60
"$CHURN" seq 4 9203 "$N" 1000 >/dev/null || hard_error "churn failed"
lingering3() { screen | grep -c -E '(:9203 |:9202 ).*CLOSE' || true; }
for _ in $(seq 1 100); do [ "$(lingering3)" -ge 20 ] && [ "$(screen | grep -c -E '9203 .*CLOSE')" -ge 20 ] && break; sleep 0.1; done
[ "$(lingering3)" -eq 20 ] && pass "at most 20 short-lived rows linger" ||
  fail "$(lingering3) lingering rows: $(screen)"
[ "$(screen | grep -c -E '9203 .*CLOSE')" -eq 20 ] && pass "the newest ones" ||
  fail "$(screen | grep -c 9203) rows of the newest churn"
# k refuses a lingering row: it is closed already.
tm send-keys -t tui / 'sport = :9203' Enter
wait_screen 'filter: sport = :9203' || fail "filter not shown"
tm send-keys -t tui k
wait_screen 'no open connection selected' && pass "k does not act on a lingering row" ||
  fail "k on a lingering row: $(screen | tail -3)"
tm send-keys -t tui / C-u Enter
tm resize-window -t tui -x 80 -y 24

# The kernel view: a line of exact figures from the events.
tm send-keys -t tui 5
wait_screen '^events +closes/s [0-9.]+  short-lived/s [0-9.]+  opens/s client [0-9.]+ server [0-9.]+  lost 0' &&
  pass "the kernel view shows the events' figures" || fail "kernel view: $(screen | head -6)"

# The marked test: opens and closes exact, from the events.  The
# summary grows while the test runs: wait until it has every close.
tm send-keys -t tui m 7
wait_screen 'Stress test running' || fail "test not running: $(screen)"
"$CHURN" seq 4 9204 "$N" 1000 >/dev/null || hard_error "churn failed"
wait_screen "opened $((2 * N)) .*closed $((2 * N)) " &&
  pass "the test counts $((2 * N)) opens and $((2 * N)) closes" || fail "test summary: $(screen)"
wait_screen "$N opened as client, $N as server; $((2 * N)) short-lived; 0 events lost" &&
  pass "exact: $N client and $N server opens, all short-lived" || fail "test summary: $(screen)"
cleanup_log
finish
