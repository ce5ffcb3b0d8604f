#!/bin/bash
# tui_terminals.sh - the dashboard on hostile terminals, in tmux:
#   - TERM=vt100, linux, screen and xterm (8 colours) draw a whole frame,
#     answer keys and quit with status 0; vt100 without colours, xterm
#     with its 8;
#   - TERM=dumb (cannot place the cursor), an unknown TERM, and TERM
#     unset or empty: a one-line error naming the cause and -b, status 1,
#     the terminal untouched;
#   - 200 resizes in a burst, down to 10x3 and up to 400x120, in every
#     view: afterwards the dashboard still answers keys and draws a sane
#     frame;
#   - standard input or output that is no terminal: a one-line error
#     pointing at -b, status 1.
# Standard error goes to a file and holds no sanitizer report.  Runs in
# its own network namespace with one listener, so the frame's content is
# known.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

tmux_dashboard_setup terms-terminals
work=$(mktemp -d)
trap 'tmux_dashboard_cleanup; rm -rf "$work"' EXIT
S=terms
screen() { tm capture-pane -p -t "$S"; }
# wait_for REGEX: like wait_screen, but patient (a loaded machine's first
# sample can take seconds when /proc is large).
wait_for() {
  for _ in $(seq 1 300); do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.1
  done
  return 1
}
# wait_status: the exit status the pane's command wrote, bounded.
wait_status() {
  for _ in $(seq 1 300); do
    [ -s "$work/status" ] && { cat "$work/status"; return 0; }
    sleep 0.1
  done
  echo none
}
# sanitizer_clean WHAT: standard error holds no sanitizer report.
sanitizer_clean() {
  if grep -q 'Sanitizer' "$work/err"; then
    fail "$1: sanitizer report: $(grep -m3 'Sanitizer' "$work/err")"
  else
    pass "$1: no sanitizer report"
  fi
}

# run_pane SETTINGS ARGS: a fresh session running tcpdeck with the env
# settings (e.g. "TERM=vt100"), its stderr and exit status kept.
run_pane() {
  local settings=$1
  shift
  listening
  tm_retire "$S"
  : >"$work/status"
  : >"$work/err"
  local cmd="env $settings timeout --foreground 120 $TCPDECK $* 2>$work/err; echo \$? >$work/status; sleep 120"
  tm new-session -d -s "$S" -x 100 -y 30 "$cmd" && return 0
  # The tmux server is not what is tested: when it is gone, say so and
  # start it again, with the session that keeps it up.
  echo "note: the tmux server was gone; starting it again" >&2
  tm new-session -d -s terms-keep -x 80 -y 24 "sleep 600" 2>/dev/null
  tm new-session -d -s "$S" -x 100 -y 30 "$cmd" || hard_error "tmux cannot start a session"
}

# listening: the test listener on 7001, started again when it has ended
# (it exits by itself after 120 s, and these tests can take longer).
listening() {
  ss -Htln 'sport = :7001' | grep -q . || start 7001 0
}
listening
# A session that stays, so killing the test's session never ends the
# server while the next one is being made.
tm new-session -d -s terms-keep -x 80 -y 24 "sleep 600"

