#!/bin/bash
# tui_replay_views.sh - the dashboard replaying a checked-in recording
# (tests/data/recordings/stress.tdr), without root: every view (keys 1 to
# 8) at the sample where the accept queue of port 8080 first overflows,
# each showing what the recording holds there (counts, owners, ports,
# findings, kernel counters, peers; the recording has no namespaces, and
# the namespaces view says how to get them), and a test marked over five
# samples with m.  Expected values come from the batch replay of the same file.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
rec="${TESTS_SRCDIR:-$(dirname "$0")}/data/recordings/stress.tdr"
[ -r "$rec" ] || hard_error "no recording $rec"

tmux_dashboard_setup tcpdeck-replay-views
batch() { env TZ=UTC LC_ALL=C timeout 60 "$TCPDECK" -r "$rec" -b "$@"; }

# --- what the recording holds, from batch replay ------------------------------
states=$(batch --view states -o json) || hard_error "batch replay failed"
n_samples=$(printf '%s\n' "$states" | wc -l)
[ "$n_samples" -ge 40 ] || hard_error "the recording has $n_samples samples"
# Sample numbers (from 1) by time.
index_of() { printf '%s\n' "$states" | grep -n "\"time\": \"$1\"" | cut -d: -f1; }
state_at() { json_count "$2" "$(printf '%s\n' "$states" | sed -n "${1}p")"; }
# The first sample where 127.0.0.1:8080 holds more than its backlog.
full=$(batch --view listen -o csv | awk -F, '$2 == "127.0.0.1" && $3 == 8080 && $8 > $9 { print; exit }')
[ -n "$full" ] || hard_error "the recording has no full accept queue"
IFS=, read -r ftime _ _ _ fpid fproc _ facc fbacklog fest _ <<<"$full"
k=$(index_of "$ftime")
[ -n "$k" ] && [ "$k" -le $((n_samples - 6)) ] || hard_error "full queue at sample '$k' of $n_samples"
echo "sample $k ($ftime): 127.0.0.1:8080 accept queue $facc/$fbacklog, $fest established, $fproc pid $fpid"

# --- the dashboard, paused and moved to sample k ------------------------------
tm new-session -d -s tui -x 150 -y 45 \
  "env LANG=C.UTF-8 TERM=screen TZ=UTC timeout --foreground 120 $TCPDECK -r $rec; sleep 30"
wait_screen 'replay of ' || hard_error "dashboard did not start: $(screen)"
tm send-keys -t tui space
wait_screen 'PAUSED' || hard_error "space did not pause: $(screen | head -1)"
shown() { screen | head -1 | sed -n 's/.* sample \([0-9]*\)\/.*/\1/p'; }
tm send-keys -t tui T
tm send-keys -t tui -l '+0'
tm send-keys -t tui Enter
wait_screen ' sample 1/' || hard_error "T +0 did not go to the start: $(screen | head -1)"
cur=1
while [ $((k - cur)) -ge 10 ]; do
  tm send-keys -t tui '}'
  cur=$((cur + 10))
  wait_screen " sample $cur/" || hard_error "} did not reach sample $cur: $(screen | head -1)"
done
while [ "$cur" -lt "$k" ]; do
  tm send-keys -t tui Right
  cur=$((cur + 1))
  wait_screen " sample $cur/" || hard_error "Right did not reach sample $cur: $(screen | head -1)"
done
pass "moved to sample $k with T, } and Right"

# 1: states.
tm send-keys -t tui 1
wait_screen '^STATE +COUNT' || fail "1 does not show the states view"
total=$(printf '%s\n' "$states" | sed -n "${k}p" | sed -n 's/.*"total": \([0-9]*\).*/\1/p')
screen | grep -q "sockets $total " && pass "1: sockets $total, as recorded" ||
  fail "1: $(screen | sed -n 2p), recorded $total"
bad=""
for s in LISTEN SYN_SENT ESTABLISHED FIN_WAIT2 CLOSE_WAIT TIME_WAIT; do
  got=$(screen | awk -v s="$s" '$1 == s { gsub(",", "", $2); print $2 }')
  [ "$got" = "$(state_at "$k" "$s")" ] || bad="$bad $s=$got(recorded $(state_at "$k" "$s"))"
done
[ -z "$bad" ] && pass "1: every state count as recorded" || fail "1: counts differ:$bad"

# 2: listeners, the full queue and its owner.
tm send-keys -t tui 2
wait_screen 'ACCEPTQ/BACKLOG' && pass "2 shows the listeners" || fail "2: $(screen | head -5)"
screen | grep -Eq "^ *127\.0\.0\.1:8080 +tcp +$facc/$fbacklog +$fest +[0-9]+ +QUEUE FULL" &&
  pass "2: 127.0.0.1:8080 $facc/$fbacklog QUEUE FULL, $fest established" ||
  fail "2: no full 8080 row: $(screen | grep 8080)"
screen | grep -Eq "^$fpid +root +$fproc --no-netns" && pass "2: owner $fproc (pid $fpid) and its command line" ||
  fail "2: owner line: $(screen | grep -- --no-netns)"

