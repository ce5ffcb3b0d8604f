#!/bin/bash
# tui_conns.sh - the connection table inside tmux: rows and owners, moving
# the selection, sorting, filtering (a valid expression, and a bad one that
# is marked and leaves the previous filter in force), the state picker,
# drill-down, and closing a connection with k (checked with ss), whose row
# then lingers in red.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

tmux_dashboard_setup tcpdeck-conns

start 7101 3
start -6 7102 2
lpid=${pids[0]}

# Rows of the table: lines with an address:port in them.
table_rows() { screen | grep -E '^(tcp|\*)' ; }

tm new-session -d -s tui -x 160 -y 30 "env LANG=C.UTF-8 TERM=screen $TCPDECK -d 0.2 --linger 30"
wait_sample '^LISTEN +2 ' || hard_error "dashboard did not start: $(screen)"
tm send-keys -t tui 3
wait_screen 'PROTO +LOCAL' && pass "3 shows the connection table" || fail "no table: $(screen)"

# Every socket ss sees is a row, with its owner.
want=$(ss -tanH | wc -l)
wait_screen "7102"
got=$(table_rows | wc -l)
[ "$got" -eq "$want" ] && pass "$got rows, as ss" || fail "$got rows, ss has $want: $(screen)"
table_rows | grep -q "127.0.0.1:7101 .* LISTEN .* $lpid .*tcpdeck-test" &&
  pass "listener row with its owner" || fail "no owner on the 7101 listener: $(table_rows)"

# The table starts sorted by state (marked ^): LISTEN rows first.
screen | grep -q 'STATE^' && pass "sort column marked" || fail "sort mark missing"
[[ "$(table_rows | head -1)" == *LISTEN* ]] && pass "LISTEN first by state" ||
  fail "first row: $(table_rows | head -1)"
tm send-keys -t tui I
wait_screen 'STATEv' && pass "I inverts the order" || fail "no inverted mark"
[[ "$(table_rows | head -1)" == *ESTABLISHED* ]] && pass "ESTABLISHED first inverted" ||
  fail "first row inverted: $(table_rows | head -1)"
tm send-keys -t tui I

# Columns: h hides the sort column, H shows them all, ] moves it right.
title() { screen | grep -E 'PROTO|LOCAL' | head -1; }
tm send-keys -t tui h
sleep 0.3
[[ "$(title)" != *STATE* ]] && pass "h hides the sort column" || fail "STATE still shown: $(title)"
tm send-keys -t tui H
sleep 0.3
[[ "$(title)" == *STATE* ]] && pass "H shows it again" || fail "STATE not back: $(title)"
tm send-keys -t tui ']'
sleep 0.3
[[ "$(title)" =~ PID\ +STATE ]] && pass "] moves the column right" || fail "order: $(title)"
tm send-keys -t tui '['
sleep 0.3
[[ "$(title)" =~ REMOTE\ +STATE ]] && pass "[ moves it back" || fail "order: $(title)"

# Moving the selection: the selected row is drawn in reverse video.
selected() { tm capture-pane -p -e -t tui | grep -E $'\e\\[[0-9;]*7m.*(tcp|127|\\[)' | head -1; }
tm send-keys -t tui End
sleep 0.3
last=$(selected)
tm send-keys -t tui Home
sleep 0.3
first=$(selected)
[ -n "$first" ] && [ "$first" != "$last" ] && pass "Home and End move the selection" ||
  fail "selection did not move"

# A valid filter narrows the rows and is shown in the header.
tm send-keys -t tui / 'sport = :7101' Enter
wait_screen 'filter: sport = :7101' && pass "the active filter is shown" || fail "filter not shown"
sleep 0.3
n=$(table_rows | wc -l)
[ "$n" -eq 4 ] && pass "sport = :7101 leaves the listener and its 3 accepted sockets" ||
  fail "sport = :7101: $n rows: $(table_rows)"

# A bad filter: error pointing at the word, the old filter stays.
tm send-keys -t tui / C-u 'state bogus' Enter
wait_screen "unknown state 'bogus'" && pass "bad filter: $(screen | grep -o "filter: unknown.*" | head -1)" ||
  fail "no error for a bad filter: $(screen | tail -4)"
# The prompt line, with attributes: "bogus" alone is drawn reversed.
prompt_line=$(tm capture-pane -p -e -t tui | grep 'filter: ' | grep 'bogus' | tail -n 1)
[[ "$prompt_line" == *$'\e[1;7m'*bogus* && "$prompt_line" != *$'\e[1;7m'*state*bogus* ]] &&
  pass "the offending word is marked" || fail "offending word not marked: $(cat -v <<<"$prompt_line")"
tm send-keys -t tui Escape
sleep 0.3
[ "$(table_rows | wc -l)" -eq 4 ] && screen | grep -q 'filter: sport = :7101' &&
  pass "the previous filter stays" || fail "previous filter lost: $(screen | head -3)"

