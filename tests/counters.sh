#!/bin/bash
# counters.sh - the counters view against the kernel: in a private network
# namespace (counters are per namespace), N connections made while tcpdeck
# samples show up as ActiveOpens and PassiveOpens deltas of exactly N, the
# CurrEstab gauge counts both ends, and every value tcpdeck prints equals
# what nstat (iproute2) and /proc/net/snmp say.  Needs root.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
enter_private_netns "$@"
: "${LISTENER:?LISTENER must name the test listener program}"
command -v nstat >/dev/null || skip_test "nstat (iproute2) is not installed"

N=7
work=$(mktemp -d)
listener_pid=""
tcpdeck_pid=""
cleanup() {
  [ -n "$listener_pid" ] && kill_ours "$listener_pid"
  [ -n "$tcpdeck_pid" ] && kill_ours "$tcpdeck_pid"
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# nstat keeps a history file; a private one leaves the user's alone.
export NSTAT_HISTORY="$work/nstat.history"

# Samples every 0.2 s for at most 8 s.  The connections are made once
# tcpdeck has printed its first line (two samples taken), so every one
# of them falls between two samples.
timeout 30 "$TCPDECK" -b -n 40 -d 0.2 --view counters -o json >"$work/out.json" 2>"$work/err" &
tcpdeck_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/out.json" ] && break
  sleep 0.1
done
[ -s "$work/out.json" ] || hard_error "tcpdeck printed no counters: $(cat "$work/err")"
"$LISTENER" 9000 "$N" >"$work/listener.out" &
listener_pid=$!
for _ in $(seq 1 50); do grep -q ready "$work/listener.out" && break; sleep 0.1; done
grep -q ready "$work/listener.out" || hard_error "listener did not start"
wait "$tcpdeck_pid"
status=$?
tcpdeck_pid=""
[ "$status" -eq 0 ] || fail "tcpdeck exited $status: $(cat "$work/err")"

lines=$(wc -l <"$work/out.json")
# 40 samples give 39 lines: the first sample only starts the rates.
[ "$lines" -eq 39 ] && pass "one line per sample after the first ($lines)" ||
  fail "$lines lines for 40 samples, expected 39"

# "NAME": {"value": V, "delta": D, ...} of one JSON line.
field() { # line counter key
  printf '%s\n' "$1" | sed -n "s/.*\"$2\": {\"value\": \\([0-9]*\\)\\(, \"delta\": \\([0-9]*\\)\\)\\?.*/\\$3/p"
}
sum_delta() {
  local sum=0 line d
  while IFS= read -r line; do
    d=$(field "$line" "$1" 3)
    sum=$((sum + ${d:-0}))
  done <"$work/out.json"
  echo "$sum"
}
active=$(sum_delta TcpActiveOpens)
passive=$(sum_delta TcpPassiveOpens)
[ "$active" -eq "$N" ] && pass "ActiveOpens grew by $N" || fail "ActiveOpens deltas sum to $active, expected $N"
[ "$passive" -eq "$N" ] && pass "PassiveOpens grew by $N" || fail "PassiveOpens deltas sum to $passive, expected $N"

# The deltas are the differences of the values line to line.
prev=""
ok=1
while IFS= read -r line; do
  v=$(field "$line" TcpActiveOpens 1)
  d=$(field "$line" TcpActiveOpens 3)
  if [ -n "$prev" ] && [ "$((v - prev))" -ne "$d" ]; then ok=0; fi
  prev=$v
done <"$work/out.json"
[ "$ok" -eq 1 ] && pass "deltas follow the values" || fail "a delta differs from the change in value"

# Rate = delta / interval, within rounding.
last=$(tail -n 1 "$work/out.json")
while IFS= read -r line; do
  printf '%s\n' "$line" | tr '{' '\n' | sed -n 's/.*"delta": \([0-9]*\), "rate": \([0-9.]*\)}.*/\1 \2/p' |
    awk -v dt="$(printf '%s\n' "$line" | sed -n 's/.*"interval": \([0-9.]*\).*/\1/p')" \
      '{ r = $1 / dt; d = r - $2; if (d < 0) d = -d; print (d > 0.002 + r * 1e-4 ? "bad" : "ok") }'
done <"$work/out.json" >"$work/rates"
checked=$(wc -l <"$work/rates")
bad_rates=$(grep -c bad "$work/rates")
[ "$bad_rates" -eq 0 ] && [ "$checked" -ge $((39 * 20)) ] && pass "$checked rates are delta / interval" ||
  fail "$bad_rates of $checked rates differ from delta / interval"

# CurrEstab is a gauge: value only, and both ends of every connection.
estab=$(field "$last" TcpCurrEstab 1)
ss_estab=$(ss -tanH state established | wc -l)
[ "$estab" -eq $((2 * N)) ] && [ "$estab" -eq "$ss_estab" ] &&
  pass "CurrEstab $estab = 2 x $N = ss" || fail "CurrEstab $estab, expected $((2 * N)) (ss: $ss_estab)"
[[ "$last" == *'"TcpCurrEstab": {"value": '[0-9]*'}'* ]] && pass "the gauge has no delta or rate" ||
  fail "CurrEstab printed with a rate: $last"

# Every value of the last sample equals nstat's (nothing happened since:
# the connections are idle).  nstat leaves gauges out: CurrEstab is
# compared with the raw file below.
nstat -saz >"$work/nstat" 2>&1 || hard_error "nstat failed: $(cat "$work/nstat")"
names=$(printf '%s\n' "$last" | grep -o '"Tcp[A-Za-z]*": {"value"' | sed 's/"\(.*\)": .*/\1/')
count=0
compared=0
for name in $names; do
  count=$((count + 1))
  [ "$name" = TcpCurrEstab ] && continue
  ours=$(field "$last" "$name" 1)
  theirs=$(awk -v n="$name" '$1 == n { print $2 }' "$work/nstat")
  compared=$((compared + 1))
  [ "$ours" = "$theirs" ] || fail "$name: tcpdeck $ours, nstat ${theirs:-missing}"
done
[ "$compared" -ge 10 ] && pass "$compared counters compared with nstat -az" ||
  fail "only $compared counters printed"

# The raw file, read with awk: the Tcp: names and values lines.
raw() {
  awk -v n="$1" '/^Tcp:/ { if (!h) { for (i = 2; i <= NF; i++) col[$i] = i; h = 1 } else print $col[n] }' /proc/net/snmp
}
raw_active=$(raw ActiveOpens)
[ "$raw_active" = "$(field "$last" TcpActiveOpens 1)" ] && pass "ActiveOpens equals /proc/net/snmp" ||
  fail "ActiveOpens: tcpdeck $(field "$last" TcpActiveOpens 1), /proc/net/snmp $raw_active"
[ "$(raw CurrEstab)" = "$estab" ] && pass "CurrEstab equals /proc/net/snmp" ||
  fail "CurrEstab: tcpdeck $estab, /proc/net/snmp $(raw CurrEstab)"

# Text and CSV: same counters, one row each per sample after the first.
csv=$(timeout 30 "$TCPDECK" -b -n 3 -d 0.1 --view counters -o csv)
header=$(printf '%s\n' "$csv" | head -n 1)
[ "$header" = "time,interval,counter,value,delta,rate" ] && pass "csv header" || fail "csv header: $header"
rows=$(printf '%s\n' "$csv" | tail -n +2 | wc -l)
[ "$rows" -eq $((2 * count)) ] && pass "csv: $count rows per sample, 2 samples" ||
  fail "csv: $rows rows, expected $((2 * count))"
csv_active=$(printf '%s\n' "$csv" | awk -F, '$3 == "TcpActiveOpens" { v = $4 } END { print v }')
[ "$csv_active" = "$raw_active" ] && pass "csv ActiveOpens" || fail "csv ActiveOpens $csv_active != $raw_active"
printf '%s\n' "$csv" | awk -F, '$3 == "TcpCurrEstab" && ($5 != "" || $6 != "") { exit 1 }' &&
  pass "csv gauge has empty delta and rate" || fail "csv gauge has a delta or rate"

text=$(timeout 30 "$TCPDECK" -b -n 2 -d 0.1 --view counters)
[[ "$(printf '%s\n' "$text" | head -n 1)" =~ ^#\ [0-9T:.-]+Z,\ counters\ over\ 0\.[0-9]+\ s$ ]] &&
  pass "text heading" || fail "text heading: $(printf '%s\n' "$text" | head -n 1)"
text_rows=$(printf '%s\n' "$text" | awk 'NR > 2' | wc -l)
[ "$text_rows" -eq "$count" ] && pass "text: $count rows" || fail "text: $text_rows rows, expected $count"
text_estab=$(printf '%s\n' "$text" | awk '$1 == "TcpCurrEstab" { print $2 " " $3 " " $4 }')
[ "$text_estab" = "$((2 * N)) - -" ] && pass "text gauge: value only" || fail "text gauge: $text_estab"

# One sample: no rates, so nothing to print, and no error.
one=$(timeout 30 "$TCPDECK" -b -n 1 --view counters -o json)
status=$?
[ "$status" -eq 0 ] && [ -z "$one" ] && pass "-n 1 prints nothing" || fail "-n 1: status $status, '$one'"

finish
