#!/bin/bash
# tui_htop_keys.sh - htop's keys in the dashboard, inside tmux: F1 help;
# F3 the incremental search (the selection jumps to a matching row, F3
# the next, Esc ends); F4 the filter prompt; F6 the next sort column;
# Ctrl-S the conns and listen tables as CSV, the same rows and columns
# as -b -o csv with the same filter and sort; y in the details copies the
# tcpdump and ss lines with OSC 52 (tmux with set-clipboard on keeps them
# in a paste buffer), or says why not where the terminal does not take
# it; F9 closes a connection (checked with ss); F10 quits.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

tmux_dashboard_setup tcpdeck-htopkeys

out=$(mktemp -d)
trap 'tmux_dashboard_cleanup; rm -rf "$out"' EXIT

start 7401 3
start 7402 2

table_rows() { screen | grep -E '^tcp '; }
# The local and remote address of the selected row (reverse video).
selected() {
  tm capture-pane -p -e -t tui | grep -E $'\e\\[[0-9;]*7m.*127\\.0\\.0\\.1' | head -1 |
    sed 's/\x1b\[[0-9;]*m//g' | awk '{ print $2, $3 }'
}

tm new-session -d -s tui -x 160 -y 60 "env LANG=C.UTF-8 TERM=screen $TCPDECK -d 0.3"
tm set -g set-clipboard on
wait_sample '^ sockets [0-9]' || hard_error "no sample on screen: $(screen)"

# F1: help, listing the new keys.
tm send-keys -t tui F1
wait_screen 'tcpdeck help' && pass "F1 opens the help" || fail "no help: $(screen | head -3)"
for k in '\? or F1' 'q or F10'; do
  screen | grep -qE "^  $k " && pass "help lists $k" || fail "help does not list $k"
done
tm send-keys -t tui Escape
wait_screen 'STATE +COUNT' || fail "help did not close"

# A help longer than the terminal scrolls: in 80x18 its last lines are
# out of view until End (or the arrows) bring them; Home goes back; any
# other key still returns.
tm resize-window -t tui -x 80 -y 18
wait_screen 'STATE +COUNT' || fail "no states view at 80x18: $(screen)"
tm send-keys -t tui F1
wait_screen 'arrows and PgUp/PgDn scroll' && pass "a help longer than the screen says it scrolls" ||
  fail "no scrolling help at 80x18: $(screen | head -3)"
screen | grep -q 'deserve a look' && fail "the help's last line shows before scrolling"
tm send-keys -t tui End
wait_screen 'deserve a look when they pile up' && pass "End shows the help's last line" ||
  fail "End did not scroll the help: $(screen)"
screen | grep -qE 'lines [0-9]+-([0-9]+) of \1( |$)' && pass "the help says where it is" ||
  fail "no position at the end: $(screen | tail -1)"
tm send-keys -t tui Home
wait_screen 'lines 1-[0-9]+ of' && pass "Home shows the help's first lines again" ||
  fail "Home did not scroll back: $(screen | head -4)"
tm send-keys -t tui Down
wait_screen 'lines 2-' && pass "Down scrolls one line" || fail "Down did not scroll: $(screen | tail -1)"
tm send-keys -t tui x
wait_screen 'STATE +COUNT' && pass "another key still leaves the help" || fail "help did not close"
tm resize-window -t tui -x 160 -y 60
wait_screen 'STATE +COUNT' || fail "no states view back at 160x60"

tm send-keys -t tui 3
wait_screen 'PROTO +LOCAL' || hard_error "no table: $(screen)"
# The table's own: F3, F9, Ctrl-S.
tm send-keys -t tui F1
wait_screen 'In the conns view' || fail "no conns keys in the help: $(screen)"
for k in F3 F9 Ctrl-S; do
  screen | sed -n '/In the conns view/,$p' | grep -qE "^  $k " && pass "the conns help lists $k" ||
    fail "the conns help does not list $k"
done
tm send-keys -t tui Escape
wait_screen 'PROTO +LOCAL' || fail "help did not close"
wait_screen ':7402 ' || fail "no 7402 rows: $(screen)"

