# lib.sh - shared helpers for tcpdeck's shell tests.
#
# Sourced by tests/*.sh.  Exit codes follow automake: 0 pass, 77 skip (with
# the reason on stderr), 99 hard error; a failed assertion exits 1.

: "${TCPDECK:?TCPDECK must name the tcpdeck binary}"

failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

pass() {
  echo "ok: $*"
}

skip_test() {
  echo "SKIP: $*" >&2
  exit 77
}

hard_error() {
  echo "ERROR: $*" >&2
  exit 99
}

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures assertion(s) failed" >&2
    exit 1
  fi
  exit 0
}

# kill_ours [-SIG] PID...: signals each PID that is still this shell's
# child or a descendant of it.  A process that ended long ago (a test
# listener exits by itself) gives its pid back to the kernel, and tests
# run beside each other: a plain kill of a remembered pid can end another
# test's process.
kill_ours() {
  local sig=-TERM p q stat rest ours=()
  case ${1:-} in -*) sig=$1; shift ;; esac
  # All are judged before any is signalled: a forked child is no longer
  # a descendant once its parent has gone.
  for p in "$@"; do
    [ -n "$p" ] || continue
    q=$p
    while [ "$q" -gt 1 ] 2>/dev/null; do
      stat=$(cat "/proc/$q/stat" 2>/dev/null) || break
      rest=${stat##*) }
      q=$(set -- $rest; echo "$2")
      if [ "$q" = "$BASHPID" ] || [ "$q" = "$$" ]; then
        ours+=("$p")
        break
      fi
    done
  done
  [ ${#ours[@]} -eq 0 ] || kill "$sig" "${ours[@]}" 2>/dev/null
  return 0
}

# Re-executes the calling script inside a new network namespace, so the
# sockets it sees are exactly the ones it creates.
enter_private_netns() {
  if [ -n "${TCPDECK_TEST_NETNS:-}" ]; then
    ip link set lo up || hard_error "cannot bring up lo in the test namespace"
    return 0
  fi
  command -v unshare >/dev/null || skip_test "unshare (util-linux) is not installed"
  if ! unshare -n true 2>/dev/null; then
    skip_test "creating a network namespace needs root (CAP_SYS_ADMIN); run the tests as root"
  fi
  TCPDECK_TEST_NETNS=1 exec unshare -n "${BASH:-bash}" "$0" "$@"
}

# Starts the socket generator in the background; waits (bounded) for its
# "ready ..." line and stores it in $SOCKGEN_READY.  Its pid is $SOCKGEN_PID.
start_sockgen() {
  : "${SOCKGEN:?SOCKGEN must name the tcpdeck-sockgen binary}"
  sockgen_out=$(mktemp)
  "$SOCKGEN" --hold 120 "$@" >"$sockgen_out" &
  SOCKGEN_PID=$!
  SOCKGEN_READY=""
  for _ in $(seq 1 200); do
    SOCKGEN_READY=$(grep '^ready ' "$sockgen_out" || true)
    [ -n "$SOCKGEN_READY" ] && break
    kill -0 "$SOCKGEN_PID" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$sockgen_out"
  [ -n "$SOCKGEN_READY" ] || hard_error "socket generator did not get ready: $*"
}

stop_sockgen() {
  if [ -n "${SOCKGEN_PID:-}" ]; then
    kill_ours "$SOCKGEN_PID" || true
    wait "$SOCKGEN_PID" 2>/dev/null || true
    SOCKGEN_PID=""
  fi
}

# The eleven states in tcpdeck's order.
STATES="LISTEN SYN_SENT SYN_RECV ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE_WAIT CLOSING LAST_ACK TIME_WAIT CLOSE"

# ss's state column to tcpdeck's name.
ss_state_name() {
  case "$1" in
    LISTEN) echo LISTEN ;;
    SYN-SENT) echo SYN_SENT ;;
    SYN-RECV) echo SYN_RECV ;;
    ESTAB) echo ESTABLISHED ;;
    FIN-WAIT-1) echo FIN_WAIT1 ;;
    FIN-WAIT-2) echo FIN_WAIT2 ;;
    CLOSE-WAIT) echo CLOSE_WAIT ;;
    CLOSING) echo CLOSING ;;
    LAST-ACK) echo LAST_ACK ;;
    TIME-WAIT) echo TIME_WAIT ;;
    UNCONN|CLOSED) echo CLOSE ;;
    *) echo "UNKNOWN:$1" ;;
  esac
}

