#!/bin/bash
# tui_netns.sh - the dashboard across network namespaces, live, as root:
# two namespaces made here (nsui-a, nsui-b) with the test listener's
# sockets in each; `tcpdeck --netns all` in tmux.  The header counts the
# namespaces; the namespaces view (8) lists both by name with the counts
# ss gives inside each; Enter on one narrows every view to it (the header
# names it, the connection table shows its sockets only); the picker (N)
# narrows to the other; the LISTEN panel groups by namespace; a namespace
# deleted stays a while, marked gone.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
command -v ip >/dev/null || skip_test "ip (iproute2) is not installed"
[ "$(id -u)" = 0 ] || skip_test "creating network namespaces needs root"
"$TCPDECK" --help 2>&1 | grep -q -- '--netns' ||
  skip_test "needs --netns: this tcpdeck cannot sample other namespaces yet"

A=nsui-a
B=nsui-b
for ns in $A $B; do
  [ -e "/run/netns/$ns" ] && skip_test "namespace $ns exists already (another run of this test?)"
done

tmux_dashboard_setup tcpdeck-netns
# wait_for with a longer bound: with --netns all a busy host (other
# namespaces full of sockets) can take many seconds per sample.
wait_for() {
  for _ in $(seq 1 300); do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.2
  done
  return 1
}
cleanup() {
  tmux_dashboard_cleanup
  ip netns del $A 2>/dev/null
  ip netns del $B 2>/dev/null
}
trap cleanup EXIT

# start_in NS ARGS: the test listener inside NS (pid in pids[]); it ends
# by itself after 120 s, which bounds how long this test can take.
start_in() {
  local ns=$1 out
  shift
  out=$(mktemp)
  ip netns exec "$ns" timeout 150 "$LISTENER" "$@" >"$out" &
  pids+=($!)
  for _ in $(seq 1 50); do grep -q ready "$out" && break; sleep 0.1; done
  grep -q ready "$out" || hard_error "listener $* in $ns did not start"
  rm -f "$out"
}

for ns in $A $B; do
  ip netns add $ns || hard_error "ip netns add $ns failed"
  ip -n $ns link set lo up || hard_error "no lo in $ns"
done
start_in $A 7001 3 # LISTEN and 3 connections: 7 sockets
start_in $B 7002 1 # 3 sockets
b_listener=${pids[1]}
# What ss sees inside each.
ss_total() { ip netns exec "$1" ss -tan state all | awk 'NR > 1' | wc -l; }
ss_state() { ip netns exec "$1" ss -tan state "$2" | awk 'NR > 1' | wc -l; }
a_total=$(ss_total $A) b_total=$(ss_total $B)
a_estab=$(ss_state $A established)
echo "ss: $A $a_total sockets ($a_estab established), $B $b_total"
[ "$a_total" = 7 ] && [ "$b_total" = 3 ] || hard_error "listeners made $a_total and $b_total sockets"

tm new-session -d -s tui -x 150 -y 50 \
  "env LANG=C.UTF-8 TERM=xterm-256color timeout --foreground 300 $TCPDECK --netns all -d 0.2; sleep 30"
wait_for '^ESTABLISHED' || hard_error "dashboard did not start: $(screen)"
wait_for '^ sockets [0-9,]+ +namespaces [0-9]+ ' || fail "no namespaces in the header: $(screen | sed -n 2p)"
n=$(screen | sed -n 2p | sed -n 's/.* namespaces \([0-9]*\).*/\1/p')
[ -n "$n" ] && [ "$n" -ge 3 ] && pass "the header counts $n namespaces (the host's, $A, $B...)" ||
  fail "header: $(screen | sed -n 2p)"

