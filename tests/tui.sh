#!/bin/bash
# tui.sh - the dashboard inside tmux: states, counts and sparklines are
# drawn; resizing redraws; a too-small terminal gets a message; keys work;
# q exits with status 0.  Runs in its own network namespace so the counts
# on screen can be compared with ss exactly.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

# tmux keeps its sockets here, removed with everything else at the end.
TMUX_TMPDIR=$(mktemp -d)
export TMUX_TMPDIR

sock="tcpdeck-test-$$"
tm() { tmux -u -L "$sock" -f /dev/null "$@"; }
cleanup() {
  local suffix
  for suffix in "" -color -color-nocolor -color-nocolor-c; do
    sock="tcpdeck-test-$$$suffix" tm_kill_server
  done
  stop_sockgen
  rm -f "$status_file"
  rm -rf "$TMUX_TMPDIR"
}
trap cleanup EXIT

start_sockgen -4 listen=1 established=2 close_wait=1
screen() { tm capture-pane -p -t tui; }

# Waits (bounded) until the screen matches an extended regex.
wait_screen() {
  for _ in $(seq 1 100); do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.1
  done
  return 1
}

# Counts column of a state's row on screen.
screen_count() {
  screen | awk -v s="$1" '$1 == s { gsub(",", "", $2); print $2; exit }'
}

# The exit status goes to a file: tmux's own record of it is not reliable
# for a process that exits while a sanitizer runtime is tearing down.
status_file=$(mktemp)
run_dashboard() {
  tm_kill_server
  : >"$status_file"
  tm new-session -d -s tui -x 80 -y 24 \
    "env LANG=$1 LC_ALL=$1 TERM=xterm-256color $TCPDECK -d 0.2; echo \$? >$status_file; sleep 60"
}

run_dashboard C.UTF-8
wait_screen '^ESTABLISHED +[0-9]' || fail "no ESTABLISHED row; screen was:$(screen)"
wait_screen '^ESTABLISHED .*▄▄▄' # a few samples for the sparklines

counts=$(ss_counts)
for state in $STATES; do
  got=$(screen_count "$state")
  want=$(count_of "$state" "$counts")
  [ "$got" = "$want" ] && pass "$state on screen: $got" || fail "$state: screen ${got:-none}, ss $want"
done

# A flat non-zero state draws as mid-height blocks; a zero state as the
# lowest block.
screen | grep -E '^ESTABLISHED' | grep -q '▄▄▄' && pass "UTF-8 sparkline for ESTABLISHED" ||
  fail "no UTF-8 sparkline: $(screen | grep -E '^ESTABLISHED')"
screen | grep -E '^SYN_SENT' | grep -q '▁▁▁' && pass "baseline sparkline for SYN_SENT" ||
  fail "no baseline sparkline: $(screen | grep -E '^SYN_SENT')"
screen | grep -q "$(hostname)" && pass "header names the host" || fail "header lacks host name"
screen | grep -q 'interval 0.2s' && pass "header shows the interval" || fail "header lacks interval"

# Resize: the history span follows the width (26 cells x 0.2 s at 80
# columns, 66 cells at 120, beside the IN and OUT columns) and the footer
# moves to the new last line.
tm resize-window -t tui -x 120 -y 30
wait_screen 'history, last 13.2s' && pass "resize to 120x30 redraws" ||
  fail "after resize: $(screen | head -3)"
[ "$(screen | sed -n 30p | grep -c 'q quit')" -eq 1 ] && pass "footer on line 30" ||
  fail "footer not on the last line after resize"

tm resize-window -t tui -x 40 -y 10
wait_screen 'Terminal too small' && pass "too-small terminal gets a message" ||
  fail "no too-small message: $(screen)"
screen | grep -q 'ESTABLISHED' && fail "states drawn into a too-small terminal"

tm resize-window -t tui -x 80 -y 24
wait_screen 'history, last 5.2s' && pass "back to 80x24" || fail "no redraw at 80x24"

# Keys.
tm send-keys -t tui '?'
wait_screen 'pause or resume' && pass "? shows help generated from the key table" ||
  fail "no help screen"
tm send-keys -t tui 'x'
wait_screen '^ESTABLISHED' && pass "any key leaves help" || fail "help did not close"
tm send-keys -t tui ' '
wait_screen 'PAUSED' && pass "space pauses" || fail "no PAUSED marker"
tm send-keys -t tui ' '
sleep 0.3
screen | grep -q PAUSED && fail "space did not resume"
tm send-keys -t tui '+'
wait_screen 'interval 0.5s' && pass "+ lengthens the interval" || fail "+ did not change interval"
tm send-keys -t tui '-' '-'
wait_screen 'interval 0.1s' && pass "- shortens the interval" || fail "- did not change interval"

tm send-keys -t tui q
for _ in $(seq 1 100); do
  [ -s "$status_file" ] && break
  sleep 0.1
done
[ "$(cat "$status_file")" = 0 ] && pass "q exits with status 0" ||
  fail "after q: exit status '$(cat "$status_file")', expected 0"

# Colours: green and yellow escapes normally, none at all with NO_COLOR.
tm_kill_server
sock="$sock-color"
tm new-session -d -s tui -x 80 -y 24 "env LANG=C.UTF-8 TERM=xterm-256color $TCPDECK -d 0.2"
wait_screen '^ESTABLISHED +[0-9]' || fail "no dashboard for the colour check"
escapes=$(tm capture-pane -p -e -t tui)
[[ "$escapes" == *$'\e[32m'* && "$escapes" == *$'\e[33m'* ]] && pass "states coloured" ||
  fail "no green/yellow escapes in the coloured dashboard"
tm_kill_server
sock="$sock-nocolor"
tm new-session -d -s tui -x 80 -y 24 "env NO_COLOR=1 LANG=C.UTF-8 TERM=xterm-256color $TCPDECK -d 0.2"
wait_screen '^ESTABLISHED +[0-9]' || fail "no dashboard with NO_COLOR"
escapes=$(tm capture-pane -p -e -t tui)
if [[ "$escapes" =~ $'\e'\[[0-9\;]*3[0-7]m || "$escapes" =~ $'\e'\[[0-9\;]*38\; ]]; then
  fail "colour escapes drawn with NO_COLOR set"
else
  pass "NO_COLOR: no colours"
fi

# Without UTF-8 the sparklines fall back to ASCII.  A fresh tmux server:
# the old one may still be shutting down.
tm_kill_server
sock="$sock-c"
run_dashboard C
wait_screen '^ESTABLISHED +[0-9]' || fail "no dashboard in the C locale"
wait_screen '^ESTABLISHED .*===' # a few samples for the sparklines
screen | grep -E '^ESTABLISHED' | grep -q '===' && pass "ASCII sparkline in the C locale" ||
  fail "no ASCII sparkline: $(screen | grep -E '^ESTABLISHED')"
screen | grep -q '▄' && fail "UTF-8 blocks drawn in the C locale"
tm send-keys -t tui q

finish
