#!/bin/bash
# hostile_names.sh - a process whose name and command line hold terminal
# escape sequences and bytes that are not UTF-8 must not get them to the
# terminal.
#
# In a network namespace of its own: a copy of the test listener, its file
# named "evil<ESC>[31mname" (the kernel takes the process name from it),
# started with argv[0] "evil<ESC>]0;pwned<BEL><0x9b>2J argv" by exec -a,
# listens on a port and holds connections.  `tcpdeck --who PORT` and the
# listen and conns views in text and CSV must hold no ESC, BEL or C1 byte
# and show the name as "evil\x1b[31mname"; JSON escapes it ("\u001b").
#
# Then the dashboard, in tmux (when installed): the listen view, the
# connection table, a connection's details, the SIGTERM question (answered
# no) and the banner and findings of a second copy whose accept queue is
# full must show the same visible forms, cut whole, and the window title
# must not change.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
enter_private_netns "$@"

PORT=9400
dir=$(mktemp -d)
pid=""
pid2=""
cleanup() {
  [ -n "$pid" ] && kill_ours "$pid"
  [ -n "$pid2" ] && kill "$pid2" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

evil_file=$'evil\e[31mname'
evil_argv0=$'evil\e]0;pwned\a\x9b2J argv'
cp "$LISTENER" "$dir/$evil_file" || hard_error "cannot copy the listener"
(cd "$dir" && exec -a "$evil_argv0" "./$evil_file" "$PORT" 2 >"$dir/ready") &
pid=$!
for _ in $(seq 1 50); do
  grep -q ready "$dir/ready" 2>/dev/null && break
  sleep 0.1
done
grep -q ready "$dir/ready" || hard_error "the listener did not start"
comm=$(cat "/proc/$pid/comm" 2>/dev/null)
[ "$comm" = "$evil_file" ] || hard_error "the process is named '$comm', not the hostile name"

# has_raw FILE: true when FILE holds ESC, BEL or a C1 byte (0x80-0x9f not
# after a UTF-8 lead byte: there is no UTF-8 in what we print).
has_raw() {
  LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f\x80-\x9f]' "$1"
}

# check NAME FILE VISIBLE...: FILE holds no raw control byte and every
# VISIBLE string (fixed).
check() {
  local name=$1 file=$2
  shift 2
  if [ ! -s "$file" ]; then
    fail "$name: no output"
    return
  fi
  if has_raw "$file"; then
    fail "$name: a raw control byte reached the output: $(od -c "$file" | head -n 5)"
  else
    pass "$name: no raw control byte"
  fi
  for visible in "$@"; do
    if grep -qF -- "$visible" "$file"; then
      pass "$name: shows $visible"
    else
      fail "$name: '$visible' not found in: $(head -c 600 "$file")"
    fi
  done
}

"$TCPDECK" --who "$PORT" >"$dir/who" 2>"$dir/who.err"
rc=$?
[ $rc -eq 0 ] || fail "--who $PORT: exit $rc: $(cat "$dir/who.err")"
check "--who" "$dir/who" 'evil\x1b]0;pwned\x07\x9b2J argv'

for view in listen conns; do
  for format in text csv; do
    "$TCPDECK" -b -n 1 --view "$view" -o "$format" >"$dir/$view.$format" 2>"$dir/err" ||
      fail "--view $view -o $format failed: $(cat "$dir/err")"
    check "--view $view -o $format" "$dir/$view.$format" 'evil\x1b[31mname'
  done
  "$TCPDECK" -b -n 1 --view "$view" -o json >"$dir/$view.json" 2>"$dir/err" ||
    fail "--view $view -o json failed: $(cat "$dir/err")"
  check "--view $view -o json" "$dir/$view.json" '"process": "evil\u001b[31mname"'
done

# The text columns stay aligned: the listener's row has as many fields as
# the header when split on blanks (the shown name has none).
hdr=$(sed -n 2p "$dir/listen.text" | awk '{ print NF }')
row=$(grep -F 'evil\x1b' "$dir/listen.text" | head -n 1 | awk '{ print NF }')
if [ "$hdr" = "$row" ]; then
  pass "listen text: the row has the header's $hdr columns"
else
  fail "listen text: header has $hdr columns, the hostile row $row"
fi

# ---------------------------------------------------------------- dashboard
if ! command -v tmux >/dev/null; then
  [ "$failures" -eq 0 ] && skip_test "tmux is not installed: the dashboard was not checked"
  finish
fi

# A second copy whose accept queue is full (4 of a backlog of 4): the
# finding names its process.
(cd "$dir" && exec -a "$evil_argv0" "./$evil_file" -b 4 -q 4 9401 0 >"$dir/ready2") &
pid2=$!
for _ in $(seq 1 50); do
  grep -q ready "$dir/ready2" 2>/dev/null && break
  sleep 0.1
done
grep -q ready "$dir/ready2" || hard_error "the second listener did not start"

tmux_dashboard_setup tcpdeck-hostile
trap 'tmux_dashboard_cleanup; cleanup' EXIT