# --- 8: one row per namespace, with ss's counts --------------------------------
# Other namespaces on the host (other tests', containers) can be many, so
# each row is found by moving the selection (reverse video) to it, which
# scrolls it into view.
# The reverse-video row under the titles: its line on screen and the
# first word of its text (the namespace's name; counts change by
# themselves); selected: that name.
selected_line() {
  tm capture-pane -p -e -t tui | sed 's/\x1b/@E/g' |
    awk '/^(@E\[[0-9;]*m)*NAMESPACE/ { t = 1; next } t && /@E\[([0-9;]*;)?7[;m]/ { print NR ": " $0; exit }' |
    sed 's/@E\[[0-9;]*m//g' | awk '{ print $1, $2 }'
}
selected() { selected_line | awk '{ print $2 }'; }
# select_ns NAME: from the first row down until NAME's is selected.  The
# screen can lag behind the keys when the host is busy, so each step
# waits (bounded) until the selection has moved.
select_ns() {
  local before
  tm send-keys -t tui g
  sleep 0.3
  for _ in $(seq 1 200); do
    [ "$(selected)" = "$1" ] && return 0
    before=$(selected_line)
    tm send-keys -t tui j
    for _ in $(seq 1 100); do
      [ "$(selected_line)" != "$before" ] && break
      sleep 0.1
    done
    [ "$(selected_line)" = "$before" ] && return 1 # the last row
  done
  return 1
}
tm send-keys -t tui 8
wait_for '^NAMESPACE' || fail "8: no namespaces view: $(screen | head -5)"
# By name (< twice from TOTAL: INODE, then NAME).
tm send-keys -t tui '<' '<'
wait_for '^NAMESPACE\^' || fail "8: < < does not sort by name: $(screen | sed -n 3,4p)"
# The columns by their titles: TOTAL, ESTAB, LISTEN.
col() { screen | awk -v t="$1" '/^NAMESPACE/ { for (i = 1; i <= NF; i++) if ($i ~ "^" t) c = i; exit } END { print c }'; }
value() { screen | awk -v r="$1" -v c="$2" '$1 == r { gsub(",", "", $c); print $c }'; }
total_col=$(col TOTAL) estab_col=$(col ESTAB) listen_col=$(col LISTEN)
[ -n "$total_col" ] && [ -n "$estab_col" ] && [ -n "$listen_col" ] || fail "8: titles: $(screen | sed -n 3,4p)"
select_ns $B || fail "8: no row for $B: $(screen)"
[ "$(value $B "$total_col")" = "$b_total" ] && pass "8: $B: $b_total sockets, as ss" ||
  fail "8: $B row: $(screen | grep "^$B ")"
select_ns $A || hard_error "8: no row for $A: selected '$(selected)': $(screen)"
[ "$(value $A "$total_col")" = "$a_total" ] && [ "$(value $A "$estab_col")" = "$a_estab" ] &&
  [ "$(value $A "$listen_col")" = 1 ] && pass "8: $A: $a_total sockets, $a_estab established, 1 listening, as ss" ||
  fail "8: $A row: $(screen | grep "^$A ")"

# Enter on A's row (selected).
inode_a=$(ip netns exec $A stat -L -c %i /proc/self/ns/net)
tm send-keys -t tui Enter
wait_for "filter: netns $inode_a +\\[$A\\]" && pass "Enter: the filter netns $inode_a, the header names $A" ||
  fail "Enter: $(screen | sed -n 2p)"
screen | grep -q "namespace $A only" && pass "Enter: the status names $A" || fail "status: $(screen | tail -2)"

# --- 3: the connection table shows A's sockets only -----------------------------
tm send-keys -t tui 3
wait_for 'LOCAL +REMOTE' || fail "3: $(screen | head -4)"
rows() { screen | grep -E '^([^ ]+ +)?(127\.0\.0\.1|\[::1\]):[0-9]+ '; }
for _ in $(seq 1 300); do [ "$(rows | wc -l)" = "$a_total" ] && break; sleep 0.2; done
[ "$(rows | wc -l)" = "$a_total" ] && pass "3: $a_total rows, $A's sockets" || fail "3: $(rows | wc -l) rows: $(rows)"
[ "$(rows | grep -c ':7001 ')" = "$a_total" ] && pass "3: each on port 7001, none of $B's" || fail "3: $(rows)"
screen | grep -q '^NETNS ' && [ "$(rows | grep -c "^$A ")" = "$a_total" ] &&
  pass "3: the NETNS column, first, says $A" || fail "3: NETNS: $(screen | sed -n 3,5p)"

# --- N: the picker narrows to B --------------------------------------------------
# It offers the namespaces by name on one line: with many on the host, B
# may be past its end; then its first one is picked, and B is narrowed to
# from view 8 with Enter.
inode_b=$(ip netns exec $B stat -L -c %i /proc/self/ns/net)
tm send-keys -t tui N
wait_for '^namespace: a all ' || fail "N: no picker: $(screen | tail -2)"
line=$(screen | grep '^namespace: ')
key=$(grep -oE "(^|  )[^ ] $B( |$)" <<<"$line" | sed 's/^ *//' | cut -c1)
if [ -n "$key" ]; then
  tm send-keys -t tui -l "$key"
  wait_for "filter: netns $inode_b +\\[$B\\]" && pass "N $key: the filter keeps $B" ||
    fail "N: $(screen | sed -n 2p)"