# --- terminal types that can draw -----------------------------------------
for t in vt100 linux screen xterm; do
  tput -T "$t" cols >/dev/null 2>&1 || { fail "no terminfo entry for $t (package ncurses-base)"; continue; }
  run_pane "LANG=C.UTF-8 TERM=$t" -d 0.3
  if wait_for '^LISTEN +1 '; then
    pass "TERM=$t: the states are drawn"
  else
    fail "TERM=$t: no LISTEN row: $(screen | head -5)"
    continue
  fi
  screen | head -1 | grep -q 'tcpdeck' && pass "TERM=$t: header on line 1" ||
    fail "TERM=$t: line 1 is '$(screen | head -1)'"
  screen | sed -n 30p | grep -q 'q quit' && pass "TERM=$t: footer on line 30" ||
    fail "TERM=$t: line 30 is '$(screen | sed -n 30p)'"
  escapes=$(tm capture-pane -p -e -t "$S")
  case $t in
    vt100)
      # No colours: the header bar in reverse video, no colour escapes.
      if [[ "$escapes" =~ $'\e'\[[0-9\;]*3[0-7]m ]]; then
        fail "TERM=vt100: colour escapes on a monochrome terminal"
      else
        pass "TERM=vt100: no colours"
      fi
      [[ "$escapes" == *$'\e[7m'* ]] && pass "TERM=vt100: header in reverse video" ||
        fail "TERM=vt100: no reverse video"
      ;;
    xterm)
      [ "$(tput -T xterm colors)" = 8 ] || hard_error "terminfo 'xterm' no longer has 8 colours"
      [[ "$escapes" == *$'\e[32m'* ]] && pass "TERM=xterm (8 colours): states coloured" ||
        fail "TERM=xterm: no green on an 8-colour terminal"
      if [[ "$escapes" =~ $'\e'\[[0-9\;]*38\;5\; ]]; then
        fail "TERM=xterm: 256-colour escapes on an 8-colour terminal"
      else
        pass "TERM=xterm: only the 8 colours"
      fi
      ;;
  esac
  tm send-keys -t "$S" ' '
  wait_for 'PAUSED' && pass "TERM=$t: space pauses" || fail "TERM=$t: no PAUSED after space"
  tm send-keys -t "$S" q
  st=$(wait_status)
  [ "$st" = 0 ] && pass "TERM=$t: q exits with status 0" || fail "TERM=$t: exit status $st"
  sanitizer_clean "TERM=$t"
done

# --- terminal types that cannot ---------------------------------------------
# check_refused WHAT REGEX: status 1 and one line on stderr matching REGEX.
check_refused() {
  local st
  st=$(wait_status)
  [ "$st" = 1 ] && pass "$1: exit status 1" || fail "$1: exit status $st, expected 1"
  if [ "$(wc -l <"$work/err")" = 1 ] && grep -Eq -- "$2" "$work/err"; then
    pass "$1: one line: $(cat "$work/err")"
  else
    fail "$1: stderr was: $(head -c 600 "$work/err")"
  fi
}
run_pane "LANG=C.UTF-8 TERM=dumb" -d 0.3
check_refused "TERM=dumb" "^tcpdeck: terminal type 'dumb' cannot place the cursor.*-b"
run_pane "LANG=C.UTF-8 TERM=terms-no-such-terminal" -d 0.3
check_refused "unknown TERM" "^tcpdeck: unknown terminal type 'terms-no-such-terminal'.*-b"
run_pane "-u TERM LANG=C.UTF-8" -d 0.3
check_refused "TERM unset" "^tcpdeck: TERM is not set.*-b"
run_pane "TERM= LANG=C.UTF-8" -d 0.3
check_refused "TERM empty" "^tcpdeck: TERM is not set.*-b"
# A hostile TERM is not echoed raw.
# (printf in the pane's shell makes the ESC and BEL bytes.)
run_pane 'LANG=C.UTF-8 TERM="$(printf "\033]2;terms-owned\007")"' -d 0.3
st=$(wait_status)
[ "$st" = 1 ] && pass "escape in TERM: exit status 1" || fail "escape in TERM: exit status $st"
if grep -q $'\e' "$work/err"; then
  fail "escape in TERM: the ESC byte reached stderr"
else
  pass "escape in TERM: shown escaped ($(cat "$work/err"))"
fi

# --- resizes ------------------------------------------------------------------
run_pane "LANG=C.UTF-8 TERM=screen" -d 0.2
wait_for '^LISTEN +1 ' || fail "no dashboard for the resizes: $(screen | head -5)"
# Ten bursts of 20 resizes, each burst one tmux command line; a view key
# between bursts, so every view (and the help page) takes the sizes.
sizes=(10x3 400x120 11x4 399x119 40x15 41x16 200x60 12x3 80x24 400x3
  10x120 120x40 33x7 250x100 61x19 400x120 10x3 90x5 15x110 100x30)
keys=(1 2 3 4 5 6 7 8 '?' Escape)
for k in "${keys[@]}"; do
  tm send-keys -t "$S" "$k"
  cmd=()
  for s in "${sizes[@]}"; do
    cmd+=(resize-window -t "$S" -x "${s%x*}" -y "${s#*x}" \;)
  done
  tm "${cmd[@]}" || fail "tmux refused a resize burst"
done
tm resize-window -t "$S" -x 100 -y 30
tm send-keys -t "$S" 1
wait_for '^LISTEN +1 ' && pass "after 200 resizes: the states view is drawn again" ||
  fail "after the resizes: $(screen | head -5)"
screen | sed -n 30p | grep -q 'q quit' && pass "after the resizes: footer on line 30" ||
  fail "after the resizes: line 30 is '$(screen | sed -n 30p)'"
wait_for '^ tcpdeck ' && pass "after the resizes: header on line 1" ||
  fail "after the resizes: line 1 is '$(screen | head -1)'"
tm send-keys -t "$S" ' '
wait_for 'PAUSED' && pass "after the resizes: keys answered (space pauses)" ||
  fail "after the resizes: space not answered"
tm resize-window -t "$S" -x 10 -y 3
wait_for 'Terminal' && pass "10x3: the too-small message" || fail "10x3: $(screen)"
tm resize-window -t "$S" -x 100 -y 30
wait_for '^LISTEN +1 ' || fail "no redraw at 100x30 after 10x3"
tm send-keys -t "$S" q
st=$(wait_status)
[ "$st" = 0 ] && pass "after the resizes: q exits with status 0" || fail "after the resizes: status $st"
sanitizer_clean "resizes"

# --- no terminal --------------------------------------------------------------
# not_a_terminal WHAT: the last run gave status 1 and one line naming -b.
not_a_terminal() {
  if [ "$1" = 1 ] && [ "$(wc -l <"$work/err")" = 1 ] &&
    grep -q '^tcpdeck: the dashboard needs a terminal; use -b' "$work/err"; then
    pass "$2: $(cat "$work/err")"
  else
    fail "$2: status $1, stderr: $(head -c 600 "$work/err")"
  fi
}
TERM=screen timeout 60 "$TCPDECK" -d 0.3 </dev/null >"$work/out" 2>"$work/err"
not_a_terminal $? "stdin not a terminal"
[ -s "$work/out" ] && fail "stdin not a terminal: something on stdout"
# Standard output a file, stdin the pane's terminal.
run_pane "LANG=C.UTF-8 TERM=screen" "-d 0.3 >$work/out"
st=$(wait_status)
not_a_terminal "$st" "stdout not a terminal"

finish
