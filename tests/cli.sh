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
re+='"LAST_ACK": [0-9]+, "TIME_WAIT": [0-9]+, "CLOSE": [0-9]+\}'
# Live, the interval's closes, opens (null on the first sample) and losses.
re+=', "closed": [0-9]+, "opened": (null|[0-9]+, "opened_client": [0-9]+, "opened_server": [0-9]+), '
re+='"short_lived": [0-9]+, "events_lost": [0-9]+\}$'
[[ "$json" =~ $re ]] && pass "json line" || fail "json line format: $json"

# The counts add up to the total.
sum=0
for state in $STATES; do
  sum=$((sum + $(json_count "$state" "$json")))
done
total=$(printf '%s\n' "$json" | sed -n 's/.*"total": \([0-9]*\).*/\1/p')
[ "$sum" -eq "$total" ] && pass "states sum to total ($total)" || fail "states sum $sum != total $total"

# Replaying ss -D dumps: tests/data/ssdump holds two, made by
# tools/make-ssdumps from real sockets in every state ss can dump, with
# (tcp-info) and without (tcp) tcp_info, and beside each the text ss
# printed reading the same bytes: the expected counts and sockets.
data=$TESTS_SRCDIR/data/ssdump
tmpd=$(mktemp -d)
# "STATE=N" for every state of ss's text (its socket lines start with a
# capital; tcp_info lines with a tab).
text_counts() {
  awk 'NR > 1 && /^[A-Z]/ { print $1 }' "$1" | while read -r s; do ss_state_name "$s"; done |
    sort | uniq -c | awk '{ print $2 "=" $1 }'
}
for name in tcp tcp-info; do
  dump=$data/$name.dump
  text=$data/$name.txt
  [ -r "$dump" ] && [ -r "$text" ] || hard_error "cannot find $dump and $text"
  want=$(text_counts "$text")
  rows=$(awk 'NR > 1 && /^[A-Z]/' "$text" | wc -l)
  [ "$rows" -gt 20 ] || hard_error "$text: only $rows sockets"

  # Per-state counts and total: those of ss's text.
  out=$(run_tcpdeck -b -r "$dump" -o json)
  bad=""
  for state in $STATES; do
    [ "$(json_count "$state" "$out")" = "$(count_of "$state" "$want")" ] ||
      bad+=" $state=$(json_count "$state" "$out") (ss: $(count_of "$state" "$want"))"
  done
  [[ "$out" == *"\"total\": $rows,"* ]] || bad+=" total (ss: $rows)"
  [ -z "$bad" ] && pass "-r $name.dump: $rows sockets, every state as ss counts them" ||
    fail "-r $name.dump:$bad: $out"
  # Every state ss can dump is there (ss asks for no bound-only, CLOSE, socket).
  missing=""
  for state in $STATES; do
    [ "$state" = CLOSE ] || [ "$(count_of "$state" "$want")" -gt 0 ] || missing+=" $state"
  done
  [ -z "$missing" ] && pass "$name.dump holds every state but CLOSE" ||
    fail "$name.dump lacks$missing"

  # Both families, as many of each as ss shows; the rtt column filled
  # for exactly the sockets ss showed tcp_info for.
  run_tcpdeck -b -r "$dump" --view conns -o csv >"$tmpd/conns.csv"
  v4=$(awk -F, 'NR > 1 && $3 == "ipv4"' "$tmpd/conns.csv" | wc -l)
  v6=$(awk -F, 'NR > 1 && $3 == "ipv6"' "$tmpd/conns.csv" | wc -l)
  ss_v4=$(awk 'NR > 1 && /^[A-Z]/ && $4 !~ /^\[/' "$text" | wc -l)
  ss_v6=$(awk 'NR > 1 && /^[A-Z]/ && $4 ~ /^\[/' "$text" | wc -l)
  [ "$v4" -eq "$ss_v4" ] && [ "$v6" -eq "$ss_v6" ] && [ "$v4" -gt 0 ] && [ "$v6" -gt 0 ] &&
    pass "-r $name.dump: $v4 IPv4 and $v6 IPv6 sockets" ||
    fail "-r $name.dump: $v4 IPv4 and $v6 IPv6 sockets, ss shows $ss_v4 and $ss_v6"
  rtt_col=$(head -1 "$tmpd/conns.csv" | tr , '\n' | grep -nx rtt_us | cut -d: -f1)
  with_rtt=$(awk -F, -v c="$rtt_col" 'NR > 1 && $c != ""' "$tmpd/conns.csv" | wc -l)
  with_info=$(grep -c $'^\t' "$text" || true)
  if [ "$name" = tcp ]; then
    [ -n "$rtt_col" ] && [ "$with_rtt" -eq 0 ] && [ "$with_info" -eq 0 ] &&
      pass "-r tcp.dump: no tcp_info, rtt empty" ||
      fail "-r tcp.dump: $with_rtt rows with an rtt, ss shows $with_info with tcp_info"
  else
    [ -n "$rtt_col" ] && [ "$with_rtt" -eq "$with_info" ] && [ "$with_rtt" -gt $((rows / 2)) ] &&
      pass "-r tcp-info.dump: rtt for the $with_rtt sockets ss shows tcp_info for" ||
      fail "-r tcp-info.dump: $with_rtt rows with an rtt, ss shows $with_info with tcp_info"
  fi
