#!/bin/bash
# tui_mouse.sh - the mouse in the dashboard, inside tmux, with the
# terminal's SGR reports (xterm's 1006 mode, as xterm-256color's terminfo
# asks for) typed into the pane as a terminal would send them: a click on
# a view's tab switches to it; a click on a column title sorts by it and a
# second reverses the order; a click on a row selects it and a double
# click opens its details; the wheel scrolls the rows with the selection;
# a click past column 223 (beyond the older report form) lands where it
# is; --no-mouse leaves the mouse alone (tmux sees no mouse mode asked).
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

tmux_dashboard_setup tcpdeck-mouse


# 40 connections: 81 sockets, more rows than the screen holds.
start 7301 40

# SGR reports, 1-based column X and row Y: press then release.
click() { tm send-keys -t tui -l $'\e'"[<0;$1;$2M"$'\e'"[<0;$1;$2m"; }
double_click() {
  tm send-keys -t tui -l $'\e'"[<0;$1;$2M"$'\e'"[<0;$1;$2m"$'\e'"[<0;$1;$2M"$'\e'"[<0;$1;$2m"
}
wheel_down() { tm send-keys -t tui -l $'\e'"[<65;$1;$2M"; }
wheel_up() { tm send-keys -t tui -l $'\e'"[<64;$1;$2M"; }
# The 1-based column where TEXT starts on screen line LINE (1-based).
column_of() { screen | sed -n "$2p" | awk -v t="$1" '{ print index($0, t) }'; }
# The 1-based screen line of the first line matching REGEX.
line_of() { screen | grep -nE -- "$1" | head -1 | cut -d: -f1; }
table_rows() { screen | grep -E '^tcp '; }
# The selected row (reverse video), without its escapes.
selected() {
  tm capture-pane -p -e -t tui | grep -E $'\e\\[[0-9;]*7m.*127\\.0\\.0\\.1' | head -1 |
    sed 's/\x1b\[[0-9;]*m//g'
}
# local and remote of a row
ends() { awk '{ print $2, $3 }'; }

tm new-session -d -s tui -x 160 -y 30 "env LANG=C.UTF-8 TERM=xterm-256color $TCPDECK -d 0.3"
wait_sample '^ sockets [0-9]' || hard_error "no sample on screen: $(screen)"
[ "$(tm display -p -t tui '#{mouse_sgr_flag}')" = 1 ] &&
  pass "the dashboard asks for SGR mouse reports" ||
  fail "no SGR mouse mode: $(tm display -p -t tui 'any #{mouse_any_flag} std #{mouse_standard_flag} sgr #{mouse_sgr_flag}')"

# A click on a tab of the footer (the last line).
x=$(column_of ' 2 listen ' 30)
[ "$x" -gt 0 ] || hard_error "no listen tab in the footer: $(screen | tail -1)"
click $((x + 1)) 30
wait_screen 'LOCAL ADDRESS:PORT' && pass "a click on the listen tab shows it" ||
  fail "listen not shown: $(screen | head -4)"
x=$(column_of ' 3 conns ' 30)
click $((x + 1)) 30
wait_screen 'PROTO +LOCAL' && pass "a click on the conns tab shows the table" ||
  fail "table not shown: $(screen | head -4)"
wait_screen '7301 .*ESTABLISHED' || fail "no connection rows: $(screen)"

# A click on a column title sorts by it; again, the other way.
title=$(line_of 'PROTO +LOCAL')
x=$(column_of 'REMOTE' "$title")
click $((x + 1)) "$title"
wait_screen 'REMOTE\^' && pass "a click on REMOTE sorts by it" || fail "not sorted: $(screen | sed -n "${title}p")"
sleep 0.4
click $((x + 1)) "$title"
wait_screen 'REMOTEv' && pass "a second click reverses the order" ||
  fail "not reversed: $(screen | sed -n "${title}p")"
sleep 0.4
click $((x + 1)) "$title"
wait_screen 'REMOTE\^' || fail "a third click did not sort ascending again"

