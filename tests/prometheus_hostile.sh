#!/bin/bash
# prometheus_hostile.sh - tcpdeck --serve keeps answering scrapes while
# clients misbehave.
#
# While a scraper polls /metrics every 0.5 s (curl --max-time 1, every
# poll must succeed: a functional bound, not a benchmark), the endpoint
# gets, all at once from 127.0.0.1 like the scraper:
#   - 500 idle connections (tcpdeck-test-hostile idle), held past the
#     server's idle timeout, which must close them;
#   - clients sending a request header one byte a second, from another
#     address (127.0.0.2), more of them than one address may hold: the
#     server keeps at most its per-address share (SERVE_PER_ADDRESS_PERCENT
#     of its connection limit, computed here from process_max_fds as
#     serve.c does) and refuses the rest, and the scraper on 127.0.0.1
#     keeps answering (a byte a second is never idle for the idle timeout,
#     so only the per-address cap bounds these);
#   - a request line of 1 MB (refused with a 4xx or a close);
#   - 4 KiB of binary garbage (a 400 or a close);
#   - POST PUT DELETE PATCH OPTIONS TRACE CONNECT and a made-up method,
#     over and over (405, or 400 where the HTTP layer refuses the form).
# Checked besides: tcpdeck's VmRSS stays under 200 MiB (the numbers are
# printed), it is alive at the end and exits 0 on SIGTERM.
# Runs in a network namespace of its own when it can (root), else on
# this host's loopback with a port picked from the pid.  Needs curl.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

command -v curl >/dev/null || skip_test "curl is not installed (tools/install-deps)"
: "${HOSTILE:?HOSTILE must name the tcpdeck-test-hostile binary}"
if [ -n "${TCPDECK_TEST_NETNS:-}" ] || unshare -n true 2>/dev/null; then
  enter_private_netns "$@"
fi
if [ -n "${TCPDECK_TEST_NETNS:-}" ]; then PORT=9791; else PORT=$((20000 + $$ % 20000)); fi
IDLE=500
IDLE_TIMEOUT=10       # SERVE_TIMEOUT_S in src/serve/serve.h
HOLD=$((IDLE_TIMEOUT + 12))
RSS_BOUND_KB=$((200 * 1024))

dir=$(mktemp -d "${TMPDIR:-/tmp}/promsec-hostile.XXXXXX")
pids=()
cleanup() {
  local p
  kill_ours "${pids[@]}"
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$dir"
}
trap cleanup EXIT

# Under AddressSanitizer, freed memory waits in a quarantine of up to
# 256 MiB by default; a small one keeps VmRSS about tcpdeck's memory.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16" \
  timeout 120 "$TCPDECK" --serve "127.0.0.1:$PORT" </dev/null >"$dir/tcpdeck.out" 2>"$dir/tcpdeck.err" &
tcpdeck_timeout=$!
pids+=("$tcpdeck_timeout")
url="http://127.0.0.1:$PORT/metrics"
code=""
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url")
  [ "$code" = 200 ] && break
  sleep 0.2
done
[ "$code" = 200 ] || hard_error "tcpdeck --serve does not answer: '$code' $(cat "$dir/tcpdeck.err")"
tcpdeck_pid=$(pgrep -P "$tcpdeck_timeout" | head -1)
[ -n "$tcpdeck_pid" ] || hard_error "cannot find tcpdeck under timeout"
# The connection limit serve.c derives from the open-file limit, and an
# address's share of it (SERVE_* in src/serve/serve.h).
max_fds=$(curl -s --max-time 2 "$url" | awk '$1 == "process_max_fds" { print $2 }')
[ -n "$max_fds" ] || hard_error "no process_max_fds in the exposition"
if [ "$max_fds" -ge $((4096 + 64)) ]; then limit=4096
elif [ "$max_fds" -le 128 ]; then limit=$((max_fds / 2))
else limit=$((max_fds - 64)); fi
per_address=$((limit * 25 / 100))
[ "$per_address" -ge 1 ] || per_address=1
SLOW=$((per_address + 50))
echo "open files $max_fds: connection limit $limit, $per_address per address; $SLOW slow clients"
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$tcpdeck_pid/status" 2>/dev/null; }
rss_before=$(rss)
echo "VmRSS before: $rss_before kB"

# The scraper: every 0.5 s until told to stop (at most 200 polls); one
# line per poll: "curl-exit http-code", and tcpdeck's VmRSS.
(
  for i in $(seq 1 200); do
    [ -e "$dir/stop" ] && break
    out=$(curl -s -o "$dir/scrape.txt" -w '%{http_code}' --max-time 1 "$url")
    rc=$?
    body=bad
    grep -q '^tcpdeck_sockets{state="listen"} [0-9]' "$dir/scrape.txt" 2>/dev/null && body=ok
    echo "$rc $out $body" >>"$dir/polls"
    awk '/^VmRSS:/ { print $2 }' "/proc/$tcpdeck_pid/status" >>"$dir/rss" 2>/dev/null
    sleep 0.5
  done
) &
scraper=$!
pids+=("$scraper")
sleep 1