# F3: a client port of 7401 is on two rows (its socket and the server's).
# (ss with a state: no state column; the local address is the third)
port=$(ss -tnH state established 'dport = :7401' | awk '{ split($3, a, ":"); print a[2] }' | head -1)
[ -n "$port" ] || hard_error "no connection to 7401"
tm send-keys -t tui Home F3
wait_screen 'search \(F3 next, Esc ends\)' && pass "F3 opens the search" || fail "no search prompt: $(screen | tail -2)"
tm send-keys -t tui -l "$port"
for _ in $(seq 1 50); do [[ "$(selected) " == *":$port "* ]] && break; sleep 0.1; done
first=$(selected)
[[ "$first " == *":$port "* ]] && pass "typing selects a row holding $port" || fail "selected: $first"
tm send-keys -t tui F3
for _ in $(seq 1 50); do [ "$(selected)" != "$first" ] && break; sleep 0.1; done
second=$(selected)
[[ "$second " == *":$port "* && "$second" != "$first" ]] && pass "F3 again: the next row holding $port" ||
  fail "after F3: '$second' (first '$first')"
tm send-keys -t tui F3
for _ in $(seq 1 50); do [ "$(selected)" = "$first" ] && break; sleep 0.1; done
[ "$(selected)" = "$first" ] && pass "F3 goes around to the first again" || fail "after F3 twice: $(selected)"
tm send-keys -t tui -l 'zz'
wait_screen "no row holds '${port}zz'" && pass "a text no row holds is said" || fail "no message: $(screen | tail -3)"
tm send-keys -t tui Escape
for _ in $(seq 1 50); do screen | grep -q 'search (F3' || break; sleep 0.1; done
screen | grep -q 'search (F3' && fail "Esc did not end the search" || pass "Esc ends the search"
[ "$(selected)" = "$first" ] && pass "the selection stays where the search left it" ||
  fail "selection after Esc: $(selected)"

# F4 is the filter prompt; F6 the next sort column (STATE, then PID).
tm send-keys -t tui F4
wait_screen '^filter:' && pass "F4 opens the filter prompt" || fail "F4: $(screen | tail -2)"
tm send-keys -t tui Escape
for _ in $(seq 1 50); do screen | grep -q '^filter:' || break; sleep 0.1; done
tm send-keys -t tui F6
wait_screen 'PID\^' && pass "F6 sorts by the next column" || fail "F6: $(screen | grep PROTO)"

# Ctrl-S: the table, filtered and sorted by REMOTE, as CSV.
tm send-keys -t tui / C-u 'sport = :7401' Enter
wait_screen 'filter: sport = :7401' || fail "filter not taken"
tm send-keys -t tui '<' '<' I
wait_screen 'REMOTEv' || fail "not sorted by REMOTE descending: $(screen | grep PROTO)"
tm send-keys -t tui C-s
wait_screen 'save as CSV .*: tcpdeck-conns-[0-9]{8}-[0-9]{6}\.csv' &&
  pass "Ctrl-S offers tcpdeck-conns-TIME.csv" || fail "Ctrl-S prompt: $(screen | tail -2)"
tm send-keys -t tui C-u "$out/conns.csv" Enter
wait_screen "saved the conns table as $out/conns.csv" && pass "Ctrl-S saved the table" ||
  fail "not saved: $(screen | tail -2)"
timeout 30 "$TCPDECK" -b -n 1 --view conns -o csv -s remote:desc 'sport = :7401' >"$out/batch.csv" ||
  hard_error "batch conns failed"
[ "$(head -1 "$out/conns.csv")" = "$(head -1 "$out/batch.csv")" ] &&
  pass "the header of -b --view conns -o csv" ||
  fail "header: $(head -1 "$out/conns.csv") / batch: $(head -1 "$out/batch.csv")"
cut -d, -f2-7 "$out/conns.csv" >"$out/a"
cut -d, -f2-7 "$out/batch.csv" >"$out/b"
[ "$(wc -l <"$out/a")" -eq 5 ] && cmp -s "$out/a" "$out/b" &&
  pass "the same 4 rows as the batch, in the same order" ||
  fail "rows differ:"$'\n'"$(diff "$out/a" "$out/b")"

tm send-keys -t tui 2
wait_screen 'LOCAL ADDRESS:PORT' || fail "no listen view"
tm send-keys -t tui C-s
wait_screen 'save as CSV .*: tcpdeck-listen-' || fail "Ctrl-S in listen: $(screen | tail -2)"
tm send-keys -t tui C-u "$out/listen.csv" Enter
wait_screen "saved the listen table" || fail "listen not saved: $(screen | tail -2)"
timeout 30 "$TCPDECK" -b -n 1 --view listen -o csv 'sport = :7401' >"$out/batch-listen.csv" ||
  hard_error "batch listen failed"
