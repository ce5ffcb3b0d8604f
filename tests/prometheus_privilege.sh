#!/bin/bash
# prometheus_privilege.sh - tcpdeck decides whether it may look into other
# users' processes by its effective capabilities, not by its uid, so the
# systemd unit's DynamicUser= with AmbientCapabilities= attributes every
# socket.
#
# In a network namespace of its own, a process of root's holds a listener
# and connections.  tcpdeck -b -n 1 -o prometheus then runs as uid 65534:
#   - with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH as ambient capabilities
#     (setpriv --ambient-caps, as AmbientCapabilities= grants them), the
#     listener's line names root's process and tcpdeck_process_sockets
#     counts its sockets;
#   - with no capability at all, neither (the sockets are still counted),
#     so the first check can fail;
#   - a young socket: tcpdeck --serve runs as uid 65534 with the two
#     capabilities, and after its first sample a shell of root's (already
#     read by then) opens a connection.  The first exposition that counts
#     the new connection must name the shell: tcpdeck searched for the
#     socket's owner at once, which it does for other users' sockets only
#     when it knows it may read their descriptors (when it decided by
#     uid, this socket waited for the shell's periodic reread, up to 10 s).
# Needs root and setpriv (util-linux) with --ambient-caps.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

[ "$(id -u)" = 0 ] || skip_test "needs root (a process of root's and setpriv to another uid)"
command -v setpriv >/dev/null || skip_test "setpriv (util-linux) is not installed"
setpriv --help 2>&1 | grep -q -- '--ambient-caps' || skip_test "this setpriv has no --ambient-caps"
: "${LISTENER:?LISTENER must name the tcpdeck-test-listener binary}"
enter_private_netns "$@"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
"${NOBODY[@]}" test -x "$TCPDECK" ||
  skip_test "uid 65534 cannot run $TCPDECK (a directory on its path is closed to others)"

PORT=7793
dir=$(mktemp -d "${TMPDIR:-/tmp}/prom-privilege.XXXXXX")
chmod 755 "$dir"
lpid=""
cleanup() {
  local p
  for p in $lpid; do kill_ours "$p"; done
  for p in $lpid; do wait "$p" 2>/dev/null; done
  rm -rf "$dir"
}
trap cleanup EXIT

timeout 60 "$LISTENER" "$PORT" 3 >"$dir/listener.out" &
lpid=$!
for _ in $(seq 1 100); do grep -q ready "$dir/listener.out" && break; sleep 0.1; done
grep -q ready "$dir/listener.out" || hard_error "the listener did not start"
# The listener is the child of timeout: its name in /proc.
comm=$(cat "/proc/$(pgrep -P "$lpid" | head -1)/comm" 2>/dev/null)
[ -n "$comm" ] || hard_error "cannot find the listener's process"
# Both ends of its connections are its own (it connects to itself).
ss_est=$(ss -tanH state established | wc -l)
echo "root's $comm holds a listener on $PORT and $ss_est ESTABLISHED sockets (ss)"

# one FILE CAPS...: one exposition as uid 65534 with those ambient
# capabilities ("" for none).
one() {
  local out=$1 caps=$2
  if [ -n "$caps" ]; then
    timeout 60 "${NOBODY[@]}" --inh-caps="$caps" --ambient-caps="$caps" \
      "$TCPDECK" -b -n 1 -o prometheus >"$out" 2>"$out.err"
  else
    timeout 60 "${NOBODY[@]}" --inh-caps=-all --bounding-set=-all \
      "$TCPDECK" -b -n 1 -o prometheus >"$out" 2>"$out.err"
  fi
}

one "$dir/caps.prom" "+sys_ptrace,+dac_read_search" ||
  hard_error "tcpdeck as uid 65534 with capabilities failed: $(head -c 300 "$dir/caps.prom.err")"
one "$dir/none.prom" "" ||
  hard_error "tcpdeck as uid 65534 without capabilities failed: $(head -c 300 "$dir/none.prom.err")"

line="tcpdeck_listen_backlog{addr=\"127.0.0.1\",port=\"$PORT\",process=\"$comm\"}"
if grep -qF "$line" "$dir/caps.prom"; then
  pass "with ambient CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH: the listener is root's $comm"
else
  fail "with capabilities, no '$line': $(grep "port=\"$PORT\"" "$dir/caps.prom" | head -2)"