# The idle and the slow, held in the background.
timeout $((HOLD + 20)) "$HOSTILE" idle 127.0.0.1 "$PORT" "$IDLE" "$HOLD" >"$dir/idle.out" &
idle_pid=$!
pids+=("$idle_pid")
HOSTILE_SOURCE=127.0.0.2 timeout $((HOLD + 20)) "$HOSTILE" slow 127.0.0.1 "$PORT" "$SLOW" "$HOLD" \
  >"$dir/slow.out" &
slow_pid=$!
pids+=("$slow_pid")
for _ in $(seq 1 100); do grep -q '^ready' "$dir/idle.out" && break; sleep 0.1; done
echo "idle clients: $(head -1 "$dir/idle.out")"
[ "$(head -1 "$dir/idle.out")" = "ready $IDLE" ] && pass "$IDLE idle connections accepted" ||
  fail "idle clients: $(cat "$dir/idle.out")"

# One after another while the idle and the slow hold on.
answer=$(timeout 30 "$HOSTILE" bigline 127.0.0.1 "$PORT" $((1024 * 1024)))
case "$answer" in
  "HTTP/1."[01]" 4"*|closed) pass "1 MB request line: $answer" ;;
  *) fail "1 MB request line answered '$answer'" ;;
esac
answer=$(timeout 30 "$HOSTILE" garbage 127.0.0.1 "$PORT")
case "$answer" in
  "HTTP/1."[01]" 400"*|closed) pass "binary garbage: $answer" ;;
  *) fail "binary garbage answered '$answer'" ;;
esac
methods_ok=0 methods_bad=""
end=$((SECONDS + HOLD - 4))
while [ "$SECONDS" -lt "$end" ]; do
  for m in POST PUT DELETE PATCH OPTIONS TRACE CONNECT FROBNICATE; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X "$m" -d 'x=1' "$url")
    case "$m:$code" in
      *:405) methods_ok=$((methods_ok + 1)) ;;
      CONNECT:400) methods_ok=$((methods_ok + 1)) ;;   # CONNECT needs an authority form
      *) methods_bad="$methods_bad $m:$code" ;;
    esac
  done
  sleep 0.3
done
[ -z "$methods_bad" ] && pass "other methods: $methods_ok answers, each 405 (CONNECT /metrics: 400)" ||
  fail "other methods:$methods_bad"

wait "$idle_pid"
wait "$slow_pid"
echo "idle clients at the end: $(tail -1 "$dir/idle.out"); slow clients: $(tail -1 "$dir/slow.out")"
[ "$(tail -1 "$dir/idle.out")" = "open 0" ] &&
  pass "the idle connections were closed by the server's idle timeout" ||
  fail "idle connections left open after ${HOLD}s: $(tail -1 "$dir/idle.out")"
grep -q '^open [0-9]' "$dir/slow.out" || fail "the slow clients did not finish: $(cat "$dir/slow.out")"
held=$(sed -n 's/^held //p' "$dir/slow.out")
slow_open=$(sed -n 's/^open //p' "$dir/slow.out")
echo "slow clients from 127.0.0.2: $(sed -n 's/^ready //p' "$dir/slow.out") connected, $held held after 5 s, $slow_open at the end"
[ -n "$held" ] && [ "$held" -ge 1 ] && [ "$held" -le "$per_address" ] &&
  [ -n "$slow_open" ] && [ "$slow_open" -le "$per_address" ] &&
  pass "$SLOW slow clients from one address: the server kept at most its share ($per_address)" ||
  fail "slow clients: held '$held', open at the end '$slow_open', share $per_address"
sleep 2
touch "$dir/stop"
wait "$scraper"

polls=$(wc -l <"$dir/polls")
good=$(grep -c '^0 200 ok$' "$dir/polls")
echo "scrapes: $good of $polls answered 200 with an exposition within 1 s"
[ "$polls" -ge 20 ] && [ "$good" -eq "$polls" ] && pass "every scrape answered within 1 s ($good/$polls)" ||
  fail "scrapes: $good of $polls good; others: $(grep -v '^0 200 ok$' "$dir/polls" | sort | uniq -c | tr '\n' ';')"

rss_peak=$(sort -n "$dir/rss" | tail -1)
rss_after=$(rss)
echo "VmRSS: before $rss_before kB, peak $rss_peak kB, after $rss_after kB"
[ -n "$rss_peak" ] && [ "$rss_peak" -lt "$RSS_BOUND_KB" ] && [ -n "$rss_after" ] &&
  [ "$rss_after" -lt "$RSS_BOUND_KB" ] && pass "VmRSS stayed under $((RSS_BOUND_KB / 1024)) MiB" ||
  fail "VmRSS: peak '$rss_peak' kB, after '$rss_after' kB"

kill -0 "$tcpdeck_pid" 2>/dev/null && pass "tcpdeck is alive at the end" || fail "tcpdeck died"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url")
[ "$code" = 200 ] && pass "a last scrape: 200" || fail "a last scrape: '$code'"
kill "$tcpdeck_timeout"
wait "$tcpdeck_timeout"
rc=$?
[ "$rc" -eq 0 ] && pass "tcpdeck exits 0 on SIGTERM" || fail "tcpdeck exit on SIGTERM: $rc; $(cat "$dir/tcpdeck.err")"
[ ! -s "$dir/tcpdeck.err" ] || fail "tcpdeck wrote to stderr: $(head -c 300 "$dir/tcpdeck.err")"
finish