cut -d, -f2- "$out/listen.csv" >"$out/a"
cut -d, -f2- "$out/batch-listen.csv" >"$out/b"
[ "$(wc -l <"$out/a")" -eq 2 ] && cmp -s "$out/a" "$out/b" &&
  pass "listen: the rows of -b --view listen -o csv" ||
  fail "listen rows differ:"$'\n'"$(cat "$out/a")"$'\n'"$(cat "$out/b")"
tm send-keys -t tui C-s C-u "$out" Enter
wait_screen "cannot write $out" && pass "a directory is refused at the prompt" ||
  fail "no error for a directory: $(screen | tail -3)"
tm send-keys -t tui Escape

# y in the details: the tcpdump and ss lines in tmux's paste buffer.
tm send-keys -t tui 3 / C-u 'state established sport = :7402' Enter
wait_screen 'filter: state established sport = :7402' || fail "filter not taken"
sleep 0.5
tm send-keys -t tui Home Enter
wait_screen 'connection details' || fail "no details: $(screen | head -3)"
wait_screen "tcpdump -ni any" || fail "no tcpdump line"
tm send-keys -t tui y
wait_screen 'copied the tcpdump and ss lines' && pass "y says it copied" || fail "y: $(screen | tail -2)"
want="$(screen | grep -o "tcpdump -ni any .*'" | head -1)"$'\n'"$(screen | grep -o "ss -t[a-z]* '.*'" | head -1)"
got=$(tm show-buffer 2>/dev/null)
[ -n "$got" ] && [ "$got" = "$want" ] && pass "tmux's buffer holds the two lines" ||
  fail "buffer: '$got', expected '$want'"
tm send-keys -t tui Escape

# F9: close or signal; k closes.
peer=$(ss -tnH state established 'sport = :7402' | awk '{ split($4, a, ":"); print a[2] }' | head -1)
[ -n "$peer" ] || hard_error "no connection to 7402"
tm send-keys -t tui / C-u "state established sport = :7402 dport = :$peer" Enter
wait_screen "dport = :$peer" || fail "filter not taken"
sleep 0.5
tm send-keys -t tui Home F9
wait_screen 'F9: k close' && pass "F9 asks: close or signal" || fail "F9: $(screen | tail -2)"
tm send-keys -t tui k
wait_screen 'Close 1 connection' || fail "no confirmation: $(screen | tail -2)"
tm send-keys -t tui y
wait_screen 'closed 1 connection' || fail "not closed: $(screen | tail -2)"
[ "$(ss -tnH state established "sport = :7402 and dport = :$peer" | wc -l)" -eq 0 ] &&
  pass "F9 k: ss no longer shows :7402 <- :$peer" || fail "the connection is still there"

# F10 quits.
tm send-keys -t tui F10
for _ in $(seq 1 100); do tm has-session -t tui 2>/dev/null || break; sleep 0.1; done
tm has-session -t tui 2>/dev/null && fail "F10 did not quit" || pass "F10 quits"

# A terminal that does not take OSC 52 (screen's entry has no Ms; not in
# tmux as far as tcpdeck knows): nothing written, the status says why.
tm new-session -d -s tui -x 160 -y 40 "env -u TMUX LANG=C.UTF-8 TERM=screen $TCPDECK -d 0.3 state established sport = :7401"
tm set -g set-clipboard on
tm delete-buffer 2>/dev/null
wait_sample '^ sockets [0-9]' || hard_error "no sample on screen: $(screen)"
tm send-keys -t tui 3
wait_screen ':7401 ' || fail "no rows"
tm send-keys -t tui Home Enter
wait_screen 'connection details' || fail "no details"
tm send-keys -t tui y
wait_screen 'not copied: the terminal \(TERM=screen\) does not take OSC 52' &&
  pass "without OSC 52: the status says nothing was copied" || fail "status: $(screen | tail -2)"
[ -z "$(tm list-buffers 2>/dev/null)" ] && pass "and nothing reached tmux" ||
  fail "a buffer: $(tm list-buffers)"
tm send-keys -t tui q

finish
