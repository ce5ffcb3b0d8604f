#!/bin/bash
# mark.sh - a marked stress test in batch mode: --mark prints the summary
# after the samples, --summary saves it as JSON and text, SIGINT still
# prints what was gathered, and a summary that cannot be saved is an error.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
enter_private_netns "$@"

dir=$(mktemp -d)
trap 'stop_sockgen; rm -rf "$dir"' EXIT
start_sockgen close_wait=40 established=5

timeout 30 "$TCPDECK" -b -n 4 -d 0.2 --mark >"$dir/out" 2>"$dir/err"
rc=$?
[ $rc = 0 ] && pass "--mark run exits 0" || fail "--mark exit $rc: $(cat "$dir/err")"
[ "$(grep -c '^{' "$dir/out")" = 0 ] && [ "$(grep -c "total=" "$dir/out")" -ge 4 ] &&
  pass "the samples come first" || fail "samples: $(head -3 "$dir/out")"
grep -Eq '^CLOSE_WAIT +40 +40 +40' "$dir/out" && pass "text summary: CLOSE_WAIT 40 at start, peak, end" ||
  fail "summary: $(tail -25 "$dir/out")"
grep -q '^Stress test done' "$dir/out" && pass "the test ended with the last sample" ||
  fail "phase: $(grep '^Stress test' "$dir/out")"

timeout 30 "$TCPDECK" -b -n 3 -d 0.2 -o json --summary "$dir/sum" >"$dir/out" 2>"$dir/err"
rc=$?
[ $rc = 0 ] && pass "--summary run exits 0" || fail "--summary exit $rc: $(cat "$dir/err")"
last=$(tail -n 1 "$dir/out")
grep -q '"CLOSE_WAIT": {"start": 40, "end": 40, "peak": 40' <<<"$last" &&
  pass "JSON summary as the last line" || fail "last line: $last"
cmp -s <(tail -n 1 "$dir/out") "$dir/sum.json" && pass "PREFIX.json holds the same summary" ||
  fail "sum.json: $(cat "$dir/sum.json" 2>&1)"
grep -Eq '^ESTABLISHED +10 +10 +10' "$dir/sum.txt" && pass "PREFIX.txt holds the text summary" ||
  fail "sum.txt: $(cat "$dir/sum.txt" 2>&1)"
# The JSON is one object (no JSON parser is assumed here: a shape check).
[ "$(tr -cd '{' <"$dir/sum.json" | wc -c)" = "$(tr -cd '}' <"$dir/sum.json" | wc -c)" ] &&
  pass "braces balance" || fail "unbalanced JSON"

# Interrupted: the samples taken so far make the summary.  A run that does
# not end 30 s after SIGINT is killed (and the exit status then says so).
timeout --preserve-status -k 30 -s INT 3 "$TCPDECK" -b -d 0.2 --mark >"$dir/out" 2>"$dir/err"
rc=$?
[ $rc = 0 ] && pass "SIGINT ends a marked run with 0" || fail "SIGINT exit $rc: $(cat "$dir/err")"
grep -q '^Stress test done' "$dir/out" && pass "SIGINT still prints the summary" ||
  fail "after SIGINT: $(tail -5 "$dir/out")"

timeout 30 "$TCPDECK" -b -n 2 -d 0.2 --summary /nonexistent/dir/sum >/dev/null 2>"$dir/err"
rc=$?
[ $rc != 0 ] && [ "$(wc -l <"$dir/err")" = 1 ] && grep -q "cannot write /nonexistent/dir/sum.json" "$dir/err" &&
  pass "an unwritable --summary is a one-line error" || fail "exit $rc: $(cat "$dir/err")"
timeout 30 "$TCPDECK" -b -n 1 --summary '' >/dev/null 2>"$dir/err"
[ $? = 2 ] && pass "an empty --summary prefix is refused" || fail "empty prefix: $(cat "$dir/err")"

finish