# Frozen from here (z), so the rows stay where they were clicked.
tm send-keys -t tui z
wait_screen 'PAUSED' || fail "z did not pause"
sleep 0.5
tm send-keys -t tui g  # Home: tmux sends \e[1~, not xterm-256color's khome
sleep 0.5
# A click on the fifth row selects it.
row_line=$((title + 5))
want=$(screen | sed -n "${row_line}p" | ends)
click 20 "$row_line"
for _ in $(seq 1 50); do [ "$(selected | ends)" = "$want" ] && break; sleep 0.1; done
[ "$(selected | ends)" = "$want" ] && pass "a click selects the row ($want)" ||
  fail "selected: '$(selected | ends)', clicked: '$want'"

# The wheel: the rows move three lines and the selection with them.
before=$(table_rows | ends)
wheel_down 20 "$row_line"
for _ in $(seq 1 50); do [ "$(table_rows | ends | head -1)" = "$(sed -n 4p <<<"$before")" ] && break; sleep 0.1; done
[ "$(table_rows | ends | head -1)" = "$(sed -n 4p <<<"$before")" ] &&
  pass "the wheel scrolls three rows down" ||
  fail "first row after the wheel: '$(table_rows | ends | head -1)', expected '$(sed -n 4p <<<"$before")'"
[ "$(selected | ends)" = "$(sed -n 8p <<<"$before")" ] &&
  pass "the selection moves with the rows" || fail "selected after the wheel: '$(selected | ends)'"
wheel_up 20 "$row_line"
for _ in $(seq 1 50); do [ "$(table_rows | ends | head -1)" = "$(head -1 <<<"$before")" ] && break; sleep 0.1; done
[ "$(table_rows | ends | head -1)" = "$(head -1 <<<"$before")" ] && [ "$(selected | ends)" = "$want" ] &&
  pass "the wheel scrolls back up" || fail "after wheel up: '$(table_rows | ends | head -1)'"

# A double click opens the row's details.
row_line=$((title + 3))
want=$(screen | sed -n "${row_line}p" | awk '{ print $2 " -> " $3 }')
double_click 20 "$row_line"
wait_screen 'connection details' && pass "a double click opens the details" ||
  fail "no details: $(screen | head -3)"
screen | grep -qF "tcp  $want" && pass "of the row clicked ($want)" ||
  fail "details of another row: $(screen | sed -n 3p), clicked $want"
tm send-keys -t tui Escape
wait_screen 'PROTO +LOCAL' || fail "Escape did not leave the details"
tm send-keys -t tui q
tm_kill_server

# Past column 223, where the older report form cannot go: a click on the
# last title of a 250-column table sorts by that column.
tm new-session -d -s tui -x 250 -y 30 "env LANG=C.UTF-8 TERM=xterm-256color $TCPDECK -d 0.3"
wait_sample '^ sockets [0-9]' || hard_error "no sample on screen: $(screen)"
tm send-keys -t tui 3
wait_screen 'PROTO +LOCAL' || hard_error "no table: $(screen)"
title=$(line_of 'PROTO +LOCAL')
last=$(screen | sed -n "${title}p" | awk '{ print $NF }')
x=$(column_of "$last" "$title")
[ "$x" -gt 223 ] || hard_error "the last title ($last) starts at column $x, not past 223"
click $((x + 1)) "$title"
wait_screen "${last}\\^" && pass "a click at column $((x + 1)) sorts by $last" ||
  fail "no sort by $last: $(screen | sed -n "${title}p")"
tm send-keys -t tui q
tm_kill_server

# --no-mouse: no mouse mode asked of the terminal, and a click is not taken.
tm new-session -d -s tui -x 160 -y 30 "env LANG=C.UTF-8 TERM=xterm-256color $TCPDECK -d 0.3 --no-mouse"
wait_sample '^ sockets [0-9]' || hard_error "no sample on screen: $(screen)"
[ "$(tm display -p -t tui '#{mouse_any_flag}#{mouse_standard_flag}#{mouse_button_flag}#{mouse_sgr_flag}')" = 0000 ] &&
  pass "--no-mouse: no mouse mode" ||
  fail "--no-mouse: $(tm display -p -t tui 'any #{mouse_any_flag} std #{mouse_standard_flag} sgr #{mouse_sgr_flag}')"
x=$(column_of ' 2 listen ' 30)
click $((x + 1)) 30
sleep 1
screen | grep -q 'LOCAL ADDRESS:PORT' && fail "--no-mouse: a click switched views" ||
  pass "--no-mouse: a click on a tab does nothing"
tm send-keys -t tui q

finish
