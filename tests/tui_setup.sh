#!/bin/bash
# tui_setup.sh - the setup screen (F2) in tmux, and the settings in
# tcpdeck.conf:
#   - F2 opens it, showing the sort the table's > chose; the theme set
#     to light, the start view to conns and the USER column switched
#     off, w saves them to the config file, which keeps the thresholds
#     and comments it had;
#   - started again, the dashboard opens on the table without USER, its
#     header bar in the light theme's colours;
#   - -d on the command line beats the file's interval; without -d the
#     file's is used;
#   - a bad setting is reported with its line number, and the rest of the
#     file is still used.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

# wait_screen, patient: a loaded machine (tests run two at a time beside
# other work) can take seconds to start a sanitized dashboard.
WAIT_SCREEN_TRIES=400

tmux_dashboard_setup tcpdeck-setup-setup
home=$(mktemp -d)
trap 'tmux_dashboard_cleanup; rm -rf "$home"' EXIT
conf=$home/.config/tcpdeck/tcpdeck.conf
mkdir -p "$(dirname "$conf")"
printf '# my thresholds\nclose_wait.min = 20  # a leaky app\n' >"$conf"
start 7301 2
# A session that stays, so the server outlives each dashboard's session.
tm new-session -d -s keep -x 80 -y 24 "sleep 600" || hard_error "tmux cannot start"

# run ARGS: a fresh dashboard in the session "tui" at TERM=xterm-256color,
# standard error in $home/err.
run() {
  tm_retire tui
  : >"$home/err"
  tm new-session -d -s tui -x 150 -y 40 \
    "env HOME=$home XDG_CONFIG_HOME= LANG=C.UTF-8 TERM=xterm-256color timeout --foreground 120 $TCPDECK $* 2>$home/err; sleep 60" ||
    hard_error "tmux cannot start a session"
}

run -d 0.2
wait_screen '^ESTABLISHED' || hard_error "dashboard did not start: $(screen)"
# The table's own keys: > sorts by the next column (PID).
tm send-keys -t tui 3
wait_screen 'LOCAL +REMOTE' || fail "no table: $(screen)"
tm send-keys -t tui '>'
wait_screen 'PID\^' || fail "> did not sort by PID: $(screen | grep PROCESS)"
tm send-keys -t tui F2
wait_screen 'tcpdeck setup' && pass "F2 opens the setup screen" || fail "no setup screen: $(screen)"
wait_screen 'sort column +pid' && pass "it shows the table's sort, as > left it" ||
  fail "sort: $(screen | head -4)"
# Rows: start view, sort column, sort order, interval, theme, mouse,
# linger, then the columns PROTO NETNS LOCAL REMOTE STATE PID PROCESS USER.
tm send-keys -t tui Right Right Right
wait_screen 'start in view +conns' && pass "start view: conns" || fail "view: $(screen | head -4)"
tm send-keys -t tui Down Down Down Down Right
wait_screen 'theme +light' && pass "theme: light" || fail "theme: $(screen | head -8)"
for _ in $(seq 1 10); do tm send-keys -t tui Down; done
tm send-keys -t tui Space
wait_screen '\[ \] USER' && pass "USER column off" || fail "USER: $(screen)"
tm send-keys -t tui w
wait_screen 'settings saved' && pass "w saves" || fail "not saved: $(screen | tail -2)"
grep -qx 'ui.theme = light' "$conf" && grep -qx 'ui.view = conns' "$conf" &&
  pass "the file has the theme and the view" || fail "file: $(cat "$conf")"
grep -q '^ui.columns = .*process' "$conf" && ! grep -q '^ui.columns = .*user' "$conf" &&
  pass "the file's columns leave USER out" || fail "columns: $(grep columns "$conf")"
head -2 "$conf" | cmp -s - <(printf '# my thresholds\nclose_wait.min = 20  # a leaky app\n') &&
  pass "the thresholds and comments are kept" || fail "file: $(cat "$conf")"
grep -qx 'ui.sort = pid' "$conf" && pass "the table's sort is saved" || fail "sort: $(grep sort "$conf")"
grep -q '^ui.interval = 0.2' "$conf" && pass "the interval in force is saved" ||
  fail "interval: $(grep interval "$conf")"
tm send-keys -t tui Escape q

# Started again: what was saved is applied.
sed -i 's/^ui.interval = .*/ui.interval = 5/' "$conf"
run -d 0.3
wait_screen 'LOCAL +REMOTE +STATE' && pass "starts on the table (ui.view)" ||
  fail "not the table: $(screen)"
wait_screen '7301'
if screen | grep -E 'LOCAL +REMOTE' | grep -q USER; then
  fail "USER still shown: $(screen | grep -E 'LOCAL +REMOTE')"
else
  pass "USER left out (ui.columns)"
fi
escapes=$(tm capture-pane -p -e -t tui | head -1)
[[ "$escapes" == *$'\e[38;5;231m'* && "$escapes" == *$'\e[48;5;25m'* ]] &&
  pass "header bar in the light theme (white on blue 25)" ||
  fail "header escapes: $(printf '%q' "$escapes" | head -c 200)"
screen | head -1 | grep -q 'interval 0.3s' && pass "-d 0.3 beats the file's interval" ||
  fail "header: $(screen | head -1)"
tm send-keys -t tui q
run
wait_screen 'interval 5s' && pass "without -d, the file's interval" || fail "header: $(screen | head -1)"
tm send-keys -t tui q

# A bad setting: said with its line, the rest used.
printf 'ui.theme = solarized\nui.view = conns\n' >>"$conf"
run -d 0.3
wait_screen 'LOCAL +REMOTE +STATE' && pass "the file's other settings still apply" ||
  fail "not the table: $(screen)"
grep -q "tcpdeck.conf:$(grep -c '' "$conf" | awk '{ print $1 - 1 }'): 'ui.theme': unknown theme 'solarized'" "$home/err" &&
  pass "the bad line named: $(cat "$home/err")" || fail "stderr: $(cat "$home/err")"
screen | grep -q "'ui.theme': unknown theme" && pass "and in the status line" ||
  fail "not in the status line: $(screen | tail -2)"
tm send-keys -t tui q
finish