# tmux obeys a title sequence here: the check of the title below can fail.
# A tmux server starting beside other tests' can die at birth ("server
# exited unexpectedly"): a few tries.
for _ in 1 2 3; do
  tm new-session -d -s canary "printf '\033]2;canary-title\007'; sleep 30" && break
  sleep 1
done
for _ in $(seq 1 50); do
  [ "$(tm display -p -t canary '#{pane_title}')" = canary-title ] && break
  sleep 0.1
done
[ "$(tm display -p -t canary '#{pane_title}')" = canary-title ] ||
  hard_error "tmux does not take a window title from a program: $(tm display -p -t canary '#{pane_title}')"
tm_retire canary

tm new-session -d -s tui -x 160 -y 30 "env LANG=C.UTF-8 TERM=screen $TCPDECK -d 0.2"
wait_screen '^ESTABLISHED' || hard_error "dashboard did not start: $(screen)"

# shows WHAT TEXT...: the screen holds every TEXT (fixed strings).
shows() {
  local what=$1 text s
  shift
  s=$(screen)
  for text in "$@"; do
    if grep -qF -- "$text" <<<"$s"; then
      pass "$what shows $text"
    else
      fail "$what: '$text' not on screen: $s"
    fi
  done
}
# clean WHAT: nothing on screen is the effect of a raw sequence (red
# "evilname" with the escape gone) or curses' own notation for a control
# byte ("^[", "~[" for 0x9b), no escape is cut (a line ending in
# "\" or "\x" with fewer than two hex digits), and the title is the
# same.
title0=$(tm display -p -t tui '#{pane_title}')
clean() {
  local s title
  s=$(screen)
  if grep -q 'evilname' <<<"$s"; then
    fail "$1: the name lost its escape: $s"
  elif grep -qF -e '^[' -e '^G' -e '~[' <<<"$s"; then
    fail "$1: curses, not the shown form, stood in for a control byte: $s"
  elif grep -Eq '\\(x[0-9a-f]?|u[0-9a-f]{0,3})?$' <<<"$s"; then
    fail "$1: an escape is cut at a line's end: $(grep -E '\\(x[0-9a-f]?|u[0-9a-f]{0,3})?$' <<<"$s")"
  else
    pass "$1: no raw sequence took effect, no escape cut"
  fi
  title=$(tm display -p -t tui '#{pane_title}')
  [[ "$title" != *pwned* && "$title" == "$title0" ]] && pass "$1: window title unchanged" ||
    fail "$1: window title is now '$title'"
}

tm send-keys -t tui 2
wait_screen 'LOCAL ADDRESS:PORT' || fail "no listen view: $(screen)"
wait_screen '9401' || fail "listen view: no 9401: $(screen)"
shows "listen view" "$pid  root  evil\x1b]0;pwned\x07\x9b2J argv 9400 2"
clean "listen view"

# The PROCESS column is 12 cells: the name is cut after the escape.
tm send-keys -t tui 3
wait_screen 'PROTO +LOCAL' || fail "no connection table: $(screen)"
wait_screen '9401' || fail "connection table: no 9401: $(screen)"
shows "connection table" "$pid evil\x1b[31m "
clean "connection table"

# The first row (sorted by state) is one of the listeners: its details.
tm send-keys -t tui Home Enter
wait_screen 'connection details' || fail "Enter opened no details: $(screen)"
shows "details" "user root" "            evil\x1b]0;pwned\x07\x9b2J argv "
clean "details"
tm send-keys -t tui Escape
wait_screen 'PROTO +LOCAL' || fail "Escape did not leave the details"

# K asks first, naming the process; n does nothing.
tm send-keys -t tui K
wait_screen 'Send SIGTERM to' || fail "K asked nothing: $(screen | tail -3)"
shows "SIGTERM question" "(evil\x1b[31mname)? y/n"
clean "SIGTERM question"
tm send-keys -t tui n
wait_screen 'nothing done' && pass "n does nothing" || fail "n: $(screen | tail -3)"
kill -0 "$pid" 2>/dev/null && kill -0 "$pid2" 2>/dev/null && pass "both listeners still run" ||
  fail "a listener was signalled"

# The finding of the full queue: in the banner, and in the findings.
tm send-keys -t tui 1
wait_screen "^ ! Port 9401's accept queue is full" || fail "no banner: $(screen | head -4)"
shows "banner" "evil\x1b[31mname (pid $pid2) does not accept()"
clean "banner"
tm send-keys -t tui 4
wait_screen '^FINDINGS' || fail "no findings: $(screen | head -4)"
shows "findings" "evil\x1b[31mname (pid $pid2) does not accept()"
clean "findings"

# Narrow: the title wraps, the banner and the details are cut, by cells.
tm resize-window -t tui -x 61 -y 30
sleep 0.5
wait_screen 'evil\\x1b\[31mname' && pass "narrow findings: the name is whole on a line" ||
  fail "narrow findings: the name is split: $(screen)"
clean "narrow findings"
tm send-keys -t tui 1
wait_screen '^ ! ' || fail "narrow: no banner: $(screen | head -4)"
clean "narrow banner"
tm send-keys -t tui 2
wait_screen 'LOCAL ADDRESS' || fail "narrow: no listen view"
clean "narrow listen view"
tm send-keys -t tui q

finish