fi
est=$(awk -v c="$comm" 'index($0, "tcpdeck_process_sockets{process=\"" c "\"") == 1 &&
  /state="established"/ { t += $NF } END { print t + 0 }' "$dir/caps.prom")
[ "$est" -eq "$ss_est" ] && [ "$est" -gt 0 ] &&
  pass "with capabilities: tcpdeck_process_sockets of $comm, established: $est, as ss" ||
  fail "with capabilities: tcpdeck_process_sockets of $comm, established: '$est', ss $ss_est"

if grep -qF "$line" "$dir/none.prom"; then
  fail "without capabilities the listener is named all the same: the check above proves nothing"
else
  pass "without capabilities: root's listener is not named ($(grep "tcpdeck_listen_backlog{.*port=\"$PORT\"" "$dir/none.prom"))"
fi
grep -q "^tcpdeck_sockets{state=\"listen\"} [1-9]" "$dir/none.prom" &&
  pass "without capabilities the sockets are still counted" ||
  fail "without capabilities: $(grep '^tcpdeck_sockets{state="listen"}' "$dir/none.prom")"

# --- a young socket of root's shell ----------------------------------------
SERVE_PORT=9793
caps="+sys_ptrace,+dac_read_search"
# The first listener is ended, and a new one with no connections of its
# own serves the shell: the listener exits by itself 120 s after it
# started, which a slow run can reach, and the ESTABLISHED count must
# change only by the shell's connection.
kill_ours $lpid
wait $lpid 2>/dev/null
PORT=7794
timeout 100 "$LISTENER" "$PORT" 0 >"$dir/listener2.out" &
lpid=$!
for _ in $(seq 1 100); do grep -q ready "$dir/listener2.out" && break; sleep 0.1; done
grep -q ready "$dir/listener2.out" || hard_error "the second listener did not start"
# The shell: waits for the go file, then connects and holds the connection
# (a builtin read on it: no child holds the descriptor too).
bash -c "for _ in \$(seq 1 600); do [ -e '$dir/go' ] && break; sleep 0.1; done
  exec 3<>/dev/tcp/127.0.0.1/$PORT && touch '$dir/connected' && read -r -t 60 _ <&3" &
shell=$!
lpid="$lpid $shell"
timeout 120 "${NOBODY[@]}" --inh-caps="$caps" --ambient-caps="$caps" \
  "$TCPDECK" --serve "127.0.0.1:$SERVE_PORT" -d 1 </dev/null >"$dir/serve.out" 2>"$dir/serve.err" &
lpid="$lpid $!"
url="http://127.0.0.1:$SERVE_PORT/metrics"
# established: the ESTABLISHED count of an exposition.
established() { awk '$1 == "tcpdeck_sockets{state=\"established\"}" { print $2 }' "$1"; }
for _ in $(seq 1 100); do
  curl -s -m 2 -o "$dir/first.prom" "$url" && [ -n "$(established "$dir/first.prom")" ] && break
  sleep 0.2
done
[ -n "$(established "$dir/first.prom")" ] || hard_error "tcpdeck --serve as uid 65534 does not answer: $(head -c 300 "$dir/serve.err")"
before=$(established "$dir/first.prom")
touch "$dir/go"
for _ in $(seq 1 100); do [ -e "$dir/connected" ] && break; sleep 0.1; done
[ -e "$dir/connected" ] || hard_error "root's shell did not connect"
# The first exposition counting the new connection (its two ends).
got=""
for _ in $(seq 1 300); do
  curl -s -m 2 -o "$dir/young.prom" "$url" || continue
  n=$(established "$dir/young.prom")
  [ -n "$n" ] && [ "$n" -ge $((before + 1)) ] && { got=$n; break; }
  sleep 0.1
done
[ -n "$got" ] || hard_error "tcpdeck never counted the shell's connection ($before before)"
shell_est=$(awk 'index($0, "tcpdeck_process_sockets{process=\"bash\"") == 1 && /state="established"/ { print $NF }' \
  "$dir/young.prom")
[ "${shell_est:-0}" -ge 1 ] &&
  pass "a connection root's shell opened after the first sample is named at once (bash: $shell_est)" ||
  fail "the first exposition with the shell's connection ($before -> $got established) does not name bash: $(grep 'tcpdeck_process_sockets{process="bash"' "$dir/young.prom")"
finish
