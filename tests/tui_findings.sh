#!/bin/bash
# tui_findings.sh - the views over what samples mean, inside tmux: the
# banner of a finding on every view, the findings naming the process,
# the TCP states page, the kernel counters, the top peers (checked against
# ss), and a marked stress test whose summary is printed at exit.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
enter_private_netns "$@"

tmux_dashboard_setup tcpdeck-findings
# The dashboard runs in its own directory: w saves summaries there.
dir=$(mktemp -d)
trap 'tmux_dashboard_cleanup; stop_sockgen; rm -rf "$dir"' EXIT

# 60 CLOSE_WAIT sockets (the default threshold is 50) held by the
# generator, and ESTABLISHED pairs for the peers view.
start_sockgen close_wait=60 established=7
# The generator's worker holds the sockets: ss says which.
gen=$(ss -tanpH state close-wait | grep -Eo 'pid=[0-9]+' | sort -u | cut -d= -f2)
[ "$(wc -w <<<"$gen")" = 1 ] || hard_error "expected one process holding CLOSE_WAIT, ss says '$gen'"

tm new-session -d -s tui -x 120 -y 34 -c "$dir" \
  "env LANG=C.UTF-8 TERM=screen $TCPDECK -d 0.2; echo tcpdeck exited \$?; sleep 30"
wait_screen '^ESTABLISHED' || hard_error "dashboard did not start: $(screen)"

# The banner: on the states view, naming the process.
wait_screen "^ ! .*\(pid $gen\) holds 60 sockets in CLOSE_WAIT" &&
  pass "banner names the process holding CLOSE_WAIT" || fail "no banner: $(screen | head -4)"

tm send-keys -t tui 4
wait_screen '^FINDINGS +1' && pass "4 opens the findings" || fail "findings: $(screen | head -5)"
screen | grep -q "^ ! " && fail "banner shown over the findings themselves" ||
  pass "no banner over the findings"
wait_screen "^warning .*\(pid $gen\) holds 60 sockets in CLOSE_WAIT" &&
  pass "finding with severity and pid" || fail "finding: $(screen | head -6)"
screen | grep -q "evidence: 60 in CLOSE_WAIT" && pass "evidence line" || fail "no evidence line"
screen | grep -q "next: .*close()" && pass "what to check next" || fail "no next step"

tm send-keys -t tui e
wait_screen '^TCP states' && wait_screen '^LISTEN \(server\)' && ! screen | grep -q '^FINDINGS' &&
  pass "e explains the TCP states" || fail "no states page: $(screen | head -6)"
tm send-keys -t tui e

tm send-keys -t tui 5
wait_screen '^KERNEL COUNTER' && pass "5 opens the kernel counters" || fail "counters: $(screen | head -4)"
# The generator opened 60 + 7 connections in this namespace.
opens=$(screen | awk '/^active opens/ { gsub(",", "", $3); print $3 }')
[ "${opens:-0}" -ge 67 ] && pass "active opens counted ($opens)" || fail "active opens '$opens'"

tm send-keys -t tui 6
wait_screen '^REMOTE ADDRESS' && pass "6 opens the peers" || fail "peers: $(screen | head -5)"
want=$(ss -tanH | awk '$1 != "LISTEN" { a = $5; sub(/:[0-9]+$/, "", a); if (a == "127.0.0.1") n++ } END { print n + 0 }')
got=$(screen | awk '$1 == "127.0.0.1" { gsub(",", "", $2); print $2 }')
[ "$got" = "$want" ] && pass "peer 127.0.0.1: $got connections, as ss" ||
  fail "peer 127.0.0.1: tcpdeck '$got', ss '$want'"
tm send-keys -t tui t
wait_screen '^REMOTE PORT by total' && pass "t shows remote ports" || fail "t: $(screen | head -5)"
tm send-keys -t tui s
wait_screen 'by ESTABLISHED' && pass "s ranks by a state" || fail "s: $(screen | head -5)"

# A marked test: m starts it, m ends it, view 7 shows the summary.
tm send-keys -t tui m
wait_screen 'test started' && pass "m starts a test" || fail "m: $(screen | tail -3)"
sleep 1
tm send-keys -t tui m 7
wait_screen '^Stress test (draining|done)' && pass "m ends it, 7 shows the summary" ||
  fail "summary: $(screen | head -6)"
wait_screen '^CLOSE_WAIT +60 +60 +60' && pass "summary has the CLOSE_WAIT peak" ||
  fail "summary states: $(screen | head -14)"
tm send-keys -t tui w
wait_screen 'test summary saved to tcpdeck-test-' && pass "w says where it saved the summary" ||
  fail "w: $(screen | tail -3)"
saved=$(ls "$dir"/tcpdeck-test-*.json 2>/dev/null | head -n 1)
[ -n "$saved" ] && grep -q '"CLOSE_WAIT": {"start": 60, "end": 60, "peak": 60' "$saved" &&
  grep -Eq '^CLOSE_WAIT +60 +60 +60' "${saved%.json}.txt" &&
  pass "w saved the summary as JSON and text" || fail "saved: $(ls "$dir")"
tm send-keys -t tui q
wait_screen '^tcpdeck exited 0' || fail "tcpdeck did not exit cleanly: $(screen | tail -3)"
after=$(screen)
grep -q '^Stress test' <<<"$after" && grep -Eq '^CLOSE_WAIT +60 +60 +60' <<<"$after" &&
  pass "the summary is printed at exit" || fail "no summary printed: $after"

# --summary: the whole run is the test, saved when the dashboard ends
# (after -n samples here).
tm_retire tui
tm new-session -d -s tui -x 120 -y 34 -c "$dir" \
  "env LANG=C.UTF-8 TERM=screen $TCPDECK -d 0.2 -n 5 --summary $dir/atexit; echo tcpdeck exited \$?; sleep 30"
wait_screen '^tcpdeck exited 0' || fail "tcpdeck -n 5 did not exit cleanly: $(screen | tail -3)"
grep -q '"phase": "done"' "$dir/atexit.json" &&
  grep -q '"CLOSE_WAIT": {"start": 60, "end": 60, "peak": 60' "$dir/atexit.json" &&
  grep -q '^Stress test done' "$dir/atexit.txt" && pass "--summary saves the run's summary at exit" ||
  fail "--summary: $(ls "$dir"; cat "$dir/atexit.json" 2>&1)"

stop_sockgen
finish