# The state picker: 1 is listening.
tm send-keys -t tui s
wait_screen 'state: a all' && pass "s opens the state picker" || fail "no state picker"
tm send-keys -t tui 1
wait_screen 'filter: state listening' || fail "picker did not set the filter"
sleep 0.3
[ "$(table_rows | grep -vc LISTEN)" -eq 0 ] && [ "$(table_rows | wc -l)" -eq 2 ] &&
  pass "state listening: the 2 listeners" || fail "state listening: $(table_rows)"
tm send-keys -t tui / C-u Enter
wait_screen 'filter cleared' || fail "empty filter did not clear"

# Drill-down of the selected connection.
tm send-keys -t tui / 'state established sport = :7101' Enter
sleep 0.4
tm send-keys -t tui Home Enter
wait_screen 'connection details' && pass "Enter opens the details" || fail "no details"
screen | grep -q "owner     pid $lpid" && pass "details name the owner" || fail "details: $(screen)"
screen | grep -Eq "tcpdump -ni any 'tcp and host 127.0.0.1 and port 7101 and host 127.0.0.1 and port [0-9]+'" &&
  pass "details give a tcpdump filter" || fail "no tcpdump filter: $(screen)"
screen | grep -Eq "ss -tani 'src 127.0.0.1:7101 and dst 127.0.0.1:[0-9]+'" &&
  pass "details give an ss expression" || fail "no ss expression"
screen | grep -Eq '^  rtt ' && pass "details draw an rtt sparkline" || fail "no rtt line"
screen | grep -Eq 'all of tcp_info \([0-9]+ bytes\), congestion control [a-z]' &&
  screen | grep -q 'snd_mss ' && pass "details list every tcp_info field and the congestion control" ||
  fail "no full tcp_info: $(screen)"
peer=$(screen | sed -n "s/.*ss -tani 'src 127.0.0.1:7101 and dst 127.0.0.1:\([0-9]*\)'.*/\1/p")
tm send-keys -t tui Escape
wait_screen 'PROTO +LOCAL' || fail "Escape did not leave the details"

# k closes the selected connection, after a confirmation.
[ -n "$peer" ] || hard_error "no peer port read from the details"
before=$(ss -tanH "sport = :7101 and dport = :$peer" | wc -l)
tm send-keys -t tui Home k
wait_screen 'Close 1 connection' && pass "k asks first" || fail "no confirmation"
tm send-keys -t tui y
wait_screen 'closed 1 connection' && pass "k closed it" || fail "k: $(screen | tail -3)"
after=$(ss -tanH state established "sport = :7101 and dport = :$peer" | wc -l)
[ "$before" -eq 1 ] && [ "$after" -eq 0 ] && pass "ss no longer shows 127.0.0.1:7101 <- :$peer established" ||
  fail "ss still shows the connection (before $before, after $after)"
# Its row lingers, in red.
sleep 0.5
tm capture-pane -p -e -t tui | grep ":$peer" | grep -q $'\e\\[[0-9;]*31m\|\e\\[31' &&
  pass "the closed row lingers in red" || fail "no red row for the closed connection"

# n: names from the resolver, asynchronously (127.0.0.1 is "localhost" in
# /etc/hosts; the namespace has no route anywhere else, so no query leaves).
tm send-keys -t tui / C-u Enter
tm send-keys -t tui n
if grep -qE '^127\.0\.0\.1[[:space:]].*localhost' /etc/hosts; then
  wait_screen 'localhost:7101' && pass "n shows host names" || fail "no names: $(table_rows | head -3)"
else
  fail "/etc/hosts does not name 127.0.0.1 localhost: the names check cannot run"
fi
tm send-keys -t tui n
wait_screen '127\.0\.0\.1:7101' && pass "n again shows numbers" || fail "names did not go away"

# K: SIGTERM to the owner of the selected row, named in the question.
start 7103 0
victim=${pids[-1]}
tm send-keys -t tui / 'sport = :7103' Enter
# K asks about the owner of the selected row (Home: the first): wait for
# the filter to leave the 7103 row, its owner found, first.
for _ in $(seq 1 600); do
  table_rows | head -1 | grep -q "7103 .*$victim" && break
  sleep 0.1
done
table_rows | head -1 | grep -q "7103 .*$victim" || fail "the first row is not pid $victim's on 7103: $(table_rows | head -3)"
tm send-keys -t tui Home K
wait_screen "Send SIGTERM to pid $victim \(tcpdeck-test-li\)" && pass "K names the process" ||
  fail "K question: $(screen | tail -3)"
tm send-keys -t tui y
for _ in $(seq 1 50); do kill -0 "$victim" 2>/dev/null || break; sleep 0.1; done
kill -0 "$victim" 2>/dev/null && fail "pid $victim still runs after K" || pass "K ended pid $victim"

tm send-keys -t tui q
finish
