#!/bin/bash
# tui_replay_keys.sh - the dashboard replaying a checked-in recording
# (tests/data/recordings/basic.tdr), without root: replay stepping (the
# replay plays to its end and holds; Left, Right, {, }, space, T with a
# good and a bad time), Tab through the views, the filter prompt (a good
# expression, a bad one that is marked and leaves the previous filter),
# sorting (the mark, I, >) and drill-down (Enter) in the connection
# table.  Expected values come from the batch replay of the same file.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
rec="${TESTS_SRCDIR:-$(dirname "$0")}/data/recordings/basic.tdr"
[ -r "$rec" ] || hard_error "no recording $rec"

tmux_dashboard_setup tcpdeck-replay-keys
batch() { env TZ=UTC LC_ALL=C timeout 60 "$TCPDECK" -r "$rec" -b "$@"; }

states=$(batch --view states -o json) || hard_error "batch replay failed"
n=$(printf '%s\n' "$states" | wc -l)
[ "$n" -ge 5 ] || hard_error "the recording has $n samples"
# Seconds from the first sample to sample $1 (from 1).
secs() { printf '%s\n' "$states" | sed -n "1p;${1}p" | sed -n 's/.*"time": "[^T]*T\([^Z]*\)Z".*/\1/p' |
  awk -F: '{ t = $1 * 3600 + $2 * 60 + $3 } NR == 1 { a = t } END { printf "%.3f\n", t - a }'; }
# The last sample's sockets toward port 7100: "state,local_port,pid" rows.
last=$(printf '%s\n' "$states" | tail -n 1 | sed -n 's/.*"time": "\([^"]*\)".*/\1/p')
conns=$(batch --view conns -o csv | awk -F, -v t="$last" '$1 == t')
to7100=$(printf '%s\n' "$conns" | awk -F, '$7 == 7100 { print $2 "," $5 "," $8 }')
n7100=$(printf '%s\n' "$to7100" | grep -c .)
lpid=$(printf '%s\n' "$conns" | awk -F, '$2 == "LISTEN" && $5 == 7100 { print $8 }')
[ "$n7100" -ge 2 ] && [ -n "$lpid" ] || hard_error "no connections to :7100 in the last sample"
echo "last sample $n: $n7100 connections to :7100, listener pid $lpid"

tm new-session -d -s tui -x 160 -y 50 \
  "env LANG=C.UTF-8 TERM=screen TZ=UTC timeout --foreground 120 $TCPDECK -r $rec; sleep 30"
head1() { screen | head -1; }

# --- stepping ------------------------------------------------------------------
wait_screen "replay of [^ ]+  sample $n/$n  " && pass "plays to the last sample ($n) and holds there" ||
  fail "header: $(head1)"
[[ "$(head1)" != *PAUSED* ]] && pass "not paused at the end" || fail "header: $(head1)"
tm send-keys -t tui Left
wait_screen " sample $((n - 1))/$n .*PAUSED" && pass "Left steps back and pauses" || fail "after Left: $(head1)"
total_at() { printf '%s\n' "$states" | sed -n "${1}p" | sed -n 's/.*"total": \([0-9]*\).*/\1/p'; }
screen | grep -q "sockets $(total_at $((n - 1))) " && pass "sample $((n - 1)) shows its recorded total" ||
  fail "line 2: $(screen | sed -n 2p), recorded $(total_at $((n - 1)))"
tm send-keys -t tui Right
wait_screen " sample $n/$n .*PAUSED" && pass "Right steps forward" || fail "after Right: $(head1)"
tm send-keys -t tui '{'
wait_screen " sample 1/$n .*PAUSED" && pass "{ goes back 10 (to the first)" || fail "after {: $(head1)"
screen | grep -q "sockets $(total_at 1) " && pass "sample 1 shows its recorded total" ||
  fail "line 2: $(screen | sed -n 2p), recorded $(total_at 1)"
tm send-keys -t tui '}'
wait_screen " sample $n/$n .*PAUSED" && pass "} goes forward 10 (to the last)" || fail "after }: $(head1)"
# T +S: the last sample taken at or before S seconds after the first; S
# half-way between samples 3 and 4 (times print in milliseconds).
t3=$(awk -v a="$(secs 3)" -v b="$(secs 4)" 'BEGIN { printf "%.3f\n", (a + b) / 2 }')
tm send-keys -t tui T
tm send-keys -t tui -l "+$t3"
tm send-keys -t tui Enter
wait_screen " sample 3/$n " && pass "T +$t3 goes to sample 3" || fail "after T +$t3: $(head1)"
tm send-keys -t tui T
tm send-keys -t tui -l 'later'
tm send-keys -t tui Enter
wait_screen "go to: 'later' is not" && pass "T refuses a bad time, saying why" || fail "bad time: $(screen | tail -3)"
tm send-keys -t tui Escape
tm send-keys -t tui space
wait_screen " sample $n/$n  " && pass "space resumes to the end" || fail "resume: $(head1)"
[[ "$(head1)" != *PAUSED* ]] && pass "no longer paused" || fail "header: $(head1)"

