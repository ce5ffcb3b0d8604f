#!/bin/bash
# tui_signals.sh - the dashboard, recording with -w, under signals and
# limits, in tmux:
#   - SIGTERM, SIGINT (Ctrl-C) and SIGHUP (an ssh connection that drops)
#     end it with status 0, as q does;
#   - Ctrl-Z stops it with the terminal restored, and fg brings it back,
#     redrawn and answering keys;
#   - a batch recording (-b -w) ends on SIGINT, SIGTERM and SIGHUP with
#     status 0 and its end mark;
#   - its terminal closing while it draws (the tmux session killed) ends
#     it, even with SIGHUP blocked: the process is gone, nothing is left
#     spinning;
#   - with the descriptor limit at 32 it draws and records; batch runs at
#     every limit from 6 to 16 and at 32 either work (owners found, or a
#     note saying why they are not) or stop with a one-line error.
# After each, the terminal settings (stty -g) are what they were before,
# the recording replays whole (its end mark read) and holds every sample
# the log says was taken, and standard error holds no sanitizer report.
# Runs in its own network namespace with one listener.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

tmux_dashboard_setup terms-signals
work=$(mktemp -d)
trap 'tmux_dashboard_cleanup; rm -rf "$work"' EXIT
S=terms
screen() { tm capture-pane -p -t "$S"; }
wait_for() {
  for _ in $(seq 1 300); do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.1
  done
  return 1
}
# wait_file FILE: until FILE is not empty (bounded); false if it stays so.
wait_file() {
  for _ in $(seq 1 300); do
    [ -s "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
# samples_logged: samples the sampler took (and so recorded), per its log.
# (grep -c prints 0 itself when nothing matches; nothing when no log yet.)
samples_logged() { local n; n=$(grep -c ' sample: ' "$work/log" 2>/dev/null) || true; echo "${n:-0}"; }
# wait_samples N: until the log shows N samples (bounded).
wait_samples() {
  for _ in $(seq 1 300); do
    [ "$(samples_logged)" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
# gone PID: until the process has exited (bounded).
gone() {
  for _ in $(seq 1 300); do
    [ -d "/proc/$1" ] || return 0
    sleep 0.1
  done
  return 1
}
# recording_whole WHAT: the recording replays with its end mark and holds
# every sample the log counted.
recording_whole() {
  local n want
  want=$(samples_logged)
  n=$(timeout 60 "$TCPDECK" -r "$work/rec" -b --view states -o json 2>"$work/replay-err" | wc -l)
  if [ "$n" = "$want" ] && [ "$want" -ge 2 ] && [ ! -s "$work/replay-err" ]; then
    pass "$1: the recording holds all $want samples, end mark included"
  else
    fail "$1: the recording replays $n sample(s), the log counts $want: $(head -c 300 "$work/replay-err")"
  fi
}
sanitizer_clean() {
  if grep -q 'Sanitizer' "$work/err"; then
    fail "$1: sanitizer report: $(grep -m3 'Sanitizer' "$work/err")"
  else
    pass "$1: no sanitizer report"
  fi
}
# What the shell runs once the dashboard ended.
after_line="echo \$? >$work/status; stty -g >$work/after"
fresh() {
  listening
  rm -f "$work"/{before,after,stopped,status,pid,rec,log,err,replay-err}
}

# listening: the test listener on 7001, started again when it has ended
# (it exits by itself after 120 s, and these tests can take longer).
listening() {
  ss -Htln 'sport = :7001' | grep -q . || start 7001 0
}
listening

# An interactive shell in the session: job control, as at a login.
tm new-session -d -s "$S" -x 120 -y 40 "env PS1='terms\$ ' bash --norc --noprofile -i"
wait_for '^terms\$' || hard_error "no shell prompt in tmux: $(screen)"

# dashboard WHAT [stop]: from the shell, between two `stty -g`, with its
# pid, log, recording, stderr and exit status in $work.  With "stop" the
# line ends with the dashboard, which is then the job alone: Ctrl-Z stops
# it (a line would go on with status 148, and a subshell around it could
# be stopped, and the shell say so, before curses has left the screen);
# `fg` then comes with the rest of the line.
dashboard() {
  local run="sh -c 'echo \$\$ >$work/pid; exec env TERM=screen LANG=C.UTF-8 $TCPDECK -d 0.2 -w $work/rec --log $work/log 2>$work/err'"
  fresh
  if [ "${2:-}" = stop ]; then
    tm send-keys -t "$S" -l "clear; stty -g >$work/before; $run"
  else
    tm send-keys -t "$S" -l "clear; stty -g >$work/before; $run; $after_line"
  fi
  tm send-keys -t "$S" Enter
  wait_file "$work/pid" || { fail "$1: the dashboard did not start"; return 1; }
  pid=$(cat "$work/pid")
  wait_for '^LISTEN +1 ' || { fail "$1: no dashboard: $(screen | head -5)"; return 1; }
  wait_samples 2 || { fail "$1: fewer than 2 samples logged"; return 1; }
  return 0
}
# ended WHAT: status 0, the process gone, the terminal as before, the
# recording whole, no sanitizer report.
ended() {
  if wait_file "$work/after"; then
    [ "$(cat "$work/status")" = 0 ] && pass "$1: exit status 0" ||
      fail "$1: exit status $(cat "$work/status")"
  else
    fail "$1: the dashboard did not end"
  fi
  gone "$pid" && pass "$1: process $pid gone" || fail "$1: process $pid still there"
  cmp -s "$work/before" "$work/after" && pass "$1: terminal settings restored" ||
    fail "$1: stty before $(cat "$work/before"), after $(cat "$work/after")"
  recording_whole "$1"
  sanitizer_clean "$1"
}

if dashboard SIGTERM; then
  kill -TERM "$pid"
  ended SIGTERM
fi
if dashboard SIGINT; then
  tm send-keys -t "$S" C-c
  ended "SIGINT (Ctrl-C)"
fi
if dashboard SIGHUP; then
  kill -HUP "$pid"
  ended SIGHUP
fi

if dashboard "Ctrl-Z" stop; then
  tm send-keys -t "$S" C-z
  wait_for 'Stopped' && pass "Ctrl-Z: the shell says the job stopped" ||
    fail "Ctrl-Z: no 'Stopped': $(screen | grep -v '^$' | tail -5)"
  state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)
  [ "$state" = T ] && pass "Ctrl-Z: process $pid is stopped" || fail "Ctrl-Z: process state '$state'"
  tm send-keys -t "$S" -l "stty -g >$work/stopped"
  tm send-keys -t "$S" Enter
  wait_file "$work/stopped"
  cmp -s "$work/before" "$work/stopped" && pass "Ctrl-Z: terminal settings restored while stopped" ||
    fail "Ctrl-Z: stty before $(cat "$work/before"), while stopped $(cat "$work/stopped")"
  tm send-keys -t "$S" -l "fg; $after_line"
  tm send-keys -t "$S" Enter
  wait_for '^LISTEN +1 ' && pass "fg: the dashboard is drawn again" ||
    fail "fg: no dashboard: $(screen | head -5)"
  n=$(samples_logged)
  wait_samples $((n + 1)) && pass "fg: sampling goes on" || fail "fg: no new sample after fg"
  tm send-keys -t "$S" ' '
  wait_for 'PAUSED' && pass "fg: keys answered (space pauses)" || fail "fg: space not answered"
  tm send-keys -t "$S" q
  ended "Ctrl-Z, fg, q"
fi

# --- a batch recording (tcpdeck -b -w) stopped by a signal -------------------
for sig in INT TERM HUP; do
  fresh
  timeout 120 "$TCPDECK" -b -d 0.2 --view states -w "$work/rec" --log "$work/log" \
    >/dev/null 2>"$work/err" &
  pid=$!
  if wait_samples 2; then
    # timeout's child: the pid of tcpdeck itself.
    child=$(cat /proc/$pid/task/*/children 2>/dev/null | awk '{ print $1 }')
    kill -"$sig" "${child:-$pid}"
  else
    fail "batch, SIG$sig: fewer than 2 samples logged"
    kill "$pid"
  fi
  wait "$pid"
  rc=$?
  [ "$rc" = 0 ] && pass "batch, SIG$sig: exit status 0" || fail "batch, SIG$sig: exit status $rc"
  recording_whole "batch, SIG$sig"
  sanitizer_clean "batch, SIG$sig"
done

# --- the terminal closes while the dashboard draws ---------------------------
# Twice: as it comes (SIGHUP ends it), and with SIGHUP blocked (perl
# blocks it and execs; the mask survives exec), where only the hung-up
# terminal itself can tell the dashboard to stop instead of spinning.
closing() {
  local what=$1 block=$2
  fresh
  tm new-session -d -s terms-close -x 400 -y 120 \
    "sh -c 'echo \$\$ >$work/pid; exec $block env TERM=screen LANG=C.UTF-8 $TCPDECK -d 0.1 -w $work/rec --log $work/log 2>$work/err'"
  if ! wait_file "$work/pid"; then
    fail "$what: the dashboard did not start"
    return
  fi
  pid=$(cat "$work/pid")
  for _ in $(seq 1 300); do
    tm capture-pane -p -t terms-close | grep -Eq '^LISTEN +1 ' && break
    sleep 0.1
  done
  wait_samples 3 || fail "$what: fewer than 3 samples logged"
  if [ -n "$block" ]; then
    grep -q '^SigBlk:.*[13579bdf]$' "/proc/$pid/status" && pass "$what: SIGHUP is blocked" ||
      fail "$what: SIGHUP not blocked: $(grep SigBlk "/proc/$pid/status")"
  fi
  tm kill-session -t terms-close
  if gone "$pid"; then
    pass "$what: process $pid exits"
  else
    fail "$what: process $pid still there ($(cat /proc/"$pid"/stat 2>/dev/null))"
    kill -KILL "$pid" 2>/dev/null
  fi
  recording_whole "$what"
  sanitizer_clean "$what"
}
closing "closing terminal" ""
if command -v perl >/dev/null; then
  closing "closing terminal, SIGHUP blocked" \
    "perl -MPOSIX -e \"sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGHUP)) or die; exec @ARGV or die\""
else
  fail "perl is missing: the closing terminal with SIGHUP blocked is not tried"
fi

# --- a low descriptor limit -----------------------------------------------------
fresh
tm send-keys -t "$S" -l "clear; stty -g >$work/before; sh -c 'ulimit -n 32; echo \$\$ >$work/pid; exec env TERM=screen LANG=C.UTF-8 $TCPDECK -d 0.2 -w $work/rec --log $work/log 2>$work/err'; $after_line"
tm send-keys -t "$S" Enter
if wait_file "$work/pid"; then
  pid=$(cat "$work/pid")
  wait_for '^LISTEN +1 ' && pass "ulimit -n 32: the dashboard draws" ||
    fail "ulimit -n 32: no dashboard: $(screen | head -5)"
  wait_samples 2 || fail "ulimit -n 32: fewer than 2 samples logged"
  tm send-keys -t "$S" q
  ended "ulimit -n 32"
else
  fail "ulimit -n 32: the dashboard did not start"
fi

# Batch at low limits: works, or one clear line.  Below 6 even the
# dynamic loader may not find a descriptor for the C library.
for n in 6 7 8 9 10 11 12 13 14 16 32; do
  listening
  rm -f "$work/rec"
  (ulimit -n "$n" && exec timeout 60 "$TCPDECK" -b -n 2 -d 0.2 --view listen -w "$work/rec") \
    >"$work/out" 2>"$work/err"
  rc=$?
  if grep -q Sanitizer "$work/err"; then
    fail "batch, ulimit -n $n: sanitizer report: $(grep -m2 Sanitizer "$work/err")"
  elif [ "$rc" = 0 ]; then
    if grep -q 'tcpdeck-test-l' "$work/out"; then
      pass "batch, ulimit -n $n: works, owner found"
    elif [ "$n" != 32 ] && grep -q '^tcpdeck: owners unknown in this sample: .*ulimit -n' "$work/err"; then
      pass "batch, ulimit -n $n: works, says why owners are missing"
    else
      fail "batch, ulimit -n $n: no owner and no note: $(cat "$work/out" "$work/err" | head -5)"
    fi
    m=$(timeout 60 "$TCPDECK" -r "$work/rec" -b --view states -o json 2>"$work/replay-err" | wc -l)
    [ "$m" = 2 ] && [ ! -s "$work/replay-err" ] &&
      pass "batch, ulimit -n $n: the recording holds both samples" ||
      fail "batch, ulimit -n $n: the recording replays $m: $(head -c 300 "$work/replay-err")"
  elif [ "$rc" = 1 ] && [ "$n" != 32 ] && [ "$(wc -l <"$work/err")" = 1 ] &&
    grep -q '^tcpdeck: .*Too many open files' "$work/err"; then
    pass "batch, ulimit -n $n: one clear line: $(cat "$work/err")"
  else
    fail "batch, ulimit -n $n: status $rc: $(head -c 400 "$work/err")"
  fi
done

finish