# Prints "STATE=N" for every state, counted from `ss -tan` (all states).
ss_counts() {
  ss -tan state all | awk 'NR > 1 { print $1 }' | while read -r s; do
    ss_state_name "$s"
  done | sort | uniq -c | awk '{ print $2 "=" $1 }'
}

# Value of STATE in a "A=1 B=2" list (one per line or space separated); 0 if absent.
count_of() {
  printf '%s\n' $2 | awk -F= -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'
}

# Value of "STATE": N inside tcpdeck's JSON line.
json_count() {
  printf '%s\n' "$2" | sed -n "s/.*\"$1\": \\([0-9][0-9]*\\).*/\\1/p"
}

# --- dashboard tests in tmux (tui_listen.sh, tui_conns.sh) ---------------
# tmux_dashboard_setup NAME: a private tmux server (sockets in a directory
# removed at exit) driven with `tm`, the session "tui" read with `screen`
# and `wait_screen REGEX` (bounded), and `start ARGS` to run the test
# listener in the background (its pid appended to pids[]); everything is
# ended at exit.
tmux_dashboard_setup() {
  TMUX_TMPDIR=$(mktemp -d)
  export TMUX_TMPDIR
  sock="$1-$$"
  pids=()
  trap tmux_dashboard_cleanup EXIT
}
tm() { tmux -u -L "$sock" -f /dev/null "$@"; }

# descendants PID...: the given processes and all their descendants.
descendants() {
  local todo=("$@") p child
  while [ ${#todo[@]} -gt 0 ]; do
    p=${todo[0]}
    todo=("${todo[@]:1}")
    echo "$p"
    for child in $(cat /proc/"$p"/task/*/children 2>/dev/null); do todo+=("$child"); done
  done
}

# tm_kill_server: ends the tmux server and what runs in its panes.  A
# dashboard that loses its terminal gets SIGHUP and exits; one that has
# not gone 5 s later (a sanitizer's leak check can hang at exit) is
# killed, so no test leaves a process spinning behind it.
# tm_retire SESSION: takes a session out of the way without destroying
# it: renamed (its name is free for the next one), its panes kept when
# their processes end, and those processes ended.  tmux 3.3a can crash
# while it destroys a session (kill-session), which would take every
# other session of the test with it; the server ends them all at exit.
tm_retired=0
tm_retire() {
  local name="retired-$((tm_retired += 1))" p
  tm rename-session -t "$1" "$name" 2>/dev/null || return 0
  tm set-option -w -t "$name" remain-on-exit on 2>/dev/null
  for p in $(descendants $(tm list-panes -s -t "$name" -F '#{pane_pid}' 2>/dev/null)); do
    kill "$p" 2>/dev/null
  done
}

tm_kill_server() {
  local left=() p
  mapfile -t left < <(descendants $(tm list-panes -a -F '#{pane_pid}' 2>/dev/null))
  tm kill-server 2>/dev/null
  for _ in $(seq 1 50); do
    p=""
    for p in "${left[@]}"; do [ -d "/proc/$p" ] && break; p=""; done
    [ -z "$p" ] && return 0
    sleep 0.1
  done
  for p in "${left[@]}"; do
    [ -d "/proc/$p" ] && echo "note: pid $p outlived its terminal by 5 s; killing it" >&2
    kill -KILL "$p" 2>/dev/null
  done
  return 0
}

tmux_dashboard_cleanup() {
  local p
  tm_kill_server
  kill_ours "${pids[@]}"
  wait 2>/dev/null
  rm -rf "$TMUX_TMPDIR"
}
start() {
  local out
  : "${LISTENER:?LISTENER must name the test listener program}"
  out=$(mktemp)
  "$LISTENER" "$@" >"$out" &
  pids+=($!)
  for _ in $(seq 1 50); do grep -q ready "$out" && break; sleep 0.1; done
  grep -q ready "$out" || hard_error "listener $* did not start"
  rm -f "$out"
}
screen() { tm capture-pane -p -t tui; }
# wait_screen REGEX: until the screen matches (bounded: WAIT_SCREEN_TRIES
# looks 0.1 s apart, default 100; tests of sanitized dashboards that start
# slowly on a loaded machine set 400).
wait_screen() {
  for _ in $(seq 1 "${WAIT_SCREEN_TRIES:-100}"); do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.1
  done
  return 1
}
# wait_sample REGEX: like wait_screen, for what only a sample draws (the
# states view's rows are there before the first sample, with zeros), and
# patient: on a loaded machine the first sample can take many seconds.
wait_sample() {
  for _ in $(seq 1 600); do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.1
  done
  return 1
}