done

# A filter and a sort: the clients of port 8080 (tcpdeck-test-listener's
# port, in both families), IPv4 first, then by port.
dump=$data/tcp.dump
text=$data/tcp.txt
want=$(awk 'NR > 1 && /^[A-Z]/ && $5 ~ /:8080$/ { print $4 }' "$text" |
  sed -E 's/^\[(.*)\]:([0-9]+)$/ipv6,\1,\2/; s/^([0-9.]+):([0-9]+)$/ipv4,\1,\2/' |
  sort -t, -k1,1 -k3,3n)
got=$(run_tcpdeck -b -r "$dump" --view conns -o csv -s local dport = 8080 | tail -n +2 |
  cut -d, -f3-5)
[ "$(wc -l <<<"$want")" -ge 4 ] && [ "$got" = "$want" ] &&
  pass "-r with a filter and -s: the $(wc -l <<<"$got") clients of port 8080, sorted" ||
  fail "-r dport = 8080: got '$got', ss shows '$want'"

# Cut inside the fourth message: the three whole sockets, and where it
# stopped.
off=0
for _ in 1 2 3; do
  len=$(od -An -tu4 -j "$off" -N4 "$dump" | tr -d ' ')
  off=$((off + (len + 3) / 4 * 4))
done
head -c $((off + 12)) "$dump" >"$tmpd/cut.dump"
out=$(run_tcpdeck -b -r "$tmpd/cut.dump" 2>"$tmpd/err")
status=$?
[ $status -eq 0 ] && [[ "$out" == *"total=3 "* ]] && grep -q "byte $off" "$tmpd/err" &&
  [ "$(wc -l <"$tmpd/err")" -eq 1 ] && pass "truncated dump: the 3 whole sockets, and where it stopped" ||
  fail "truncated dump: status $status, '$out', '$(cat "$tmpd/err")'"
# A text file (ss's, beside the dump), a missing file and a directory.
for bad in "$text" "$tmpd/none" "$tmpd"; do
  err=$(run_tcpdeck -b -r "$bad" 2>&1 >/dev/null)
  [ $? -eq 1 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && [[ "$err" == *"$bad"* ]] &&
    pass "-r $bad: $err" || fail "-r $bad: '$err'"
done
echo 'state bogus' >"$tmpd/filter"
check_bad "bogus" -b -F "$tmpd/filter"
echo 'state listening' >"$tmpd/filter"
out=$(run_tcpdeck -b -r "$dump" -F "$tmpd/filter")
listen=$(count_of LISTEN "$(text_counts "$text")")
[[ "$out" == *"total=$listen LISTEN=$listen "* ]] && pass "-F reads the filter from a file" ||
  fail "-F: $out (ss shows $listen listening)"
rm -rf "$tmpd"

# The dashboard refuses to draw into a pipe, with a hint.
err=$(run_tcpdeck -n 1 </dev/null 2>&1 >/dev/null)
status=$?
[ "$status" -eq 1 ] && [[ "$err" == *"-b"* ]] && pass "no terminal: $err" ||
  fail "dashboard without a terminal: status $status, '$err'"

finish