else
  # Other namespaces come and go on a busy host: only what is offered is
  # checked, and Esc leaves the filter as it was.
  [[ "$line" == "namespace: a all  1 "* ]] && pass "N: the picker offers all, then the namespaces ($B past the line's end)" ||
    fail "N: $line"
  tm send-keys -t tui Escape
  sleep 0.5
  screen | sed -n 2p | grep -qE "filter: netns $inode_a +\\[$A\\]" && pass "N Esc: the filter stays" ||
    fail "N Esc: $(screen | sed -n 2p)"
  tm send-keys -t tui 8
  wait_for '^NAMESPACE' || fail "8: $(screen | head -4)"
  select_ns $B || fail "8: cannot select $B"
  tm send-keys -t tui Enter
  wait_for "filter: netns $inode_b +\\[$B\\]" && pass "Enter: the filter keeps $B" ||
    fail "Enter on $B: $(screen | sed -n 2p)"
  tm send-keys -t tui 3
  wait_for 'LOCAL +REMOTE' || fail "3: $(screen | head -4)"
fi
for _ in $(seq 1 300); do [ "$(rows | wc -l)" = "$b_total" ] && break; sleep 0.2; done
[ "$(rows | wc -l)" = "$b_total" ] && [ "$(rows | grep -c ':7002 ')" = "$b_total" ] &&
  pass "3: $b_total rows, all $B's" || fail "3 after N: $(rows)"

# --- 2: listeners grouped by namespace ------------------------------------------
# N a drops the namespace filter; then both namespaces, typed at the
# filter prompt (other namespaces' listeners could fill the screen).
tm send-keys -t tui N
wait_for '^namespace: a all ' || fail "N: no picker"
tm send-keys -t tui a
wait_for 'filter cleared' && pass "N a: every namespace again" || fail "N a: $(screen | tail -2)"
tm send-keys -t tui / "netns $inode_b or netns $inode_a" Enter
wait_for "filter: netns $inode_b or netns $inode_a( |$)" || fail "/: $(screen | sed -n 2p)"
tm send-keys -t tui 2
wait_for "^== namespace $A \\(netns $inode_a\\)" && pass "2: $A's listeners under its name" ||
  fail "2: $(screen | head -12)"
wait_for "^== namespace $B \\(netns $inode_b\\)" || fail "2: no $B title: $(screen | head -12)"
after=$(screen | sed -n "/^== namespace $A /,\$p" | grep -m1 -E '^  [^ ]+:[0-9]+ ')
[[ "$after" == *127.0.0.1:7001* ]] && pass "2: 7001 listed under $A" || fail "2: under $A: '$after'"
order=$(screen | sed -n 's/^== namespace \([^ ]*\) .*/\1/p' | tr '\n' ' ')
[ "$order" = "$A $B " ] && pass "2: the namespaces by name" || fail "2: namespaces in the order '$order'"
tm send-keys -t tui / C-u Enter
wait_for 'filter cleared' || fail "/: the filter did not clear"

# --- a namespace that goes away stays a while, marked gone --------------------------
tm send-keys -t tui 8
select_ns $B || fail "8: cannot select $B: $(screen)"
kill_ours "$b_listener"
wait "$b_listener" 2>/dev/null
ip netns del $B
# The next samples miss it (bounded: a busy host samples slowly).
gone=""
for _ in $(seq 1 120); do
  screen | grep -Eq "^$B .* gone( |\$)" && gone=1 && break
  sleep 1
done
[ -n "$gone" ] && pass "8: $B, deleted, shows as gone" || fail "8: $(screen | grep "$B")"
tm send-keys -t tui q

# --- without CAP_SYS_ADMIN: the note why, once on the status line and in view 8 --
if command -v setpriv >/dev/null; then
  tm_kill_server
  tm new-session -d -s tui -x 150 -y 30 "env LANG=C.UTF-8 TERM=xterm-256color setpriv --reuid=nobody \
    --regid=nogroup --clear-groups --inh-caps=-all timeout --foreground 60 $TCPDECK --netns all -d 0.2; sleep 30"
  wait_for '^ sockets [0-9,]+ +namespaces 1 ' || fail "as nobody: $(screen | sed -n 2p)"
  status=$(screen | tail -n 2 | head -n 1)
  [[ "$status" == *CAP_SYS_ADMIN* ]] && pass "as nobody: the status line says CAP_SYS_ADMIN is needed" ||
    fail "as nobody: status '$status'"
  tm send-keys -t tui 8
  wait_for '^NAMESPACE' || fail "as nobody: no view 8: $(screen | head -5)"
  [ "$(screen | grep -c 'CAP_SYS_ADMIN')" -ge 1 ] && [[ "$(screen | tail -n 2 | head -n 1)" != *CAP_SYS_ADMIN* ]] &&
    pass "as nobody: view 8 keeps the note; the status line said it once" ||
    fail "as nobody: $(screen | head -6; screen | tail -n 2)"
  tm send-keys -t tui q
else
  echo "note: no setpriv: the run without CAP_SYS_ADMIN is left out"
fi
finish
