#!/bin/bash
# cli.sh - command-line behaviour: help, version, bad input (one line on
# stderr, exit 2), batch line counts and formats.  Needs no privileges.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

# Every run is bounded: a regression that makes tcpdeck sample forever
# fails the test instead of hanging it.
run_tcpdeck() { timeout 30 "$TCPDECK" "$@"; }

out=$(run_tcpdeck --help) && [[ "$out" == Usage:* ]] && pass "--help" || fail "--help"
out=$(run_tcpdeck --version) && [[ "$out" == "tcpdeck "[0-9]* ]] && pass "--version" ||
  fail "--version printed '$out'"

# Every bad invocation: exit status 2, exactly one line on stderr, nothing
# on stdout, and the line names the offending word.
check_bad() {
  local word=$1
  shift
  local err out status
  err=$(mktemp)
  out=$(run_tcpdeck "$@" 2>"$err")
  status=$?
  if [ "$status" -ne 2 ]; then
    fail "'$*' exited $status, expected 2"
  elif [ "$(wc -l <"$err")" -ne 1 ]; then
    fail "'$*' wrote $(wc -l <"$err") lines to stderr, expected 1"
  elif ! grep -qF -- "$word" "$err"; then
    fail "'$*' error does not name '$word': $(cat "$err")"
  elif [ -n "$out" ]; then
    fail "'$*' wrote to stdout"
  else
    pass "'$*' -> $(cat "$err")"
  fi
  rm -f "$err"
}
check_bad "-x" -x
check_bad "--frobnicate" --frobnicate
check_bad "0" -b -d 0
check_bad "61" -b -d 61
check_bad "abc" -b -d abc
check_bad "0" -b -n 0
check_bad "-3" -b -n -3
check_bad "xml" -b -o xml
check_bad "-n" -b -n
check_bad "stray" -b stray
check_bad "/nonexistent/dir/log" -b -v /nonexistent/dir/log

# Batch: exactly N lines, one per sample, each complete.
lines=$(run_tcpdeck -b -n 3 -d 0.1 | wc -l)
[ "$lines" -eq 3 ] && pass "-b -n 3 prints 3 lines" || fail "-b -n 3 printed $lines lines"

text=$(run_tcpdeck -b -n 1)
for state in $STATES; do
  [[ "$text" == *" $state="[0-9]* ]] || fail "text line lacks $state: $text"
done
[[ "$text" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ total=[0-9]+ ]] && pass "text line" ||
  fail "text line format: $text"

json=$(run_tcpdeck -b -n 1 -d 0.5 -o json)
re='^\{"time": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z", "interval": 0\.5, "total": [0-9]+, "states": \{'
re+='"LISTEN": [0-9]+, "SYN_SENT": [0-9]+, "SYN_RECV": [0-9]+, "ESTABLISHED": [0-9]+, '
re+='"FIN_WAIT1": [0-9]+, "FIN_WAIT2": [0-9]+, "CLOSE_WAIT": [0-9]+, "CLOSING": [0-9]+, '
re+='"LAST_ACK": [0-9]+, "TIME_WAIT": [0-9]+, "CLOSE": [0-9]+\}\}$'
[[ "$json" =~ $re ]] && pass "json line" || fail "json line format: $json"

# The counts add up to the total.
sum=0
for state in $STATES; do
  sum=$((sum + $(json_count "$state" "$json")))
done
total=$(printf '%s\n' "$json" | sed -n 's/.*"total": \([0-9]*\).*/\1/p')
[ "$sum" -eq "$total" ] && pass "states sum to total ($total)" || fail "states sum $sum != total $total"

# Replaying ss -D dumps: the recorded dump from iproute2's test suite.
dump="${SHARED_DIR:-$TESTS_SRCDIR/../../shared}/ss-testdata/ss1.dump"
[ -r "$dump" ] || hard_error "cannot find the recorded dump at $dump"
out=$(run_tcpdeck -b -r "$dump" -o json)
[[ "$out" == *'"total": 7,'*'"LISTEN": 2,'*'"ESTABLISHED": 5,'* ]] &&
  pass "-r ss1.dump: 7 sockets, both families" || fail "-r ss1.dump: $out"
rows=$(run_tcpdeck -b -r "$dump" --view conns -o csv -s local dport = 22)
[ "$(wc -l <<<"$rows")" -eq 3 ] && [[ "$(sed -n 2p <<<"$rows")" == *",ESTABLISHED,ipv4,10.0.0.1,36266,10.0.0.1,22,"* ]] &&
  [[ "$(sed -n 3p <<<"$rows")" == *",ESTABLISHED,ipv6,fec0:42::24,40520,fec0:42::1,22,"* ]] &&
  pass "-r with a filter and -s: the two sockets with dport 22, sorted" ||
  fail "-r dport = 22: $rows"
tmpd=$(mktemp -d)
head -c 300 "$dump" >"$tmpd/cut.dump"
out=$(run_tcpdeck -b -r "$tmpd/cut.dump" 2>"$tmpd/err")
status=$?
[ $status -eq 0 ] && [[ "$out" == *"total=3 "* ]] && grep -q "byte 288" "$tmpd/err" &&
  [ "$(wc -l <"$tmpd/err")" -eq 1 ] && pass "truncated dump: the 3 whole sockets, and where it stopped" ||
  fail "truncated dump: status $status, '$out', '$(cat "$tmpd/err")'"
for bad in /etc/hostname "$tmpd/none" "$tmpd"; do
  err=$(run_tcpdeck -b -r "$bad" 2>&1 >/dev/null)
  [ $? -eq 1 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && [[ "$err" == *"$bad"* ]] &&
    pass "-r $bad: $err" || fail "-r $bad: '$err'"
done
echo 'state bogus' >"$tmpd/filter"
check_bad "bogus" -b -F "$tmpd/filter"
echo 'state listening' >"$tmpd/filter"
out=$(run_tcpdeck -b -r "$dump" -F "$tmpd/filter")
[[ "$out" == *"total=2 LISTEN=2 "* ]] && pass "-F reads the filter from a file" || fail "-F: $out"
rm -rf "$tmpd"

# The dashboard refuses to draw into a pipe, with a hint.
err=$(run_tcpdeck -n 1 </dev/null 2>&1 >/dev/null)
status=$?
[ "$status" -eq 1 ] && [[ "$err" == *"-b"* ]] && pass "no terminal: $err" ||
  fail "dashboard without a terminal: status $status, '$err'"

finish