# 3: connections, filtered to CLOSE_WAIT: one row per socket.
tm send-keys -t tui 3
wait_screen 'LOCAL +REMOTE +STATE' && pass "3 shows the connection table" || fail "3: $(screen | head -5)"
screen | grep -E "^(127\\.|\\[)" | head -n 2 | grep -Eq "^(127\.0\.0\.1|\[::1\]):8080 +(0\.0\.0\.0|\[::\]):\* +LISTEN +$fpid " &&
  pass "3: the listeners first, with their pid" || fail "3: first rows: $(screen | sed -n 4,6p)"
tm send-keys -t tui / 'state close-wait' Enter
wait_screen 'filter: state close-wait' || fail "3: the filter is not shown"
sleep 0.3
rows=$(screen | grep -Ec ' CLOSE_WAIT ')
want=$(state_at "$k" CLOSE_WAIT)
[ "$rows" = "$want" ] && pass "3: $rows CLOSE_WAIT rows, as recorded" ||
  fail "3: $rows CLOSE_WAIT rows, recorded $want"
[ "$(screen | grep -E ' CLOSE_WAIT ' | grep -Evc ":8080 .* CLOSE_WAIT +$fpid ")" = 0 ] &&
  pass "3: each on port 8080, held by pid $fpid" || fail "3: $(screen | grep CLOSE_WAIT | head -3)"
tm send-keys -t tui / C-u Enter
wait_screen 'filter cleared' || fail "3: the filter did not clear"

# 4: findings.
tm send-keys -t tui 4
wait_screen '^FINDINGS' && pass "4 shows the findings" || fail "4: $(screen | head -4)"
screen | grep -q "Port 8080's accept queue is full ($facc of $fbacklog): $fproc (pid $fpid)" &&
  pass "4: the full accept queue, naming $fproc" || fail "4: $(screen | grep -i 'accept' | head -3)"

# 5: kernel counters.
overflows=$(batch --view counters -o csv -n "$k" | awk -F, -v t="$ftime" '$1 == t && $3 == "TcpExtListenOverflows" { print $4 }')
tm send-keys -t tui 5
wait_screen '^KERNEL COUNTER' && pass "5 shows the kernel counters" || fail "5: $(screen | head -4)"
got=$(screen | awk '/^accept queue overflows / { gsub(",", "", $4); print $4 }')
[ -n "$overflows" ] && [ "$got" = "$overflows" ] && pass "5: accept queue overflows $got, as recorded" ||
  fail "5: accept queue overflows '$got', recorded '$overflows'"

# 6: peers.
peer=$(batch --view peers -o csv -n "$k" | awk -F, -v t="$ftime" '$1 == t && $3 == "remote-addr" && $5 == "127.0.0.1" { print $7 }')
tm send-keys -t tui 6
wait_screen '^REMOTE ADDRESS +TOTAL' && pass "6 shows the peers" || fail "6: $(screen | head -5)"
got=$(screen | awk '$1 == "127.0.0.1" { print $2 }')
[ -n "$peer" ] && [ "$got" = "$peer" ] && pass "6: 127.0.0.1 holds $got sockets, as recorded" ||
  fail "6: 127.0.0.1 total '$got', recorded '$peer'"

# 8: namespaces: the recording has none (taken without --netns), so one
# line says how to see them, the header counts none, the picker has none
# to offer and the filter stays as it is.
tm send-keys -t tui 8
wait_screen '^No namespaces in this sample: start tcpdeck with --netns all' &&
  pass "8: no namespaces recorded, and how to get them" || fail "8: $(screen | sed -n 3,5p)"
[ -z "$(screen | sed -n '/^No namespaces in this sample/{n;p;}' | tr -d ' ')" ] && pass "8: in one line" ||
  fail "8: $(screen | sed -n 3,6p)"
screen | sed -n 2p | grep -q 'namespaces' && fail "8: header counts namespaces: $(screen | sed -n 2p)" ||
  pass "8: the header says nothing of namespaces"
tm send-keys -t tui N
wait_screen 'no namespaces to pick: start tcpdeck with --netns all' && pass "8: N has no namespace to pick" ||
  fail "8: N: $(screen | tail -2)"
tm send-keys -t tui Enter
sleep 0.3
screen | grep -q 'filter: ' && fail "8: Enter set a filter: $(screen | sed -n 2p)" ||
  pass "8: Enter sets no filter without namespaces"

# 7: a test marked from sample k to k+5.
tm send-keys -t tui 7
wait_screen '^STRESS TEST' && pass "7 shows the test view" || fail "7: $(screen | head -5)"
tm send-keys -t tui m
for i in 1 2 3 4 5; do
  tm send-keys -t tui Right
  wait_screen " sample $((k + i))/" || fail "Right did not reach sample $((k + i))"
done
tm send-keys -t tui m
wait_screen '^STATE +START +PEAK +END' && pass "7: m, five samples, m: the summary" ||
  fail "7: $(screen | head -8)"
for s in ESTABLISHED TIME_WAIT CLOSE_WAIT; do
  start=$(state_at "$k" "$s") end=$(state_at $((k + 5)) "$s") peak=0
  for i in 0 1 2 3 4 5; do
    v=$(state_at $((k + i)) "$s")
    [ "$v" -gt "$peak" ] && peak=$v
  done
  screen | grep -Eq "^$s +$start +$peak +$end " && pass "7: $s $start, peak $peak, end $end" ||
    fail "7: $(screen | grep "^$s"), recorded $start/$peak/$end"
done
tm send-keys -t tui q
finish
