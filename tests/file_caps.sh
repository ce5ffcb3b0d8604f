#!/bin/bash
# file_caps.sh - tcpdeck run by an ordinary user (nobody) with file
# capabilities instead of root: the smallest set that attributes sockets
# to processes of other users, and what each capability adds (README,
# "Running without root").
#
# In a network namespace of its own, root runs the test listener; a copy
# of tcpdeck (file capabilities are set on the copy, never on the build)
# is run by nobody (setpriv) with:
#   - no capability: the sockets, without owners;
#   - CAP_SYS_PTRACE alone, CAP_DAC_READ_SEARCH alone: still no owners
#     (reading /proc/PID/fd of another user needs both: the directory's
#     permission and the ptrace check on each link);
#   - both: the listener's pid, process and user, as root sees them;
#   - both and CAP_SYS_ADMIN: -N NAME enters a named namespace (setns);
#     without CAP_SYS_ADMIN it is refused in one line that names it.
# Then the dashboard in tmux (when installed), closing the listener's
# accepted connection with k (SOCK_DESTROY): refused without
# CAP_NET_ADMIN, done with it (ss no longer shows it).
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
[ "$(id -u)" = 0 ] || skip_test "needs root: setcap, and a process of another user to attribute"
command -v setcap >/dev/null || skip_test "setcap (libcap2-bin) is not installed"
command -v setpriv >/dev/null || skip_test "setpriv (util-linux) is not installed"
enter_private_netns "$@"

dir=$(mktemp -d "${TMPDIR:-/tmp}/tcpdeck-caps.XXXXXX")
chmod 755 "$dir"
ns="tcpdeck-caps-$$"
pids=()
cleanup() {
  local p
  kill_ours "${pids[@]}"
  wait 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
cp "$TCPDECK" "$dir/tcpdeck" && chmod 755 "$dir/tcpdeck" || hard_error "cannot copy tcpdeck"
setcap cap_sys_ptrace+ep "$dir/tcpdeck" 2>/dev/null ||
  skip_test "the file system of $dir does not take file capabilities"
# nobody must reach the copy: every directory above it searchable.
setpriv --reuid=nobody --regid=nogroup --clear-groups -- test -x "$dir/tcpdeck" ||
  skip_test "nobody cannot reach $dir"

"$LISTENER" 9700 1 >"$dir/ready" &
pids+=($!)
for _ in $(seq 1 50); do grep -q ready "$dir/ready" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$dir/ready" || hard_error "the listener did not start"
lpid=${pids[0]}

# as_nobody CAPS ARGS...: the copy with CAPS (none when empty), run by
# nobody; its output in $dir/out, its exit status returned.
as_nobody() {
  local caps=$1
  shift
  setcap -r "$dir/tcpdeck" 2>/dev/null
  [ -z "$caps" ] || setcap "$caps+ep" "$dir/tcpdeck" || hard_error "setcap $caps failed"
  timeout 60 setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$dir/tcpdeck" "$@" \
    >"$dir/out" 2>&1
}
# The listener's row of the listen view, as CSV: its pid field.
owner_pid() { awk -F, '$3 == 9700 { print $5 }' "$dir/out"; }

as_nobody "" -b -n 1 --view listen -o csv
[ "$(owner_pid)" = "" ] && grep -q ',9700,' "$dir/out" &&
  pass "no capability: the listener's socket, without its owner" ||
  fail "no capability: $(cat "$dir/out")"
for one in cap_sys_ptrace cap_dac_read_search; do
  as_nobody "$one" -b -n 1 --view listen -o csv
  [ "$(owner_pid)" = "" ] && pass "$one alone: no owner (not enough)" ||
    fail "$one alone attributes the socket: the documented set is not the smallest"
done
owners=cap_sys_ptrace,cap_dac_read_search
as_nobody "$owners" -b -n 1 --view listen -o csv
[ "$(owner_pid)" = "$lpid" ] && grep -q ",9700,ipv4,$lpid,tcpdeck-test-li,root," "$dir/out" &&
  pass "$owners: the owner as root sees it: $(grep ',9700,' "$dir/out")" ||
  fail "$owners: no owner: $(cat "$dir/out")"
as_nobody "$owners" --who 9700
grep -q "$lpid" "$dir/out" && pass "$owners: --who names the listener" ||
  fail "$owners: --who: $(cat "$dir/out")"

# Another network namespace: entering it is setns(), CAP_SYS_ADMIN.
ip netns add "$ns" || hard_error "ip netns add failed"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$LISTENER" 9701 1 >"$dir/ready2" &
pids+=($!)
for _ in $(seq 1 50); do grep -q ready "$dir/ready2" 2>/dev/null && break; sleep 0.1; done
as_nobody "$owners" -b -n 1 -N "$ns" --view listen -o csv
rc=$?
[ "$rc" != 0 ] && grep -q "CAP_SYS_ADMIN" "$dir/out" &&
  pass "-N without CAP_SYS_ADMIN: refused: $(head -n 1 "$dir/out")" ||
  fail "-N without CAP_SYS_ADMIN: exit $rc: $(cat "$dir/out")"
as_nobody "$owners,cap_sys_admin" -b -n 1 -N "$ns" --view listen -o csv
rc=$?
[ "$rc" = 0 ] && grep -q ',9701,ipv4,[0-9]' "$dir/out" &&
  pass "$owners,cap_sys_admin: -N enters the namespace, owners too" ||
  fail "$owners,cap_sys_admin: -N: exit $rc: $(cat "$dir/out")"

# ------------------------------------------ SOCK_DESTROY from the dashboard
command -v tmux >/dev/null || { fail "tmux is not installed: k was not checked"; finish; }
tmux_dashboard_setup tcpdeck-caps
trap 'tmux_dashboard_cleanup; cleanup' EXIT
# close_with CAPS: the dashboard as nobody with CAPS; k on the accepted
# connection of :9700; the status line is left in $status.
close_with() {
  setcap -r "$dir/tcpdeck" 2>/dev/null
  setcap "$1+ep" "$dir/tcpdeck" || hard_error "setcap $1 failed"
  tm new-session -d -s tui -x 160 -y 30 \
    "setpriv --reuid=nobody --regid=nogroup --clear-groups -- env LANG=C.UTF-8 TERM=screen $dir/tcpdeck -d 0.2"
  wait_screen 'last sample' || hard_error "the dashboard did not start: $(screen)"
  tm send-keys -t tui 3
  tm send-keys -t tui / 'state established sport = :9700' Enter
  wait_screen 'filter: ' || fail "$1: no filter: $(screen | tail -n 3)"
  sleep 0.5
  tm send-keys -t tui Home k
  wait_screen 'Close 1 connection' || fail "$1: k asked nothing: $(screen | tail -n 3)"
  tm send-keys -t tui y
  wait_screen 'closed [0-9]' || fail "$1: k said nothing: $(screen | tail -n 3)"
  status=$(screen | grep -m1 'closed [0-9]')
  tm send-keys -t tui q
  tm_kill_server
}
close_with "$owners"
n=$(ss -tanH state established "sport = :9700" | wc -l)
[[ "$status" == *"0, 1 failed"* ]] && [ "$n" = 1 ] &&
  pass "k without cap_net_admin: refused: $status" || fail "k without cap_net_admin: '$status', $n left"
close_with "$owners,cap_net_admin"
n=$(ss -tanH state established "sport = :9700" | wc -l)
[[ "$status" == *"closed 1 connection"* ]] && [ "$n" = 0 ] &&
  pass "k with cap_net_admin: $status; ss no longer shows it" ||
  fail "k with cap_net_admin: '$status', $n left"
finish
