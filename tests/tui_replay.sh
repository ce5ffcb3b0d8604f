#!/bin/bash
# tui_replay.sh - replaying a recording in the dashboard: the header says
# which sample is shown, Left and Right step (and pause), T goes to a time,
# + and - change the speed, and each sample shows the counts it was
# recorded with (compared with the batch replay of the same file).
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

tmux_dashboard_setup tcpdeck-replay
rec=$(mktemp)
fds=()
trap 'tmux_dashboard_cleanup; rm -f "$rec"' EXIT

# ESTABLISHED grows by two sockets (both ends) every 0.3 s while 10
# samples are recorded, 0.3 s apart.
start 7001 0
( for _ in $(seq 1 12); do exec {fd}<>/dev/tcp/127.0.0.1/7001; sleep 0.3; done; sleep 30 ) &
pids+=($!)
timeout 30 "$TCPDECK" -b -n 10 -d 0.3 -w "$rec" >/dev/null || hard_error "recording failed"
n=$(timeout 30 "$TCPDECK" -r "$rec" -b --view states -o json | wc -l)
[ "$n" = 10 ] || hard_error "expected 10 recorded samples, batch replay gives $n"
# ESTABLISHED of recorded sample $1 (1-based).
recorded_estab() {
  timeout 30 "$TCPDECK" -r "$rec" -b --view states -o json | sed -n "${1}p" |
    grep -o '"ESTABLISHED": *[0-9]*' | grep -o '[0-9]*$'
}
first=$(recorded_estab 1)
last=$(recorded_estab 10)
[ "$first" != "$last" ] || hard_error "the recorded counts did not change ($first)"

tm new-session -d -s tui -x 120 -y 30 "env LANG=C.UTF-8 TERM=screen $TCPDECK -r $rec; sleep 30"
wait_screen 'replay of .* sample 10/10' && pass "replay plays to the last sample" ||
  fail "header: $(screen | head -2)"
estab() { screen | awk '$1 == "ESTABLISHED" { gsub(",", "", $2); print $2 }'; }
[ "$(estab)" = "$last" ] && pass "last sample: ESTABLISHED $last, as recorded" ||
  fail "last sample shows '$(estab)', recorded $last"
screen | grep -q 'recorded sample' && pass "line 2 says the sample is recorded" ||
  fail "line 2: $(screen | sed -n 2p)"

tm send-keys -t tui Left Left Left
wait_screen 'sample 7/10 .*PAUSED' && pass "Left steps back and pauses" ||
  fail "after Left x3: $(screen | head -1)"
want=$(recorded_estab 7)
[ "$(estab)" = "$want" ] && pass "sample 7 shows its recorded counts ($want)" ||
  fail "sample 7 shows '$(estab)', recorded $want"
tm send-keys -t tui Right
wait_screen 'sample 8/10' && pass "Right steps forward" || fail "after Right: $(screen | head -1)"
tm send-keys -t tui '{'
wait_screen 'sample 1/10' && pass "{ steps 10 back (stopping at the first)" ||
  fail "after {: $(screen | head -1)"
tm send-keys -t tui '}'
wait_screen 'sample 10/10 .*PAUSED' && pass "} steps 10 forward" || fail "after }: $(screen | head -1)"
want=$(recorded_estab 10)
[ "$(estab)" = "$want" ] && pass "sample 10 shows its recorded counts ($want)" ||
  fail "sample 10 shows '$(estab)', recorded $want"

tm send-keys -t tui T
tm send-keys -t tui -l '+0'
tm send-keys -t tui Enter
wait_screen 'sample 1/10' && pass "T +0 goes to the start" || fail "after T +0: $(screen | head -1)"
[ "$(estab)" = "$first" ] && pass "sample 1 shows its recorded counts ($first)" ||
  fail "sample 1 shows '$(estab)', recorded $first"
tm send-keys -t tui T
tm send-keys -t tui -l 'noon'
tm send-keys -t tui Enter
wait_screen "go to: 'noon' is not" && pass "a bad time is refused, saying why" ||
  fail "bad time: $(screen | tail -3)"
tm send-keys -t tui Escape
tm send-keys -t tui -- -
wait_screen 'speed 2x' && pass "- plays twice as fast" || fail "speed: $(screen | head -1)"
# The flows follow the filter: with "state established" set, the
# ESTABLISHED row's IN column shows the connections the replay adds.
tm send-keys -t tui /
tm send-keys -t tui -l 'state established'
tm send-keys -t tui Enter
tm send-keys -t tui space
wait_screen 'sample 10/10' && pass "space resumes to the end" || fail "resume: $(screen | head -1)"
# IN shows a rate exactly when ESTABLISHED grew from sample 9 to 10.
row=$(screen | grep -E '^ESTABLISHED ')
if [ "$(recorded_estab 9)" -lt "$last" ]; then
  [[ "$row" =~ ^ESTABLISHED\ +$last\ +\+[0-9]+\ +\+[0-9.]+/s ]] &&
    pass "IN/s of the filtered sockets: $(awk '{ print $4 }' <<<"$row")" ||
    fail "ESTABLISHED row: '$row'"
else
  [[ "$row" =~ ^ESTABLISHED\ +$last\ +0\ +-\  ]] &&
    pass "no IN/s: ESTABLISHED did not grow in the last interval" || fail "ESTABLISHED row: '$row'"
fi
screen | grep -Eq '^LISTEN +0 ' && pass "the filter leaves the other states out" ||
  fail "LISTEN row: $(screen | grep -E '^LISTEN')"
tm send-keys -t tui q
finish
