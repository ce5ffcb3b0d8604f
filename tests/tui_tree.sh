#!/bin/bash
# tui_tree.sh - the connection table grouped by process (t or F5 in the
# table), in tmux: two test listeners with known connections show as one
# row each, whose total and counts by state equal ss -tanp's for that
# pid; Enter opens a process and its connections appear under it, -
# closes it again; t goes back to the table.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

# wait_screen, patient: a loaded machine (tests run two at a time beside
# other work) can take seconds to start a sanitized dashboard.
WAIT_SCREEN_TRIES=400

tmux_dashboard_setup tcpdeck-setup-tree
home=$(mktemp -d)
trap 'tmux_dashboard_cleanup; rm -rf "$home"' EXIT

start 7201 3
start -6 7202 2
p1=${pids[0]}
p2=${pids[1]}

# ss -tanp's states of a pid's sockets, as "STATE=N" lines in tcpdeck's
# short titles.
ss_of() {
  ss -tanpH | grep "pid=$1," | awk '{ print $1 }' | sort | uniq -c |
    awk '{ t = $2; if (t == "ESTAB") t = "ESTAB"; print t "=" $1 }'
}

tm new-session -d -s keep -x 80 -y 24 "sleep 600" || hard_error "tmux cannot start"
tm new-session -d -s tui -x 150 -y 30 \
  "env HOME=$home LANG=C.UTF-8 TERM=screen timeout --foreground 120 $TCPDECK -d 0.2 2>$home/err; echo \$? >$home/status; sleep 60"
wait_screen '^ESTABLISHED' || hard_error "dashboard did not start: $(screen)"
tm send-keys -t tui 3
wait_screen '7202' || fail "no table: $(screen)"
tm send-keys -t tui t
wait_screen 'connections by process' && pass "t groups the table by process" ||
  fail "no grouping after t: $(screen)"
wait_screen "^\[\+\] +$p2 " || fail "no row for pid $p2: $(screen)"

# check_pid PID: one row, total and every state's count as ss -tanp.
header() { screen | grep -E '^ +PID +PROCESS' | head -1; }
check_pid() {
  local pid=$1 rows row total want_total col name want got ok=1
  rows=$(screen | grep -cE "^\[[+-]\] +$pid ")
  [ "$rows" = 1 ] && pass "pid $pid: one row" || { fail "pid $pid: $rows rows: $(screen)"; return; }
  row=$(screen | grep -E "^\[[+-]\] +$pid " | sed 's/^\[[+-]\]//')
  want_total=$(ss -tanpH | grep -c "pid=$pid,")
  total=$(echo "$row" | awk '{ print $3 }')
  [ "$total" = "$want_total" ] && pass "pid $pid: $total sockets, as ss -tanp" ||
    fail "pid $pid: total $total, ss -tanp has $want_total: $row"
  # Every state column of the header: the row's count there.
  col=0
  for name in $(header); do
    col=$((col + 1))
    case $name in PID|PROCESS|TOTAL|SENT|RCVD|RECV-Q|SEND-Q) continue ;; esac
    got=$(echo "$row" | awk -v c=$col '{ print $c }')
    want=$(ss_of "$pid" | awk -F= -v s="$name" '$1 == s { print $2 }')
    [ "${got:-x}" = "${want:-0}" ] || { ok=0; fail "pid $pid: $name $got, ss -tanp has ${want:-0}"; }
  done
  [ $ok = 1 ] && pass "pid $pid: counts by state as ss -tanp ($(ss_of "$pid" | tr '\n' ' '))"
}
check_pid "$p1"
check_pid "$p2"

# Open the first process: its connections show under it.
tm send-keys -t tui g Enter
wait_screen '^\[-\]' && pass "Enter opens the selected process" || fail "nothing opened: $(screen)"
opened=$(screen | grep -E '^\[-\]' | awk '{ print $2 }')
n=$(screen | grep -cE '^ {12}.*(127\.0\.0\.1|::1|\[::1\])')
want=$(ss -tanpH | grep -c "pid=$opened,")
[ "$n" = "$want" ] && pass "its $n connections listed under it" ||
  fail "$n connection lines under pid $opened, ss has $want: $(screen)"
tm send-keys -t tui -- -
wait_screen "^\[\+\] +$opened " && pass "- closes it" || fail "still open: $(screen)"
[ "$(screen | grep -cE '^ {12}')" = 0 ] && pass "no connection lines once closed" ||
  fail "lines left: $(screen)"
tm send-keys -t tui Right
wait_screen '^\[-\]' && pass "Right opens" || fail "Right did not open: $(screen)"
tm send-keys -t tui Left
wait_screen "^\[\+\] +$opened " && pass "Left closes" || fail "Left did not close: $(screen)"

tm send-keys -t tui t
wait_screen 'LOCAL +REMOTE +STATE' && pass "t goes back to the table" || fail "no table: $(screen)"
tm send-keys -t tui F5
wait_screen 'connections by process' && pass "F5 groups too" || fail "F5: $(screen)"
tm send-keys -t tui q
for _ in $(seq 1 300); do [ -s "$home/status" ] && break; sleep 0.1; done
[ "$(cat "$home/status" 2>/dev/null)" = 0 ] && pass "q exits with status 0" ||
  fail "exit status: $(cat "$home/status" 2>/dev/null)"
grep -q Sanitizer "$home/err" && fail "sanitizer report: $(grep -m3 Sanitizer "$home/err")" ||
  pass "no sanitizer report"
finish