# --- Tab through the views -------------------------------------------------------
seen=""
for title in 'ACCEPTQ/BACKLOG' 'LOCAL +REMOTE +STATE' '^FINDINGS' '^KERNEL COUNTER' \
  '^REMOTE ADDRESS +TOTAL' '^STRESS TEST' '^No namespaces in this sample' \
  'does not hear closed connections' '^STATE +COUNT'; do
  tm send-keys -t tui Tab
  wait_screen "$title" && seen="$seen+" || fail "Tab: no '$title': $(screen | sed -n 3,5p)"
done
[ "$seen" = "+++++++++" ] && pass "Tab visits the nine views in order and comes back"

# --- the connection table: filter, sort, drill-down ------------------------------------
table_rows() { screen | grep -E '^tcp6? '; }
tm send-keys -t tui 3
wait_screen 'PROTO +LOCAL' || fail "3: $(screen | head -5)"
tm send-keys -t tui / 'dport = :7100' Enter
wait_screen 'filter: dport = :7100' && pass "the filter is shown" || fail "filter: $(screen | sed -n 2p)"
sleep 0.3
[ "$(table_rows | wc -l)" = "$n7100" ] && pass "dport = :7100: $n7100 rows, as recorded" ||
  fail "dport = :7100: $(table_rows | wc -l) rows, recorded $n7100: $(table_rows)"
[ "$(table_rows | grep -vc ' 127\.0\.0\.1:7100 ')" = 0 ] && pass "each row goes to 127.0.0.1:7100" ||
  fail "rows: $(table_rows)"
tm send-keys -t tui / C-u 'state bogus' Enter
wait_screen "unknown state 'bogus'" && pass "a bad filter is refused: $(screen | grep -o "unknown state 'bogus'" | head -1)" ||
  fail "no error: $(screen | tail -3)"
tm send-keys -t tui Escape
sleep 0.3
screen | grep -q 'filter: dport = :7100' && [ "$(table_rows | wc -l)" = "$n7100" ] &&
  pass "the previous filter stays" || fail "previous filter lost: $(screen | sed -n 2p)"

# Sorting: by state (marked ^), inverted with I, the next column with >.
tm send-keys -t tui / C-u 'sport = :7100' Enter
wait_screen 'filter: sport = :7100' || fail "filter sport: $(screen | sed -n 2p)"
sleep 0.3
screen | grep -q 'STATE^' && pass "sorted by state, marked" || fail "no sort mark: $(screen | grep PROTO)"
[[ "$(table_rows | head -1)" == *LISTEN* ]] && pass "LISTEN first" || fail "first row: $(table_rows | head -1)"
tm send-keys -t tui I
wait_screen 'STATEv' && pass "I inverts the order" || fail "no inverted mark: $(screen | grep PROTO)"
[[ "$(table_rows | tail -1)" == *LISTEN* ]] && pass "LISTEN last, inverted" ||
  fail "last row inverted: $(table_rows | tail -1)"
tm send-keys -t tui I '>'
wait_screen 'PID\^' && pass "> sorts by the next column (PID)" || fail "after >: $(screen | grep PROTO)"
pids=$(table_rows | awk '{ print $5 }' | tr '\n' ' ')
want=$(table_rows | awk '$5 != "-" { print $5 }' | sort -n | tr '\n' ' ')
want="$want$(table_rows | awk '$5 == "-" { printf "- " }')"
[ "$pids" = "$want" ] && pass "rows in PID order, unknown owners last: $pids" ||
  fail "PID order: $pids, want $want"
tm send-keys -t tui '<'
wait_screen 'STATE\^' || fail "< did not go back to STATE"

# Drill-down: the first connection toward 7100.
tm send-keys -t tui / C-u 'dport = :7100' Enter
wait_screen 'filter: dport = :7100' || fail "filter: $(screen | sed -n 2p)"
sleep 0.3
first=$(table_rows | head -1)
port=$(awk '{ print $2 }' <<<"$first" | sed 's/.*://')
tm send-keys -t tui Home Enter
wait_screen 'connection details' && pass "Enter opens the details" || fail "no details: $(screen | head -5)"
screen | grep -q "127.0.0.1:$port -> 127.0.0.1:7100" && pass "details of 127.0.0.1:$port -> :7100" ||
  fail "details: $(screen | sed -n 2,3p)"
screen | grep -q "owner     pid $lpid " && pass "details name the recorded owner (pid $lpid)" ||
  fail "owner: $(screen | grep owner)"
screen | grep -q "tcpdeck-test-listener -b 2 -q 3 7100 2" && pass "and its recorded command line" ||
  fail "command line: $(screen | sed -n 3,5p)"
screen | grep -q "ss -tani 'src 127.0.0.1:$port and dst 127.0.0.1:7100'" &&
  pass "details give the ss expression" || fail "no ss expression: $(screen | grep 'ss -tani')"
tm send-keys -t tui Escape
wait_screen 'PROTO +LOCAL' && pass "Escape returns to the table" || fail "after Escape: $(screen | head -5)"
tm send-keys -t tui q
finish
